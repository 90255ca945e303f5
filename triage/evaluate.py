"""How well predicted issues match hand-checked ones.

For each gold issue, the predicted issue with the best F1 against its members counts (duplicates are members like
any message): its precision, recall and F1, and ``hot_rank``, where that issue stands in the key-topic ranking.
``pieces`` lists how many of the gold issue's members each predicted issue holds, largest first, so a split issue
shows as ``[3, 1, 1]``. The mean F1 over gold issues is the headline figure.
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
            "precision": round(overlaps[best] / sizes[best], 4) if best is not None else 0.0,
            "recall": round(overlaps[best] / len(members), 4) if members else 0.0,
            "pieces": sorted(overlaps.values(), reverse=True),
            "predicted_issue": best, "predicted_size": sizes[best] if best else 0, "gold_size": len(members),
            "hot_rank": rank_of.get(best) if best else None,
            "missing": sorted(members - set(assignments)),
        })
    mean = sum(r["f1"] for r in results) / len(results) if results else 0.0
    return {"mean_f1": round(mean, 4), "issues": results, "n_predicted_issues": len(sizes)}


def load_gold_themes(path: str | Path, gold_issue_ids: Sequence[str]) -> dict[str, str]:
    """Gold issue id -> gold theme id from ``{"themes": [{"id", "issues": [...]}]}``; every gold issue needs one."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        theme_of = {str(issue): str(theme["id"]) for theme in data["themes"] for issue in theme["issues"]}
    except (OSError, json.JSONDecodeError, KeyError, TypeError) as error:
        raise GoldError(f"{path}: 不是有效的主题金标准文件（需要 themes[].id 与 themes[].issues）：{error}") from None
    missing = [i for i in gold_issue_ids if i not in theme_of]
    unknown = sorted(set(theme_of) - set(gold_issue_ids))
    if missing or unknown:
        raise GoldError(f"{path}: 主题与金标准问题对不上：没有主题的问题 {missing}，金标准中没有的问题 {unknown}")
    return theme_of


def evaluate_themes(theme_of_suggestion: Mapping[str, str | None], gold: Sequence[Mapping[str, Any]],
                    gold_theme_of: Mapping[str, str]) -> dict[str, Any]:
    """Pairwise precision, recall and F1 over pairs of gold issues: same theme in the gold file vs in the run.

    A gold issue's theme in the run is the most common theme of its members (ties by theme id); an issue none of
    whose members the run has gets no theme and pairs with nothing.
    """
    predicted: dict[str, str | None] = {}
    for issue in gold:
        counts = Counter(theme_of_suggestion[m] for m in issue["members"] if theme_of_suggestion.get(m) is not None)
        predicted[issue["id"]] = min(counts, key=lambda t: (-counts[t], t)) if counts else None
    ids = [issue["id"] for issue in gold]
    true_positive = false_positive = false_negative = 0
    for k, a in enumerate(ids):
        for b in ids[k + 1:]:
            same_gold = gold_theme_of[a] == gold_theme_of[b]
            same_run = predicted[a] is not None and predicted[a] == predicted[b]
            true_positive += same_gold and same_run
            false_positive += same_run and not same_gold
            false_negative += same_gold and not same_run
    precision = true_positive / (true_positive + false_positive) if true_positive + false_positive else 0.0
    recall = true_positive / (true_positive + false_negative) if true_positive + false_negative else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "pairs": {"true_positive": true_positive, "false_positive": false_positive,
                      "false_negative": false_negative},
            "issues": [{"id": i, "gold_theme": gold_theme_of[i], "theme": predicted[i]} for i in ids]}
