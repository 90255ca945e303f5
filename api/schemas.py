"""Request and response bodies of the HTTP API (Pydantic), kept apart from the storage models.

Input is checked twice on purpose: here for shape and types, then by the library's ``build_suggestion`` for what it
means (empty text, over-long text, unreadable dates), so the API and the file intake reject exactly the same rows.
"""
from __future__ import annotations

from datetime import date as Date
from datetime import datetime
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, GetJsonSchemaHandler, Tag
from typing_extensions import TypeAliasType

from .messages import DECISIONS, IMPLEMENTATION_STATUSES

Decision = Literal["shortlist", "digest", "reject", "adopted", "not_adopted"]
ImplementationStatus = Literal["in_progress", "implemented", "converted"]
Role = Literal["intake", "reviewer", "admin"]
TargetType = Literal["theme", "issue", "suggestion"]
# The codes here and the labels in messages.py must not drift.
assert set(Decision.__args__) == set(DECISIONS)
assert set(ImplementationStatus.__args__) == set(IMPLEMENTATION_STATUSES)

# PostgreSQL cannot keep U+0000 in any text, so no string the API takes may hold one. The pattern says so in the
# OpenAPI document; ``api.limits`` answers such a request with a 422 naming the field before any handler runs.
NO_NUL = r"^[^\u0000]*$"
Text = Annotated[str, Field(pattern=NO_NUL)]
# An evidence link: an http or https address with a host, no blanks. A request that breaks the pattern is answered
# with the error code this table names rather than a generic "invalid".
URL_PATTERN = r"^https?://[^\s/?#\u0000]+[^\s\u0000]*$"
PATTERN_CODES: dict[str, str] = {URL_PATTERN: "bad_url"}


class _KeysByName:
    """Documents a dict's key rule as ``propertyNames``, which binds every key, rather than Pydantic's
    ``patternProperties``, which leaves keys that do not match the pattern free."""

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: GetJsonSchemaHandler) -> dict[str, Any]:
        schema = handler(core_schema)
        patterns = schema.pop("patternProperties", {})
        for pattern, values in patterns.items():
            schema.update(propertyNames={"pattern": pattern}, additionalProperties=values)
        return schema


# Metadata is any JSON kept as sent, but with the same rule for its strings (and JSON has no NaN or Infinity).
MetadataValue = TypeAliasType("MetadataValue", Union[
    None, bool, int, float, Text, list["MetadataValue"], Annotated[dict[Text, "MetadataValue"], _KeysByName]])
Metadata = Annotated[dict[Text, MetadataValue], _KeysByName]


class ErrorDetail(BaseModel):
    code: str = Field(description="稳定的英文错误码，供程序判断", examples=["missing"])
    message: str = Field(description="中文说明", examples=["缺少必填字段"])
    field: str | None = Field(description="出错的字段路径；与具体字段无关时为 null", examples=["items[0].title"])
    details: list[dict[str, Any]] | None = Field(default=None, description="有多处错误时列出全部")


class ErrorBody(BaseModel):
    error: ErrorDetail


# ---- suggestions -------------------------------------------------------------------------------------------------

class SuggestionDraft(BaseModel):
    """A suggestion as the intake form sends it; only title or body must carry text."""

    model_config = ConfigDict(extra="forbid")

    id: Text | None = Field(default=None, min_length=1, max_length=200, description="提交方自己的编号")
    title: Text = Field(default="", description="标题（原文原样保存）")
    body: Text = Field(default="", description="正文（原文原样保存）")
    submitter: Text | None = Field(default=None, max_length=200, description="提交单位编号；缺省时用组织名称")
    org_name: Text = Field(default="", max_length=500)
    org_type: Text = Field(default="", max_length=200)
    sector: Text = Field(default="", max_length=200, description="领域")
    district: Text = Field(default="", max_length=200, description="区域")
    submitted_at: Text | None = Field(default=None, description="提交时间，如 2024-03-01 或 2019/11/05 10:31:38",
                                     examples=["2024-03-01 09:30:00"])
    endorsements: int = Field(default=0, ge=0, description="附议数")
    opposes: int = Field(default=0, ge=0, description="反对数")
    metadata: Metadata = Field(default_factory=dict, description="其他字段，原样保存")


class SuggestionIn(SuggestionDraft):
    """A suggestion to store; ``id`` is required because it makes a resubmission idempotent."""

    id: Text = Field(min_length=1, max_length=200, description="提交方自己的编号：同一编号、同一内容重复提交只保存一次")


class SuggestionBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[SuggestionIn] = Field(min_length=1, description="一批意见，整批在一个事务中保存")


def _body_kind(value: Any) -> str:
    return "batch" if isinstance(value, dict) and "items" in value else "single"


SuggestionsRequest = Annotated[
    Union[Annotated[SuggestionIn, Tag("single")], Annotated[SuggestionBatch, Tag("batch")]],
    Discriminator(_body_kind),
]


class ScoreOut(BaseModel):
    score: float
    breakdown: dict[str, float] = Field(description="各因素对得分的贡献，相加等于 score")
    factors: dict[str, float] = Field(default_factory=dict, description="各因素的原始值")


class Scores(BaseModel):
    digest: ScoreOut | None = Field(description="该意见作为直通车候选的得分")
    issue: ScoreOut | None = Field(description="其所属问题作为重点议题候选的得分")


class Neighbour(BaseModel):
    id: str
    similarity: float


class SuggestionResult(BaseModel):
    id: str = Field(description="保存的编号（即提交方编号）")
    duplicate_of: str | None = Field(description="若为重复转发，原件的编号")
    issue_id: str | None = Field(description="所归入的问题；试打分时若将新开问题则为 null")
    issue_label: str = Field(description="所归入问题的标签")
    opened_issue: bool = Field(description="是否因此新开了一个问题")
    nearest: list[Neighbour] = Field(description="最相近的已保存意见")
    scores: Scores


class BatchResult(BaseModel):
    items: list[SuggestionResult]


# ---- issues and digest -------------------------------------------------------------------------------------------

class IssueSummary(BaseModel):
    rank: int
    id: str
    label: str
    keywords: list[str]
    size: int = Field(description="成员数（重复转发不计）")
    submitters: int
    endorsements: int
    sectors: dict[str, int]
    districts: dict[str, int]
    org_types: dict[str, int]
    first_at: datetime | None
    last_at: datetime | None
    score: ScoreOut
    decision: Decision | None = Field(description="最近一次审阅决定")


class IssuePage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[IssueSummary]


class SuggestionView(BaseModel):
    id: str
    title: str
    body: str
    original_title: str
    original_body: str
    submitter: str
    org_name: str
    org_type: str
    sector: str
    district: str
    submitted_at: datetime | None
    endorsements: int
    opposes: int
    duplicate_of: str | None


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target_type: TargetType = Field(description="审阅对象：theme（主题，即重点议题候选）、issue（问题）或 suggestion（单条意见）")
    target_id: Text = Field(min_length=1, max_length=200)
    decision: Decision = Field(description="；".join(f"{k}={v}" for k, v in DECISIONS.items()))
    reason: Text = Field(min_length=1, max_length=4000, description="理由")


class ReviewOut(BaseModel):
    id: int
    target_type: TargetType
    target_id: str
    decision: Decision
    decision_label: str
    reason: str
    reviewer: str
    created_at: datetime


class ReviewList(BaseModel):
    items: list[ReviewOut]


class Thread(BaseModel):
    label: str = Field(description="线索的代表意见标题")
    members: list[str] = Field(description="线索中的意见编号")


class IssueDetail(IssueSummary):
    members: list[SuggestionView]
    threads: list[Thread] = Field(description="问题内可分开的子问题（线索）；只有一个线索时为空")
    reviews: list[ReviewOut] = Field(description="审阅历史，按时间先后")


class ThemeIssue(BaseModel):
    issue_rank: int = Field(description="该问题在共同问题排序中的名次")
    id: str
    label: str
    submitters: int
    size: int = Field(description="成员数（重复转发不计）")
    score: float = Field(description="该问题的共同问题得分")


class ThemeSummary(BaseModel):
    rank: int = Field(description="在重点议题候选中的名次")
    id: str = Field(description="主题编号：词典主题为 T-…，按问题词归纳的主题为 W-…；重新聚类后不变")
    label: str = Field(description="主题名称（问题，不含地名）")
    source: Literal["lexicon", "words"] = Field(description="lexicon：主题词典中的问题；words：按共同的问题词归纳")
    keywords: list[str]
    submitters: int = Field(description="不同提出主体数")
    organisations: int = Field(description="不同组织名称数")
    issues: int = Field(description="具体问题数")
    places: list[str] = Field(description="涉及的区域与地点（小区、单位等）")
    size: int = Field(description="意见数（重复转发不计）")
    endorsements: int = Field(description="附议数：支持度，不计入广度")
    sectors: dict[str, int]
    districts: dict[str, int]
    org_types: dict[str, int]
    first_at: datetime | None
    last_at: datetime | None
    score: ScoreOut
    top_issues: list[ThemeIssue] = Field(description="得分最高的几个具体问题，按共同问题名次")


class ThemePage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[ThemeSummary]


class ThemeDetail(ThemeSummary):
    ranked_issues: list[ThemeIssue] = Field(description="全部具体问题，按共同问题名次")
    examples: list[SuggestionView] = Field(description="代表性意见：前几个问题各一条最有代表性的原件")
class SplitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    members: list[Annotated[Text, Field(min_length=1, max_length=200)]] | None = Field(
        default=None, min_length=1, max_length=5000, description="要移到新问题的意见编号（其重复转发随之移动）")
    thread: int | None = Field(default=None, ge=1, description="或：按问题详情中 threads 的序号（从 1 起）移出整个线索")
    reason: Text = Field(min_length=1, max_length=4000, description="理由")


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    issue_ids: list[Annotated[Text, Field(min_length=1, max_length=100)]] = Field(
        min_length=2, max_length=50, description="要合并的问题编号；并入成员最多的一个")
    reason: Text = Field(min_length=1, max_length=4000, description="理由")


class CorrectionOut(BaseModel):
    kind: Literal["split", "merge"]
    issue_ids: list[str] = Field(description="拆分：原问题与新问题；合并：合并后的问题")
    moved: int = Field(description="改变归属的意见数")
    reason: str
    reviewer: str


class DigestItem(BaseModel):
    rank: int
    suggestion: SuggestionView
    issue_id: str | None
    score: ScoreOut
    decision: Decision | None


class DigestPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[DigestItem]


# ---- implementation of adopted items ----------------------------------------------------------------------------

class ImplementationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    target_type: TargetType = Field(description="对象：issue（问题）或 suggestion（单条意见）；其当前决定须为 adopted（已采纳）")
    target_id: Text = Field(min_length=1, max_length=200)
    status: ImplementationStatus = Field(description="；".join(f"{k}={v}" for k, v in IMPLEMENTATION_STATUSES.items()))
    date: Date = Field(description="该状态的日期，如 2025-06-30")
    department: Text = Field(min_length=1, max_length=200, description="责任部门")
    note: Text = Field(default="", max_length=4000, description="说明")
    evidence_url: str | None = Field(default=None, max_length=2000, pattern=URL_PATTERN,
                                     description="佐证链接（可选），须为 http:// 或 https:// 网址")


class ImplementationOut(BaseModel):
    id: int
    target_type: TargetType
    target_id: str
    status: ImplementationStatus
    status_label: str
    date: Date
    department: str
    note: str
    evidence_url: str | None
    recorder: str
    created_at: datetime


class ImplementationList(BaseModel):
    items: list[ImplementationOut] = Field(description="落实情况的全部变更，按时间先后")


class ImplementationCurrent(ImplementationOut):
    changes: int = Field(description="该对象落实情况的变更次数（含本条）")


class ImplementationPage(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[ImplementationCurrent]


# ---- jobs, keys, health ------------------------------------------------------------------------------------------

class JobOut(BaseModel):
    id: str
    kind: str
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: float = Field(ge=0, le=1)
    message: str
    result: dict[str, Any]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    name: Text = Field(default="", max_length=200, description="持有人或用途，写入审计日志")


class KeyOut(BaseModel):
    id: str
    role: Role
    name: str
    created_at: datetime
    revoked_at: datetime | None


class KeyCreated(KeyOut):
    key: str = Field(description="密钥本身，只在创建时返回这一次")


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    ready: bool = Field(description="数据库可以访问时为 true；为 false 时（状态码 503）负载均衡应暂停转发")
    store: Literal["ok", "store_unavailable", "store_full", "store_read_only"] = Field(
        description="数据库状态：ok，或最近一次故障（无法访问、磁盘已满、只读），写入成功后恢复为 ok")
    suggestions: int
    issues: int
