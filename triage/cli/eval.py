"""``triage eval``: measure issue finding against hand-checked gold issues."""
from __future__ import annotations

import argparse
import json
import sys
import time

from ..evaluate import GoldError, evaluate, evaluate_themes, load_gold, load_gold_themes
from ..pipeline import analyse
from . import UserError
from .common import INPUT_ERRORS, add_config_flags, column_mapping, config_from_args


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("eval", help="用人工核对的共同问题评估聚合质量（F1 与热度排名）",
                            description="对 --data 运行流程，把每个金标准问题与 F1 最高的预测问题配对，报告平均 F1、"
                                        "每个问题的 F1、预测规模和在重点议题排序中的名次（hot_rank）。")
    parser.add_argument("--data", required=True, nargs="+", metavar="FILE", help="输入文件")
    parser.add_argument("--gold", required=True, metavar="GOLD.json", help='金标准：{"issues": [{"id", "title", "members"}]}')
    parser.add_argument("--themes", metavar="THEMES.json",
                        help='主题金标准：{"themes": [{"id", "name", "issues": [金标准问题编号]}]}；给出时另报主题的'
                             '成对准确率、召回率与 F1，并以 topic 词典（所属主题字段）为基线')
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
        gold_themes = load_gold_themes(args.themes, [g["id"] for g in gold]) if args.themes else None
        workspace, corpus = analyse(args.data, config, column_mapping(args), args.preset, args.embedder)
    except (GoldError, *INPUT_ERRORS) as error:
        raise UserError(str(error)) from None
    ranking = [issue.id for issue, _ in workspace.key_topics()]
    report = evaluate(workspace.assignments(), gold, ranking)
    if gold_themes is not None:
        topic_of = {issue.id: issue.topic for issue in workspace.issues()}
        report["themes"] = evaluate_themes(workspace.theme_assignments(), gold, gold_themes)
        report["themes"]["baseline_topic"] = evaluate_themes(
            {s: topic_of[i] for s, i in workspace.assignments().items()}, gold, gold_themes)
        report["themes"]["n_predicted_themes"] = len(workspace.themes())
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
    if gold_themes is not None:
        themes, baseline = report["themes"], report["themes"]["baseline_topic"]
        print(f"主题（成对，{len(gold)} 个金标准问题，预测主题 {themes['n_predicted_themes']} 个）："
              f"准确率 {themes['precision']:.3f}，召回率 {themes['recall']:.3f}，F1 {themes['f1']:.3f}；"
              f"基线 topic 词典：准确率 {baseline['precision']:.3f}，召回率 {baseline['recall']:.3f}，"
              f"F1 {baseline['f1']:.3f}")
        labels = {theme.id: theme.label for theme in workspace.themes()}
        for item in themes["issues"]:
            print(f"  {item['id']:<6}{item['gold_theme']:<6}{labels.get(item['theme'], '-')}")
    return 0
