"""Every sentence a user reads about their input, in one place so the wording can be reviewed.

Each rejection has a stable English ``code`` (for programs) and a Chinese message (for people). The same codes are
used by the CLI, the API's error bodies and the rejection reports.
"""
from __future__ import annotations

REJECTIONS: dict[str, str] = {
    "empty_text": "标题和正文均为空",
    "text_too_long": "{field}过长：{length} 字，上限 {limit} 字",
    "bad_date": "提交时间无法解析：{detail}",
    "bad_count": "{field}不是有效的非负整数：{detail}",
    "duplicate_id": "编号 {id} 在输入中重复出现（首次出现于第 {first_row} 行）",
    "bad_json": "不是有效的 JSON：{detail}",
    "not_object": "每行必须是一个 JSON 对象，实际是 {kind}",
    "bad_value": "{field}的值无效：{detail}",
    "nul_character": "{field}含有 NUL 字符（\\x00），数据库无法保存：请检查文件编码，或删去该字符",
    "not_finite": "{field}的值不是有限数：NaN、Infinity 不是 JSON 数值",
}

FIELD_NAMES: dict[str, str] = {
    "id": "编号",
    "title": "标题",
    "body": "正文",
    "submitter": "提交者",
    "org_name": "组织名称",
    "org_type": "组织类型",
    "sector": "领域",
    "district": "区域",
    "submitted_at": "提交时间",
    "endorsements": "附议数",
    "opposes": "反对数",
}


def rejection_message(code: str, **details: object) -> str:
    """The Chinese sentence for a rejection code, with its details filled in."""
    if "field" in details:
        details["field"] = FIELD_NAMES.get(str(details["field"]), details["field"])
    return REJECTIONS[code].format(**details)


# Display names of the ranking factors (the keys of every score breakdown), for reports, the API and the reviewer UI.
FACTOR_NAMES: dict[str, str] = {
    "breadth": "广度（提出主体数）",
    "volume": "意见数",
    "endorsements": "附议数",
    "recency": "时新度",
    "growth": "近期增长",
    "spread": "覆盖面（领域、区域或组织类型）",
    "issues": "具体问题数",
    "places": "涉及地点数（区域、小区、单位）",
    "priority": "契合市级重点",
    # The digest score's parts (triage/digest_model.py): the three qualities the 直通车 policy names, the learned
    # wording, and the score of a text with none of the features.
    "base": "起点（不含任何特征的意见）",
    "targeted": "有针对性",
    "valuable": "具有参考价值",
    "feasible": "可行性强",
    "wording": "用语",
}


# Reviewer decisions: stable codes and the button labels reviewers see.
DECISIONS: dict[str, str] = {
    "shortlist": "入围",
    "digest": "采纳入专报",
    "reject": "不予采纳",
    "adopted": "已采纳",
    "not_adopted": "未采纳",
}

# What happens to an adopted item afterwards: stable codes and the labels reviewers and reports show, in order.
IMPLEMENTATION_STATUSES: dict[str, str] = {
    "in_progress": "落实中",
    "implemented": "已落实",
    "converted": "成果转化",
}
# Statuses that count as carried out in the annual report's funnel.
CARRIED_OUT = ("implemented", "converted")
