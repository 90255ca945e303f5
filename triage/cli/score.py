"""``triage score``: what the pipeline would say about one new suggestion, against the last run."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..messages import FACTOR_NAMES
from ..pipeline import load_run
from ..records import Suggestion
from . import UserError
from .common import add_config_flags, config_from_args


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("score", help="给一条新意见打分：最近的共同问题、可能的重复、各项得分",
                            description="对照上一次 triage run 的结果（--run 目录），给出一条意见所属或最接近的共同问题、"
                                        "可能的重复以及直通车得分明细。不保存任何内容。")
    parser.add_argument("text", metavar="TEXT", help="意见正文")
    parser.add_argument("--title", default="", help="意见标题（可选）")
    parser.add_argument("--run", default="out", metavar="DIR", help="triage run 的输出目录（默认 out）")
    parser.add_argument("--json", action="store_true", help="只在标准输出打印一个 JSON 对象")
    add_config_flags(parser)
    parser.set_defaults(func=run_score)


def run_score(args: argparse.Namespace) -> int:
    config = config_from_args(args)
    out = Path(args.run)
    if not (out / "suggestions.jsonl").is_file() or not (out / "vectors.npy").is_file():
        raise UserError(f"{out} 中没有 triage run 的结果；请先运行 triage run 文件 --out {out}")
    if not args.text.strip() and not args.title.strip():
        raise UserError("意见正文为空")
    workspace = load_run(out, config)
    outcome = workspace.score(Suggestion(id="(待评分)", title=args.title.strip(), body=args.text.strip(),
                                         submitter="(待评分)"))
    likely = [(i, s) for i, s in outcome.nearest if s >= config["issues"]["likely_duplicate_similarity"]]
    if args.json:
        json.dump({**outcome.to_dict(), "likely_duplicates": [{"id": i, "similarity": round(s, 4)} for i, s in likely]},
                  sys.stdout, ensure_ascii=False)
        print()
        return 0
    if outcome.opened_issue:
        print("最近的共同问题：无（这条意见会开启一个新问题）")
    else:
        print(f"所属共同问题：[{outcome.issue_id}] {outcome.issue_label}（{outcome.issue_size} 条）")
    if outcome.duplicate_of:
        print(f"重复：与 {outcome.duplicate_of} 内容相同或几乎相同")
    for suggestion_id, similarity in likely:
        original = workspace.get(suggestion_id)
        print(f"可能重复：{suggestion_id}（相似度 {similarity:.3f}）{original.title if original else ''}")
    print("最相近的意见：")
    for suggestion_id, similarity in outcome.nearest:
        neighbour = workspace.get(suggestion_id)
        print(f"  {suggestion_id}  {similarity:.3f}  {neighbour.title if neighbour else ''}")
    for name, score in (("直通车得分", outcome.digest), ("所属问题的重点议题得分", outcome.issue_score)):
        if score is None:
            continue
        parts = "，".join(f"{FACTOR_NAMES.get(k, k)} {v:.3f}" for k, v in score.breakdown.items())
        print(f"{name} {score.value:.3f}：{parts}")
    return 0
