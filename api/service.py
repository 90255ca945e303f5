"""The service's state: the store, the library's ``Workspace`` and the glue that keeps them in step.

Writes follow one rule: the workspace decides (duplicate link, issue, scores), then everything it decided for a batch
is committed in one transaction before the answer goes out; if the store refuses the commit, the workspace is rolled
back, so it never holds what the store does not. Writers take ``write_lock`` so the store sees changes in the order
the workspace made them; scoring takes no lock of ours.
"""
from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from triage.corrections import Correction
from triage.intake import PRESETS, Limits, build_suggestion
from triage.normalise import normalise_id
from triage.records import Issue, Rejection, Suggestion
from triage.workspace import Outcome, Workspace

from .errors import ApiError
from .rate_limit import RateLimiter
from .schemas import SuggestionDraft, SuggestionIn
from .settings import ServiceSettings
from .store import Store
from .store.models import (AuditRow, DuplicateLinkRow, EmbeddingRow, IssueRow, MembershipRow, SuggestionRow,
                           utcnow)

log = logging.getLogger("api.service")

API_SOURCE = "api"
SYSTEM_ACTOR = "system"
# The audit action that records a reviewer's split or merge; its detail is the correction, re-applied after every
# re-cluster, so the audit log is also where the corrections are kept.
CORRECTION = "issue.correct"


def result_of(outcome: Outcome) -> dict[str, Any]:
    """The JSON answer for one suggestion (stored as is, so a resubmission gets exactly the same answer)."""
    return {
        "id": outcome.id,
        "duplicate_of": outcome.duplicate_of,
        "issue_id": outcome.issue_id,
        "issue_label": outcome.issue_label,
        "opened_issue": outcome.opened_issue,
        "nearest": [{"id": i, "similarity": round(float(s), 6)} for i, s in outcome.nearest],
        "scores": {
            "digest": outcome.digest.to_dict() if outcome.digest else None,
            "issue": outcome.issue_score.to_dict() if outcome.issue_score else None,
        },
    }


def read_store(url: str, config: dict, embedder: str | None = None
               ) -> tuple[list[Suggestion], np.ndarray, list[Correction]]:
    """What ``triage eval --db`` and ``triage issues-model train --db`` read: the stored suggestions, their vectors
    and the reviewers' corrections, without starting the service or changing any membership."""
    service = Service(Store(url), Workspace(config, embedder_name=embedder), ServiceSettings())
    try:
        suggestions, vectors, _, _ = service.stored()
        return suggestions, vectors, service.corrections()
    finally:
        service.store.close()


def payload_hash(item: SuggestionDraft) -> str:
    canonical = json.dumps(item.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def suggestion_hash(suggestion: Suggestion) -> str:
    """The content hash of a suggestion read from a file (where it came from does not count)."""
    view = {k: v for k, v in suggestion.to_dict().items() if k not in {"source", "row", "duplicate_of"}}
    canonical = json.dumps(view, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def suggestion_of(row: SuggestionRow, duplicate_of: str | None) -> Suggestion:
    return Suggestion(
        id=row.id, title=row.title, body=row.body, submitter=row.submitter, org_name=row.org_name,
        org_type=row.org_type, sector=row.sector, district=row.district, submitted_at=row.submitted_at,
        endorsements=row.endorsements, opposes=row.opposes, metadata=dict(row.extra or {}),
        original_title=row.original_title, original_body=row.original_body, source=row.source, row=row.row,
        duplicate_of=duplicate_of,
    )


@dataclass
class Submission:
    """A validated suggestion on its way in, with the hash that makes a resubmission recognisable."""

    suggestion: Suggestion
    digest: str
    field: str  # where it sits in the request, for errors ("items[3]" or "")


@dataclass
class SubmitResult:
    results: list[dict[str, Any]]
    created: int


class Service:
    """Everything a request handler needs, hung on ``app.state.service``."""

    def __init__(self, store: Store, workspace: Workspace, settings: ServiceSettings):
        from .auth import KeyChecker
        from .jobs import JobRunner

        self.store = store
        self.workspace = workspace
        self.config = workspace.config
        self.settings = settings
        self.limits = Limits(**self.config["intake"])
        self.keys = KeyChecker(store, settings.key_cache_seconds)
        self.rate = RateLimiter(settings.rate_per_second, settings.rate_burst)
        self.write_lock = threading.Lock()
        # Ids of refused commits whose fate is unknown, and whether a failed save left the workspace ahead of the
        # store (see ``_reconcile``).
        self._unsure: set[str] = set()
        self.reload_pending = False
        self.jobs = JobRunner(self)

    # -- start-up ------------------------------------------------------------------------------------------
    def start(self) -> None:
        """Upgrade the schema, then load the workspace from the store (vectors included: nothing is re-embedded)."""
        self.store.upgrade()
        self.jobs.mark_interrupted()
        with self.write_lock:
            self._restore()

    def _restore(self) -> None:
        suggestions, vectors, issue_of, known_issue_ids = self.stored()
        self.workspace.restore(suggestions, vectors, issue_of, known_issue_ids=known_issue_ids)
        self.workspace.corrections = self.corrections()
        with self.store.session() as session:
            self.sync_membership(session, SYSTEM_ACTOR, "issue.restore")

    def stored(self) -> tuple[list[Suggestion], np.ndarray, dict[str, str], list[str]]:
        """The stored suggestions with their repost links, their vectors under the workspace's embedder, their
        issues, and every issue id used so far. Vectors missing for this embedder are computed once and kept."""
        key = self.workspace.embedder.key
        with self.store.session() as session:
            rows = session.scalars(select(SuggestionRow).order_by(SuggestionRow.pk)).all()
            links = dict(session.execute(select(DuplicateLinkRow.suggestion_id, DuplicateLinkRow.original_id)).all())
            issue_of = dict(session.execute(select(MembershipRow.suggestion_id, MembershipRow.issue_id)).all())
            known_issue_ids = list(session.scalars(select(IssueRow.id)))
            stored = {sid: np.frombuffer(blob, dtype=np.float32) for sid, blob in session.execute(
                select(EmbeddingRow.suggestion_id, EmbeddingRow.vector).where(EmbeddingRow.embedder == key))}
        suggestions = [suggestion_of(row, links.get(row.id)) for row in rows]
        missing = [s for s in suggestions if s.id not in stored]
        if missing:
            # Only after a change of embedder: the new model's vectors are computed once and kept.
            log.info("embedding %d stored suggestions with %s", len(missing), key)
            vectors = self.workspace.embed(missing)
            with self.store.session() as session:
                for suggestion, vector in zip(missing, vectors):
                    stored[suggestion.id] = vector
                    session.add(EmbeddingRow(suggestion_id=suggestion.id, embedder=key, dim=len(vector),
                                             vector=np.asarray(vector, dtype=np.float32).tobytes()))
        dim = getattr(self.workspace.embedder, "dim", 0)
        vectors = (np.vstack([stored[s.id] for s in suggestions]) if suggestions
                   else np.zeros((0, dim), dtype=np.float32))
        return suggestions, vectors, issue_of, known_issue_ids

    # -- writing -------------------------------------------------------------------------------------------
    def to_suggestion(self, item: SuggestionDraft, row: int, field: str) -> Suggestion:
        """The library's suggestion for an API item, or a 422 naming the field the library rejected."""
        values = {k: v for k, v in item.model_dump(exclude={"metadata"}).items() if v is not None}
        if item.id is None:
            values["id"] = "draft"
        built = build_suggestion(values, PRESETS["canonical"], API_SOURCE, row, self.limits)
        if isinstance(built, Rejection):
            where = f"{field}.{built.field}" if field else built.field
            raise ApiError(422, built.code, where, message=built.reason)
        built.metadata = dict(item.metadata)
        return built

    def submit(self, items: Sequence[SuggestionIn], actor: str, batch: bool) -> SubmitResult:
        """Store new suggestions and answer for each; a resubmitted id with the same content gets its first answer."""
        if len(items) > self.settings.max_batch:
            raise ApiError(413, "batch_too_large", "items", limit=self.settings.max_batch, count=len(items))
        submissions: dict[str, Submission] = {}
        order: list[str] = []
        for index, item in enumerate(items):
            field = f"items[{index}]" if batch else ""
            # Ids are keyed as the library stores them (normalised like every other text), so " a" and "a" are one
            # suggestion, never two rows fighting over one stored id.
            sid = normalise_id(item.id)
            if not sid:
                raise ApiError(422, "blank_id", f"{field}.id" if field else "id")
            digest = payload_hash(item.model_copy(update={"id": sid}))
            order.append(sid)
            seen = submissions.get(sid)
            if seen is not None:
                if seen.digest != digest:
                    raise ApiError(409, "id_conflict", f"{field}.id" if field else "id", id=sid)
                continue
            submissions[sid] = Submission(self.to_suggestion(item, index + 1, field), digest, field)
        results, created, _ = self._store(submissions, actor, skip_conflicts=False)
        return SubmitResult([results[sid] for sid in order], created)

    def ingest(self, suggestions: Sequence[Suggestion], actor: str, batch_size: int = 2000) -> dict[str, int]:
        """Store suggestions read from files (``triage serve --load``), one transaction per batch.

        Reloading the same file stores nothing twice; an id already stored with other content is counted and
        skipped, not overwritten.
        """
        counts = {"new": 0, "existing": 0, "conflicts": 0}
        if not len(self.workspace):
            # Into an empty store everything goes in one batch, so the workspace finds issues once over all of it.
            batch_size = max(1, len(suggestions))
        for start in range(0, len(suggestions), batch_size):
            chunk = suggestions[start:start + batch_size]
            submissions = {s.id: Submission(s, suggestion_hash(s), f"{s.source}:{s.row}") for s in chunk}
            results, created, conflicts = self._store(submissions, actor, skip_conflicts=True)
            counts["new"] += created
            counts["conflicts"] += conflicts
            counts["existing"] += len(chunk) - created - conflicts
        return counts

    def _store(self, submissions: dict[str, Submission], actor: str,
               skip_conflicts: bool) -> tuple[dict[str, dict], int, int]:
        """Answers by id, how many were newly stored, and how many conflicting ids were skipped."""
        stored, conflicts = self._stored(submissions, skip_conflicts)
        fresh = [s for sid, s in submissions.items() if sid not in stored and sid not in conflicts]
        vectors = self.workspace.embed([s.suggestion for s in fresh]) if fresh else None
        with self.write_lock:
            self._reconcile()
            stored, conflicts = self._stored(submissions, skip_conflicts)  # another request may have stored some
            keep = [i for i, s in enumerate(fresh) if s.suggestion.id not in stored and s.suggestion.id not in conflicts]
            fresh = [fresh[i] for i in keep]
            results = {sid: result for sid, (_, result) in stored.items()}
            if fresh:
                vectors = vectors[keep]
                outcomes = self._commit(fresh, vectors, actor)
                results.update((o.id, result_of(o)) for o in outcomes)
        return results, len(fresh), len(conflicts)

    def _commit(self, fresh: list[Submission], vectors: np.ndarray, actor: str) -> list[Outcome]:
        """Place ``fresh`` in the workspace and commit what it decided; if the store refuses, undo the placing.

        The workspace decides first (the stored rows carry its answers), so a refused commit would leave it holding
        suggestions the store never got: it is rolled back to where it stood. A commit cut by a store restart is
        tried once more; being keyed by id, the retry first checks whether the cut commit went through after all.
        Called under ``write_lock``.
        """
        checkpoint = self.workspace.checkpoint()
        outcomes = self.workspace.add([s.suggestion for s in fresh], vectors)
        moves = self.workspace.take_moves()
        ids = [s.suggestion.id for s in fresh]

        def persist(session: Session, retried: bool) -> None:
            if retried and session.scalar(select(func.count()).select_from(SuggestionRow).where(
                    SuggestionRow.id.in_(ids[:1]))):
                return  # the first attempt's commit reached the store; its answer was lost with the connection
            self._persist(session, fresh, vectors, outcomes, moves, actor)

        try:
            self.store.write(persist, self.settings.store_retry_pause)
        except Exception:
            self.workspace.rollback(checkpoint)
            self._unsure.update(ids)
            raise
        return outcomes

    def _reconcile(self) -> None:
        """Reload the workspace from the store when a failed save may have left the two apart.

        A commit can succeed while its answer is lost with the connection; the workspace was rolled back all the
        same, so if any of those ids is in the store now, the store is right. A re-cluster whose save failed left
        its new memberships in the workspace only. Called under ``write_lock``, before the next write.
        """
        if self._unsure and not self.reload_pending:
            ids = sorted(self._unsure)
            with self.store.session() as session:
                self.reload_pending = any(session.scalar(select(func.count()).select_from(SuggestionRow).where(
                    SuggestionRow.id.in_(ids[start:start + 500]))) for start in range(0, len(ids), 500))
        if self.reload_pending:
            log.warning("the workspace and the store may differ after a failed save; reloading it from the store")
            self._restore()
        self._unsure.clear()
        self.reload_pending = False

    def _stored(self, submissions: dict[str, Submission],
                skip_conflicts: bool) -> tuple[dict[str, tuple[str, dict]], set[str]]:
        """Already stored ids among ``submissions`` with their answers, and ids stored with other content.

        An id stored with other content is a 409 unless ``skip_conflicts``.
        """
        found: dict[str, tuple[str, dict]] = {}
        ids = list(submissions)
        with self.store.session() as session:
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                for sid, digest, result in session.execute(select(
                        SuggestionRow.id, SuggestionRow.payload_hash, SuggestionRow.result
                ).where(SuggestionRow.id.in_(chunk))):
                    found[sid] = (digest, result)
        conflicts = set()
        for sid, (digest, _) in list(found.items()):
            submission = submissions[sid]
            if submission.digest != digest:
                if not skip_conflicts:
                    raise ApiError(409, "id_conflict", f"{submission.field}.id" if submission.field else "id", id=sid)
                conflicts.add(sid)
                del found[sid]
        return found, conflicts

    def _persist(self, session: Session, fresh: Sequence[Submission], vectors: np.ndarray,
                 outcomes: Sequence[Outcome], moves: dict[str, tuple[str, str]], actor: str) -> None:
        key = self.workspace.embedder.key
        by_id = {o.id: o for o in outcomes}
        now = utcnow()
        for submission in fresh:
            s = submission.suggestion
            session.add(SuggestionRow(
                id=s.id, title=s.title, body=s.body, original_title=s.original_title,
                original_body=s.original_body, submitter=s.submitter, org_name=s.org_name, org_type=s.org_type,
                sector=s.sector, district=s.district, submitted_at=s.submitted_at, endorsements=s.endorsements,
                opposes=s.opposes, extra=s.metadata, source=s.source, row=s.row, payload_hash=submission.digest,
                result=result_of(by_id[s.id]), created_at=now, created_by=actor))
        session.flush()
        for submission, vector in zip(fresh, vectors):
            s = submission.suggestion
            outcome = by_id[s.id]
            session.add(EmbeddingRow(suggestion_id=s.id, embedder=key, dim=len(vector),
                                     vector=np.asarray(vector, dtype=np.float32).tobytes()))
            if outcome.duplicate_of:
                session.add(DuplicateLinkRow(suggestion_id=s.id, original_id=outcome.duplicate_of, created_at=now))
            session.add(AuditRow(at=now, actor=actor, action="suggestion.create", target_type="suggestion",
                                 target_id=s.id, detail={"duplicate_of": outcome.duplicate_of,
                                                         "issue_id": outcome.issue_id}))
        # Placing them may have merged issues: stored suggestions of a merged issue move with it.
        moves = {sid: move for sid, move in moves.items() if sid not in by_id}
        self.save_issues(session, {o.issue_id for o in outcomes if o.issue_id} | {to for _, to in moves.values()},
                         actor)
        session.flush()
        for outcome in outcomes:
            if outcome.issue_id:
                session.add(MembershipRow(suggestion_id=outcome.id, issue_id=outcome.issue_id, assigned_at=now))
        self._save_moves(session, moves, actor, "issue.merge")

    def _save_moves(self, session: Session, moves: dict[str, tuple[str | None, str]], actor: str, action: str) -> int:
        """Store the new issue of each stored suggestion that moved (id -> (from, to); from is None for one that had
        none stored), each change audited; returns how many changed. The issues they moved to must be saved first."""
        now = utcnow()
        changed = 0
        for sid, (before, after) in sorted(moves.items()):
            if before == after:  # moved away and back again, or never moved
                continue
            row = session.get(MembershipRow, sid)
            if row is None:
                session.add(MembershipRow(suggestion_id=sid, issue_id=after, assigned_at=now))
            else:
                row.issue_id, row.assigned_at = after, now
            session.add(AuditRow(at=now, actor=actor, action=action, target_type="suggestion",
                                 target_id=sid, detail={"from": before, "to": after}))
            changed += 1
        return changed

    def save_issues(self, session: Session, issue_ids: Iterable[str], actor: str) -> None:
        """Insert or relabel the given issues as the workspace describes them now."""
        now = utcnow()
        ids = sorted(issue_ids)
        rows: dict[str, IssueRow] = {}
        for start in range(0, len(ids), 500):  # one query per 500 issues, not one per issue (start-up, re-cluster)
            rows.update((row.id, row) for row in session.scalars(
                select(IssueRow).where(IssueRow.id.in_(ids[start:start + 500]))))
        for issue_id in ids:
            issue = self.workspace.issue(issue_id)
            label, keywords = (issue.label, list(issue.keywords)) if issue else ("", [])
            row = rows.get(issue_id)
            if row is None:
                session.add(IssueRow(id=issue_id, label=label, keywords=keywords, created_at=now, updated_at=now))
                session.add(AuditRow(at=now, actor=actor, action="issue.open", target_type="issue",
                                     target_id=issue_id, detail={"label": label}))
            elif row.label != label or row.keywords != keywords:
                row.label, row.keywords, row.updated_at = label, keywords, now

    def sync_membership(self, session: Session, actor: str, action: str) -> int:
        """Make the stored memberships match the workspace; each change is audited. Returns how many changed."""
        current = self.workspace.assignments()
        # Loaded whole and held, so ``_save_moves`` finds each row in the session rather than asking the store again.
        rows = session.scalars(select(MembershipRow)).all()
        stored = {row.suggestion_id: row.issue_id for row in rows}
        self.save_issues(session, {i for i in current.values() if i}, actor)
        session.flush()
        return self._save_moves(session, {sid: (stored.get(sid), issue_id) for sid, issue_id in current.items()
                                          if issue_id is not None}, actor, action)

    # -- reviewers' corrections ------------------------------------------------------------------------------
    def corrections(self) -> list[Correction]:
        """Every reviewer's split and merge, in the order made."""
        with self.store.session() as session:
            return [Correction.from_dict(detail) for detail in session.scalars(
                select(AuditRow.detail).where(AuditRow.action == CORRECTION).order_by(AuditRow.id))]

    def split_issue(self, issue_id: str, members: Sequence[str] | None, thread: int | None, reason: str,
                    actor: str) -> dict[str, Any]:
        """Move members (or one thread) of an issue into a new issue; audited, and kept through re-clustering."""
        if (members is None) == (thread is None):
            raise ApiError(422, "split_or_thread", "members")
        issue = self.issue(issue_id)
        if thread is not None:
            threads = self.workspace.threads(issue.id)
            if thread > len(threads):
                raise ApiError(422, "thread_not_found", "thread", id=issue.id, thread=thread, count=len(threads))
            members = threads[thread - 1][1]
        with self.write_lock:
            try:
                new_id, correction = self.workspace.split(issue.id, members)
            except ValueError as error:
                raise ApiError(422, "bad_correction", "thread" if thread else "members", detail=error) from None
            return self._save_correction(correction, [issue.id, new_id], "issue.split", reason, actor)

    def merge_issues(self, issue_ids: Sequence[str], reason: str, actor: str) -> dict[str, Any]:
        """Merge issues into the largest; audited (the absorbed ids answer where they went), kept through re-clustering."""
        live = [self.issue(issue_id, field=f"issue_ids[{n}]").id for n, issue_id in enumerate(issue_ids)]
        with self.write_lock:
            try:
                keep, correction = self.workspace.merge(live)
            except ValueError as error:
                raise ApiError(422, "bad_correction", "issue_ids", detail=error) from None
            return self._save_correction(correction, [keep], "issue.merge", reason, actor)

    def _save_correction(self, correction: Correction, issue_ids: list[str], action: str, reason: str,
                         actor: str) -> dict[str, Any]:
        """Store a split or merge: the correction itself, the issues it changed and the memberships it moved (only
        those: a correction changes a few issues however many are stored)."""
        moves = self.workspace.take_moves()
        try:
            with self.store.session() as session:
                session.add(AuditRow(actor=actor, action=CORRECTION, target_type="issue", target_id=issue_ids[0],
                                     detail={**correction.to_dict(), "reason": reason}))
                self.save_issues(session, {i for move in moves.values() for i in move
                                           if self.workspace.issue(i) is not None}, actor)
                session.flush()
                moved = self._save_moves(session, moves, actor, action)
        except Exception:
            log.exception("storing a correction failed; reloading the workspace from the store")
            self._restore()
            raise
        return {"kind": correction.kind, "issue_ids": issue_ids, "moved": moved, "reason": reason, "reviewer": actor}

    # -- reading -------------------------------------------------------------------------------------------
    def score(self, item: SuggestionDraft) -> dict[str, Any]:
        return result_of(self.workspace.score(self.to_suggestion(item, 1, "")))

    def issue(self, issue_id: str, field: str = "id") -> Issue:
        """The issue, or a 404 that names the issue a merge put it into, so an old link still leads somewhere."""
        issue = self.workspace.issue(issue_id)
        if issue is None:
            into = self.merged_into(issue_id)
            if into is not None:
                raise ApiError(404, "issue_merged", field, id=issue_id, into=into)
            raise ApiError(404, "issue_not_found", field, id=issue_id)
        return issue

    def merged_into(self, issue_id: str) -> str | None:
        """The live issue that ``issue_id`` was merged into, following later merges (from the audit log), or None."""
        current, seen = issue_id, set()
        with self.store.session() as session:
            while self.workspace.issue(current) is None:
                if current in seen:
                    return None
                seen.add(current)
                move = session.scalar(select(AuditRow.detail).where(
                    AuditRow.action == "issue.merge", AuditRow.detail["from"].as_string() == current
                ).order_by(AuditRow.id.desc()).limit(1))
                if move is None:
                    return None
                current = move["to"]
        return current if current != issue_id else None

    def counts(self) -> tuple[int, int]:
        """Suggestions and issues held; cheap (nothing is recomputed or copied), so health checks can call it often."""
        return self.workspace.counts()
