"""Background jobs: a full re-cluster runs in its own thread, reports progress into the store, never blocks scoring.

The workspace re-clusters on a snapshot without holding its lock, so scoring and submissions go on meanwhile;
only the final write of the new memberships takes the service's write lock.
"""
from __future__ import annotations

import logging
import threading
import time
import uuid

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from .errors import ApiError
from .messages import JOB_MESSAGES
from .store.faults import classify, first_line
from .store.models import AuditRow, JobRow, utcnow

log = logging.getLogger("api.jobs")

RECLUSTER = "recluster"
# Progress is written to the store at most this often; a re-cluster reports far more often than anyone polls.
PROGRESS_INTERVAL_SECONDS = 0.25


class JobRunner:
    def __init__(self, service):
        self.service = service
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._running_id: str | None = None

    def mark_interrupted(self) -> None:
        """Jobs left queued or running by a previous process can never finish: say so."""
        with self.service.store.session() as session:
            for job in session.scalars(select(JobRow).where(JobRow.status.in_(("queued", "running")))):
                job.status, job.message, job.finished_at = "failed", JOB_MESSAGES["interrupted"], utcnow()

    def start_recluster(self, actor: str) -> JobRow:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                raise ApiError(409, "job_running", None, id=self._running_id)
            job = JobRow(id=uuid.uuid4().hex, kind=RECLUSTER, status="queued", progress=0.0,
                         message=JOB_MESSAGES["queued"], result={}, created_by=actor, created_at=utcnow())
            with self.service.store.session() as session:
                session.add(job)
                session.add(AuditRow(actor=actor, action="job.recluster", target_type="job", target_id=job.id,
                                     detail={}))
            self._running_id = job.id
            self._thread = threading.Thread(target=self._recluster, args=(job.id, actor), name=f"job-{job.id[:8]}",
                                            daemon=True)
            self._thread.start()
            return job

    def get(self, job_id: str) -> JobRow:
        with self.service.store.session() as session:
            job = session.get(JobRow, job_id)
        if job is None:
            raise ApiError(404, "job_not_found", "id", id=job_id)
        return job

    def wait(self, timeout: float | None = None) -> None:
        """Block until the running job (if any) ends; for shutdown and tests."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def _update(self, job_id: str, **values) -> None:
        with self.service.store.session() as session:
            job = session.get(JobRow, job_id)
            for name, value in values.items():
                setattr(job, name, value)

    def _recluster(self, job_id: str, actor: str) -> None:
        service = self.service
        last = 0.0

        def progress(fraction: float, stage: str) -> None:
            nonlocal last
            now = time.monotonic()
            if now - last >= PROGRESS_INTERVAL_SECONDS:
                last = now
                # Leave the last step for saving, so 1.0 means the new memberships are stored.
                self._update(job_id, progress=round(min(fraction, 1.0) * 0.95, 4),
                             message=f"{JOB_MESSAGES['running']}（{stage}）")

        try:
            self._update(job_id, status="running", started_at=utcnow(), message=JOB_MESSAGES["running"])
            service.workspace.recluster(progress)
            self._update(job_id, progress=0.95, message=JOB_MESSAGES["saving"])
            with service.write_lock, service.store.session() as session:
                changed = service.sync_membership(session, actor, "issue.reassign")
                issues = len(service.workspace.issues())
            self._update(job_id, status="succeeded", progress=1.0, finished_at=utcnow(),
                         result={"changed": changed, "issues": issues},
                         message=JOB_MESSAGES["succeeded"].format(changed=changed, issues=issues))
        except Exception as error:  # a failed job is reported through its status, never lost in a thread
            # The workspace may hold memberships the store never got: the next write reloads it from the store.
            service.reload_pending = True
            fault = classify(error)
            if fault is None:
                log.exception("re-cluster job %s failed", job_id)
            else:
                service.store.watch.fault(fault)
                log.warning("re-cluster job %s failed: %s: %s", job_id, fault.code, fault.reason)
            try:
                self._update(job_id, status="failed", finished_at=utcnow(),
                             message=JOB_MESSAGES["failed"].format(detail=fault.reason if fault else error))
            except SQLAlchemyError as again:
                log.warning("re-cluster job %s: its failure could not be recorded: %s", job_id, first_line(again))
