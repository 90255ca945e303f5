"""What an organisation hears back about each of its suggestions: the current decision, the reason given and, once
adopted, how it is being carried out. The 组织反馈 pages, their CSV, the annual report and the feedback letters all
read these records."""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from datetime import datetime

from .messages import DECISIONS
from .records import Suggestion
from .tracking import Implementation

# Decisions that mean the suggestion went forward past the first screening (the report's 入围 stage).
SCREENED_IN = ("shortlist", "digest", "adopted", "not_adopted")
# Decisions that mean it was not taken up; an organisation is owed the reason.
TURNED_DOWN = ("reject", "not_adopted")


@dataclass
class Feedback:
    """One suggestion as its organisation hears back about it.

    A suggestion nobody decided on alone takes its issue's decisions (``basis`` says which), since reviewers often
    decide once for every organisation that raised the same issue; ``decisions`` is that history, oldest first, and
    ``implementation`` the current implementation status of whatever was adopted (the suggestion or its issue).
    """

    suggestion: Suggestion
    issue_id: str | None
    issue_label: str
    decision: str | None
    reason: str
    decided_at: datetime | None
    basis: str | None  # "suggestion", "issue" or None
    decisions: tuple[str, ...] = ()
    implementation: Implementation | None = None

    @property
    def decision_label(self) -> str:
        return DECISIONS[self.decision] if self.decision else ""

    @property
    def adopted(self) -> bool:
        return self.decision == "adopted"

    @property
    def carried_out(self) -> bool:
        return self.adopted and self.implementation is not None and self.implementation.carried_out

    @property
    def turned_down(self) -> bool:
        return self.decision in TURNED_DOWN


@dataclass
class Organisation:
    code: str
    name: str
    org_type: str
    suggestions: int = 0
    reviewed: int = 0
    adopted: int = 0
    carried_out: int = 0


def organisations(rows: Iterable[Feedback]) -> list[Organisation]:
    """Each organisation with how many of its suggestions have a decision (its own or its issue's), were adopted and
    were carried out; most suggestions first."""
    found: dict[str, Organisation] = {}
    for row in rows:
        s = row.suggestion
        org = found.setdefault(s.submitter, Organisation(s.submitter, s.org_name or s.submitter, s.org_type))
        org.suggestions += 1
        org.reviewed += row.decision is not None
        org.adopted += row.adopted
        org.carried_out += row.carried_out
    return sorted(found.values(), key=lambda o: (-o.suggestions, o.code))
