"""Which input column feeds which field of a suggestion.

A file is read through a mapping ``{field: column}``. It comes from the caller (CLI ``--map`` or config) or from a
built-in preset chosen by the file's header, so that the city's own forms, the shared TipDM messages and plain
English headers all load without flags.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

FIELDS: tuple[str, ...] = (
    "id", "title", "body", "submitter", "org_name", "org_type", "sector", "district",
    "submitted_at", "endorsements", "opposes",
)
REQUIRED: tuple[str, ...] = ("title", "body")

PRESETS: dict[str, dict[str, str]] = {
    "canonical": {name: name for name in FIELDS},
    "tipdm": {
        "id": "留言编号",
        "submitter": "留言用户",
        "title": "留言主题",
        "submitted_at": "留言时间",
        "body": "留言详情",
        "endorsements": "点赞数",
        "opposes": "反对数",
    },
    "consultation": {
        "id": "编号",
        "title": "标题",
        "body": "内容",
        "submitter": "提交单位编号",
        "org_name": "组织名称",
        "org_type": "组织类型",
        "sector": "领域",
        "district": "区域",
        "submitted_at": "提交时间",
        "endorsements": "附议数",
        "opposes": "反对数",
    },
}


class ColumnError(ValueError):
    """A file's header cannot feed the required fields."""

    def __init__(self, source: str, missing: Sequence[str], found: Sequence[str]):
        self.source, self.missing, self.found = source, list(missing), list(found)
        super().__init__(
            f"{source}: 缺少必需的列 {', '.join(self.missing)}；文件中的列为 {', '.join(map(str, self.found)) or '（无）'}。"
            " 可用 --map 字段=列名 指定列，或使用 --preset "
            + "/".join(PRESETS)
        )


def resolve_mapping(
    source: str,
    header: Sequence[str],
    mapping: Mapping[str, str] | None = None,
    preset: str | None = None,
) -> dict[str, str]:
    """The ``{field: column}`` mapping for a file: explicit entries win over the preset, which is chosen by header.

    Raises ``ColumnError`` naming the missing columns and the columns found when a required field has no column.
    """
    mapping = dict(mapping or {})
    unknown = [name for name in mapping if name not in FIELDS]
    if unknown:
        raise ValueError(f"未知字段 {', '.join(unknown)}；可映射的字段为 {', '.join(FIELDS)}")
    if preset is not None and preset not in PRESETS:
        raise ValueError(f"未知预设 {preset}；可用预设为 {', '.join(PRESETS)}")
    columns = set(header)
    candidates = [PRESETS[preset]] if preset else sorted(
        PRESETS.values(), key=lambda p: -sum(column in columns for column in p.values())
    )
    base = {field: column for field, column in candidates[0].items() if column in columns}
    resolved = {**base, **mapping}
    missing_fields = [field for field in REQUIRED if field not in resolved]
    missing_columns = [column for field, column in resolved.items() if column not in columns]
    if missing_fields or missing_columns:
        wanted = [candidates[0].get(field, field) for field in missing_fields] + missing_columns
        raise ColumnError(source, wanted, header)
    return resolved
