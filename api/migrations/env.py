"""Alembic environment: always run in-process with the service's own connection (see ``upgrade_database``)."""
from __future__ import annotations

from alembic import context

from api.store.models import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
