"""``triage digest``: the 《社会组织协商直通车》 of a period as .docx, .md or .html, from the service's database."""
from __future__ import annotations

import argparse
import sys

from . import UserError
from .common import add_config_flags, config_from_args
from .serve import DEFAULT_DB

PERIOD_HELP = ("时间段：2025-Q1（季度）、2025-03（月份）或 2025（全年），按北京时间。收录在该时间段内被审阅人决定"
               "“采纳入专报”、且此后没有改为其他决定的意见（按决定时间，而不是意见的提交时间：一期专报收录的是本期审定的意见）")


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("digest", help="导出一期《社会组织协商直通车》（.docx、.md、.html）",
                            description="从 triage serve 的数据库导出一期《社会组织协商直通车》：封面、目录，"
                                        "按主题和共同问题分组列出审阅人采纳入专报的意见，每条附提交组织、意见原文"
                                        "（手机号、身份证号等已遮盖）、所属问题的规模和审阅意见。格式由 --out 的扩展名决定。"
                                        "只读数据库，不改动任何内容。",
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--period", required=True, metavar="时间段", help=PERIOD_HELP)
    parser.add_argument("--out", required=True, metavar="FILE", help="输出文件：.docx、.md 或 .html")
    parser.add_argument("--key-topics", metavar="FILE",
                        help="同时导出入围（或已采纳）的年度重点议题候选（主题）报告（.docx、.md 或 .html）")
    parser.add_argument("--db", default=DEFAULT_DB, metavar="URL", help=f"数据库（默认 {DEFAULT_DB}）")
    add_config_flags(parser)
    parser.set_defaults(func=run_digest)


def run_digest(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from api.store import Store
    from api.web.queries import digest_items, key_topic_entries, snapshot

    from ..documents import FORMATS, digest_document, key_topic_document, parse_period, write_document

    try:
        period = parse_period(args.period)
    except ValueError as error:
        raise UserError(str(error)) from None
    for path in filter(None, (args.out, args.key_topics)):
        if not path.lower().endswith(FORMATS):
            raise UserError(f"不支持的输出格式：{path}；请用 {'、'.join(FORMATS)}")
    config = config_from_args(args)
    store = Store(args.db)
    try:
        workspace = snapshot(store, config)
        with store.session() as session:
            items = digest_items(session, workspace, period)
            entries, total = key_topic_entries(session, workspace) if args.key_topics else ([], 0)
    except LookupError as error:
        raise UserError(str(error)) from None
    except SQLAlchemyError as error:
        raise UserError(f"无法读取数据库 {args.db}：{error.__class__.__name__}") from None
    finally:
        store.close()
    write_document(args.out, digest_document(items, period))
    print(f"已导出{period.label}直通车：{len(items)} 条意见 → {args.out}", file=sys.stderr)
    if args.key_topics:
        write_document(args.key_topics, key_topic_document(entries, total,
                                                           issues_shown=config["rank"]["theme"]["issues_shown"]))
        print(f"已导出重点议题候选：{len(entries)} 个 → {args.key_topics}", file=sys.stderr)
    return 0
