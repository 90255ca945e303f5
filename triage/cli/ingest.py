"""``triage ingest``: check files without running the pipeline."""
from __future__ import annotations

import argparse
import json
import sys

from ..dedup import link_duplicates
from ..intake import Limits, load
from . import UserError
from .common import INPUT_ERRORS, add_input_flags, column_mapping, config_from_args


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("ingest", help="检查输入文件：接收、拒收及原因、重复转发",
                            description="读取并校验输入文件，报告每一行是被接收还是被拒收（附文件、行号、字段和原因），"
                                        "并找出重复转发的意见。不写任何文件。")
    add_input_flags(parser)
    parser.add_argument("--json", action="store_true", help="在标准输出打印一个 JSON 对象，供程序读取")
    parser.set_defaults(func=run_ingest)


def run_ingest(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    try:
        result = load(args.files, column_mapping(args), args.preset, Limits(**config["intake"]))
    except INPUT_ERRORS as error:
        raise UserError(str(error)) from None
    links = link_duplicates(result.accepted, config)
    report = {
        "rows": result.rows,
        "accepted": len(result.accepted),
        "rejected": len(result.rejected),
        "duplicates": len(links),
        "blank_rows": result.blank_rows,
        "undated": sum(s.submitted_at is None for s in result.accepted),
        "rejections": [r.to_dict() for r in result.rejected],
        "duplicate_links": links,
    }
    if args.json:
        json.dump(report, sys.stdout, ensure_ascii=False)
        print()
        return 0
    print(f"读取 {report['rows']} 行：接收 {report['accepted']}，拒收 {report['rejected']}，"
          f"其中重复转发 {report['duplicates']} 条（保留并链接到原件，不重复计数）")
    if report["blank_rows"]:
        print(f"另有 {report['blank_rows']} 个空行（无任何内容）已跳过")
    if report["undated"]:
        print(f"{report['undated']} 条没有提交时间")
    for rejection in result.rejected:
        print(f"  拒收 {rejection}")
    return 0
