"""What happened to an adopted item afterwards: its implementation status (落实中, 已落实, 成果转化), as the reports,
letters and pages read it. The service keeps every change; the library sees the current one."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .messages import CARRIED_OUT, IMPLEMENTATION_STATUSES


@dataclass(frozen=True)
class Implementation:
    """The current implementation status of one adopted issue or suggestion, and how many changes led to it."""

    status: str
    on: date
    department: str
    note: str = ""
    evidence_url: str | None = None
    recorded_at: datetime | None = None
    changes: int = 1

    @property
    def label(self) -> str:
        return IMPLEMENTATION_STATUSES[self.status]

    @property
    def carried_out(self) -> bool:
        """Implemented or turned into results: what the annual report counts as carried out."""
        return self.status in CARRIED_OUT
