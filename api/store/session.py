"""Engine, sessions and schema upgrades: the same code for a SQLite file and a PostgreSQL URL."""
from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from .faults import UNAVAILABLE, StoreFault, StoreWatch, classify, is_sqlite_reopen

T = TypeVar("T")
# A connection attempt to a server that does not answer gives up after this long (a refused one fails at once).
CONNECT_TIMEOUT_SECONDS = 5

MIGRATIONS_DIR = Path(__file__).resolve().parents[1] / "migrations"


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL and enforced foreign keys so it behaves like the server database.

    Statement parameters are kept out of error messages: they hold suggestion text and personal data, and a failed
    write's message ends up in the service's log.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection, _record):
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()

        return engine
    # pool_pre_ping: after a server restart every pooled connection is dead; each is tested and replaced on checkout.
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, hide_parameters=True,
                         connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS})


def watch_engine(engine: Engine, watch: StoreWatch) -> None:
    """Tell ``watch`` when the store answers again, and reopen SQLite connections after an I/O or read-only error.

    A SQLite file that was read-only when a connection opened it stays read-only for that connection, and one
    that saw an I/O error is best not trusted: marking the error a disconnect makes the pool open fresh ones.
    """
    @event.listens_for(engine, "commit")
    def _committed(_connection) -> None:
        watch.ok(wrote=False)

    @event.listens_for(engine, "connect")
    def _connected(_connection, _record) -> None:
        watch.ok(wrote=False)

    @event.listens_for(engine, "handle_error")
    def _failed(context) -> None:
        if is_sqlite_reopen(context.original_exception):
            context.is_disconnect = True


def upgrade_database(engine: Engine, revision: str = "head") -> None:
    """Create the schema or upgrade an existing database in place to ``revision`` (Alembic, run in-process)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def head_revision() -> str:
    """The revision the shipped migrations lead to: what ``upgrade_database`` brings any database to."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


class Store:
    """The database the service writes to: an engine, a session factory and the watch over its faults."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.watch = StoreWatch()
        watch_engine(self.engine, self.watch)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def upgrade(self) -> None:
        upgrade_database(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session whose changes are committed in one transaction when the block ends, rolled back on error."""
        with self._sessions() as session, session.begin():
            yield session

    def write(self, work: Callable[[Session, bool], T], retry_pause: float) -> T:
        """``work(session, retried)`` in one transaction, tried once more on a fresh connection if a restart cut it;
        once it is stored, any fault the watch knew of is over.

        Only for work that is safe to repeat: ``retried`` tells it to check first whether the cut transaction was
        committed after all (the answer to a COMMIT can be lost with the connection).
        """
        try:
            with self.session() as session:
                done = work(session, False)
        except SQLAlchemyError as error:
            fault = classify(error)
            if fault is None or fault.code != UNAVAILABLE:
                raise
            self.watch.fault(fault)
            time.sleep(retry_pause)
            with self.session() as session:
                done = work(session, True)
        self.watch.ok()
        return done

    def probe(self) -> StoreFault | None:
        """None when the store answers a query now, else why not (for the health check).

        A full disk or a read-only file still answers queries; that fault clears only when a write succeeds.
        """
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            fault = classify(error)
            if fault is None:
                raise
            self.watch.fault(fault)
            return fault
        self.watch.ok(wrote=False)
        return None

    def close(self) -> None:
        self.engine.dispose()
