"""``triage keys create``: make an API key for the service; the key is printed once, alone on the last line."""
from __future__ import annotations

import argparse

from .serve import DEFAULT_DB


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("keys", help="管理服务的 API 密钥",
                            description="管理 triage serve 的 API 密钥。库中只保存密钥的 SHA-256。")
    actions = parser.add_subparsers(dest="keys_command", metavar="<操作>", required=True)
    create = actions.add_parser("create", help="创建一个新密钥并打印（只打印这一次）",
                                description="创建一个 API 密钥。密钥单独打印在最后一行，只出现这一次，请立即保存。")
    create.add_argument("--role", required=True, choices=("intake", "reviewer", "admin"),
                        help="角色：intake 提交和打分；reviewer 查看排序、记录审阅决定；admin 任务和密钥管理")
    create.add_argument("--name", default="", help="持有人或用途（写入审计日志）")
    create.add_argument("--db", default=DEFAULT_DB, metavar="URL", help=f"数据库（默认 {DEFAULT_DB}）")
    create.set_defaults(func=run_create)


def run_create(args: argparse.Namespace) -> int:
    from api.auth import create_key
    from api.messages import CLI, ROLES
    from api.store import Store

    store = Store(args.db)
    try:
        store.upgrade()
        row, key = create_key(store, args.role, args.name, actor="cli:keys create")
    finally:
        store.close()
    print(CLI["key_created"].format(role=row.role, role_name=ROLES[row.role], id=row.id))
    print(key)
    return 0
