"""Faults of what the service stands on: the database restarted or stopped, the disk full, the file read-only.

The service runs in a process of its own, as ``triage serve`` does, and concurrent intake clients keep sending
batches the way an intake system should: an answer of 503 or 507 is retried after its ``Retry-After`` with the same
ids. Every answer must be 200/201 (stored, or stored before) or 503/507 with ``Retry-After`` and the documented
error; afterwards every acknowledged suggestion is stored exactly once and whole, the workspace holds what the store
holds, the service serves again without a restart, and its log tells the outage in a line or two, with no stack
trace.

The PostgreSQL faults use the test server of ``scripts/with-postgres.sh`` (its data directory is in
``TRIAGE_TEST_PG_DATA``), restarted and stopped with ``pg_ctl`` as the ``postgres`` user. The full disk is the file
size limit (``RLIMIT_FSIZE``) set on the running service process; the read-only file is an immutable file
(``chattr +i``) for root, who may write any file whatever its mode, and a mode of 0444 for anyone else.
"""
from __future__ import annotations

import os
import resource
import shutil
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.auth import create_key
from api.store import Store
from api_server import Databases

from corpus import suggestions
from figures import report
from service_process import ServiceProcess
from stored import Stored

PG_DATA = os.environ.get("TRIAGE_TEST_PG_DATA")
CLIENTS = 4
BATCH = 5
FAULT_CODES = {503: {"store_unavailable", "store_read_only"}, 507: {"store_full"}}
# The longest a client waits on one Retry-After: the tests need not idle as long as a real intake system would.
LONGEST_WAIT = 1.0

needs_pg_ctl = pytest.mark.skipif(
    not PG_DATA or os.geteuid() != 0 or not shutil.which("pg_ctl") or not shutil.which("runuser"),
    reason="needs the PostgreSQL test server's data directory (TRIAGE_TEST_PG_DATA, set by scripts/with-postgres.sh),"
           " pg_ctl and root to run it as the postgres user")


def pg_ctl(*args: str) -> None:
    log = Path(PG_DATA).parent / "server.log"
    subprocess.run(["runuser", "-u", "postgres", "--", "pg_ctl", "-D", PG_DATA, "-l", str(log), "-w", *args],
                   check=True, capture_output=True, timeout=120)


class Intake:
    """``clients`` threads, each sending batches of new suggestions and resending a refused batch, as a careful
    intake system does. Collects every status, the refusals that broke the contract, and the acknowledged ids."""

    def __init__(self, url: str, keys: list[str], prefix: str):
        self.url, self.keys, self.prefix = url, keys, prefix
        self.lock = threading.Lock()
        self.statuses: Counter[int] = Counter()
        self.broken: list[str] = []
        self.acknowledged: set[str] = set()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(len(keys))]

    def __enter__(self) -> "Intake":
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(120)
        assert not any(t.is_alive() for t in self.threads), "an intake client did not finish"

    def _run(self, n: int) -> None:
        items = iter(suggestions(5000, f"{self.prefix}{n}", seed=n))
        with httpx.Client(base_url=self.url, timeout=60,
                          headers={"Authorization": f"Bearer {self.keys[n]}"}) as client:
            while not self.stop.is_set():
                batch = [next(items) for _ in range(BATCH)]
                while not self._send(client, batch):  # the same batch, the same ids, until it is acknowledged
                    pass

    def _send(self, client: httpx.Client, batch: list[dict]) -> bool:
        response = client.post("/v1/suggestions", json={"items": batch})
        status = response.status_code
        with self.lock:
            self.statuses[status] += 1
            if status in (200, 201):
                self.acknowledged.update(item["id"] for item in batch)
                return True
            if status not in FAULT_CODES:
                self.broken.append(f"{status}: {response.text[:300]}")
                return False
            code = response.json().get("error", {}).get("code")
            wait = response.headers.get("Retry-After", "")
            if code not in FAULT_CODES[status] or not wait.isdigit():
                self.broken.append(f"{status} {code} Retry-After={wait!r}")
        time.sleep(min(int(wait or 1), LONGEST_WAIT))
        return False

    def refused(self) -> int:
        with self.lock:
            return sum(count for status, count in self.statuses.items() if status in FAULT_CODES)

    def wait_for(self, condition, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            assert time.monotonic() < deadline, f"gave up waiting; answers so far {dict(self.statuses)}"
            assert not self.broken, self.broken[:5]
            time.sleep(0.05)

    def wait_acknowledged(self, more: int) -> None:
        """Until ``more`` further suggestions are acknowledged: the service is taking suggestions (again)."""
        with self.lock:
            target = len(self.acknowledged) + more
        self.wait_for(lambda: len(self.acknowledged) >= target)

    def summary(self) -> str:
        return ", ".join(f"{count} × {status}" for status, count in sorted(self.statuses.items()))


def keys_for(db_url: str) -> dict[str, str]:
    store = Store(db_url)
    store.upgrade()
    keys = {f"intake{n}": create_key(store, "intake", f"fault client {n}")[1] for n in range(CLIENTS)}
    keys.update({role: create_key(store, role, f"fault {role}")[1] for role in ("reviewer", "admin")})
    store.close()
    return keys


@pytest.fixture
def pg_db(tmp_path) -> Iterator[str]:
    databases = Databases("postgresql", tmp_path)
    yield databases.new()
    databases.drop_all()


def intake_keys(keys: dict[str, str]) -> list[str]:
    return [keys[f"intake{n}"] for n in range(CLIENTS)]


def assert_kept(intake: Intake, service: ServiceProcess) -> tuple[Stored, list[str]]:
    """The contract after a fault: answers as documented, each acknowledged suggestion stored once and whole, the
    service's workspace holding exactly what its store holds, and no stack trace in its log. Returns what is stored
    and the log's lines about the store's faults."""
    assert not intake.broken, intake.broken[:5]
    assert set(intake.statuses) <= {200, 201, *FAULT_CODES}, intake.summary()
    stored = Stored.read(service.db)
    assert stored.suggestions == intake.acknowledged
    stored.assert_whole()
    assert service.health()["suggestions"] == len(stored.suggestions)
    text = service.log.read_text()
    assert "Traceback" not in text, text[-3000:]
    return stored, [line for line in text.splitlines() if "store fault" in line]


def login(service: ServiceProcess, key: str) -> httpx.Client:
    browser = httpx.Client(base_url=service.url, timeout=60)
    assert browser.post("/web/login", data={"key": key, "next": "/web/issues"}).status_code == 303
    return browser


@needs_pg_ctl
def test_a_postgresql_restart_under_concurrent_intake_loses_nothing(pg_db, tmp_path, cache_dir):
    keys = keys_for(pg_db)
    service = ServiceProcess(pg_db, cache_dir, log_dir=tmp_path)
    try:
        with Intake(service.url, intake_keys(keys), "pgr") as intake:
            intake.wait_acknowledged(100)
            before = len(intake.acknowledged)
            started = time.monotonic()
            pg_ctl("restart", "-m", "fast")
            restart = time.monotonic() - started
            intake.wait_acknowledged(100)  # served again, the same process
        stored, lines = assert_kept(intake, service)
    finally:
        service.stop()
    report("Store faults", f"PostgreSQL `pg_ctl restart -m fast` ({restart:.1f} s) under {CLIENTS} intake clients: "
                           f"answers {intake.summary()}; {len(stored.suggestions)} acknowledged, each stored once "
                           f"({before} before the restart); {len(lines)} log lines, no stack trace")


@needs_pg_ctl
def test_a_stopped_postgresql_is_503_with_retry_after_on_every_kind_of_route(pg_db, tmp_path, cache_dir):
    keys = keys_for(pg_db)
    service = ServiceProcess(pg_db, cache_dir, log_dir=tmp_path)
    admin = httpx.Client(base_url=service.url, timeout=60, headers={"Authorization": f"Bearer {keys['admin']}"})
    browser = login(service, keys["reviewer"])
    stopped_for = 0.0
    try:
        with Intake(service.url, intake_keys(keys), "pgs") as intake:
            intake.wait_acknowledged(50)
            pg_ctl("stop", "-m", "fast")
            stopped = time.monotonic()
            try:
                health = httpx.get(f"{service.url}/healthz", timeout=30)
                assert health.status_code == 503 and health.headers["Retry-After"].isdigit()
                assert health.json()["ready"] is False and health.json()["store"] == "store_unavailable"
                api = admin.get("/v1/keys")  # a route that reads the store
                assert api.status_code == 503 and api.headers["Retry-After"].isdigit()
                assert api.json()["error"]["code"] == "store_unavailable"
                assert "秒后" in api.json()["error"]["message"]
                page = browser.get("/web/feedback")
                assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
                assert page.headers["Retry-After"].isdigit() and "数据库暂时无法访问" in page.text
                intake.wait_for(lambda: intake.refused() >= 2 * CLIENTS)
                time.sleep(max(0.0, 4.0 - (time.monotonic() - stopped)))
            finally:
                stopped_for = time.monotonic() - stopped
                pg_ctl("start")
            intake.wait_acknowledged(50)
            assert httpx.get(f"{service.url}/healthz", timeout=30).json()["ready"] is True
            assert admin.get("/v1/keys").status_code == 200 and browser.get("/web/feedback").status_code == 200
        assert intake.refused() > 0
        stored, lines = assert_kept(intake, service)
        assert 1 <= len(lines) <= 4, lines  # when it began and when it ended, not a line per refused request
    finally:
        admin.close()
        browser.close()
        service.stop()
    report("Store faults", f"PostgreSQL stopped for {stopped_for:.1f} s under {CLIENTS} intake clients: answers "
                           f"{intake.summary()}; /healthz 503 ready=false, API 503 store_unavailable, reviewer page "
                           f"HTML 503, all with Retry-After; {len(stored.suggestions)} acknowledged, each stored once; "
                           f"served again without a restart; the outage in {len(lines)} log lines")


def test_a_full_disk_under_sqlite_is_507_and_half_writes_nothing(tmp_path, cache_dir):
    db = f"sqlite:///{tmp_path / 'full.db'}"
    keys = keys_for(db)
    service = ServiceProcess(db, cache_dir, log_dir=tmp_path)
    pid = service.process.pid
    _, hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)
    try:
        with Intake(service.url, intake_keys(keys), "full") as intake:
            intake.wait_acknowledged(50)
            # No file of the service may grow past 64 KiB any more: the store's file and its WAL are larger.
            resource.prlimit(pid, resource.RLIMIT_FSIZE, (64 * 1024, hard))
            try:
                intake.wait_for(lambda: intake.statuses[507] >= 2 * CLIENTS)
                health = service.health()
                assert health["ready"] is True and health["store"] == "store_full"  # reads still work
            finally:
                resource.prlimit(pid, resource.RLIMIT_FSIZE, (hard, hard))  # space is freed
            intake.wait_acknowledged(50)
        assert service.health()["store"] == "ok"
        stored, lines = assert_kept(intake, service)
    finally:
        service.stop()
    report("Store faults", f"SQLite with its files held at 64 KiB (RLIMIT_FSIZE) under {CLIENTS} intake clients: "
                           f"answers {intake.summary()}; {len(stored.suggestions)} acknowledged, each stored once "
                           f"and whole; served again when the limit was lifted; {len(lines)} store log lines")


def make_read_only(path: Path) -> None:
    if os.geteuid() == 0:
        if subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode != 0:
            pytest.skip("root writes any file, and this file system has no immutable flag (chattr +i)")
    else:
        path.chmod(0o444)


def make_writable(path: Path) -> None:
    if os.geteuid() == 0:
        subprocess.run(["chattr", "-i", str(path)], check=True)
    path.chmod(0o644)


def test_a_read_only_sqlite_file_is_503_and_writable_again_without_a_restart(tmp_path, cache_dir):
    path = tmp_path / "readonly.db"
    db = f"sqlite:///{path}"
    keys = keys_for(db)
    make_read_only(path)
    try:
        service = ServiceProcess(db, cache_dir, log_dir=tmp_path)
        try:
            with Intake(service.url, intake_keys(keys), "ro") as intake:
                intake.wait_for(lambda: intake.refused() >= 2 * CLIENTS)
                assert set(intake.statuses) == {503} and not intake.acknowledged
                health = service.health()
                assert health["ready"] is True and health["store"] == "store_read_only"
                make_writable(path)
                intake.wait_acknowledged(50)
            stored, lines = assert_kept(intake, service)
        finally:
            service.stop()
    finally:
        make_writable(path)
    report("Store faults", f"SQLite file read-only at start-up, then writable, under {CLIENTS} intake clients: "
                           f"answers {intake.summary()}; {len(stored.suggestions)} acknowledged once made writable, "
                           f"each stored once; no restart; {len(lines)} store log lines")


def test_store_faults_are_documented_on_every_route(server):
    with httpx.Client(base_url=server.url) as anonymous:
        document = anonymous.get("/openapi.json").json()
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            expected = {"503"} if path == "/healthz" else {"503", "507"}
            assert expected <= set(operation["responses"]), (method, path)
