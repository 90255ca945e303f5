"""Stable issue ids across re-clustering, so reviewers' notes and decisions stay attached to their issue.

A new grouping inherits the id of the old issue it shares the most members with (greedily, largest overlap first,
each old id used once); groups with no overlap get fresh ids that were never used before.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

PREFIX = "I"


def format_id(number: int) -> str:
    return f"{PREFIX}{number:05d}"


def id_number(issue_id: str) -> int:
    return int(issue_id[len(PREFIX):]) if issue_id.startswith(PREFIX) and issue_id[len(PREFIX):].isdigit() else 0


def carry_over_ids(old_issue_of: Mapping[str, str], groups: Sequence[Sequence[str]], next_number: int) -> tuple[list[str], int]:
    """Ids for ``groups`` (lists of member ids), and the next unused id number after any fresh ones."""
    overlaps: list[tuple[int, int, str]] = []
    for index, members in enumerate(groups):
        counts = Counter(old_issue_of[m] for m in members if m in old_issue_of)
        overlaps += [(count, index, old) for old, count in counts.items()]
    # Largest overlap first; ties by group position then old id so the result never depends on dict order.
    overlaps.sort(key=lambda t: (-t[0], t[1], t[2]))
    ids: list[str | None] = [None] * len(groups)
    taken: set[str] = set()
    for _, index, old in overlaps:
        if ids[index] is None and old not in taken:
            ids[index] = old
            taken.add(old)
    for index in range(len(groups)):
        if ids[index] is None:
            ids[index] = format_id(next_number)
            next_number += 1
    return ids, next_number  # type: ignore[return-value]
