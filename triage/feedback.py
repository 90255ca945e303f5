"""What an organisation hears back about each of its suggestions: the current decision, the reason given and, once
adopted, how it is being carried out. The 组织反馈 pages, their CSV, the annual report and the feedback letters all
read these records."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

from . import reports
from .documents import BEIJING, Block, Document, Fields, Heading, Paragraph
from .messages import DECISIONS
from .records import Issue, Suggestion
from .tracking import Implementation

# Decisions that mean the suggestion went forward past the first screening (the report's 入围 stage).
SCREENED_IN = ("shortlist", "digest", "adopted", "not_adopted")
# Decisions that mean it was not taken up; an organisation is owed the reason.
TURNED_DOWN = ("reject", "not_adopted")


@dataclass
class Feedback:
    """One suggestion as its organisation hears back about it.

    A suggestion nobody decided on alone takes its issue's decisions (``basis`` says which), since reviewers often
    decide once for every organisation that raised the same issue; ``decisions`` is that history, oldest first, and
    ``implementation`` the current implementation status of whatever was adopted (the suggestion or its issue).
    """

    suggestion: Suggestion
    issue_id: str | None
    issue_label: str
    decision: str | None
    reason: str
    decided_at: datetime | None
    basis: str | None  # "suggestion", "issue" or None
    decisions: tuple[str, ...] = ()
    implementation: Implementation | None = None

    @property
    def decision_label(self) -> str:
        return DECISIONS[self.decision] if self.decision else ""

    @property
    def adopted(self) -> bool:
        return self.decision == "adopted"

    @property
    def carried_out(self) -> bool:
        return self.adopted and self.implementation is not None and self.implementation.carried_out

    @property
    def turned_down(self) -> bool:
        return self.decision in TURNED_DOWN


@dataclass
class Organisation:
    code: str
    name: str
    org_type: str
    suggestions: int = 0
    reviewed: int = 0
    adopted: int = 0
    carried_out: int = 0


def organisations(rows: Iterable[Feedback]) -> list[Organisation]:
    """Each organisation with how many of its suggestions have a decision (its own or its issue's), were adopted and
    were carried out; most suggestions first."""
    found: dict[str, Organisation] = {}
    for row in rows:
        s = row.suggestion
        org = found.setdefault(s.submitter, Organisation(s.submitter, s.org_name or s.submitter, s.org_type))
        org.suggestions += 1
        org.reviewed += row.decision is not None
        org.adopted += row.adopted
        org.carried_out += row.carried_out
    return sorted(found.values(), key=lambda o: (-o.suggestions, o.code))


# The feedback letter's wording, in one place so it can be reviewed.
LETTER: dict[str, str] = {
    "title": "协商意见办理情况反馈",
    "to": "致：{name}",
    "generated": "{date}",
    "intro": "感谢贵组织积极参与协商。贵组织{scope}共提交协商意见 {count} 条，其中 {decided} 条已有审阅结果、"
             "{adopted} 条已采纳、{carried_out} 条已落实。各条意见的办理情况如下。",
    "scope_year": "于{year}年",
    "scope_all": "",
    "item": "{number}. 《{title}》",
    "id": "意见编号",
    "submitted_at": "提交时间",
    "issue": "所属共同问题",
    "issue_value": "{label}（共 {size} 条意见、{submitters} 家组织反映同一问题）",
    "status": "办理状态",
    "pending": "正在审阅，尚无结果",
    "via_issue": "（按所属共同问题作出的决定）",
    "reason": "理由",
    "implementation": "落实情况",
    "implementation_value": "{label}（{date}，责任部门：{department}）",
    "implementation_note": "落实说明",
    "not_tracked": "已采纳，落实情况待相关部门反馈",
    "closing": "如对办理情况有疑问，请与协商工作机构联系。欢迎贵组织继续就本地区、本领域的具体问题提出意见建议。",
    "empty": "贵组织在该期间没有提交协商意见。",
}


def letter_document(organisation: Organisation, rows: Sequence[Feedback], issues_by_id: Mapping[str, Issue] | None = None,
                    year: int | None = None, generated_at: datetime | None = None) -> Document:
    """A letter to one organisation listing each of its suggestions (of ``year``, or all) with its status, the
    reasons given and, once adopted, how it is being carried out. Originals only: a repost was answered with its
    original."""
    generated_at = (generated_at or datetime.now(timezone.utc)).astimezone(BEIJING)
    issues_by_id = issues_by_id or {}
    mine = [r for r in rows if not r.suggestion.duplicate_of
            and (year is None or (r.suggestion.submitted_at is not None and r.suggestion.submitted_at.year == year))]
    scope = LETTER["scope_year"].format(year=year) if year is not None else LETTER["scope_all"]
    blocks: list[Block] = [Paragraph(LETTER["to"].format(name=reports.clean(organisation.name)))]
    if mine:
        blocks.append(Paragraph(LETTER["intro"].format(
            scope=scope, count=len(mine), decided=sum(r.decision is not None for r in mine),
            adopted=sum(r.adopted for r in mine), carried_out=sum(r.carried_out for r in mine))))
    else:
        blocks.append(Paragraph(LETTER["empty"]))
    for number, row in enumerate(mine, 1):
        blocks += _letter_item(number, row, issues_by_id.get(row.issue_id) if row.issue_id else None)
    blocks.append(Paragraph(LETTER["closing"]))
    return Document(title=LETTER["title"], subtitle=[reports.clean(organisation.name),
                                                     LETTER["generated"].format(date=reports.day(generated_at))],
                    blocks=blocks, toc_depth=0, cover=False)


def _letter_item(number: int, row: Feedback, issue: Issue | None) -> list[Block]:
    s = row.suggestion
    title = reports.clean(s.original_title or s.title) or reports.excerpt(s.original_body, 20)
    fields = [(LETTER["id"], s.id)]
    if s.submitted_at:
        fields.append((LETTER["submitted_at"], reports.day(s.submitted_at)))
    if issue is not None and issue.submitters >= 2:
        fields.append((LETTER["issue"], LETTER["issue_value"].format(label=reports.clean(issue.label), size=issue.size,
                                                                     submitters=issue.submitters)))
    status = row.decision_label + (LETTER["via_issue"] if row.basis == "issue" else "") if row.decision \
        else LETTER["pending"]
    fields.append((LETTER["status"], status))
    if row.reason:
        fields.append((LETTER["reason"], reports.clean(row.reason)))
    blocks: list[Block] = [Heading(2, LETTER["item"].format(number=number, title=title)), Fields(fields)]
    if row.adopted:
        i = row.implementation
        done = [(LETTER["implementation"], LETTER["implementation_value"].format(
            label=i.label, date=i.on.isoformat(), department=reports.clean(i.department)))] if i \
            else [(LETTER["implementation"], LETTER["not_tracked"])]
        if i and i.note:
            done.append((LETTER["implementation_note"], reports.clean(i.note)))
        blocks.append(Fields(done))
    return blocks
