"""``triage digest-model train``: retrain the 直通车 model from label files and reviewers' decisions."""
from __future__ import annotations

import argparse
from pathlib import Path

from ..config import asset_path
from ..digest_model import DigestModelError, FeatureSpec, save_model
from ..digest_training import add_decisions, data_files, labelled_from_files, read_label_file, train
from ..intake import Limits
from . import UserError
from .common import INPUT_ERRORS, add_column_flags, add_config_flags, column_mapping, config_from_args

SHOWN = {"model": "模型", "keyword_rule": "关键词规则（标题含 建议/希望/呼吁/倡议）"}


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("digest-model", help="直通车候选模型：用标注和审阅决定重新训练",
                            description="管理给直通车候选打分的模型（models/digest_model.json）。")
    actions = parser.add_subparsers(dest="digest_model_command", metavar="<操作>", required=True)
    command = actions.add_parser(
        "train", help="训练并打印分组交叉验证结果",
        description="用标注文件（--labels）和/或服务库中审阅人的决定（--db：采纳入专报、已采纳 为 2，入围 为 1，"
                    "不予采纳、未采纳 为 0）训练直通车模型，打印按近似重复分组的交叉验证结果（模型与关键词规则并列），"
                    "再用全部标注训练并写入 --out。")
    command.add_argument("--labels", nargs="+", default=[], metavar="FILE",
                         help='标注文件：{"dataset": "数据文件名", "labels": [{"id": …, "label": 0|1|2}]}')
    command.add_argument("--data", nargs="+", default=[], metavar="FILE",
                         help="标注所引用意见的数据文件（默认：标注文件中 dataset 所写、与标注文件同目录的文件）")
    command.add_argument("--db", metavar="URL", help="把该服务库中审阅人对意见的决定也作为标注")
    command.add_argument("--features", metavar="TOML", help="特征说明（默认 models/digest_features.toml）")
    command.add_argument("--out", metavar="JSON", help="写入的模型文件（默认为配置 rank.digest.model 所指文件）")
    command.add_argument("--folds", type=int, default=5, help="交叉验证折数（默认 5）")
    command.add_argument("--seed", type=int, default=0, help="分折的随机种子（默认 0）")
    add_column_flags(command)
    add_config_flags(command)
    command.set_defaults(func=run_train)


def run_train(args: argparse.Namespace) -> int:
    if not args.labels and not args.db:
        raise UserError("请至少给出 --labels 标注文件或 --db 服务库")
    if args.folds < 2:
        raise UserError(f"--folds 至少为 2：{args.folds}")
    config = config_from_args(args)
    section = config["rank"]["digest"]
    out = Path(args.out) if args.out else asset_path(config, section["model"])
    try:
        spec = FeatureSpec.load(args.features or asset_path(config, section["features"]))
        files = [read_label_file(path) for path in args.labels]
        labelled = labelled_from_files(files, data_files(files, args.data) if files else [], column_mapping(args),
                                       args.preset, Limits(**config["intake"]))
        if args.db:
            from api.digest_labels import review_labels

            decisions = review_labels(args.db)
            replaced = add_decisions(labelled, decisions, "reviews")
            print(f"服务库审阅决定：{len(decisions)} 条意见（其中 {replaced} 条改变了标注文件中的标签）")
        print(f"标注共 {len(labelled.labels)} 条：" + "，".join(f"标签 {k} {v} 条" for k, v in labelled.counts().items()))
        model, record = train(labelled, spec, args.folds, args.seed)
    except (DigestModelError, *INPUT_ERRORS) as error:
        raise UserError(str(error)) from None
    figures = record["cross_validation"]
    print(f"分组 {args.folds} 折交叉验证（{figures['copy_groups']} 组：近似重复的副本同在一折）：")
    print(f"  {'':<40}{'AUC(2 对 0)':>12}{'nDCG@10':>10}")
    for name, result in figures["results"].items():
        print(f"  {SHOWN.get(name, name):<40}{result['auc_2_vs_0']:>12.4f}{result['ndcg_at_10']:>10.4f}")
    save_model(out, model, record)
    print(f"模型已写入 {out}")
    return 0
