"""Crash safety: the service is killed with SIGKILL mid-batch and mid-re-cluster, restarted on the same SQLite file,
and must have kept every acknowledged suggestion, stored no batch by halves, kept its issue ids, and be able to
run the interrupted job again.

The precise kills use ``service_process.py --pause-in``, which holds the process inside the open transaction (rows
flushed, not committed), so the kill lands exactly where a half-stored batch would come from. The random kills use
``triage serve`` itself under concurrent batches.
"""
from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from api.auth import create_key
from api.store import Store

from corpus import suggestions
from figures import report
from service_process import ServiceProcess
from stored import Stored
from test_jobs import wait_for



def serve(db_path: Path, cache: Path, *extra: str, cli: bool = False) -> ServiceProcess:
    return ServiceProcess(f"sqlite:///{db_path}", cache, *extra, cli=cli, log_dir=db_path.parent)


@pytest.fixture
def store_file(tmp_path) -> tuple[Path, dict[str, str]]:
    """An empty SQLite store with one key per role."""
    path = tmp_path / "crash.db"
    store = Store(f"sqlite:///{path}")
    store.upgrade()
    keys = {role: create_key(store, role, f"crash {role}")[1] for role in ("intake", "reviewer", "admin")}
    # One intake key per concurrent client, so no client waits on another's request budget.
    keys.update({f"intake{n}": create_key(store, "intake", f"crash client {n}")[1] for n in range(4)})
    store.close()
    return path, keys


def client(service: ServiceProcess, key: str) -> httpx.Client:
    return httpx.Client(base_url=service.url, headers={"Authorization": f"Bearer {key}"}, timeout=120)


def wait_for_file(path: Path, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)


def test_kill_inside_a_batch_transaction_stores_none_of_that_batch(store_file, tmp_path, cache_dir):
    path, keys = store_file
    batches = [suggestions(50, f"b{n}", seed=n) for n in range(4)]
    marker = tmp_path / "held"
    service = serve(path, cache_dir, "--pause-in", "persist", "--pause-at", "4", "--marker", str(marker))
    answers: dict[str, dict] = {}
    with client(service, keys["intake"]) as intake:
        for batch in batches[:3]:
            response = intake.post("/v1/suggestions", json={"items": batch})
            assert response.status_code == 201, response.text
            answers.update((a["id"], a) for a in response.json()["items"])
        failure: list[BaseException] = []

        def send_last() -> None:
            try:
                intake.post("/v1/suggestions", json={"items": batches[3]})
            except httpx.TransportError as error:
                failure.append(error)

        sender = threading.Thread(target=send_last)
        sender.start()
        wait_for_file(marker, service.process)
        service.kill()
        sender.join(30)
    assert failure, "the held batch must not have been acknowledged"

    stored = Stored.read(path)
    stored.assert_whole()
    assert stored.suggestions == set(answers)  # every acknowledged one, none of the held batch

    service = serve(path, cache_dir)
    try:
        assert service.health()["suggestions"] == 150
        with client(service, keys["intake"]) as intake:
            again = intake.post("/v1/suggestions", json={"items": batches[0]})
            assert again.status_code == 200  # already stored: nothing new
            assert {a["id"]: a for a in again.json()["items"]} == {i["id"]: answers[i["id"]] for i in batches[0]}
            retried = intake.post("/v1/suggestions", json={"items": batches[3]})
            assert retried.status_code == 201
        stored = Stored.read(path)
        stored.assert_whole()
        assert len(stored.suggestions) == 200
        # Earlier suggestions keep their issue unless a later one merged it with another, and every move is audited.
        assert all(stored.answered_issue_holds(s, answers[s]["issue_id"]) for s in answers)
    finally:
        service.stop()
    report("Crash safety", "killed inside the 4th batch's open transaction: 150 acknowledged kept, "
                           "0 of the held 50 stored")


def test_random_kills_under_concurrent_batches_lose_nothing_acknowledged(store_file, cache_dir):
    """``triage serve`` killed at random moments while four clients send batches (some of them repeats)."""
    path, keys = store_file
    rng = random.Random(6)
    batches = [suggestions(25, f"r{n}", seed=100 + n) for n in range(200)]
    acknowledged: dict[str, dict] = {}
    sent_batches: set[int] = set()
    rounds = 3
    for round_number in range(rounds):
        service = serve(path, cache_dir, cli=True)
        stop = threading.Event()
        lock = threading.Lock()
        queue = iter(range(round_number * 60, (round_number + 1) * 60))

        def worker(key: str) -> None:
            try:
                send(key)
            except BaseException as error:  # reported by the test thread, not lost in this one
                errors.append(error)

        def send(key: str) -> None:
            with client(service, key) as intake:
                while not stop.is_set():
                    with lock:
                        index = next(queue, None)
                        repeat = rng.choice(sorted(sent_batches)) if sent_batches and rng.random() < 0.2 else None
                    if index is None:
                        return
                    for number in (index, repeat) if repeat is not None else (index,):
                        with lock:
                            sent_batches.add(number)
                        try:
                            response = intake.post("/v1/suggestions", json={"items": batches[number]})
                        except httpx.TransportError:
                            return
                        assert response.status_code in (200, 201), response.text
                        with lock:
                            for answer in response.json()["items"]:
                                first = acknowledged.setdefault(answer["id"], answer)
                                assert first == answer  # a repeat is answered exactly as the first time

        errors: list[BaseException] = []
        threads = [threading.Thread(target=worker, args=(keys[f"intake{n}"],)) for n in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(rng.uniform(1.0, 3.0))
        service.kill()
        stop.set()
        for thread in threads:
            thread.join(60)
        assert not errors, errors
        stored = Stored.read(path)
        stored.assert_whole()
        assert set(acknowledged) <= stored.suggestions
        for number in sent_batches:
            ids = {item["id"] for item in batches[number]}
            assert ids <= stored.suggestions or not ids & stored.suggestions, f"batch {number} stored by halves"
        assert all(stored.answered_issue_holds(s, a["issue_id"]) for s, a in acknowledged.items())

    service = serve(path, cache_dir, cli=True)
    try:
        with client(service, keys["intake"]) as intake:
            for number in sorted(sent_batches):
                response = intake.post("/v1/suggestions", json={"items": batches[number]})
                assert response.status_code in (200, 201)
                for answer in response.json()["items"]:
                    if answer["id"] in acknowledged:
                        assert answer == acknowledged[answer["id"]]
        stored = Stored.read(path)
        stored.assert_whole()
        distinct = {item["id"] for number in sent_batches for item in batches[number]}
        assert stored.suggestions == distinct
        assert service.health()["suggestions"] == len(distinct)
    finally:
        service.stop()
    report("Crash safety", f"{rounds} SIGKILLs of triage serve under 4 concurrent clients: "
                           f"{len(acknowledged)} acknowledged, all kept; {len(distinct)} distinct stored once "
                           f"after resending; no batch stored by halves")


def test_kill_while_a_recluster_saves_then_rerun(store_file, tmp_path, cache_dir):
    path, keys = store_file
    items = suggestions(160, "c", seed=42)
    marker = tmp_path / "held"
    # A stricter single-threshold rule without merging or regrouping on placement: suggestions placed one batch at a
    # time then stay where a re-cluster over all of them puts them elsewhere, so the killed save had changes to lose.
    placed_apart = ("--set", "issues.merge_on_add=false", "--set", "issues.regroup_on_add=false",
                    "--set", 'issues.finder.rule="cosine:0.9"')
    service = serve(path, cache_dir, *placed_apart, "--pause-in", "recluster-save", "--marker", str(marker))
    with client(service, keys["intake"]) as intake:
        # In batches, as an intake system sends them: placed one batch at a time, some suggestions land elsewhere
        # than a re-cluster over all of them puts them, so the killed save had changes to lose.
        for start in range(0, len(items), 20):
            assert intake.post("/v1/suggestions", json={"items": items[start:start + 20]}).status_code == 201
    with client(service, keys["reviewer"]) as reviewer:
        top = reviewer.get("/v1/issues", params={"limit": 1}).json()["items"][0]
        review = reviewer.post("/v1/reviews", json={"target_type": "issue", "target_id": top["id"],
                                                    "decision": "shortlist", "reason": "崩溃前的决定"})
        assert review.status_code == 201
    before = Stored.read(path)
    with client(service, keys["admin"]) as admin:
        job = admin.post("/v1/jobs/recluster").json()
    wait_for_file(marker, service.process)
    service.kill()

    after_kill = Stored.read(path)
    after_kill.assert_whole()
    assert after_kill.members == before.members  # the half-written reassignment was never committed
    assert after_kill.jobs[job["id"]][0] == "running"

    # The same data re-clustered by a service that was never killed, to compare the rerun with.
    control_path = tmp_path / "control.db"
    with sqlite3.connect(path) as source, sqlite3.connect(control_path) as target:
        source.backup(target)

    service = serve(path, cache_dir, *placed_apart)
    try:
        assert service.health()["suggestions"] == len(items)
        assert Stored.read(path).members == before.members  # restart restores, it does not re-cluster
        with client(service, keys["admin"]) as admin:
            interrupted = admin.get(f"/v1/jobs/{job['id']}").json()
            assert interrupted["status"] == "failed" and "中断" in interrupted["message"]
            rerun = wait_for(admin, admin.post("/v1/jobs/recluster").json()["id"])
            assert rerun["status"] == "succeeded", rerun
        with client(service, keys["reviewer"]) as reviewer:
            history = reviewer.get("/v1/reviews", params={"target_type": "issue", "target_id": top["id"]}).json()
            assert [r["reason"] for r in history["items"]] == ["崩溃前的决定"]
        rerun_members = Stored.read(path).members
    finally:
        service.stop()

    control = serve(control_path, cache_dir, *placed_apart)
    try:
        with client(control, keys["admin"]) as admin:
            done = wait_for(admin, admin.post("/v1/jobs/recluster").json()["id"])
            assert done["status"] == "succeeded" and done["result"]["changed"] > 0
    finally:
        control.stop()
    assert rerun_members == Stored.read(control_path).members  # the crash changed nothing, ids included
    kept = sum(1 for s, issue in before.members.items() if rerun_members[s] == issue)
    report("Crash safety", f"killed while a re-cluster saved: memberships unchanged, job marked interrupted, "
                           f"rerun equal to an uncrashed run ({done['result']['changed']} reassignments, "
                           f"{kept}/{len(items)} suggestions kept their issue id)")
