"""``triage eval``: measure issue finding against hand-checked gold issues, beside the single-threshold baseline."""
from __future__ import annotations

import argparse
import json
import sys
import time

from ..config import asset_path
from ..evaluate import GoldError, evaluate, evaluate_themes, load_gold, load_gold_themes
from ..issues import CosineRule
from ..linkage import load_model, rule_from_config
from ..linkage_fit import Problem, cross_validate
from ..pipeline import analyse, prepare
from . import UserError
from .common import INPUT_ERRORS, add_column_flags, add_config_flags, column_mapping, config_from_args, stored_problem


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("eval", help="用人工核对的共同问题评估聚合质量（F1 与热度排名）",
                            description="对 --data 运行流程，把每个金标准问题与 F1 最高的预测问题配对，报告平均 F1、"
                                        "每个问题的精确率、召回率、F1、被拆成的片段和在重点议题排序中的名次（hot_rank），"
                                        "并列出单阈值平均链接基线。--cv K 按金标准问题做 K 折交叉验证：在 K−1 折上"
                                        "拟合链接模型，对留出折的问题在全量聚合上打分。")
    parser.add_argument("--data", nargs="+", metavar="FILE", help="输入文件（不用 --db 时必填）")
    parser.add_argument("--gold", metavar="GOLD.json", help='金标准：{"issues": [{"id", "title", "members"}]}（不用 --db 时必填）')
    parser.add_argument("--db", metavar="URL", help="改用服务数据库中保存的意见，以审阅人的拆分与合并为金标准（可再加 --gold）")
    parser.add_argument("--themes", metavar="THEMES.json",
                        help='主题金标准：{"themes": [{"id", "name", "issues": [金标准问题编号]}]}；给出时另报主题的'
                             '成对准确率、召回率与 F1，并以 topic 词典（所属主题字段）为基线（只用于 --data 全量评估）')
    parser.add_argument("--cv", type=int, metavar="K", help="按金标准问题做 K 折交叉验证（如 5）")
    parser.add_argument("--inner", type=int, default=5, metavar="K",
                        help="交叉验证时，每个外层折内选阈值的内层折数（默认 5）")
    parser.add_argument("--repeats", type=int, default=1, metavar="R",
                        help="交叉验证重复 R 次，每次按不同种子重新分折，报告各次与平均（默认 1）：问题少时，"
                             "分折的运气能让一次的数字差出几个百分点")
    add_column_flags(parser)
    parser.add_argument("--embedder", metavar="NAME", help="嵌入器（默认 e5）")
    parser.add_argument("--json", action="store_true", help="只在标准输出打印一个 JSON 对象")
    add_config_flags(parser)
    parser.set_defaults(func=run_eval)


def run_eval(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    if not args.db and not (args.data and args.gold):
        raise UserError("请给出 --data 与 --gold，或给出 --db")
    if args.repeats != 1 and not args.cv:
        raise UserError("--repeats 只用于交叉验证：请同时给出 --cv K")
    started = time.perf_counter()
    try:
        gold = load_gold(args.gold) if args.gold else []
        gold_themes = load_gold_themes(args.themes, [g["id"] for g in gold]) if args.themes else None
        if args.db:
            problem, gold = stored_problem(args.db, config, gold, args.embedder)
            report = _cross_validated(problem, gold, args) if args.cv else _on_problem(problem, config, gold)
        elif args.cv:
            corpus = prepare(args.data, config, column_mapping(args), args.preset, args.embedder)
            report = _cross_validated(Problem.build(corpus.suggestions, corpus.vectors, corpus.tokens, config),
                                      gold, args)
        else:
            report = _full(args, config, gold, gold_themes)
    except (GoldError, *INPUT_ERRORS) as error:
        raise UserError(str(error)) from None
    report["seconds"] = round(time.perf_counter() - started, 2)
    if args.json:
        json.dump(report, sys.stdout, ensure_ascii=False)
        print()
        return 0
    if args.cv:
        _print_cv(report, len(gold))
    else:
        _print_full(report, len(gold))
    return 0


def _baseline_threshold(config: dict) -> float | None:
    """The baseline threshold the configured model's training chose (``None`` when the rule is the baseline)."""
    spec = config["issues"]["finder"]["rule"]
    if spec.startswith("cosine:"):
        return None
    return float(load_model(asset_path(config, spec))[1]["baseline"]["threshold"])


def _full(args: argparse.Namespace, config: dict, gold: list, gold_themes: dict | None) -> dict:
    """The whole pipeline as ``triage run`` runs it (so hot ranks are known), and the baseline beside it."""
    workspace, corpus = analyse(args.data, config, column_mapping(args), args.preset, args.embedder)
    ranking = [issue.id for issue, _ in workspace.key_topics()]
    report = evaluate(workspace.assignments(), gold, ranking)
    if gold_themes is not None:
        topic_of = {issue.id: issue.topic for issue in workspace.issues()}
        report["themes"] = evaluate_themes(workspace.theme_assignments(), gold, gold_themes)
        report["themes"]["baseline_topic"] = evaluate_themes(
            {s: topic_of[i] for s, i in workspace.assignments().items()}, gold, gold_themes)
        report["themes"]["n_predicted_themes"] = len(workspace.themes())
        report["themes"]["labels"] = {theme.id: theme.label for theme in workspace.themes()}
    report["timings"] = {k: round(v, 3) for k, v in corpus.timings.steps.items()}
    _add_baseline(report, config, Problem.build(corpus.suggestions, corpus.vectors, corpus.tokens, config), gold)
    return report


def _on_problem(problem: Problem, config: dict, gold: list) -> dict:
    """The configured rule and the baseline on stored suggestions (no ranking: hot ranks are not shown)."""
    rule = rule_from_config(config)
    report = evaluate(problem.assignments(problem.cluster(rule), rule.threshold), gold, [])
    _add_baseline(report, config, problem, gold)
    return report


def _add_baseline(report: dict, config: dict, problem: Problem, gold: list) -> None:
    threshold = _baseline_threshold(config)
    if threshold is not None:
        baseline = evaluate(problem.assignments(problem.cluster(CosineRule(threshold)), threshold), gold, [])
        report["baseline"] = {"threshold": threshold, "mean_f1": baseline["mean_f1"],
                              "issues": {i["id"]: i["f1"] for i in baseline["issues"]}}


def _cross_validated(problem: Problem, gold: list, args: argparse.Namespace) -> dict:
    try:
        return cross_validate(problem, gold, args.cv, args.inner, repeats=args.repeats,
                              log=lambda message: print(message, file=sys.stderr, flush=True))
    except ValueError as error:
        raise UserError(str(error)) from None


def _pieces(item: dict) -> str:
    """How a gold issue split: ``13+1``, or one such per dealing of a repeated cross-validation."""
    dealings = item.get("pieces_per_dealing", [item.get("pieces")])
    return " / ".join("+".join(str(p) for p in pieces) or "-" for pieces in dealings)


def _print_full(report: dict, n_gold: int) -> None:
    baseline = report.get("baseline")
    line = (f"平均 F1 = {report['mean_f1']:.4f}（{n_gold} 个金标准问题，预测问题 {report['n_predicted_issues']} 个，"
            f"用时 {report['seconds']:.1f}s）")
    if baseline:
        line += f"；单阈值基线（余弦 ≥ {baseline['threshold']}）{baseline['mean_f1']:.4f}"
    print(line)
    print(f"{'编号':<6}{'F1':>7}{'精确率':>7}{'召回率':>7}{'基线F1':>7}{'预测规模':>8}{'金标准':>6}{'热度名次':>8}"
          f"  {'片段':<10} 标题")
    for item in report["issues"]:
        base = f"{baseline['issues'][item['id']]:>7.3f}" if baseline else f"{'-':>7}"
        print(f"{item['id']:<6}{item['f1']:>7.3f}{item['precision']:>7.3f}{item['recall']:>7.3f}{base}"
              f"{item['predicted_size']:>8}{item['gold_size']:>6}{item['hot_rank'] or '-':>8}  "
              f"{_pieces(item):<10} {item['title']}")
    if "themes" in report:
        themes, baseline = report["themes"], report["themes"]["baseline_topic"]
        print(f"主题（成对，{n_gold} 个金标准问题，预测主题 {themes['n_predicted_themes']} 个）："
              f"准确率 {themes['precision']:.3f}，召回率 {themes['recall']:.3f}，F1 {themes['f1']:.3f}；"
              f"基线 topic 词典：准确率 {baseline['precision']:.3f}，召回率 {baseline['recall']:.3f}，"
              f"F1 {baseline['f1']:.3f}")
        for item in themes["issues"]:
            print(f"  {item['id']:<6}{item['gold_theme']:<6}{themes['labels'].get(item['theme'], '-')}")


def _print_cv(report: dict, n_gold: int) -> None:
    repeats = report.get("repeats")
    dealt = f" × {len(repeats)} 次分折" if repeats else ""
    print(f"{report['k']} 折交叉验证{dealt}（按金标准问题分折；每折内阈值由 {report['inner']} 折内层交叉验证选定），"
          f"{n_gold} 个金标准问题，用时 {report['seconds']:.1f}s")
    if repeats:
        print(f"{'次':<4}{'种子':>4}{'平均F1':>8}{'基线F1':>8}  各折阈值")
        for number, dealing in enumerate(repeats, start=1):
            print(f"{number:<4}{dealing['seed']:>4}{dealing['mean_f1']:>8.4f}{dealing['baseline_mean_f1']:>8.4f}  "
                  f"{' '.join(str(fold['threshold']) for fold in dealing['folds'])}")
        spread = [d["mean_f1"] for d in repeats]
        base = [d["baseline_mean_f1"] for d in repeats]
        print(f"交叉验证平均 F1 = {report['mean_f1']:.4f}（{len(repeats)} 次分折 {min(spread):.4f}–{max(spread):.4f}）；"
              f"单阈值基线 {report['baseline_mean_f1']:.4f}（{min(base):.4f}–{max(base):.4f}）")
    else:
        print(f"{'折':<4}{'问题数':>6}{'阈值':>7}{'平均F1':>8}{'基线阈值':>9}{'基线F1':>8}  留出问题")
        for fold in report["folds"]:
            print(f"{fold['fold'] + 1:<4}{len(fold['issues']):>6}{fold['threshold']:>7}{fold['mean_f1']:>8.4f}"
                  f"{fold['baseline_threshold']:>9}{fold['baseline_mean_f1']:>8.4f}  {' '.join(fold['issues'])}")
        print(f"交叉验证平均 F1 = {report['mean_f1']:.4f}；单阈值基线 {report['baseline_mean_f1']:.4f}")
    print(f"{'编号':<6}{'F1':>7}{'精确率':>7}{'召回率':>7}{'基线F1':>7}{'金标准':>6}  {'片段':<10} 标题")
    baseline = {i["id"]: i["f1"] for i in report["baseline_issues"]}
    for item in report["issues"]:
        print(f"{item['id']:<6}{item['f1']:>7.3f}{item['precision']:>7.3f}{item['recall']:>7.3f}"
              f"{baseline[item['id']]:>7.3f}{item['gold_size']:>6}  {_pieces(item):<10} {item['title']}")
