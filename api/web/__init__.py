"""The reviewer workspace: web pages for the think-tank's reviewers, served by the API process under ``/web``."""
from .router import fault_page, router

__all__ = ["fault_page", "router"]
