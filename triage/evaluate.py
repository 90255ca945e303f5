"""How well predicted issues match hand-checked ones.

For each gold issue, the predicted issue with the best F1 against its members counts (duplicates are members like
any message), and ``hot_rank`` says where that issue stands in the key-topic ranking. The mean F1 over gold issues
is the headline figure.
"""
from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


class GoldError(ValueError):
    """A gold file that does not have the expected shape."""


def load_gold(path: str | Path) -> list[dict[str, Any]]:
    """Gold issues from ``{"issues": [{"id", "title", "members": [...]}]}``; member ids become strings."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        issues = data["issues"]
        return [{"id": str(g["id"]), "title": g.get("title", ""), "members": [str(m) for m in g["members"]]}
                for g in issues]
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as error:
        raise GoldError(f"{path}: 不是有效的金标准文件（需要 issues[].id 与 issues[].members）：{error}") from None


def evaluate(assignments: Mapping[str, str | None], gold: Sequence[Mapping[str, Any]],
             ranking: Sequence[str]) -> dict[str, Any]:
    """Per-gold-issue best F1, predicted size and hot rank, and their mean F1."""
    sizes = Counter(issue for issue in assignments.values() if issue is not None)
    rank_of = {issue_id: position for position, issue_id in enumerate(ranking, start=1)}
    results = []
    for issue in gold:
        members = set(issue["members"])
        overlaps = Counter(assignments[m] for m in members if assignments.get(m) is not None)
        best = max(overlaps, key=lambda p: (2 * overlaps[p] / (len(members) + sizes[p]), -sizes[p], p), default=None)
        f1 = 2 * overlaps[best] / (len(members) + sizes[best]) if best is not None else 0.0
        results.append({
            "id": issue["id"], "title": issue.get("title", ""), "f1": round(f1, 4),
            "predicted_issue": best, "predicted_size": sizes[best] if best else 0, "gold_size": len(members),
            "hot_rank": rank_of.get(best) if best else None,
            "missing": sorted(members - set(assignments)),
        })
    mean = sum(r["f1"] for r in results) / len(results) if results else 0.0
    return {"mean_f1": round(mean, 4), "issues": results, "n_predicted_issues": len(sizes)}
