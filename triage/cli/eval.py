"""``triage eval``: measure issue finding against hand-checked gold issues."""
from __future__ import annotations

import argparse
import json
import sys
import time

from ..evaluate import GoldError, evaluate, load_gold
from ..pipeline import analyse
from . import UserError
from .common import INPUT_ERRORS, add_config_flags, column_mapping, config_from_args


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("eval", help="用人工核对的共同问题评估聚合质量（F1 与热度排名）",
                            description="对 --data 运行流程，把每个金标准问题与 F1 最高的预测问题配对，报告平均 F1、"
                                        "每个问题的 F1、预测规模和在重点议题排序中的名次（hot_rank）。")
    parser.add_argument("--data", required=True, nargs="+", metavar="FILE", help="输入文件")
    parser.add_argument("--gold", required=True, metavar="GOLD.json", help='金标准：{"issues": [{"id", "title", "members"}]}')
    parser.add_argument("--map", action="append", default=[], metavar="字段=列名", help="同 triage run")
    parser.add_argument("--preset", help="同 triage run")
    parser.add_argument("--embedder", metavar="NAME", help="嵌入器（默认 e5）")
    parser.add_argument("--json", action="store_true", help="只在标准输出打印一个 JSON 对象")
    add_config_flags(parser)
    parser.set_defaults(func=run_eval)


def run_eval(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    started = time.perf_counter()
    try:
        gold = load_gold(args.gold)
        workspace, corpus = analyse(args.data, config, column_mapping(args), args.preset, args.embedder)
    except (GoldError, *INPUT_ERRORS) as error:
        raise UserError(str(error)) from None
    ranking = [issue.id for issue, _ in workspace.key_topics()]
    report = evaluate(workspace.assignments(), gold, ranking)
    report["seconds"] = round(time.perf_counter() - started, 2)
    report["timings"] = {k: round(v, 3) for k, v in corpus.timings.steps.items()}
    if args.json:
        json.dump(report, sys.stdout, ensure_ascii=False)
        print()
        return 0
    print(f"平均 F1 = {report['mean_f1']:.4f}（{len(gold)} 个金标准问题，预测问题 {report['n_predicted_issues']} 个，"
          f"用时 {report['seconds']:.1f}s）")
    print(f"{'编号':<6}{'F1':>7}{'预测规模':>8}{'金标准':>7}{'热度名次':>8}  标题")
    for item in report["issues"]:
        print(f"{item['id']:<6}{item['f1']:>7.3f}{item['predicted_size']:>8}{item['gold_size']:>7}"
              f"{item['hot_rank'] or '-':>8}  {item['title']}")
    return 0
