"""Re-clustering as a background job: progress, stable issue ids, and scoring that never waits for it."""
from __future__ import annotations

import threading
import time

from api_server import assert_error
from api_texts import BUS, PARKING, UNRELATED


def wait_for(admin, job_id: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = admin.get(f"/v1/jobs/{job_id}").json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.1)
    raise AssertionError("job did not finish")


def fill(server) -> dict[str, str]:
    items = [{"id": f"{group}{i}", **t} for group, texts in (("p", PARKING), ("b", BUS), ("u", UNRELATED))
             for i, t in enumerate(texts)]
    with server.client("intake") as intake:
        results = intake.post("/v1/suggestions", json={"items": items}).json()["items"]
    return {r["id"]: r["issue_id"] for r in results}


def test_recluster_reports_progress_and_keeps_issue_ids(fresh_server):
    before = fill(fresh_server)
    with fresh_server.client("admin") as admin:
        started = admin.post("/v1/jobs/recluster")
        assert started.status_code == 202
        job = started.json()
        assert job["status"] in ("queued", "running") and job["kind"] == "recluster"
        done = wait_for(admin, job["id"])
    assert done["status"] == "succeeded", done
    assert done["progress"] == 1.0 and done["finished_at"] and done["result"]["issues"] == 5
    with fresh_server.client("reviewer") as reviewer:
        after = {i["id"]: {m["id"] for m in reviewer.get(f"/v1/issues/{i['id']}").json()["members"]}
                 for i in reviewer.get("/v1/issues").json()["items"]}
    assert set(after) == set(before.values())
    for suggestion_id, issue_id in before.items():
        assert suggestion_id in after[issue_id]


def test_scoring_and_submitting_go_on_while_a_recluster_runs(fresh_server):
    fill(fresh_server)
    workspace = fresh_server.workspace
    inside, release = threading.Event(), threading.Event()
    real = workspace.recluster

    def slow_recluster(progress=None):
        # Hold the job inside the library's computation until the test has scored and submitted meanwhile.
        progress(0.3, "linking")
        inside.set()
        release.wait(30)
        return real(progress)

    workspace.recluster = slow_recluster
    try:
        with fresh_server.client("admin") as admin, fresh_server.client("intake") as intake:
            job = admin.post("/v1/jobs/recluster").json()
            assert inside.wait(30)
            running = admin.get(f"/v1/jobs/{job['id']}").json()
            assert running["status"] == "running" and 0 < running["progress"] < 1
            assert_error(admin.post("/v1/jobs/recluster"), 409, "job_running", None)
            start = time.monotonic()
            assert intake.post("/v1/score", json=PARKING[1]).status_code == 200
            assert intake.post("/v1/suggestions", json={"id": "during", **BUS[1]}).status_code == 201
            assert time.monotonic() - start < 10
            release.set()
            done = wait_for(admin, job["id"])
    finally:
        release.set()
        workspace.recluster = real
    assert done["status"] == "succeeded"
    with fresh_server.client("reviewer") as reviewer:
        issue_id = reviewer.get("/v1/issues").json()["items"]
    assert any(i["size"] >= 2 for i in issue_id)


def test_failed_job_is_reported(fresh_server):
    fill(fresh_server)
    workspace = fresh_server.workspace

    def broken(progress=None):
        raise RuntimeError("boom")

    workspace.recluster = broken
    try:
        with fresh_server.client("admin") as admin:
            job = admin.post("/v1/jobs/recluster").json()
            done = wait_for(admin, job["id"])
    finally:
        del workspace.recluster
    assert done["status"] == "failed" and "boom" in done["message"]
