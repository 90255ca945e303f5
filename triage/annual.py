"""The year's consultation report (年度通报): how far the year's suggestions went, from submission to implementation.

The figures are computed once into an ``AnnualReport`` from the organisations' feedback records (``Feedback``: each
suggestion with its current decision, the decisions before it and its implementation status), and then written as a
document (``.docx`` / ``.html`` through ``triage.documents``) or a workbook (``.xlsx``), so every output says the
same thing. The year is the suggestion's submission year; its decisions and implementation are counted as they stand
when the report is made.

Stages, counting originals only (a repost never counts, as everywhere):

- 提交意见: submitted in the year;
- 归入共同问题: in an issue that at least two organisations raised;
- 入围: at some point shortlisted, taken into the digest, adopted or not adopted (went past the first screening);
- 采纳入专报: at some point taken into the 直通车 digest;
- 已采纳: adopted now;
- 已落实: adopted now and implemented or turned into results (已落实 / 成果转化).

A suggestion without a decision of its own takes its issue's decisions (``Feedback.basis``). Themes are the level
above issues (``triage/themes.py``); ``build`` takes the issue -> theme name mapping, by default an issue's broad
topic (``Issue.topic``).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import charts, reports
from .documents import BEIJING, Block, Document, Figure, Heading, Paragraph, Table, write_document
from .feedback import SCREENED_IN, Feedback
from .messages import IMPLEMENTATION_STATUSES
from .records import Issue

STAGES: dict[str, str] = {
    "submitted": "提交意见",
    "shared": "归入共同问题",
    "shortlisted": "入围",
    "digest": "采纳入专报",
    "adopted": "已采纳",
    "carried_out": "已落实",
}
STAGE_NOTES: dict[str, str] = {
    "submitted": "当年提交的意见（不含转发）",
    "shared": "所属问题由至少两家组织提出",
    "shortlisted": "曾被决定入围、采纳入专报、已采纳或未采纳（通过初步筛选）",
    "digest": "曾被决定采纳入《社会组织协商直通车》",
    "adopted": "当前决定为已采纳",
    "carried_out": "已采纳且当前落实状态为已落实或成果转化",
}
# Organisations behind one issue needed for it to count as shared.
SHARED_MIN_SUBMITTERS = 2
LEADING = 10
EXCERPT_CHARS = 60

TEXT: dict[str, str] = {
    "title": "{year}年度社会组织协商意见通报",
    "subtitle": "统计范围：{year}年提交的协商意见（按提交时间），决定和落实情况截至 {date}",
    "generated": "生成日期：{date}",
    "overview": "一、总体情况",
    "overview_text": ("{year}年共收到社会组织协商意见 {submitted} 条（另有转发 {reposts} 条，不计入），来自 {orgs} 家组织；"
                      "其中 {shared} 条归入多家组织共同反映的问题，{shortlisted} 条入围，{digest} 条采纳入专报，"
                      "{adopted} 条已采纳，{carried_out} 条已落实。"),
    "undated": "另有 {count} 条意见没有提交时间，不属于任何年度，未计入。",
    "stage": "阶段",
    "count": "意见数",
    "share": "占提交",
    "definition": "口径",
    "funnel_chart": "图1 意见流转各阶段",
    "monthly": "二、每月提交量",
    "monthly_chart": "图2 {year}年每月提交的意见",
    "originals": "意见",
    "reposts": "转发",
    "month": "月份",
    "groups": "三、分类统计",
    "by_org_type": "（一）按组织类型",
    "by_sector": "（二）按领域",
    "by_district": "（三）按区域",
    "sector_chart": "图3 各领域意见数",
    "unfilled": "未填写",
    "org_type": "组织类型",
    "sector": "领域",
    "district": "区域",
    "themes": "四、主要主题和问题",
    "themes_intro": "按当年意见数排列的前 {n} 个主题和前 {n} 个共同问题（不含转发）。",
    "theme": "主题",
    "theme_chart": "图4 主要主题的意见数",
    "issue": "共同问题",
    "issue_id": "编号",
    "issues_in_theme": "问题数",
    "orgs": "提出组织数",
    "no_theme": "其他",
    "digest": "五、采纳入专报的意见及落实情况",
    "digest_none": "当年提交的意见中没有被采纳入专报的。",
    "suggestion_id": "意见编号",
    "suggestion": "意见",
    "organisation": "提出组织",
    "status": "当前决定",
    "implementation": "落实状态",
    "implementation_date": "落实日期",
    "department": "责任部门",
    "turned_down": "六、未采纳的意见及理由",
    "turned_down_intro": "按政策，未采纳的意见应向提出组织说明理由。以下为当前决定为不予采纳或未采纳的意见。",
    "turned_down_none": "当年提交的意见中没有不予采纳或未采纳的。",
    "reason": "理由",
    "basis_issue": "（按所属问题决定）",
    "implementation_summary": "七、已采纳事项的落实情况",
    "implementation_none": "已采纳事项尚未记录落实情况。",
    "not_tracked": "尚未记录",
    "items": "事项数",
}


@dataclass
class GroupRow:
    """One organisation type, sector or district with its count at each stage."""

    name: str
    stages: dict[str, int]


@dataclass
class Theme:
    name: str
    items: int
    issues: int


@dataclass
class LeadingIssue:
    issue: Issue
    theme: str
    items: int        # the year's originals in it
    organisations: int  # distinct organisations among them


@dataclass
class AnnualReport:
    year: int
    generated_at: datetime
    funnel: dict[str, int]
    reposts: int
    undated: int
    organisations: int
    monthly: list[tuple[int, int, int]]  # (month, originals, reposts)
    by_org_type: list[GroupRow]
    by_sector: list[GroupRow]
    by_district: list[GroupRow]
    themes: list[Theme]
    issues: list[LeadingIssue]
    digest: list[Feedback]
    turned_down: list[Feedback]
    implementation: dict[str, int]  # current status of the adopted items -> count; "" = not tracked yet
    charts: dict[str, charts.Chart] = field(default_factory=dict)


def stages_reached(row: Feedback, issue: Issue | None) -> list[str]:
    """The stages one original suggestion reached (see the module's docstring)."""
    reached = ["submitted"]
    if issue is not None and issue.submitters >= SHARED_MIN_SUBMITTERS:
        reached.append("shared")
    if any(d in SCREENED_IN for d in row.decisions):
        reached.append("shortlisted")
    if "digest" in row.decisions:
        reached.append("digest")
    if row.adopted:
        reached.append("adopted")
    if row.carried_out:
        reached.append("carried_out")
    return reached


def in_year(row: Feedback, year: int) -> bool:
    return row.suggestion.submitted_at is not None and row.suggestion.submitted_at.year == year


def build(rows: Sequence[Feedback], issues: Mapping[str, Issue], year: int,
          theme_of: Callable[[Issue], str] | None = None, generated_at: datetime | None = None) -> AnnualReport:
    """The report of ``year`` from every suggestion's feedback record; ``theme_of`` names an issue's theme (default:
    its broad topic)."""
    theme_of = theme_of or (lambda issue: issue.topic or TEXT["no_theme"])
    dated = [r for r in rows if in_year(r, year)]
    originals = sorted((r for r in dated if not r.suggestion.duplicate_of),
                       key=lambda r: (r.suggestion.submitted_at, r.suggestion.id))
    issue_of = {r.suggestion.id: issues.get(r.issue_id) if r.issue_id else None for r in originals}
    reached = {r.suggestion.id: stages_reached(r, issue_of[r.suggestion.id]) for r in originals}
    funnel = {stage: sum(stage in reached[r.suggestion.id] for r in originals) for stage in STAGES}

    def grouped(key: Callable[[Feedback], str]) -> list[GroupRow]:
        found: dict[str, Counter] = {}
        for r in originals:
            found.setdefault(key(r) or TEXT["unfilled"], Counter()).update(reached[r.suggestion.id])
        return [GroupRow(name, {stage: counts[stage] for stage in STAGES})
                for name, counts in sorted(found.items(), key=lambda kv: (-kv[1]["submitted"], kv[0]))]

    monthly = [(month, sum(1 for r in originals if r.suggestion.submitted_at.month == month),
                sum(1 for r in dated if r.suggestion.duplicate_of and r.suggestion.submitted_at.month == month))
               for month in range(1, 13)]

    in_issue: dict[str, list[Feedback]] = {}
    for r in originals:
        if issue_of[r.suggestion.id] is not None:
            in_issue.setdefault(r.issue_id, []).append(r)
    leading = [LeadingIssue(issues[i], theme_of(issues[i]), len(members), len({m.suggestion.submitter for m in members}))
               for i, members in in_issue.items() if len(members) >= 2]
    leading.sort(key=lambda li: (-li.items, -li.organisations, li.issue.id))
    themes: dict[str, Theme] = {}
    for issue_id, members in in_issue.items():
        theme = themes.setdefault(theme_of(issues[issue_id]), Theme(theme_of(issues[issue_id]), 0, 0))
        theme.items += len(members)
        theme.issues += 1
    ranked_themes = sorted(themes.values(), key=lambda t: (-t.items, t.name))

    adopted = [r for r in originals if r.adopted]
    implementation = Counter(r.implementation.status if r.implementation else "" for r in adopted)
    report = AnnualReport(
        year=year, generated_at=(generated_at or datetime.now(timezone.utc)).astimezone(BEIJING), funnel=funnel,
        reposts=len(dated) - len(originals), undated=sum(1 for r in rows if r.suggestion.submitted_at is None),
        organisations=len({r.suggestion.submitter for r in originals}), monthly=monthly,
        by_org_type=grouped(lambda r: r.suggestion.org_type), by_sector=grouped(lambda r: r.suggestion.sector),
        by_district=grouped(lambda r: r.suggestion.district), themes=ranked_themes[:LEADING], issues=leading[:LEADING],
        digest=[r for r in originals if "digest" in r.decisions],
        turned_down=[r for r in originals if r.turned_down],
        implementation={status: implementation[status] for status in (*IMPLEMENTATION_STATUSES, "")},
    )
    report.charts = draw(report)
    return report


def draw(report: AnnualReport) -> dict[str, charts.Chart]:
    """The four charts: stage funnel, items by sector, monthly volume, theme sizes."""
    sectors = report.by_sector[:12]
    return {
        "funnel": charts.funnel(TEXT["funnel_chart"], [(STAGES[s], report.funnel[s]) for s in STAGES]),
        "monthly": charts.monthly(TEXT["monthly_chart"].format(year=report.year),
                                  [f"{m}月" for m, _, _ in report.monthly], [o for _, o, _ in report.monthly],
                                  [r for _, _, r in report.monthly], (TEXT["originals"], TEXT["reposts"])),
        "sectors": charts.horizontal_bars(TEXT["sector_chart"], [g.name for g in sectors],
                                          [g.stages["submitted"] for g in sectors]),
        "themes": charts.horizontal_bars(TEXT["theme_chart"], [t.name for t in report.themes],
                                         [t.items for t in report.themes]),
    }


# Rows of the tables, shared by the document and the workbook -------------------------------------------------------


Cell = str | int
Rows = list[list[Cell]]


def stage_rows(report: AnnualReport) -> Rows:
    first = report.funnel["submitted"] or 1
    return [[STAGES[s], report.funnel[s], f"{100 * report.funnel[s] / first:.1f}%", STAGE_NOTES[s]]
            for s in STAGES]


def stage_header() -> list[str]:
    return [TEXT["stage"], TEXT["count"], TEXT["share"], TEXT["definition"]]


def group_rows(groups: Sequence[GroupRow]) -> Rows:
    return [[reports.clean(g.name), *(g.stages[s] for s in STAGES)] for g in groups]


def group_header(kind: str) -> list[str]:
    return [kind, *STAGES.values()]


def theme_rows(report: AnnualReport) -> Rows:
    return [[reports.clean(t.name), t.items, t.issues] for t in report.themes]


def issue_rows(report: AnnualReport) -> Rows:
    return [[li.issue.id, reports.clean(li.issue.label), reports.clean(li.theme), li.items, li.organisations]
            for li in report.issues]


def _title(row: Feedback) -> str:
    s = row.suggestion
    return reports.excerpt(s.original_title or s.title or s.original_body, EXCERPT_CHARS)


def _org(row: Feedback) -> str:
    return reports.clean(row.suggestion.org_name or row.suggestion.submitter)


def digest_rows(report: AnnualReport) -> Rows:
    rows = []
    for r in report.digest:
        i = r.implementation
        rows.append([r.suggestion.id, _title(r), _org(r), r.decision_label,
                     i.label if i else (TEXT["not_tracked"] if r.adopted else ""),
                     i.on.isoformat() if i else "", reports.clean(i.department) if i else ""])
    return rows


def digest_header() -> list[str]:
    return [TEXT["suggestion_id"], TEXT["suggestion"], TEXT["organisation"], TEXT["status"], TEXT["implementation"],
            TEXT["implementation_date"], TEXT["department"]]


def turned_down_rows(report: AnnualReport) -> Rows:
    return [[r.suggestion.id, _title(r), _org(r), r.decision_label,
             reports.clean(r.reason) + (TEXT["basis_issue"] if r.basis == "issue" else "")] for r in report.turned_down]


def turned_down_header() -> list[str]:
    return [TEXT["suggestion_id"], TEXT["suggestion"], TEXT["organisation"], TEXT["status"], TEXT["reason"]]


def implementation_rows(report: AnnualReport) -> Rows:
    return [[IMPLEMENTATION_STATUSES.get(status, TEXT["not_tracked"]), count]
            for status, count in report.implementation.items()]


def monthly_rows(report: AnnualReport) -> Rows:
    return [[f"{month}月", originals, reposts] for month, originals, reposts in report.monthly]


# The document and the workbook -------------------------------------------------------------------------------------


def overview(report: AnnualReport) -> list[str]:
    """The report's opening sentences: the year in figures."""
    lines = [TEXT["overview_text"].format(year=report.year, reposts=report.reposts, orgs=report.organisations,
                                          **report.funnel)]
    if report.undated:
        lines.append(TEXT["undated"].format(count=report.undated))
    return lines


def annual_document(report: AnnualReport) -> Document:
    """The report as a document: sections with figures, tables and the four charts."""
    f = report.funnel
    date = report.generated_at.strftime("%Y-%m-%d")
    blocks: list[Block] = [Heading(1, TEXT["overview"]), *(Paragraph(line) for line in overview(report))]
    blocks += [_figure(report, "funnel"), _table(stage_header(), stage_rows(report)),
               Heading(1, TEXT["monthly"]), _figure(report, "monthly"),
               _table([TEXT["month"], TEXT["originals"], TEXT["reposts"]], monthly_rows(report)),
               Heading(1, TEXT["groups"]),
               Heading(2, TEXT["by_org_type"]), _table(group_header(TEXT["org_type"]), group_rows(report.by_org_type)),
               Heading(2, TEXT["by_sector"]), _figure(report, "sectors"),
               _table(group_header(TEXT["sector"]), group_rows(report.by_sector)),
               Heading(2, TEXT["by_district"]), _table(group_header(TEXT["district"]), group_rows(report.by_district)),
               Heading(1, TEXT["themes"]), Paragraph(TEXT["themes_intro"].format(n=LEADING)), _figure(report, "themes"),
               _table([TEXT["theme"], TEXT["count"], TEXT["issues_in_theme"]], theme_rows(report)),
               _table([TEXT["issue_id"], TEXT["issue"], TEXT["theme"], TEXT["count"], TEXT["orgs"]], issue_rows(report)),
               Heading(1, TEXT["digest"])]
    blocks.append(_table(digest_header(), digest_rows(report)) if report.digest else Paragraph(TEXT["digest_none"]))
    blocks.append(Heading(1, TEXT["turned_down"]))
    if report.turned_down:
        blocks += [Paragraph(TEXT["turned_down_intro"]), _table(turned_down_header(), turned_down_rows(report))]
    else:
        blocks.append(Paragraph(TEXT["turned_down_none"]))
    blocks.append(Heading(1, TEXT["implementation_summary"]))
    blocks.append(_table([TEXT["implementation"], TEXT["items"]], implementation_rows(report)) if f["adopted"]
                  else Paragraph(TEXT["implementation_none"]))
    return Document(title=TEXT["title"].format(year=report.year),
                    subtitle=[TEXT["subtitle"].format(year=report.year, date=date), TEXT["generated"].format(date=date)],
                    blocks=blocks, toc_depth=2)


def _table(header: list[str], rows: Rows) -> Table:
    return Table(header, [[str(cell) for cell in row] for row in rows])


def _figure(report: AnnualReport, name: str) -> Figure:
    chart = report.charts[name]
    return Figure(chart.title, chart.png, chart.svg)


# Sheet name -> (header, rows) of the workbook, in order.
def workbook_sheets(report: AnnualReport) -> dict[str, tuple[list[str], Rows]]:
    return {
        "各阶段": (stage_header(), stage_rows(report)),
        "每月提交": ([TEXT["month"], TEXT["originals"], TEXT["reposts"]], monthly_rows(report)),
        "组织类型": (group_header(TEXT["org_type"]), group_rows(report.by_org_type)),
        "领域": (group_header(TEXT["sector"]), group_rows(report.by_sector)),
        "区域": (group_header(TEXT["district"]), group_rows(report.by_district)),
        "主要主题": ([TEXT["theme"], TEXT["count"], TEXT["issues_in_theme"]], theme_rows(report)),
        "主要问题": ([TEXT["issue_id"], TEXT["issue"], TEXT["theme"], TEXT["count"], TEXT["orgs"]], issue_rows(report)),
        "采纳入专报": (digest_header(), digest_rows(report)),
        "未采纳及理由": (turned_down_header(), turned_down_rows(report)),
        "落实情况": ([TEXT["implementation"], TEXT["items"]], implementation_rows(report)),
    }


def write_workbook(path: str | Path, report: AnnualReport) -> Path:
    """The figures as a workbook, one sheet per table (numbers as numbers), the charts on a sheet of their own."""
    from io import BytesIO

    from openpyxl import Workbook
    from openpyxl.drawing.image import Image
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    for name, (header, rows) in workbook_sheets(report).items():
        sheet = book.create_sheet(name)
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        for column, title in zip(sheet.columns, header):
            sheet.column_dimensions[column[0].column_letter].width = max(10, min(60, 2 * max(
                len(str(c.value or "")) for c in column)))
    sheet = book.create_sheet("图表")
    row = 1
    for chart in report.charts.values():
        sheet.cell(row, 1, chart.title).font = Font(bold=True)
        image = Image(BytesIO(chart.png))
        image.width, image.height = image.width * 0.45, image.height * 0.45
        sheet.add_image(image, f"A{row + 1}")
        row += int(image.height / 20) + 3
    path = Path(path)
    book.save(str(path))
    return path


FORMATS = (".docx", ".html", ".xlsx")


def write_report(path: str | Path, report: AnnualReport) -> Path:
    """Write the report in the format its suffix names: ``.docx``, ``.html`` or ``.xlsx``."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"不支持的文件格式 {path.suffix or '（无扩展名）'}：请用 {'、'.join(FORMATS)}")
    if suffix == ".xlsx":
        return write_workbook(path, report)
    return write_document(path, annual_document(report))
