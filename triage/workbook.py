"""``triage.xlsx``: the run's lists in one Excel workbook, the way offices exchange lists.

Sheets: 重点议题候选 (themes), 共同问题 (concrete issues ranked), 直通车候选 (digest candidates) and 意见明细 (every
accepted suggestion with its issue and theme). Text passes through ``clean`` (phone, ID and e-mail masked) as in every
other export, and ``triage.xlsx`` stores every text cell as text: a title that begins with ``=`` stays words, never a
formula.
"""
from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .messages import FACTOR_NAMES
from .records import Issue, Score, Suggestion
from .reports import DIGEST_EXCERPT_CHARS, body_of, clean, day, excerpt, issue_table, title_of
from .theme_reports import ThemeEntry, theme_table
from .xlsx import write_xlsx

SHEETS = ("重点议题候选", "共同问题", "直通车候选", "意见明细")

DIGEST_COLUMNS = ["排名", "意见编号", "标题", "提交者", "组织名称", "组织类型", "领域", "区域", "提交时间", "综合得分",
                  "所属问题", "所属主题", "摘录"]
SUGGESTION_COLUMNS = ["意见编号", "标题", "正文", "提交者", "组织名称", "组织类型", "领域", "区域", "提交时间", "附议数",
                      "转发自", "问题编号", "问题", "主题编号", "主题"]

# Excel refuses a cell longer than this.
EXCEL_CELL_CHARS = 32767


def digest_table(ranked: Sequence[tuple[Suggestion, Score, str | None]], issues: Mapping[str, Issue],
                 theme_labels: Mapping[str, str], theme_of_issue: Mapping[str, str]
                 ) -> tuple[list[str], list[list[Any]]]:
    """Header and one row per 直通车 candidate in rank order, with per-factor points."""
    factors = list(dict.fromkeys(name for _, score, _ in ranked for name in score.breakdown))
    header = DIGEST_COLUMNS + [f"{FACTOR_NAMES.get(name, name)}得分" for name in factors]
    rows = []
    short = functools.cache(clean)  # names, kinds, places and labels recur from row to row
    for rank, (s, score, issue_id) in enumerate(ranked, 1):
        issue = issues.get(issue_id) if issue_id else None
        theme_id = theme_of_issue.get(issue_id) if issue_id else None
        rows.append([rank, s.id, clean(title_of(s)), short(s.submitter), short(s.org_name), short(s.org_type),
                     short(s.sector), short(s.district), day(s.submitted_at), round(score.value, 6),
                     short(issue.label) if issue else "", short(theme_labels.get(theme_id, "")),
                     excerpt(body_of(s), DIGEST_EXCERPT_CHARS)]
                    + [round(score.breakdown.get(name, 0.0), 6) for name in factors])
    return header, rows


def suggestion_table(suggestions: Sequence[Suggestion], issue_of: Mapping[str, str | None],
                     issues: Mapping[str, Issue], theme_of: Mapping[str, str], theme_labels: Mapping[str, str]
                     ) -> tuple[list[str], list[list[Any]]]:
    """Header and one row per accepted suggestion, in input order, with its whole (masked) text."""
    rows = []
    short = functools.cache(clean)  # names, kinds, places and labels recur from row to row
    for s in suggestions:
        issue_id = issue_of.get(s.id)
        theme_id = theme_of.get(s.id, "")
        rows.append([s.id, clean(title_of(s)), clean(body_of(s), keep_lines=True)[:EXCEL_CELL_CHARS],
                     short(s.submitter), short(s.org_name), short(s.org_type), short(s.sector), short(s.district),
                     day(s.submitted_at), s.endorsements, s.duplicate_of or "", issue_id or "",
                     short(issues[issue_id].label) if issue_id in issues else "", theme_id,
                     short(theme_labels.get(theme_id, ""))])
    return SUGGESTION_COLUMNS, rows


def write_workbook(path: Path, entries: Sequence[ThemeEntry], ranked_issues: Sequence[tuple[Issue, Score]],
                   digest: Sequence[tuple[Suggestion, Score, str | None]], suggestions: Sequence[Suggestion],
                   issue_of: Mapping[str, str | None], theme_of: Mapping[str, str], issues_shown: int,
                   issue_rows: tuple[list[str], list[list[Any]]] | None = None) -> Path:
    """Write the four sheets; key-topic candidates only on the first (themes of one submitter are no candidates).
    ``issue_rows`` is ``issue_table(ranked_issues)`` when the caller has built it already (for ``issues.csv``)."""
    issues = {issue.id: issue for issue, _ in ranked_issues}
    theme_labels = {e.theme.id: e.theme.label for e in entries}
    theme_of_issue = {issue_id: e.theme.id for e in entries for issue_id in e.theme.issues}
    tables = [
        theme_table([e for e in entries if e.rank is not None], issues_shown),
        issue_rows or issue_table(ranked_issues),
        digest_table(digest, issues, theme_labels, theme_of_issue),
        suggestion_table(suggestions, issue_of, issues, theme_of, theme_labels),
    ]
    return write_xlsx(path, [(title, [header, *rows]) for title, (header, rows) in zip(SHEETS, tables)])
