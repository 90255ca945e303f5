"""Helpers that run the real service: uvicorn on a free local port, over SQLite and over PostgreSQL.

PostgreSQL tests need ``TRIAGE_TEST_PG_URL`` (``scripts/with-postgres.sh COMMAND`` runs a command with one set); each server gets a database of
its own on that server, dropped afterwards. Without the variable the PostgreSQL variants are skipped.
"""
from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
import uvicorn

from api.app import create_app
from api.auth import create_key
from api.settings import ServiceSettings
from api.store import Store
from triage.config import load_config
from triage.workspace import Workspace

PG_URL = os.environ.get("TRIAGE_TEST_PG_URL")
BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql",
                 marks=pytest.mark.skipif(not PG_URL, reason="TRIAGE_TEST_PG_URL not set (run through scripts/with-postgres.sh)")),
]
# A small body limit and batch limit so the limit tests need no megabytes.
TEST_SETTINGS = ServiceSettings(max_body_bytes=64 * 1024, max_batch=50)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def service_config(cache_dir: Path, embedder: str = "tfidf") -> dict:
    """The default configuration with the given embedder and a scratch embedding cache.

    With the hashed TF-IDF embedder, whose cosines run lower than a neural model's (the learned rule in models/ was
    fitted on e5), the issue finder uses the single-threshold rule, relaxed, so the handmade paraphrases in
    ``api_texts`` form their issues: these tests are about the service, not about tuning the issue finder.
    """
    overrides = [f'embed.name="{embedder}"', f'embed.cache_dir="{cache_dir}"']
    if embedder == "tfidf":
        overrides.append('issues.finder.rule="cosine:0.8"')
    return load_config(overrides=overrides)


class Databases:
    """Hands out empty databases on one backend and removes them at the end."""

    def __init__(self, backend: str, tmp: Path):
        self.backend, self.tmp, self.created = backend, tmp, []

    def new(self) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        if self.backend == "sqlite":
            return f"sqlite:///{self.tmp / (name + '.db')}"
        import psycopg
        from sqlalchemy.engine import make_url

        base = make_url(PG_URL)
        with psycopg.connect(host=base.host, port=base.port, user=base.username, password=base.password,
                             dbname=base.database, autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return base.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        if self.backend != "postgresql" or not self.created:
            return
        import psycopg
        from sqlalchemy.engine import make_url

        base = make_url(PG_URL)
        with psycopg.connect(host=base.host, port=base.port, user=base.username, password=base.password,
                             dbname=base.database, autocommit=True) as db:
            for name in self.created:
                db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Server:
    """The service in a uvicorn server on a background thread, with one key per role."""

    def __init__(self, db_url: str, config: dict, settings: ServiceSettings = TEST_SETTINGS):
        self.db_url, self.config, self.settings = db_url, config, settings
        store = Store(db_url)
        store.upgrade()
        self.keys = {role: create_key(store, role, f"test {role}")[1] for role in ("intake", "reviewer", "admin")}
        store.close()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.workspace: Workspace | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def start(self, workspace: Workspace | None = None) -> "Server":
        self.workspace = workspace if workspace is not None else Workspace(self.config)
        app = create_app(self.db_url, self.config, self.workspace, self.settings)
        self.app = app
        self._server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                     lifespan="on"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 120
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the service did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._thread.join(60)
            self._server = None

    def client(self, role: str | None = None, **kwargs) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.keys[role]}"} if role else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60, **kwargs)


# Letters only: a random run of digits can look like a phone number to the privacy checks.
_DIGITS_AS_LETTERS = str.maketrans("0123456789", "ghijklmnop")


def unique(prefix: str = "s") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10].translate(_DIGITS_AS_LETTERS)}"


def assert_error(response: httpx.Response, status: int, code: str, field: str | None = "<any>") -> dict:
    """The response is the documented error: status, JSON body with code, Chinese message and field."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code, error
    assert error["message"] and any("\u4e00" <= ch <= "\u9fff" for ch in error["message"]), error
    if field != "<any>":
        assert error["field"] == field, error
    return error
