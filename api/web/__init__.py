"""The reviewer workspace: web pages for the think-tank's reviewers, served by the API process under ``/web``."""
from .router import router

__all__ = ["router"]
