"""Themes for readers: each theme with its concrete issues ranked and representative suggestions, as JSON, CSV and
the key-topic shortlist in Chinese markdown.

One function (``theme_entries``) puts together what every output shows, so the files, the workbook, the API and the
report cannot disagree. Everything quoted passes through ``clean`` (phone, ID and e-mail masked).
"""
from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .entries import LazyEntries
from .messages import FACTOR_NAMES
from .records import Issue, Score, Suggestion
from .reports import (EXAMPLE_EXCERPT_CHARS, body_of, breakdown_table, clean, day, examples, excerpt, title_of, who_of,
                      write_table_csv)
from .themes import Theme

# Representative suggestions shown under a theme: the most representative original of each of its top issues.
EXAMPLES_PER_THEME = 3

THEME_COLUMNS: dict[str, str] = {
    "rank": "排名",
    "id": "主题编号",
    "label": "主题",
    "score": "综合得分",
    "submitters": "提出主体数",
    "issues": "具体问题数",
    "places": "涉及地点数",
    "size": "意见数（不含转发）",
    "endorsements": "附议数",
    "keywords": "关键词",
    "top_issues": "主要具体问题",
}


@dataclass
class ThemeEntry:
    """A theme as readers see it: its rank among candidates (``None`` if it is none), its score, its issues ranked
    as common issues (rank among all issues, issue, score) and the suggestions that best show it."""

    theme: Theme
    rank: int | None
    score: Score | None
    issues: Sequence[tuple[int, Issue, Score]]
    examples: list[Suggestion]
    priorities: list[str] = field(default_factory=list)

    def to_dict(self, issues_shown: int | None = None) -> dict[str, Any]:
        record = self.theme.to_dict()
        record["label"] = clean(self.theme.label)
        record["keywords"] = [clean(w) for w in self.theme.keywords]
        record["places"] = [clean(p) for p in self.theme.places]
        return {
            "rank": self.rank, "candidate": self.rank is not None, **record,
            **(self.score.to_dict() if self.score else {"score": None, "breakdown": {}, "factors": {}}),
            "priorities": self.priorities,
            "ranked_issues": [{"issue_rank": n, "id": i.id, "label": clean(i.label), "submitters": i.submitters,
                               "size": i.size, "score": round(s.value, 6)}
                              for n, i, s in self.issues[:issues_shown]],
            "examples": [{"id": s.id, "title": clean(title_of(s)), "excerpt": excerpt(body_of(s), EXAMPLE_EXCERPT_CHARS)}
                         for s in self.examples],
        }


def theme_entries(themes: Sequence[Theme], candidates: Sequence[tuple[Theme, Score]],
                  ranked_issues: Sequence[tuple[Issue, Score]], suggestions: Sequence[Suggestion],
                  priorities: Mapping[str, Sequence[str]] | None = None) -> list[ThemeEntry]:
    """Candidates in rank order, then every other theme (largest first), each with its issues in common-issue rank
    order and one representative suggestion from each of its top issues."""
    by_id = {s.id: s for s in suggestions}
    place = {issue.id: n for n, (issue, _) in enumerate(ranked_issues, 1)}
    chosen = {theme.id for theme, _ in candidates}
    ordered = [(n, theme, score) for n, (theme, score) in enumerate(candidates, 1)]
    ordered += [(None, theme, None) for theme in themes if theme.id not in chosen]
    return [theme_entry(rank, theme, score, place.get, ranked_issues, by_id, (priorities or {}).get(theme.id, ()))
            for rank, theme, score in ordered]


class Placed(LazyEntries[tuple]):
    """Entries of a ranking with their place (from 1) in front, all of them or those at ``places`` only, each read
    from the ranking when asked for: a page of a long ranking, or of a theme's many issues, costs a page."""

    def __init__(self, ranked: Sequence[tuple], places: Sequence[int] | None = None):
        self._ranked = ranked
        self._places = places if places is not None else range(1, len(ranked) + 1)

    def __len__(self) -> int:
        return len(self._places)

    def _entry(self, index: int) -> tuple:
        place = self._places[index]
        return (place, *self._ranked[place - 1])


def theme_entry(rank: int | None, theme: Theme, score: Score | None, place: Callable[[str], int | None],
                ranked_issues: Sequence[tuple[Issue, Score]], suggestions_by_id: Mapping[str, Suggestion],
                priorities: Sequence[str] = ()) -> ThemeEntry:
    """One theme of ``theme_entries``; ``place`` gives an issue's rank (from 1) in ``ranked_issues``, or ``None`` for
    an issue not ranked. The service builds only the entries of the page it shows."""
    issues = Placed(ranked_issues, sorted(p for i in theme.issues if (p := place(i)) is not None))
    shown = [found[0] for _, issue, _ in issues[:EXAMPLES_PER_THEME]
             if (found := examples(issue, suggestions_by_id, 1))]
    return ThemeEntry(theme, rank, score, issues, shown, list(priorities))


def write_themes_json(path: Path, entries: Sequence[ThemeEntry]) -> None:
    """Every theme: candidates in rank order with score and breakdown, then the others; each with its issues."""
    Path(path).write_text(json.dumps([e.to_dict() for e in entries], ensure_ascii=False, indent=2), encoding="utf-8")


def theme_table(entries: Sequence[ThemeEntry], issues_shown: int) -> tuple[list[str], list[list[Any]]]:
    """Header and one row per theme (candidates first, in rank order) with figures and per-factor points."""
    factors = list(dict.fromkeys(name for e in entries if e.score for name in e.score.breakdown))
    header = list(THEME_COLUMNS.values()) + [f"{FACTOR_NAMES.get(name, name)}得分" for name in factors]
    rows = []
    for entry in entries:
        theme, score = entry.theme, entry.score
        rows.append([entry.rank or "", theme.id, clean(theme.label), round(score.value, 6) if score else "",
                     theme.submitters, len(theme.issues), len(theme.places), theme.size, theme.endorsements,
                     "、".join(clean(w) for w in theme.keywords),
                     "；".join(clean(issue.label) for _, issue, _ in entry.issues[:issues_shown])]
                    + [round(score.breakdown.get(n, 0.0), 6) if score else "" for n in factors])
    return header, rows


def write_themes_csv(path: Path, entries: Sequence[ThemeEntry], issues_shown: int) -> None:
    """Every theme as a row of ``theme_table``; UTF-8 with BOM for Excel."""
    write_table_csv(path, *theme_table(entries, issues_shown))


def write_key_topics_md(path: Path, entries: Sequence[ThemeEntry], top_n: int, issues_shown: int) -> None:
    """The top ``top_n`` key-topic candidates (themes) in Chinese markdown: why each ranks there, its concrete
    issues in common-issue rank order and representative suggestions."""
    candidates = [e for e in entries if e.rank is not None]
    shown = candidates[:top_n]
    lines = [
        "# 年度重点协商议题候选",
        "",
        f"共 {len(candidates)} 个主题（两个及以上提出主体反映的同类问题），以下为综合得分最高的 {len(shown)} 个。"
        "主题是可由同一项市级政策或同一部门跨地点解决的同类问题；综合得分为各因素得分之和，"
        "每项因素得分 = 权重 × 因素值（0–1）；转发的重复意见不计入任何数量，附议只作支持度，不计入广度。",
    ]
    for entry in shown:
        theme = entry.theme
        lines += ["", f"## {entry.rank}. {clean(theme.label)}", "",
                  f"- 主题编号：{theme.id}",
                  f"- 综合得分：{entry.score.value:.3f}",
                  f"- 提出主体 {theme.submitters} 个，具体问题 {len(theme.issues)} 个，涉及地点 {len(theme.places)} 处，"
                  f"意见 {theme.size} 条，附议 {theme.endorsements} 次"]
        if theme.first_at:
            lines.append(f"- 提交时间：{day(theme.first_at)} 至 {day(theme.last_at)}")
        if theme.keywords:
            lines.append(f"- 关键词：{'、'.join(clean(w) for w in theme.keywords)}")
        if entry.priorities:
            lines.append(f"- 契合市级重点：{'、'.join(entry.priorities)}")
        lines += ["", *breakdown_table(entry.score), "", "主要具体问题（按共同问题排名）：", ""]
        for number, (issue_rank, issue, _) in enumerate(entry.issues[:issues_shown], 1):
            lines.append(f"{number}. {clean(issue.label)}（共同问题第 {issue_rank} 名，提出主体 {issue.submitters} 个，"
                         f"意见 {issue.size} 条）")
        if len(entry.issues) > issues_shown:
            lines.append(f"{issues_shown + 1}. ……另有 {len(entry.issues) - issues_shown} 个问题")
        lines += ["", "代表性意见：", ""]
        for number, suggestion in enumerate(entry.examples, 1):
            lines.append(f"{number}. 《{clean(title_of(suggestion))}》——{clean(who_of(suggestion))}："
                         f"{excerpt(body_of(suggestion), EXAMPLE_EXCERPT_CHARS)}")
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
