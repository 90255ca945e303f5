"""Storage models: every table the service keeps, in one module.

Suggestions keep the submitter's original text verbatim beside the normalised text. Reviews and the audit log are
append-only: nothing in them is ever updated, so a decision's history is the table itself.
"""
from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import (JSON, Date, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    """Now in UTC without a zone: stored the same way on SQLite and PostgreSQL, read back unchanged."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON, datetime: DateTime(), date: Date()}


class SuggestionRow(Base):
    """One stored suggestion. ``pk`` keeps arrival order; ``id`` is the submitter's own id (idempotency key)."""

    __tablename__ = "suggestions"

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(200), unique=True)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    original_title: Mapped[str] = mapped_column(Text)
    original_body: Mapped[str] = mapped_column(Text)
    submitter: Mapped[str] = mapped_column(String(200))
    org_name: Mapped[str] = mapped_column(String(500), default="")
    org_type: Mapped[str] = mapped_column(String(200), default="")
    sector: Mapped[str] = mapped_column(String(200), default="", index=True)
    district: Mapped[str] = mapped_column(String(200), default="", index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    endorsements: Mapped[int] = mapped_column(Integer, default=0)
    opposes: Mapped[int] = mapped_column(Integer, default=0)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(500), default="")
    row: Mapped[int] = mapped_column(Integer, default=0)
    payload_hash: Mapped[str] = mapped_column(String(64))
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))


class EmbeddingRow(Base):
    """A suggestion's vector under one embedder, as float32 bytes; switching embedder keeps the old vectors."""

    __tablename__ = "embeddings"

    suggestion_id: Mapped[str] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"), primary_key=True)
    embedder: Mapped[str] = mapped_column(String(200), primary_key=True)
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)


class DuplicateLinkRow(Base):
    """A repost and the original it points to."""

    __tablename__ = "duplicate_links"

    suggestion_id: Mapped[str] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"), primary_key=True)
    original_id: Mapped[str] = mapped_column(ForeignKey("suggestions.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IssueRow(Base):
    """A shared issue as last labelled; the statistics are recomputed by the library, not stored."""

    __tablename__ = "issues"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    label: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class MembershipRow(Base):
    """Which issue a suggestion belongs to now; every change is also written to the audit log."""

    __tablename__ = "issue_members"

    suggestion_id: Mapped[str] = mapped_column(ForeignKey("suggestions.id", ondelete="CASCADE"), primary_key=True)
    issue_id: Mapped[str] = mapped_column(ForeignKey("issues.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewRow(Base):
    """One reviewer decision. Append-only: a new decision is a new row, the latest row is the current decision."""

    __tablename__ = "reviews"
    __table_args__ = (Index("ix_reviews_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text)
    reviewer: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ImplementationRow(Base):
    """One change to how an adopted item is being carried out (落实中, 已落实, 成果转化). Append-only like reviews: the
    latest row is the current status, the rows before it are its history."""

    __tablename__ = "implementations"
    __table_args__ = (Index("ix_implementations_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(30))
    happened_on: Mapped[date] = mapped_column(Date)
    department: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text, default="")
    evidence_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    recorder: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditRow(Base):
    """Every change to the store: who (``actor``), what (``action`` on a target) and the details."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(50))
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[str] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ApiKeyRow(Base):
    """An API key: only its sha256 is stored; ``id`` is the public handle the audit log names."""

    __tablename__ = "api_keys"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)


class JobRow(Base):
    """A background job (a full re-cluster) with its progress, kept so its outcome survives a restart."""

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20))
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(Text, default="")
    result: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
