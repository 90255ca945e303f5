"""The figures the reliability tests measured (inputs tried, kills survived …), printed at the end of the run."""
from __future__ import annotations

FIGURES: dict[str, list[str]] = {}


def report(section: str, line: str) -> None:
    FIGURES.setdefault(section, []).append(line)
