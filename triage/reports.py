"""The ranked outputs reviewers read: the common-issue tables (CSV, JSON) and the 直通车 candidates in Chinese
markdown (the key-topic shortlist, on themes, is in ``theme_reports``).

Everything quoted from a suggestion passes through ``mask_pii`` first: these files leave the review team (the
digest goes to the city's leadership), and a submitter's phone number or ID has no place in them. Each score is
shown with its per-factor breakdown so a reader can see why a candidate ranks where it does.
"""
from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from .messages import FACTOR_NAMES
from .privacy import mask_pii
from .records import Issue, Score, Suggestion

# Characters of a suggestion's body quoted in the digest, and of each example under a key-topic candidate.
DIGEST_EXCERPT_CHARS = 200
EXAMPLE_EXCERPT_CHARS = 80
EXAMPLES_PER_ISSUE = 3

# Column headers of issues.csv, in order; factor columns follow, one per breakdown key.
ISSUE_COLUMNS: dict[str, str] = {
    "rank": "排名",
    "id": "议题编号",
    "label": "议题",
    "topic": "所属主题",
    "score": "综合得分",
    "size": "意见数（不含转发）",
    "submitters": "提出主体数",
    "endorsements": "附议数",
    "members": "成员数（含转发）",
    "first_at": "首次提交",
    "last_at": "最近提交",
    "keywords": "关键词",
}

_SPACE = re.compile(r"\s+")
_SPACE_IN_LINE = re.compile(r"[ \t\r\f\v]+")


def clean(text: str, keep_lines: bool = False) -> str:
    """Masked, with runs of spaces collapsed (and lines joined unless ``keep_lines``): safe to quote anywhere."""
    return mask_pii((_SPACE_IN_LINE if keep_lines else _SPACE).sub(" ", text or "").strip())


def excerpt(text: str, limit: int) -> str:
    """The opening of a text, cleaned, on one line."""
    text = clean(text)
    return text if len(text) <= limit else text[:limit] + "……"


def day(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else ""


def title_of(suggestion: Suggestion) -> str:
    return suggestion.original_title or suggestion.title


def body_of(suggestion: Suggestion) -> str:
    return suggestion.original_body or suggestion.body


def who_of(suggestion: Suggestion) -> str:
    return suggestion.org_name or suggestion.submitter


def _factor_name(name: str) -> str:
    return FACTOR_NAMES.get(name, name)


def _factor_order(ranked: Sequence[tuple[Any, Score]]) -> list[str]:
    return list(dict.fromkeys(name for _, score in ranked for name in score.breakdown))


def breakdown_table(score: Score) -> list[str]:
    lines = ["| 因素 | 因素值（0–1） | 得分 |", "| --- | ---: | ---: |"]
    for name, points in score.breakdown.items():
        lines.append(f"| {_factor_name(name)} | {score.factors.get(name, 0.0):.2f} | {points:.3f} |")
    lines.append(f"| **合计** | | **{score.value:.3f}** |")
    return lines


def issue_table(ranked: Sequence[tuple[Issue, Score]]) -> tuple[list[str], list[list[Any]]]:
    """Header and one row per issue in rank order with its figures and per-factor points, cleaned for quoting."""
    factors = _factor_order(ranked)
    header = list(ISSUE_COLUMNS.values()) + [f"{_factor_name(name)}得分" for name in factors]
    rows = [[rank, issue.id, clean(issue.label), issue.topic, round(score.value, 6), issue.size, issue.submitters,
             issue.endorsements, len(issue.members), day(issue.first_at), day(issue.last_at),
             "、".join(clean(w) for w in issue.keywords)]
            + [round(score.breakdown.get(name, 0.0), 6) for name in factors]
            for rank, (issue, score) in enumerate(ranked, 1)]
    return header, rows


def write_table_csv(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A table as CSV in UTF-8 with BOM, so Excel opens the Chinese correctly."""
    with Path(path).open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)


def write_issues_csv(path: Path, ranked: Sequence[tuple[Issue, Score]]) -> tuple[list[str], list[list[Any]]]:
    """One row per issue in rank order with its figures and per-factor points; returns the table written (the
    workbook's 共同问题 sheet is the same table)."""
    table = issue_table(ranked)
    write_table_csv(path, *table)
    return table


Threads = Mapping[str, Sequence[tuple[str, Sequence[str]]]]


def write_issues_json(path: Path, ranked: Sequence[tuple[Issue, Score]],
                      suggestions_by_id: Mapping[str, Suggestion], threads: Threads | None = None) -> None:
    """Every issue in rank order: its fields, score, breakdown, factors, member ids, which members are reposts,
    and its ``threads`` (separable sub-problems, ``Workspace.threads``; empty when the issue is one piece)."""
    records = []
    for rank, (issue, score) in enumerate(ranked, 1):
        record = issue.to_dict()
        record["label"] = clean(issue.label)
        record["keywords"] = [clean(w) for w in issue.keywords]
        records.append({
            "rank": rank, **record, **score.to_dict(),
            "duplicates": [m for m in issue.members if m in suggestions_by_id and suggestions_by_id[m].duplicate_of],
            "threads": [{"label": clean(label), "members": list(members)}
                        for label, members in (threads or {}).get(issue.id, [])],
        })
    Path(path).write_text(json.dumps(records, ensure_ascii=False, indent=2), encoding="utf-8")


def examples(issue: Issue, suggestions_by_id: Mapping[str, Suggestion], n: int = EXAMPLES_PER_ISSUE
             ) -> list[Suggestion]:
    """Up to ``n`` originals of ``issue`` to quote, most representative first, one per submitter while possible."""
    originals = []
    first_of_each: dict[str, Suggestion] = {}
    for member in issue.members:
        suggestion = suggestions_by_id.get(member)
        if suggestion is not None and not suggestion.duplicate_of:
            originals.append(suggestion)
            first_of_each.setdefault(suggestion.submitter, suggestion)
            if len(first_of_each) == n:  # the first n submitters' first originals: the rest cannot come before
                return list(first_of_each.values())
    picked = {s.id for s in first_of_each.values()}
    return (list(first_of_each.values()) + [s for s in originals if s.id not in picked])[:n]


def write_digest_md(path: Path, ranked_digest: Sequence[tuple[Suggestion, Score, str | None]],
                    issues_by_id: Mapping[str, Issue], suggestions: Sequence[Suggestion],
                    top_n: int | None = None) -> None:
    """The 《社会组织协商直通车》 candidates in Chinese markdown: who proposes what, an excerpt, why it ranks there,
    and how widely its issue is shared."""
    reposts = Counter(s.duplicate_of for s in suggestions if s.duplicate_of)
    shown = ranked_digest[:top_n] if top_n is not None else ranked_digest
    lines = [
        "# 《社会组织协商直通车》候选意见",
        "",
        f"共 {len(ranked_digest)} 条候选，以下列出 {len(shown)} 条。综合得分（0–1）是从审阅人标注学得的模型对"
        "标签的估计（2 适合、1 一般、0 不宜，除以 2），按有针对性、具有参考价值、可行性强和用语拆分，各项得分之和"
        "等于综合得分，负分表示该项拉低了得分；因素值 0.5 表示该项没有倾向。同一议题只列得分最高的几条，"
        "转发的重复意见不列入。",
    ]
    for rank, (suggestion, score, issue_id) in enumerate(shown, 1):
        who = clean(who_of(suggestion))
        if suggestion.org_type:
            who += f"（{clean(suggestion.org_type)}）"
        lines += ["", f"## {rank}. {clean(title_of(suggestion))}", "",
                  f"- {'提交组织' if suggestion.org_name else '提交者'}：{who}",
                  f"- 综合得分：{score.value:.3f}"]
        where = "，".join(part for part in (suggestion.sector, suggestion.district) if part)
        if where:
            lines.append(f"- 领域与区域：{clean(where)}")
        if reposts[suggestion.id]:
            lines.append(f"- 被转发 {reposts[suggestion.id]} 次")
        issue = issues_by_id.get(issue_id) if issue_id else None
        if issue is not None:
            lines.append(f"- 所属议题：{clean(issue.label)}（意见 {issue.size} 条，提出主体 {issue.submitters} 个）")
        lines += ["", f"> {excerpt(body_of(suggestion), DIGEST_EXCERPT_CHARS)}", "", *breakdown_table(score)]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
