"""The figures the reliability tests measured (inputs tried, kills survived …), printed at the end of the run.

A test that runs once per database reports the same line twice; it is kept once, naming the databases it held on.
"""
from __future__ import annotations

FIGURES: dict[str, dict[str, list[str]]] = {}


def report(section: str, line: str, db_url: str | None = None) -> None:
    """Add ``line`` under ``section``; ``db_url`` is the database it was measured on, if the test runs on each."""
    backends = FIGURES.setdefault(section, {}).setdefault(line, [])
    backend = db_url.split(":")[0].split("+")[0] if db_url else None
    if backend is not None and backend not in backends:
        backends.append(backend)


def lines(section: str) -> list[str]:
    """The section's lines as printed: each once, with the databases it held on."""
    return [f"{line} ({', '.join(backends)})" if backends else line
            for line, backends in FIGURES[section].items()]
