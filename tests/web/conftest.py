"""Fixtures for the browser tests: the real service on the shipped sample, and headless Chromium driving it.

The service is started by the API tests' own ``Server`` (tests/api/conftest.py) over a SQLite file, and the sample is stored the way ``triage serve --load`` stores it. Chromium is Debian's
(``scripts/system-packages.sh`` installs it); Playwright never downloads a browser here.
"""
from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared_api import api_fixtures
from triage.intake import Limits, load

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "suggestions.csv"
SCREENSHOTS = ROOT / "tests" / "screenshots"
# The default embedder (e5) with the project's own embedding cache: the sample's shared issues only form with a real
# model, and after the first run (about a minute on a slow CPU) its vectors come from the cache.
EMBED_CACHE = ROOT / ".cache"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]


@pytest.fixture(scope="module")
def sample_server(tmp_path_factory):
    """The service with the shipped sample stored and one key per role (``sample_server.keys``)."""
    fixtures = api_fixtures()
    tmp = tmp_path_factory.mktemp("web")
    server = fixtures.Server(f"sqlite:///{tmp / 'web.db'}", fixtures.service_config(EMBED_CACHE, "e5")).start()
    service = server.app.state.service
    loaded = load([SAMPLE], None, None, Limits(**service.config["intake"]))
    service.ingest(loaded.accepted, actor="test:sample")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium not installed (bash scripts/system-packages.sh)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, sample_server) -> Iterator:
    """A fresh browser tab (no cookies) at a desktop size, with downloads allowed."""
    context = browser.new_context(base_url=sample_server.url, locale="zh-CN", viewport={"width": 1360, "height": 900},
                                  accept_downloads=True)
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    context.close()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def log_in(tab, key: str, start: str = "/web/issues") -> None:
    """Open ``start``, get sent to the login form, and log in with ``key``."""
    tab.goto(start)
    tab.fill("input[name=key]", key)
    tab.click("button[type=submit]")
    tab.wait_for_load_state()
