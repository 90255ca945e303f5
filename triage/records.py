"""The canonical records every step of the pipeline passes along.

One suggestion record is what any input format becomes after intake, so later steps never see a file format or a
column name. Original text is kept beside the normalised text because reviewers and exports quote the submitter's
own words, while the pipeline works on the normalised form.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass
class Suggestion:
    """One accepted suggestion, normalised, with where it came from."""

    id: str
    title: str
    body: str
    submitter: str
    org_name: str = ""
    org_type: str = ""
    sector: str = ""
    district: str = ""
    submitted_at: datetime | None = None
    endorsements: int = 0
    opposes: int = 0
    metadata: dict[str, Any] = field(default_factory=dict)
    original_title: str = ""
    original_body: str = ""
    source: str = ""
    row: int = 0
    duplicate_of: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Suggestion":
        """The inverse of ``to_dict`` (extra keys, such as per-run annotations, are ignored)."""
        values = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        if values.get("submitted_at"):
            values["submitted_at"] = datetime.fromisoformat(values["submitted_at"])
        return cls(**values)

    @property
    def text(self) -> str:
        """Title and body as one normalised string, the unit that segmentation and embedding read."""
        return f"{self.title} {self.body}".strip()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view (dates as ISO strings)."""
        return {
            "id": self.id,
            "title": self.title,
            "body": self.body,
            "submitter": self.submitter,
            "org_name": self.org_name,
            "org_type": self.org_type,
            "sector": self.sector,
            "district": self.district,
            "submitted_at": self.submitted_at.isoformat(sep=" ") if self.submitted_at else None,
            "endorsements": self.endorsements,
            "opposes": self.opposes,
            "metadata": self.metadata,
            "original_title": self.original_title,
            "original_body": self.original_body,
            "source": self.source,
            "row": self.row,
            "duplicate_of": self.duplicate_of,
        }


@dataclass(frozen=True)
class Rejection:
    """An input row that was not accepted, with enough detail for the submitter to fix it."""

    source: str
    row: int
    field: str
    reason: str
    code: str
    id: str | None = None

    def __str__(self) -> str:
        where = f"{self.source}:{self.row}"
        return f"{where} [{self.field}] {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "row": self.row, "field": self.field, "reason": self.reason,
                "code": self.code, "id": self.id}


@dataclass
class Issue:
    """A shared concrete issue: the suggestions that raise the same place or object and the same problem.

    ``members`` lists every member id, duplicates included (reviewers see them); every count here counts each
    original once, so a repost never makes an issue look broader than it is.
    """

    id: str
    members: list[str]
    topic: str = ""
    label: str = ""
    keywords: list[str] = field(default_factory=list)
    size: int = 0
    submitters: int = 0
    endorsements: int = 0
    sectors: dict[str, int] = field(default_factory=dict)
    districts: dict[str, int] = field(default_factory=dict)
    org_types: dict[str, int] = field(default_factory=dict)
    first_at: datetime | None = None
    last_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "topic": self.topic, "label": self.label, "keywords": self.keywords,
            "size": self.size, "submitters": self.submitters, "endorsements": self.endorsements,
            "sectors": self.sectors, "districts": self.districts, "org_types": self.org_types,
            "first_at": self.first_at.isoformat(sep=" ") if self.first_at else None,
            "last_at": self.last_at.isoformat(sep=" ") if self.last_at else None,
            "members": self.members,
        }


@dataclass
class Score:
    """A ranking score and the per-factor contributions that add up to it, so a reviewer can see why."""

    value: float
    breakdown: dict[str, float]
    factors: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"score": round(self.value, 6), "breakdown": {k: round(v, 6) for k, v in self.breakdown.items()},
                "factors": {k: round(v, 6) for k, v in self.factors.items()}}
