"""Every sentence the API says to people, in one place so the wording can be reviewed.

Each error has a stable English ``code`` (for programs) and a Chinese message (for people). Input rejections that
the library already words (``empty_text``, ``text_too_long``, ``bad_date`` …) keep the library's code and message.
"""
from __future__ import annotations

# Reviewer decisions and implementation statuses are named by the library too (its reports show them).
from triage.messages import CARRIED_OUT, DECISIONS, IMPLEMENTATION_STATUSES

__all__ = ["CARRIED_OUT", "CLI", "DECISIONS", "ERRORS", "IMPLEMENTATION_STATUSES", "JOB_MESSAGES", "ROLES",
           "TYPE_NAMES", "error_message"]

ERRORS: dict[str, str] = {
    # 401 / 403
    "missing_key": "缺少 API 密钥：请在请求头中发送 Authorization: Bearer <密钥>",
    "invalid_key": "API 密钥无效或已被吊销",
    "wrong_role": "该 API 密钥的角色为 {role}，无权访问此接口（需要 {allowed}）",
    # 404 / 405
    "route_not_found": "接口不存在：{path}",
    "method_not_allowed": "该接口不支持 {method} 方法",
    "issue_not_found": "问题 {id} 不存在",
    "issue_merged": "问题 {id} 已并入问题 {into}",
    "suggestion_not_found": "意见 {id} 不存在",
    "theme_not_found": "主题 {id} 不存在，或不是重点议题候选（两个及以上提出主体反映的主题才是候选）",
    "thread_not_found": "问题 {id} 没有第 {thread} 个线索（共 {count} 个）",
    "job_not_found": "任务 {id} 不存在",
    "key_not_found": "API 密钥 {id} 不存在",
    # 409
    "id_conflict": "编号 {id} 已用于内容不同的另一条意见；同一编号重复提交时内容必须完全相同",
    "job_running": "已有重新聚类任务 {id} 正在进行，请等待其完成",
    "not_adopted": "只有当前决定为“已采纳”的对象才能记录落实情况；{id} 的当前决定为“{decision}”",
    # 413
    "body_too_large": "请求体过大：上限 {limit} 字节",
    "batch_too_large": "一次最多提交 {limit} 条意见，本次 {count} 条",
    # 415 / 422
    "unsupported_media_type": "请求体必须是 JSON（Content-Type: application/json）",
    "bad_json": "请求体不是有效的 JSON：{detail}",
    "missing": "缺少必填字段",
    "wrong_type": "类型错误：应为{expected}",
    "too_long": "过长：最多 {limit} 个{unit}",
    "too_short": "过短：至少 {limit} 个{unit}",
    "out_of_range": "数值超出范围：{detail}",
    "not_allowed_value": "取值无效，可选值为：{allowed}",
    "unknown_field": "未知字段",
    "bad_date_range": "起始日期不能晚于截止日期",
    "bad_url": "不是有效的网址：须以 http:// 或 https:// 开头，且不含空白",
    "blank_id": "编号不能只由空白或控制字符组成",
    "nul_character": "含有 NUL 字符（\\u0000），数据库无法保存：请删去该字符",
    "not_finite": "NaN、Infinity 不是 JSON 数值：请改为数字或 null",
    "invalid": "取值无效",
    "split_or_thread": "请给出 members（要移出的意见编号）或 thread（线索序号）之一，不能都给或都不给",
    "bad_correction": "{detail}",
    # 429 / 500
    "rate_limited": "请求过于频繁，请 {retry_after} 秒后重试",
    "internal_error": "服务器内部错误，请稍后重试；如持续出现请联系管理员",
    # 503 / 507: the store is away, full or read-only; nothing of the request was saved
    "store_unavailable": "数据库暂时无法访问（可能正在重启或维护），本次请求未作任何更改；请在 {retry_after} 秒后"
                         "以相同编号重试",
    "store_full": "数据库所在磁盘已满或拒绝写入，本次请求未作任何更改；请通知管理员清理磁盘，并在 {retry_after} 秒后"
                  "以相同编号重试",
    "store_read_only": "数据库当前只能读取、无法写入，本次请求未作任何更改；请通知管理员恢复写入权限，"
                       "并在 {retry_after} 秒后以相同编号重试",
}

# Pydantic's type names in the words a submitter reads.
TYPE_NAMES: dict[str, str] = {
    "string": "字符串", "int": "整数", "float": "数字", "bool": "布尔值", "dict": "JSON 对象",
    "list": "数组", "datetime": "日期时间", "date": "日期", "model": "JSON 对象",
}

ROLES: dict[str, str] = {"intake": "意见接收", "reviewer": "审阅人", "admin": "管理员"}

JOB_MESSAGES: dict[str, str] = {
    "queued": "排队中",
    "running": "正在重新聚类",
    "saving": "正在保存新的归属",
    "succeeded": "完成：{changed} 条意见的归属发生变化，共 {issues} 个问题",
    "failed": "失败：{detail}",
    "interrupted": "服务重启，任务中断",
}

CLI: dict[str, str] = {
    "key_created": "已创建角色为 {role}（{role_name}）的 API 密钥 {id}。密钥只显示这一次，请立即保存：",
    "serving": "服务地址 http://{host}:{port}（数据库 {db}，嵌入器 {embedder}）",
    "loaded": "载入 {files}：新增 {new} 条，已存在 {existing} 条，编号冲突 {conflicts} 条，拒收 {rejected} 条",
}


def error_message(code: str, **details: object) -> str:
    """The Chinese sentence for an error code, with its details filled in."""
    return ERRORS[code].format(**details)
