"""Reviewers' corrections to issues: a split or a merge, kept as constraints that outlive a re-cluster.

A correction is a list of groups of suggestion ids: the members of each group stay together (must-link) and the
groups stay apart (cannot-link). A merge is one group (everything the merged issues held); a split is two (what
stayed, what moved). After a re-cluster the corrections are applied again in the order they were made, so a later
correction wins over an earlier one, and the rule's own answer stands wherever no reviewer has spoken.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

SPLIT, MERGE = "split", "merge"


@dataclass(frozen=True)
class Correction:
    """One reviewer move: ``groups`` of suggestion ids and the issue each group went to when it was made."""

    kind: str
    groups: tuple[tuple[str, ...], ...]
    issue_ids: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "groups": [list(g) for g in self.groups], "issue_ids": list(self.issue_ids)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Correction":
        return cls(str(data["kind"]), tuple(tuple(str(m) for m in g) for g in data["groups"]),
                   tuple(str(i) for i in data["issue_ids"]))

    def keeps_apart(self, first: set[str], second: set[str]) -> bool:
        """Whether joining two sets of suggestions would undo this correction (put two of its groups together)."""
        touched = [{n for n, group in enumerate(self.groups) if members & set(group)} for members in (first, second)]
        return any(a != b for a in touched[0] for b in touched[1])


def apply_corrections(corrections: Sequence[Correction], assignments: Mapping[str, str | None],
                      fresh_id: Callable[[], str]) -> dict[str, str]:
    """The suggestions that must move for the corrections to hold again: id -> issue.

    Each group goes to the issue that already holds most of it, unless an earlier group of the same correction took
    that issue; then to the issue it was given when the correction was made, if nobody holds that id, else to a new
    issue (``fresh_id``). Members no longer stored are skipped.
    """
    current = dict(assignments)
    moves: dict[str, str] = {}
    for correction in corrections:
        taken: set[str] = set()
        for group, given in zip(correction.groups, correction.issue_ids):
            members = [m for m in group if m in current]
            if not members:
                continue
            held = Counter(current[m] for m in members if current[m] is not None)
            free = [issue for issue, _ in sorted(held.items(), key=lambda kv: (-kv[1], kv[0])) if issue not in taken]
            if free:
                target = free[0]
            elif given not in taken and given not in set(current.values()):
                target = given
            else:
                target = fresh_id()
            taken.add(target)
            for member in members:
                if current[member] != target:
                    current[member] = moves[member] = target
    return {member: target for member, target in moves.items() if assignments[member] != target}


def correction_gold(corrections: Sequence[Correction]) -> list[dict[str, Any]]:
    """Reviewers' corrections as gold issues for ``triage.evaluate``: each group of each correction, the latest
    correction's version of a group when several name the same suggestions."""
    gold: list[dict[str, Any]] = []
    claimed: set[str] = set()
    for number, correction in reversed(list(enumerate(corrections, start=1))):
        for part, group in enumerate(correction.groups, start=1):
            members = [m for m in group if m not in claimed]
            if len(members) >= 2:
                gold.append({"id": f"R{number}.{part}", "title": f"{correction.kind} {correction.issue_ids[part - 1]}",
                             "members": members})
                claimed.update(members)
    return gold[::-1]
