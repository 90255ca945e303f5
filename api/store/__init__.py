"""The service's store: SQLAlchemy models, the engine and session, and schema migrations."""
from .session import Store, current_revision, head_revision, make_engine, upgrade_database

__all__ = ["Store", "current_revision", "head_revision", "make_engine", "upgrade_database"]
