"""Every word of the reviewer workspace, in one place so the wording can be reviewed.

Decision labels come from ``api.messages.DECISIONS`` and factor names from ``triage.messages.FACTOR_NAMES``: the
pages, the API and the reports call things by the same names.
"""
from __future__ import annotations

from api.messages import DECISIONS, IMPLEMENTATION_STATUSES
from triage.messages import FACTOR_NAMES

# Which decisions each kind of target offers. An issue is shortlisted as a key topic; a suggestion goes into the
# digest. Both can be rejected, and both are later marked adopted or not by the departments.
DECISIONS_FOR: dict[str, tuple[str, ...]] = {
    "theme": ("shortlist", "reject", "adopted", "not_adopted"),
    "issue": ("shortlist", "reject", "adopted", "not_adopted"),
    "suggestion": ("digest", "shortlist", "reject", "adopted", "not_adopted"),
}

# Status filter choices: every decision, plus "none" for what nobody has reviewed yet.
UNREVIEWED = "none"
STATUS_LABELS: dict[str, str] = {UNREVIEWED: "未审阅", **DECISIONS}

T: dict[str, str] = {
    "app_name": "协商意见审阅工作台",
    "nav_key_topics": "重点议题候选",
    "nav_common_issues": "共同问题",
    "nav_digest": "直通车候选",
    "nav_feedback": "组织反馈",
    "nav_annual": "年度通报",
    "logout": "退出",
    "signed_in_as": "当前用户",
    # login
    "login_title": "登录",
    "login_intro": "请输入审阅人（reviewer）或管理员（admin）的 API 密钥。密钥可由管理员用 triage keys create --role reviewer 创建。",
    "login_key": "API 密钥",
    "login_submit": "登录",
    "login_invalid": "API 密钥无效或已被吊销",
    "login_wrong_role": "该密钥的角色为“{role}”，不能登录审阅工作台（需要审阅人或管理员）",
    "login_expired": "登录已过期，请重新登录",
    # filters
    "filter": "筛选",
    "reset": "清除",
    "search": "搜索",
    "search_placeholder": "标题或关键词",
    "sector": "领域",
    "district": "区域",
    "since": "起始日期",
    "until": "截止日期",
    "status": "审阅状态",
    "any": "全部",
    "bad_dates": "起始日期不能晚于截止日期",
    "results": "共 {shown} 个，当前第 {first}–{last} 个",
    "results_none": "没有符合条件的候选",
    "prev": "上一页",
    "next": "下一页",
    # key-topic list
    "key_topics_title": "重点议题候选",
    "key_topics_intro": "每个候选是一个主题：可由同一项市级政策或同一部门跨地点解决的同类问题，两个及以上提出主体反映才列为候选，"
                        "按得分从高到低排列；其下列出它的具体问题（按共同问题名次）。彩条为各因素对得分的贡献。",
    "common_issues_title": "共同问题",
    "common_issues_intro": "多家社会组织共同反映的具体问题（同一地点或对象的同一问题），按得分从高到低排列。彩条为各因素对得分的贡献。",
    "theme": "主题",
    "theme_issues": "具体问题",
    "places": "地点",
    "issue_rank": "第 {rank} 名",
    "more_issues": "另有 {count} 个具体问题",
    "download_workbook": "下载工作簿（.xlsx）",
    "rank": "排名",
    "issue": "议题",
    "score": "得分",
    "breakdown": "得分构成",
    "submitters": "提出组织",
    "size": "意见数",
    "current_status": "当前状态",
    "key_topic_report": "导出入围议题报告（.docx）",
    # issue page
    "issue_title": "议题 {id}",
    "keywords": "关键词",
    "topic": "所属主题",
    "score_line": "重点议题得分 {score:.3f}，在全部 {total} 个议题中排第 {rank} 名",
    "figures": "意见 {size} 条（不含转发），{submitters} 个组织提出，附议 {endorsements} 次，转发 {reposts} 条",
    "timeline": "每周提交数",
    "timeline_week": "{week} 起的一周：{count} 条",
    "timeline_originals": "意见",
    "timeline_reposts": "转发",
    "timeline_peak": "最多一周 {count} 条",
    "who": "提出者",
    "organisations": "组织",
    "org_types": "组织类型",
    "districts": "区域",
    "sectors": "领域",
    "members": "成员意见",
    "reposts": "转发 {count} 条",
    "repost_of": "转发自 {id}",
    "history": "审阅历史",
    "no_history": "尚无审阅记录",
    "factor": "因素",
    "factor_value": "因素值",
    "points": "得分",
    "back_to_list": "返回列表",
    # decisions
    "decide": "记录审阅决定",
    "decide_issue": "对本议题作出决定",
    "decide_suggestion": "对这条意见作出决定",
    "reason": "理由（必填，将反馈给提出意见的组织）",
    "reason_column": "理由",
    "reason_placeholder": "请写明理由，例如：多家组织反映，问题具体，建议列入年度协商计划",
    "reason_required": "请填写理由后再提交决定",
    "unknown_decision": "未知的审阅决定",
    "saved": "已记录：{label}",
    "status_unreviewed": "未审阅",
    "reviewer": "审阅人",
    "time": "时间",
    "decision": "决定",
    "target_issue": "议题",
    "target_suggestion": "意见",
    "via_issue": "（按所属议题）",
    # suggestion page
    "suggestion_title": "意见 {id}",
    "in_issue": "所属议题",
    "digest_score": "直通车得分",
    "submitted_at": "提交时间",
    "endorsements": "附议",
    # digest list
    "digest_title": "直通车候选",
    "digest_intro": "适合写入《社会组织协商直通车》的单条意见，按得分从高到低排列；同一议题只列得分最高的意见，转发不列入。",
    "suggestion": "意见",
    "organisation": "组织",
    "issue_size": "所属议题规模",
    "export_digest": "导出直通车",
    "period": "时间段",
    "period_hint": "如 2025-Q1、2025-03 或 2025：收录该时间段内决定“采纳入专报”且仍为该决定的意见",
    "format": "格式",
    "export": "导出",
    "bad_period": "无法识别的时间段",
    # feedback
    "feedback_title": "组织反馈",
    "feedback_intro": "按政策，未采纳的意见应向提出组织说明理由。下表列出各组织的意见、当前状态和审阅人的理由。",
    "org_name": "组织名称",
    "org_type": "组织类型",
    "org_code": "组织编号",
    "count": "意见数",
    "reviewed": "已审阅",
    "with_reason": "附理由",
    "export_csv": "导出 CSV",
    "export_all_csv": "导出全部组织的反馈（CSV）",
    "org_feedback_title": "{name}：意见与反馈",
    "no_reason": "—",
    "not_found": "没有找到 {what} {id}",
    "merged_into_this": "问题 {id} 已并入本问题",
    # threads, split and merge
    "threads": "线索",
    "threads_intro": "本议题中可分开的子问题。若某条线索其实是另一个问题，可把它拆成新议题；拆分会保留，重新聚类后仍然有效。",
    "thread_size": "{count} 条",
    "split_thread": "拆为新议题",
    "split_reason": "拆分理由（必填）",
    "split_done": "已把线索拆为新议题 {id}",
    "merge_issue": "与其他议题合并",
    "merge_intro": "若另一议题说的是同一个问题，填写其编号合并（并入成员较多的一方）；合并会保留，重新聚类后仍然有效。",
    "merge_other": "另一议题编号，如 I00012",
    "merge_reason": "合并理由（必填）",
    "merge_submit": "合并",
    "merge_done": "已合并为议题 {id}",
    "no_org": "没有找到该组织",
    "download_letter": "下载反馈函（.docx）",
    "adopted_count": "已采纳",
    "carried_out_count": "已落实",
    # annual report
    "annual_title": "{year}年度通报",
    "annual_intro": "按提交时间统计当年的协商意见，决定和落实情况截至现在。与命令 triage report 导出的通报内容相同。",
    "year": "年度",
    "show": "查看",
    "download": "下载",
    "annual_empty": "尚无带提交时间的意见，无法生成年度通报。",
    "annual_stages": "各阶段",
    "annual_charts": "图表",
    "annual_groups": "分类统计",
    "annual_themes": "主要主题和问题",
    "annual_digest": "采纳入专报的意见及落实情况",
    "annual_turned_down": "未采纳的意见及理由",
    "annual_implementation": "已采纳事项的落实情况",
    "annual_letters": "各组织反馈函",
    "annual_letters_intro": "每家组织一份 .docx，逐条列出其当年意见的办理状态和理由。",
    # implementation of adopted items
    "implementation_title": "落实情况",
    "implementation_intro": "已采纳事项的落实进展：每次变更都保留记录。",
    "implementation_none": "尚无落实情况记录",
    "implementation_not_adopted": "当前决定为“已采纳”后才能记录落实情况。",
    "implementation_status": "状态",
    "implementation_date": "日期",
    "department": "责任部门",
    "department_placeholder": "如 市住房和城乡建设局",
    "implementation_note": "说明",
    "implementation_note_placeholder": "如 已列入年度工作计划，预计年底完成",
    "evidence_url": "佐证链接（可选，http/https）",
    "evidence": "佐证",
    "recorder": "记录人",
    "record_implementation": "记录落实情况",
    "implementation_saved": "已记录落实情况：{label}",
    "implementation_fields_required": "请填写状态、日期和责任部门",
}

# Column headers of the feedback CSV, in order.
FEEDBACK_COLUMNS: dict[str, str] = {
    "org_code": "组织编号",
    "org_name": "组织名称",
    "org_type": "组织类型",
    "suggestion_id": "意见编号",
    "title": "标题",
    "submitted_at": "提交时间",
    "issue": "所属议题",
    "status": "当前状态",
    "reason": "理由",
    "decided_at": "决定时间",
    "basis": "决定对象",
    "implementation": "落实状态",
    "implementation_date": "落实日期",
    "department": "责任部门",
    "implementation_note": "落实说明",
    "evidence_url": "佐证链接",
}

# The implementation form's fields, as its error notices name them.
IMPLEMENTATION_FIELDS: dict[str, str] = {"status": "状态", "date": "日期", "department": "责任部门", "note": "说明",
                                         "evidence_url": "佐证链接"}

ANNUAL_FORMATS: dict[str, str] = {"docx": "Word（.docx）", "html": "网页（.html）", "xlsx": "Excel（.xlsx）"}

EXPORT_FORMATS: dict[str, str] = {"docx": "Word（.docx）", "md": "Markdown（.md）", "html": "网页（.html）"}

# File names of downloads (the period or organisation is filled in).
FILENAMES: dict[str, str] = {
    "digest": "直通车-{period}.{ext}",
    "key_topics": "重点议题候选.docx",
    "workbook": "triage.xlsx",
    "feedback": "组织反馈-{org}.csv",
    "feedback_all": "组织反馈-全部.csv",
    "annual": "年度通报-{year}.{ext}",
    "letter": "反馈函-{org}.docx",
    "letter_year": "反馈函-{org}-{year}.docx",
}

__all__ = ["ANNUAL_FORMATS", "DECISIONS", "DECISIONS_FOR", "EXPORT_FORMATS", "FACTOR_NAMES", "FEEDBACK_COLUMNS", "FILENAMES",
           "IMPLEMENTATION_FIELDS", "IMPLEMENTATION_STATUSES", "STATUS_LABELS", "T", "UNREVIEWED"]
