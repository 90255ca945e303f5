"""Documents for readers outside the review team: the 《社会组织协商直通车》 digest and the key-topic report.

A document is built once as a title, a few subtitle lines and a list of blocks (headings, paragraphs, labelled
fields, quotes, tables), then written as ``.docx`` (python-docx), ``.md`` or ``.html`` by one renderer per format,
so the three files always say the same thing. Every piece of a suggestion or a reviewer's note passes through
``mask_pii``: the digest goes to the city's leadership, and a submitter's phone or ID number has no place in it.

Periods are read in Beijing time (UTC+8), the reviewers' own clock; the store keeps UTC.
"""
from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .messages import FACTOR_NAMES
from .records import Issue, Score, Suggestion
from . import reports
from .theme_reports import ThemeEntry

BEIJING = timezone(timedelta(hours=8))
FORMATS = (".docx", ".md", ".html")
EXAMPLE_EXCERPT_CHARS = 160

# Every sentence the documents say, in one place so the wording can be reviewed.
TEXT: dict[str, str] = {
    "digest_title": "社会组织协商直通车",
    "digest_period": "{period}（{start} 至 {end}）",
    "digest_counts": "本期收录意见 {items} 条，涉及共同问题 {issues} 个",
    "digest_empty": "本期没有审阅人决定“采纳入专报”的意见。",
    "generated": "生成日期：{date}",
    "toc": "目录",
    "no_issue": "单独提出的意见",
    "no_topic": "其他",
    "issue_heading": "{label}",
    "issue_size": "共同问题：意见 {size} 条（不含转发），{submitters} 个组织提出，附议 {endorsements} 次",
    "item_heading": "《{title}》",
    "org": "提交组织",
    "submitter": "提交者",
    "where": "领域与区域",
    "submitted_at": "提交时间",
    "issue_behind": "所属问题",
    "issue_behind_value": "{label}（意见 {size} 条，{submitters} 个组织提出）",
    "issue_alone": "单独提出，尚无其他组织反映同一问题",
    "note": "审阅意见",
    "suggestion": "意见内容",
    "key_title": "年度重点协商议题候选",
    "key_counts": "入围候选 {count} 个，按综合得分排序",
    "key_empty": "尚无审阅人决定“入围”的主题。",
    "key_heading": "{rank}. {label}",
    "theme_id": "主题编号",
    "score": "综合得分",
    "score_value": "{score:.3f}（在全部 {total} 个候选主题中排第 {rank} 名）",
    "breadth": "广度",
    "breadth_value": "{submitters} 个提出主体，具体问题 {issues} 个，涉及地点 {places} 处，意见 {size} 条（不含转发），"
                     "附议 {endorsements} 次",
    "places": "涉及地点",
    "priorities": "契合市级重点",
    "theme_issues": "具体问题（按共同问题名次）",
    "issue_rank": "名次",
    "issue_label": "问题",
    "submitters": "提出主体",
    "size": "意见数",
    "more_issues": "……另有 {count} 个具体问题",
    "dates": "提交时间",
    "sectors": "领域分布",
    "districts": "区域分布",
    "org_types": "组织类型",
    "keywords": "关键词",
    "shortlist_note": "入围理由",
    "examples": "代表性意见",
    "breakdown": "得分明细",
    "factor": "因素",
    "factor_value": "因素值（0–1）",
    "points": "得分",
    "total": "合计",
}

def clean(text: str) -> str:
    """Masked, with runs of spaces collapsed and lines kept: safe to quote in a document."""
    return reports.clean(text, keep_lines=True)


def _counts(counts: Mapping[str, int]) -> str:
    return "、".join(f"{clean(name)} {count}" for name, count in sorted(counts.items(), key=lambda kv: -kv[1]) if name)


# Periods ----------------------------------------------------------------------------------------------------------

_QUARTER_NAMES = "一二三四"


@dataclass(frozen=True)
class Period:
    """A calendar year, quarter or month in Beijing time: ``start`` inclusive, ``end`` exclusive (both aware)."""

    code: str
    label: str
    start: datetime
    end: datetime

    def contains(self, moment_utc: datetime) -> bool:
        """Whether a stored UTC time (naive, as the store keeps it) falls in the period."""
        moment = moment_utc.replace(tzinfo=timezone.utc) if moment_utc.tzinfo is None else moment_utc
        return self.start <= moment < self.end

    @property
    def last_day(self) -> datetime:
        return self.end - timedelta(days=1)


def parse_period(text: str) -> Period:
    """``2025-Q1`` (quarter), ``2025-03`` (month) or ``2025`` (year); ``ValueError`` with a Chinese message."""
    value = text.strip().upper()
    match = re.fullmatch(r"(\d{4})(?:-Q([1-4])|-(\d{1,2}))?", value)
    if not match or (match.group(3) and not 1 <= int(match.group(3)) <= 12):
        raise ValueError(f"无法识别的时间段 {text!r}：请写成 2025-Q1（季度）、2025-03（月份）或 2025（全年）")
    year = int(match.group(1))
    if match.group(2):
        quarter = int(match.group(2))
        first, months, code = 3 * quarter - 2, 3, f"{year}-Q{quarter}"
        label = f"{year}年第{_QUARTER_NAMES[quarter - 1]}季度"
    elif match.group(3):
        first, months, code = int(match.group(3)), 1, f"{year}-{int(match.group(3)):02d}"
        label = f"{year}年{first}月"
    else:
        first, months, code, label = 1, 12, str(year), f"{year}年"
    start = datetime(year, first, 1, tzinfo=BEIJING)
    end_month = first + months
    end = datetime(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1, tzinfo=BEIJING)
    return Period(code, label, start, end)


def current_quarter(now: datetime | None = None) -> str:
    """The code of the quarter ``now`` (default: this moment) falls in, in Beijing time."""
    now = (now or datetime.now(timezone.utc)).astimezone(BEIJING)
    return f"{now.year}-Q{(now.month - 1) // 3 + 1}"


# The document model -----------------------------------------------------------------------------------------------


@dataclass
class Heading:
    level: int
    text: str


@dataclass
class Paragraph:
    text: str


@dataclass
class Fields:
    """Labelled values, one per line: ``label：value``."""

    items: list[tuple[str, str]]


@dataclass
class Quote:
    text: str


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]


@dataclass
class Figure:
    """A chart: PNG for Word, SVG for web pages, with its caption."""

    caption: str
    png: bytes
    svg: str


Block = Heading | Paragraph | Fields | Quote | Table | Figure


@dataclass
class Document:
    """A title page (title and subtitle lines), a table of contents of headings up to ``toc_depth``, then blocks.

    Without ``cover`` (a letter) the title heads the first page and Word gets neither a cover page nor a table of
    contents.
    """

    title: str
    subtitle: list[str]
    blocks: list[Block] = field(default_factory=list)
    toc_depth: int = 3
    cover: bool = True

    def headings(self) -> list[Heading]:
        return [b for b in self.blocks if isinstance(b, Heading)]

    def toc(self) -> list[Heading]:
        return [h for h in self.headings() if h.level <= self.toc_depth]


# The digest --------------------------------------------------------------------------------------------------------


@dataclass
class DigestItem:
    """One suggestion a reviewer accepted into the digest, with its issue (``None`` if it stands alone)."""

    suggestion: Suggestion
    issue: Issue | None
    note: str
    decided_at: datetime


def _who(suggestion: Suggestion) -> tuple[str, str]:
    if suggestion.org_name:
        extra = f"（{clean(suggestion.org_type)}）" if suggestion.org_type else ""
        return TEXT["org"], clean(suggestion.org_name) + extra
    return TEXT["submitter"], clean(suggestion.submitter)


def _title(suggestion: Suggestion) -> str:
    return clean(suggestion.original_title or suggestion.title) or reports.excerpt(suggestion.original_body, 20)


def _body(suggestion: Suggestion) -> str:
    return clean(suggestion.original_body or suggestion.body)


def digest_document(items: Sequence[DigestItem], period: Period, generated_at: datetime | None = None) -> Document:
    """The digest of ``period``: items grouped by broad topic, then by issue (widest first), then in decision order."""
    generated_at = (generated_at or datetime.now(timezone.utc)).astimezone(BEIJING)
    groups: dict[str, dict[str, list[DigestItem]]] = {}
    for item in sorted(items, key=lambda i: i.decided_at):
        topic = (item.issue.topic if item.issue else "") or TEXT["no_topic"]
        key = item.issue.id if item.issue and item.issue.size > 1 else ""
        groups.setdefault(topic, {}).setdefault(key, []).append(item)
    issue_count = len({key for by_issue in groups.values() for key in by_issue if key})
    document = Document(
        title=TEXT["digest_title"],
        subtitle=[TEXT["digest_period"].format(period=period.label, start=reports.day(period.start),
                                               end=reports.day(period.last_day)),
                  TEXT["digest_counts"].format(items=len(items), issues=issue_count),
                  TEXT["generated"].format(date=reports.day(generated_at))],
    )
    if not items:
        document.blocks.append(Paragraph(TEXT["digest_empty"]))
    topic_order = sorted(groups, key=lambda t: (t == TEXT["no_topic"], -sum(map(len, groups[t].values())), t))
    for topic in topic_order:
        document.blocks.append(Heading(1, topic))
        by_issue = groups[topic]
        order = sorted(by_issue, key=lambda k: (k == "", -(by_issue[k][0].issue.size if k else 0), k))
        for key in order:
            entries = by_issue[key]
            if key:
                issue = entries[0].issue
                document.blocks += [Heading(2, TEXT["issue_heading"].format(label=clean(issue.label))),
                                    Paragraph(TEXT["issue_size"].format(size=issue.size, submitters=issue.submitters,
                                                                        endorsements=issue.endorsements))]
            else:
                document.blocks.append(Heading(2, TEXT["no_issue"]))
            for entry in entries:
                document.blocks += _digest_item(entry)
    return document


def _digest_item(item: DigestItem) -> list[Block]:
    suggestion, issue = item.suggestion, item.issue
    fields = [_who(suggestion)]
    where = "，".join(clean(part) for part in (suggestion.sector, suggestion.district) if part)
    if where:
        fields.append((TEXT["where"], where))
    if suggestion.submitted_at:
        fields.append((TEXT["submitted_at"], reports.day(suggestion.submitted_at)))
    if issue is not None and issue.size > 1:
        fields.append((TEXT["issue_behind"], TEXT["issue_behind_value"].format(
            label=clean(issue.label), size=issue.size, submitters=issue.submitters)))
    else:
        fields.append((TEXT["issue_behind"], TEXT["issue_alone"]))
    return [Heading(3, TEXT["item_heading"].format(title=_title(suggestion))), Fields(fields),
            Quote(_body(suggestion)), Fields([(TEXT["note"], clean(item.note))])]


# The key-topic report ----------------------------------------------------------------------------------------------


@dataclass
class KeyTopicEntry:
    """One shortlisted theme: its rank among the key-topic candidates, and the reviewer's reason for shortlisting."""

    rank: int
    theme: ThemeEntry
    note: str = ""


def key_topic_document(entries: Sequence[KeyTopicEntry], total: int, generated_at: datetime | None = None,
                       issues_shown: int = 5) -> Document:
    """The shortlisted key-topic candidates (themes), best first: figures, concrete issues ranked, representative
    suggestions and the score breakdown of each."""
    generated_at = (generated_at or datetime.now(timezone.utc)).astimezone(BEIJING)
    document = Document(title=TEXT["key_title"],
                        subtitle=[TEXT["key_counts"].format(count=len(entries)),
                                  TEXT["generated"].format(date=reports.day(generated_at))],
                        toc_depth=1)
    if not entries:
        document.blocks.append(Paragraph(TEXT["key_empty"]))
    for number, entry in enumerate(sorted(entries, key=lambda e: e.rank), 1):
        theme, score = entry.theme.theme, entry.theme.score
        fields = [(TEXT["theme_id"], theme.id),
                  (TEXT["score"], TEXT["score_value"].format(score=score.value, total=total, rank=entry.rank)),
                  (TEXT["breadth"], TEXT["breadth_value"].format(
                      submitters=theme.submitters, issues=len(theme.issues), places=len(theme.places),
                      size=theme.size, endorsements=theme.endorsements))]
        if theme.first_at:
            fields.append((TEXT["dates"], f"{reports.day(theme.first_at)} 至 {reports.day(theme.last_at)}"))
        if theme.places:
            fields.append((TEXT["places"], "、".join(clean(p) for p in theme.places[:issues_shown * 2])))
        for key, counts in (("sectors", theme.sectors), ("districts", theme.districts),
                            ("org_types", theme.org_types)):
            if _counts(counts):
                fields.append((TEXT[key], _counts(counts)))
        if theme.keywords:
            fields.append((TEXT["keywords"], "、".join(clean(w) for w in theme.keywords)))
        if entry.theme.priorities:
            fields.append((TEXT["priorities"], "、".join(entry.theme.priorities)))
        if entry.note:
            fields.append((TEXT["shortlist_note"], clean(entry.note)))
        document.blocks += [Heading(1, TEXT["key_heading"].format(rank=number, label=clean(theme.label))),
                            Fields(fields), Heading(2, TEXT["theme_issues"])]
        issues = entry.theme.issues
        rows = [[str(issue_rank), clean(issue.label), str(issue.submitters), str(issue.size)]
                for issue_rank, issue, _ in issues[:issues_shown]]
        if len(issues) > issues_shown:
            rows.append(["", TEXT["more_issues"].format(count=len(issues) - issues_shown), "", ""])
        document.blocks += [Table([TEXT["issue_rank"], TEXT["issue_label"], TEXT["submitters"], TEXT["size"]], rows),
                            Heading(2, TEXT["examples"])]
        for example in entry.theme.examples:
            who = clean(example.org_name or example.submitter)
            document.blocks.append(Paragraph(f"《{_title(example)}》——{who}："
                                             f"{reports.excerpt(_body(example), EXAMPLE_EXCERPT_CHARS)}"))
        rows = [[FACTOR_NAMES.get(name, name), f"{score.factors.get(name, 0.0):.2f}", f"{points:.3f}"]
                for name, points in score.breakdown.items()]
        rows.append([TEXT["total"], "", f"{score.value:.3f}"])
        document.blocks += [Heading(2, TEXT["breakdown"]),
                            Table([TEXT["factor"], TEXT["factor_value"], TEXT["points"]], rows)]
    return document


# Renderers ---------------------------------------------------------------------------------------------------------


def write_document(path: str | Path, document: Document) -> Path:
    """Write ``document`` in the format its suffix names (``.docx``, ``.md`` or ``.html``)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"不支持的文件格式 {path.suffix or '（无扩展名）'}：请用 {'、'.join(FORMATS)}")
    if suffix == ".docx":
        to_docx(document).save(str(path))
    else:
        path.write_text(to_markdown(document) if suffix == ".md" else to_html(document), encoding="utf-8")
    return path


def to_markdown(document: Document) -> str:
    lines = [f"# {document.title}", "", *[f"{line}  " for line in document.subtitle], "", f"## {TEXT['toc']}", ""]
    top = min((h.level for h in document.toc()), default=1)
    lines += [f"{'  ' * (h.level - top)}- {h.text}" for h in document.toc()]
    for block in document.blocks:
        lines.append("")
        if isinstance(block, Heading):
            lines.append(f"{'#' * min(block.level + 1, 6)} {block.text}")
        elif isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Fields):
            lines += [f"- **{label}**：{value}" for label, value in block.items]
        elif isinstance(block, Quote):
            lines += [f"> {line}" if line else ">" for line in block.text.splitlines()]
        elif isinstance(block, Figure):
            lines.append(f"![{block.caption}](data:image/png;base64,{base64.b64encode(block.png).decode('ascii')})")
        elif isinstance(block, Table):
            lines += ["| " + " | ".join(block.header) + " |", "|" + " --- |" * len(block.header)]
            lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in block.rows]
    return "\n".join(lines) + "\n"


_HTML_STYLE = """
body{font-family:"Noto Sans CJK SC","WenQuanYi Micro Hei","Microsoft YaHei",sans-serif;max-width:52rem;margin:2rem auto;
padding:0 1rem;line-height:1.7;color:#1f2933}
.cover{text-align:center;padding:4rem 0;border-bottom:2px solid #9b1c1c;margin-bottom:2rem}
.cover h1{font-size:2rem;color:#9b1c1c}
nav ul{list-style:none;padding-left:1rem}
blockquote{margin:.5rem 0;padding:.5rem 1rem;background:#f6f4ef;border-left:4px solid #c9b79c;white-space:pre-wrap}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem;margin:.5rem 0}dt{font-weight:bold}dd{margin:0}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ccc;padding:.2rem .6rem}
td:nth-child(n+2){text-align:right}
figure{margin:1rem 0;text-align:center}figure svg{max-width:100%;height:auto}figcaption{color:#52606d;font-size:.9rem}
"""


def to_html(document: Document) -> str:
    """A self-contained page (inline style, no external files): cover, linked table of contents, body."""
    e = html.escape
    anchors = {id(h): f"h{n}" for n, h in enumerate(document.headings(), 1)}
    parts = ["<!DOCTYPE html>", '<html lang="zh-CN"><head><meta charset="utf-8">', f"<title>{e(document.title)}</title>",
             f"<style>{_HTML_STYLE}</style></head><body>", '<section class="cover">', f"<h1>{e(document.title)}</h1>"]
    parts += [f"<p>{e(line)}</p>" for line in document.subtitle]
    parts += ["</section>", f'<nav><h2>{e(TEXT["toc"])}</h2><ul>']
    top = min((h.level for h in document.toc()), default=1)
    parts += [f'<li style="margin-left:{(h.level - top) * 1.5}rem"><a href="#{anchors[id(h)]}">{e(h.text)}</a></li>'
              for h in document.toc()]
    parts.append("</ul></nav><main>")
    for block in document.blocks:
        if isinstance(block, Heading):
            level = min(block.level + 1, 6)
            parts.append(f'<h{level} id="{anchors[id(block)]}">{e(block.text)}</h{level}>')
        elif isinstance(block, Paragraph):
            parts.append(f"<p>{e(block.text)}</p>")
        elif isinstance(block, Fields):
            parts.append("<dl>" + "".join(f"<dt>{e(k)}</dt><dd>{e(v)}</dd>" for k, v in block.items) + "</dl>")
        elif isinstance(block, Quote):
            parts.append(f"<blockquote>{e(block.text)}</blockquote>")
        elif isinstance(block, Figure):
            parts.append(f'<figure>{block.svg}<figcaption>{e(block.caption)}</figcaption></figure>')
        elif isinstance(block, Table):
            head = "".join(f"<th>{e(c)}</th>" for c in block.header)
            body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in block.rows)
            parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"


def to_docx(document: Document):
    """A Word document: title page, a table of contents listing the headings, then the body in Word's heading
    styles (so Word's navigation pane and its own automatic table of contents work too)."""
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    out = docx.Document()
    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "Quote"):
        fonts = out.styles[name].element.get_or_add_rPr().get_or_add_rFonts()
        fonts.set(qn("w:eastAsia"), "宋体" if name in ("Normal", "Quote") else "黑体")
    out.styles["Normal"].font.size = Pt(11)

    for _ in range(6 if document.cover else 0):
        out.add_paragraph()
    title = out.add_paragraph(document.title, style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in document.subtitle:
        out.add_paragraph(line).alignment = WD_ALIGN_PARAGRAPH.CENTER
    if document.cover:
        out.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        out.add_paragraph(TEXT["toc"], style="TOC Heading")
        top = min((h.level for h in document.toc()), default=1)
        for heading in document.toc():
            entry = out.add_paragraph(heading.text)
            entry.paragraph_format.left_indent = Pt(18 * (heading.level - top))
            entry.paragraph_format.space_after = Pt(2)
        out.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    for block in document.blocks:
        if isinstance(block, Heading):
            out.add_heading(block.text, level=min(block.level, 9))
        elif isinstance(block, Paragraph):
            out.add_paragraph(block.text)
        elif isinstance(block, Fields):
            for label, value in block.items:
                line = out.add_paragraph()
                line.paragraph_format.space_after = Pt(2)
                line.add_run(f"{label}：").bold = True
                line.add_run(value)
        elif isinstance(block, Quote):
            out.add_paragraph(block.text, style="Quote")
        elif isinstance(block, Figure):
            out.add_picture(io.BytesIO(block.png), width=Cm(15))
            out.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
            out.add_paragraph(block.caption, style="Caption").alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif isinstance(block, Table):
            table = out.add_table(rows=1, cols=len(block.header))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, block.header):
                cell.text = ""
                cell.paragraphs[0].add_run(text).bold = True
            for row in block.rows:
                for cell, text in zip(table.add_row().cells, row):
                    cell.text = text
    return out
