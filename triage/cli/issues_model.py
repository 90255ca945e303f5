"""``triage issues-model train``: fit the rule that joins groups into issues on hand-checked issues."""
from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from ..config import asset_path
from ..evaluate import GoldError, load_gold
from ..linkage import NAMES, save_model
from ..linkage_fit import Problem, train
from ..pipeline import prepare
from . import UserError
from .common import INPUT_ERRORS, add_column_flags, add_config_flags, column_mapping, config_from_args, stored_problem


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("issues-model", help="训练判断两组意见是否同一问题的链接模型",
                            description="issues-model train：在人工核对的共同问题上拟合链接模型（逻辑回归），"
                                        "阈值按金标准问题的 K 折交叉验证选定；参数、交叉验证结果和单阈值基线一并写入 JSON。")
    actions = parser.add_subparsers(dest="action", metavar="<操作>", required=True)
    fit = actions.add_parser("train", help="拟合并保存链接模型")
    fit.add_argument("--data", nargs="+", metavar="FILE", help="输入文件（不用 --db 时必填）")
    fit.add_argument("--gold", metavar="GOLD.json", help='金标准：{"issues": [{"id", "title", "members"}]}（不用 --db 时必填）')
    fit.add_argument("--db", metavar="URL", help="改用服务数据库中保存的意见，以审阅人的拆分与合并为金标准（可再加 --gold）")
    fit.add_argument("--out", metavar="FILE", help="写入的模型文件（默认 models/ 中 issues.finder.rule 指向的文件）")
    fit.add_argument("--folds", type=int, default=5, help="选阈值的交叉验证折数（默认 5）")
    fit.add_argument("--C", type=float, default=1.0, help="逻辑回归的正则化倒数（默认 1.0）")
    add_column_flags(fit)
    fit.add_argument("--embedder", metavar="NAME", help="嵌入器（默认 e5）")
    add_config_flags(fit)
    fit.set_defaults(func=run_train)


def run_train(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    started = time.perf_counter()
    spec = config["issues"]["finder"]["rule"]
    out = Path(args.out) if args.out else asset_path(config, spec if not spec.startswith("cosine:") else "linkage.json")
    if not args.db and not (args.data and args.gold):
        raise UserError("请给出 --data 与 --gold，或给出 --db")
    try:
        gold = load_gold(args.gold) if args.gold else []
        if args.db:
            problem, gold = stored_problem(args.db, config, gold, args.embedder)
            source = {"db": "reviewers' corrections in the service database"}
        else:
            corpus = prepare(args.data, config, column_mapping(args), args.preset, args.embedder)
            problem = Problem.build(corpus.suggestions, corpus.vectors, corpus.tokens, config)
            source = {"data": [Path(p).name for p in args.data], "embedder": corpus.embedder_key}
        model, evidence = train(problem, gold, args.folds, args.C,
                                log=lambda message: print(message, file=sys.stderr, flush=True))
    except (GoldError, *INPUT_ERRORS) as error:
        raise UserError(str(error)) from None
    evidence = {"fitted_on": {**source, "gold": Path(args.gold).name if args.gold else None,
                              "gold_issues": len(gold), "suggestions": len(problem.ids), "folds": args.folds,
                              "C": args.C, "date": datetime.now(timezone.utc).date().isoformat()},
                **evidence}
    save_model(out, model, evidence)
    cv, baseline = evidence["cross_validation"], evidence["baseline"]
    print(f"链接模型已写入 {out}（用时 {time.perf_counter() - started:.1f}s）")
    print(f"阈值 {model.threshold}：{args.folds} 折交叉验证平均 F1 {cv['cv_mean_f1_at_chosen']:.4f}；"
          f"单阈值基线（余弦 ≥ {baseline['threshold']}）交叉验证平均 F1 {baseline['cv_mean_f1']:.4f}")
    print("系数：" + "，".join(f"{name} {weight:+.3f}" for name, weight in zip(NAMES, model.coef_))
          + f"，截距 {model.intercept_:+.3f}")
    return 0
