"""What a store holds, read directly (the service is dead or its answers are the thing under test)."""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool


@dataclass
class Stored:
    """What a store holds: ids of suggestions, of their vectors, memberships, audit entries, issues, jobs, merges.

    ``rows`` counts suggestion rows, so an id stored twice would show (the sets would hide it).
    """

    suggestions: set[str]
    embeddings: set[str]
    members: dict[str, str]
    created: set[str]  # audited suggestion.create
    issues: set[str]
    jobs: dict[str, tuple[str, str]] = field(default_factory=dict)
    merges: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # audited issue.merge moves, in order
    rows: int = 0

    @classmethod
    def read(cls, where: Path | str) -> "Stored":
        """From a SQLite file's path or any database URL."""
        engine = create_engine(f"sqlite:///{where}" if isinstance(where, Path) else where, poolclass=NullPool)
        try:
            with engine.connect() as connection:
                db = connection.exec_driver_sql  # plain SQL, the same on both databases
                return cls(
                    suggestions={r[0] for r in db("SELECT id FROM suggestions")},
                    embeddings={r[0] for r in db("SELECT suggestion_id FROM embeddings")},
                    members={s: i for s, i in db("SELECT suggestion_id, issue_id FROM issue_members")},
                    created={r[0] for r in db(
                        "SELECT target_id FROM audit_log WHERE action = 'suggestion.create'")},
                    issues={r[0] for r in db("SELECT id FROM issues")},
                    jobs={r[0]: (r[1], r[2]) for r in db("SELECT id, status, message FROM jobs")},
                    merges=cls._merges(db),
                    rows=db("SELECT count(*) FROM suggestions").scalar_one(),
                )
        finally:
            engine.dispose()

    @staticmethod
    def _merges(db: Callable[[str], Any]) -> dict[str, list[tuple[str, str]]]:
        found: dict[str, list[tuple[str, str]]] = {}
        for target, detail in db(
                "SELECT target_id, detail FROM audit_log WHERE action = 'issue.merge' ORDER BY id"):
            move = json.loads(detail) if isinstance(detail, str) else detail
            found.setdefault(target, []).append((move["from"], move["to"]))
        return found

    def answered_issue_holds(self, suggestion_id: str, answered: str) -> bool:
        """The issue a suggestion was answered with is its stored issue, or led there through audited merges."""
        issue = answered
        for before, after in self.merges.get(suggestion_id, []):
            if before != issue:
                return False
            issue = after
        return self.members[suggestion_id] == issue

    def assert_whole(self) -> None:
        """No suggestion is half-stored: each has its vector, its issue and its audit entry, and nothing dangles."""
        assert self.rows == len(self.suggestions)
        assert self.embeddings == self.suggestions
        assert set(self.members) == self.suggestions
        assert self.created == self.suggestions
        assert set(self.members.values()) <= self.issues
