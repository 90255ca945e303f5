"""When the store is away, full or read-only: which database errors those are, and one log line per outage.

A database restart, a full disk or a read-only file is not a bug in the service: the client can do something about
it (send the same request again later) and needs to be told so, with ``Retry-After``, instead of a 500. Everything
else the database raises stays an error with its stack trace. The sorting is done once here, on the error the
driver raised, for PostgreSQL (by SQLSTATE) and SQLite (by its result code).
"""
from __future__ import annotations

import logging
import sqlite3
import threading
import time
from dataclasses import dataclass

from sqlalchemy import exc

log = logging.getLogger("api.store")

UNAVAILABLE = "store_unavailable"
FULL = "store_full"
READ_ONLY = "store_read_only"

# PostgreSQL SQLSTATEs that are a fault of the server's state, not of the statement: the server shutting down or
# starting, refusing connections, out of disk, a read-only standby.
PG_FAULTS = {"57P01": UNAVAILABLE, "57P02": UNAVAILABLE, "57P03": UNAVAILABLE, "53300": UNAVAILABLE,
             "53200": UNAVAILABLE, "53100": FULL, "25006": READ_ONLY}
PG_UNAVAILABLE_CLASSES = ("08",)  # connection exceptions
# SQLite primary result codes: SQLITE_BUSY, LOCKED, READONLY, IOERR, FULL, CANTOPEN. A write the disk refused
# (SQLITE_IOERR_WRITE, extended) is what a full disk or the file size limit gives when the file cannot grow.
SQLITE_FAULTS = {5: UNAVAILABLE, 6: UNAVAILABLE, 8: READ_ONLY, 10: UNAVAILABLE, 13: FULL, 14: UNAVAILABLE}
SQLITE_EXTENDED_FAULTS = {778: FULL}
# After these the SQLite connection is reopened: a file opened read-only stays read-only until it is.
SQLITE_REOPEN = {8, 10, 14}
STATUS = {UNAVAILABLE: 503, FULL: 507, READ_ONLY: 503}


@dataclass(frozen=True)
class StoreFault:
    """A store that cannot answer now: the code clients see, the HTTP status, and the database's own words."""

    code: str
    reason: str

    @property
    def status(self) -> int:
        return STATUS[self.code]


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def sqlite_code(error: BaseException) -> int | None:
    """The primary result code (the low byte of the extended one)."""
    code = getattr(error, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def sqlite_fault(error: sqlite3.Error) -> str | None:
    return SQLITE_EXTENDED_FAULTS.get(getattr(error, "sqlite_errorcode", None)) or SQLITE_FAULTS.get(sqlite_code(error))


def classify(error: BaseException) -> StoreFault | None:
    """The fault ``error`` shows, or None when it is not a store fault (a bug, a constraint, bad SQL)."""
    if isinstance(error, exc.TimeoutError):  # every pooled connection busy for the pool's whole timeout
        return StoreFault(UNAVAILABLE, first_line(error))
    if not isinstance(error, exc.DBAPIError):
        return None
    orig = error.orig
    if isinstance(orig, sqlite3.Error):
        code = sqlite_fault(orig)
    elif error.connection_invalidated or isinstance(error, exc.InterfaceError):
        code = UNAVAILABLE
    else:
        state = getattr(orig, "sqlstate", None) or ""
        code = PG_FAULTS.get(state)
        if code is None and (state.startswith(PG_UNAVAILABLE_CLASSES)
                             or (isinstance(error, exc.OperationalError) and not state)):
            code = UNAVAILABLE  # no SQLSTATE: the connection itself failed (refused, closed, timed out)
    return StoreFault(code, first_line(orig)) if code else None


def is_sqlite_reopen(error: BaseException) -> bool:
    return isinstance(error, sqlite3.Error) and sqlite_code(error) in SQLITE_REOPEN


class StoreWatch:
    """Remembers whether the store is in a fault and logs each change of state in one line, without a stack trace.

    ``fault`` is told of every refused request, ``ok`` of every commit, new connection and stored write; only a
    change is logged, so an outage of a thousand refused requests is two lines: when it began and when it ended.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.current: StoreFault | None = None
        self._since = 0.0
        self._refused = 0

    def fault(self, fault: StoreFault) -> None:
        with self._lock:
            self._refused += 1
            if self.current is not None and self.current.code == fault.code:
                return
            if self.current is None:
                self._since, self._refused = time.monotonic(), 1
            self.current = fault
        log.warning("store fault %s: %s; answering %d with Retry-After until it clears", fault.code, fault.reason,
                    fault.status)

    def ok(self, wrote: bool = True) -> None:
        """The store answered: any fault is over after a write; only ``store_unavailable`` after a read (a full or
        read-only store still reads)."""
        current = self.current
        if current is None or (not wrote and current.code != UNAVAILABLE):  # the common case, without the lock
            return
        with self._lock:
            if self.current is not current:
                return
            self.current = None
            seconds, refused = time.monotonic() - self._since, self._refused
        log.warning("store fault %s cleared after %.1f s; %d requests were refused meanwhile", current.code, seconds,
                    refused)
