"""Fixtures for the API tests: a running service per database backend and clients holding each role's key."""
from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

# The helpers live beside this file; other test folders load this conftest by path (tests/web), so make sure the
# folder is importable whoever loads it.
sys.path.insert(0, str(Path(__file__).resolve().parent))
from api_server import BACKENDS, Databases, Server, service_config  # noqa: E402

__all__ = ["Server", "service_config"]


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("embed-cache")


@pytest.fixture(scope="module", params=BACKENDS)
def databases(request, tmp_path_factory) -> Iterator[Databases]:
    found = Databases(request.param, tmp_path_factory.mktemp(f"db-{request.param}"))
    yield found
    found.drop_all()


@pytest.fixture(scope="module")
def server(databases, cache_dir) -> Iterator[Server]:
    """One running service per backend, shared by a module's tests (each test uses its own ids)."""
    running = Server(databases.new(), service_config(cache_dir)).start()
    yield running
    running.stop()


@pytest.fixture
def fresh_server(databases, cache_dir) -> Iterator[Server]:
    """A service over an empty database of its own, for tests that need exact counts."""
    running = Server(databases.new(), service_config(cache_dir)).start()
    yield running
    running.stop()


@pytest.fixture
def intake(server) -> Iterator[httpx.Client]:
    with server.client("intake") as client:
        yield client


@pytest.fixture
def reviewer(server) -> Iterator[httpx.Client]:
    with server.client("reviewer") as client:
        yield client


@pytest.fixture
def admin(server) -> Iterator[httpx.Client]:
    with server.client("admin") as client:
        yield client
