"""``triage run``: the main job, from input files to the reviewers' outputs."""
from __future__ import annotations

import argparse
from pathlib import Path

from ..pipeline import run
from . import UserError
from .common import INPUT_ERRORS, add_input_flags, column_mapping, config_from_args


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("run", help="主流程：校验、去重、分词、向量化、聚合共同问题、排序、导出",
                            description="对输入文件运行完整流程，把结果写入 --out 目录，并打印每一步的耗时。")
    add_input_flags(parser)
    parser.add_argument("--out", required=True, metavar="DIR", help="输出目录（不存在则创建）")
    parser.add_argument("--embedder", metavar="NAME",
                        help="嵌入器：e5（默认，内置 multilingual-e5-small）、tfidf、st:<本地模型路径或缓存名>")
    parser.set_defaults(func=run_main, batch=True)


def run_main(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    try:
        result = run(args.files, Path(args.out), config, column_mapping(args), args.preset, args.embedder)
    except INPUT_ERRORS as error:
        raise UserError(str(error)) from None
    for line in result.summary_lines():
        print(line)
    return 0
