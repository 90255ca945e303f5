"""``triage report``: the year's consultation report (年度通报) as .docx, .html or .xlsx, from the service's database."""
from __future__ import annotations

import argparse
import sys
import warnings
from datetime import datetime
from pathlib import Path

from . import UserError
from .common import add_config_flags, config_from_args
from .serve import DEFAULT_DB


def year(text: str) -> int:
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        raise argparse.ArgumentTypeError(f"年份应为 2000–2100 之间的四位数：{text}")
    return int(text)


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("report", help="导出年度通报（.docx、.html、.xlsx）",
                            description="从 triage serve 的数据库导出某一年的社会组织协商意见通报：意见从提交、归入共同问题、"
                                        "入围、采纳入专报、已采纳到已落实各阶段的数量，按组织类型、领域、区域的统计，当年的"
                                        "主要主题和问题，采纳入专报的意见及落实情况，未采纳的意见及理由，以及四幅图表"
                                        "（各阶段漏斗、各领域意见数、每月提交量、主题规模）。年度按意见的提交时间；"
                                        "决定和落实情况按导出时的状态。手机号、身份证号等已遮盖。格式由 --out 的扩展名决定。"
                                        "只读数据库，不改动任何内容。")
    parser.add_argument("--year", type=year, default=datetime.now().year, metavar="年份",
                        help="统计哪一年提交的意见（默认今年）")
    parser.add_argument("--out", required=True, metavar="FILE", help="输出文件：.docx、.html 或 .xlsx")
    parser.add_argument("--letters", metavar="DIR",
                        help="同时为当年提交过意见的每家组织导出一份反馈函（.docx），逐条列出办理状态和理由，写入该目录")
    parser.add_argument("--db", default=DEFAULT_DB, metavar="URL", help=f"数据库（默认 {DEFAULT_DB}）")
    add_config_flags(parser)
    parser.set_defaults(func=run_report)


def run_report(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from api.store import Store
    from api.web.queries import annual_report, feedback, snapshot

    from ..annual import FORMATS, STAGES, write_report

    if not args.out.lower().endswith(FORMATS):
        raise UserError(f"不支持的输出格式：{args.out}；请用 {'、'.join(FORMATS)}")
    config = config_from_args(args)
    store = Store(args.db)
    try:
        workspace = snapshot(store, config)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with store.session() as session:
                rows = feedback(session, workspace)
                report = annual_report(session, workspace, args.year, rows)
        for warning in caught:
            print(f"警告：{warning.message}", file=sys.stderr)
    except LookupError as error:
        raise UserError(str(error)) from None
    except SQLAlchemyError as error:
        raise UserError(f"无法读取数据库 {args.db}：{error.__class__.__name__}") from None
    finally:
        store.close()
    write_report(args.out, report)
    figures = "，".join(f"{name} {report.funnel[stage]}" for stage, name in STAGES.items())
    print(f"已导出{args.year}年度通报：{figures} → {args.out}", file=sys.stderr)
    if args.letters:
        written = write_letters(Path(args.letters), rows, {i.id: i for i in workspace.issues()}, args.year)
        print(f"已导出反馈函 {written} 份 → {args.letters}", file=sys.stderr)
    return 0


def write_letters(folder: Path, rows: list, issues: dict, year: int) -> int:
    """One letter per organisation that submitted in ``year``, named after its code; returns how many."""
    from ..annual import in_year
    from ..documents import write_document
    from ..feedback import letter_document, organisations

    folder.mkdir(parents=True, exist_ok=True)
    of_year = [r for r in rows if in_year(r, year) and not r.suggestion.duplicate_of]
    found = organisations(of_year)
    for organisation in found:
        mine = [r for r in of_year if r.suggestion.submitter == organisation.code]
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in organisation.code)
        write_document(folder / f"反馈函-{safe}-{year}.docx", letter_document(organisation, mine, issues, year))
    return len(found)
