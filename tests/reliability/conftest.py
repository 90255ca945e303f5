"""Fixtures for the reliability tests: the API tests' running service and role clients, reused, not copied.

``tests/api/conftest.py`` is loaded under the name the browser tests give it (``api.conftest``), so all three test
folders share one copy of ``Server`` whichever pytest collects first.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from figures import FIGURES, lines  # noqa: E402
from shared_api import api_fixtures  # noqa: E402



_fixtures = api_fixtures()
cache_dir = _fixtures.cache_dir
databases = _fixtures.databases
server = _fixtures.server
fresh_server = _fixtures.fresh_server
intake = _fixtures.intake
reviewer = _fixtures.reviewer
admin = _fixtures.admin


def pytest_terminal_summary(terminalreporter) -> None:
    """What the reliability tests measured, for the README's "Reliability" section."""
    if not FIGURES:
        return
    terminalreporter.section("reliability figures")
    for section in FIGURES:
        terminalreporter.write_line(f"{section}:")
        for line in lines(section):
            terminalreporter.write_line(f"  - {line}")
