"""``triage serve``: the scoring API and reviewers' store (package ``api``), run with uvicorn."""
from __future__ import annotations

import argparse
import sys

from api.settings import ServiceSettings

from ..intake import ColumnError, FormatError, Limits, load
from . import UserError
from .common import add_config_flags, config_from_args

DEFAULT_DB = "sqlite:///triage.db"


def at_least(minimum: float, kind: type = int):
    """An argparse type: a number of ``kind`` no smaller than ``minimum``, or an error saying so."""
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"不是{'整数' if kind is int else '数字'}：{text}") from None
        if not value >= minimum:  # also refuses NaN
            raise argparse.ArgumentTypeError(f"应不小于 {minimum:g}：{text}")
        return value
    return parse


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("serve", help="启动打分与存储服务（HTTP API）",
                            description="启动 HTTP 服务：接收意见并打分、保存到数据库，供审阅人查看排序和记录决定。"
                                        "启动时自动创建或升级数据库结构，并从库中恢复工作区（不重新嵌入）。"
                                        "接口文档见 http://HOST:PORT/docs。")
    parser.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
    parser.add_argument("--port", type=int, default=8000, help="监听端口（默认 8000）")
    parser.add_argument("--db", default=DEFAULT_DB, metavar="URL",
                        help=f"数据库：SQLite 文件（默认 {DEFAULT_DB}）或 postgresql+psycopg://用户@主机:端口/库名")
    parser.add_argument("--embedder", metavar="NAME",
                        help="嵌入器：e5（默认，内置 multilingual-e5-small）、tfidf、st:<本地模型路径或缓存名>")
    parser.add_argument("--load", nargs="+", default=[], metavar="FILE",
                        help="启动时把这些文件中的意见存入数据库（已存在的编号不重复保存）")
    defaults = ServiceSettings()
    parser.add_argument("--rate-per-second", type=at_least(0, float), default=defaults.rate_per_second, metavar="N",
                        help=f"每个密钥平均每秒最多请求数，超出答 429（默认 {defaults.rate_per_second:g}；0 为不限）")
    parser.add_argument("--rate-burst", type=at_least(1), default=defaults.rate_burst, metavar="N",
                        help=f"每个密钥可一次连发的请求数（默认 {defaults.rate_burst}）")
    parser.add_argument("--max-batch", type=at_least(1), default=defaults.max_batch, metavar="N",
                        help=f"一次提交的最多条数，超出答 413（默认 {defaults.max_batch}）")
    parser.add_argument("--max-body-bytes", type=at_least(1), default=defaults.max_body_bytes, metavar="N",
                        help=f"请求体最大字节数，超出答 413（默认 {defaults.max_body_bytes}）")
    add_config_flags(parser)
    parser.set_defaults(func=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app
    from api.messages import CLI
    from triage.workspace import Workspace

    config = config_from_args(args)
    workspace = Workspace(config, embedder_name=args.embedder)
    limits = Limits(**config["intake"])
    if args.load:
        try:
            loaded = load(args.load, None, None, limits)
        except (ColumnError, FormatError, ValueError) as error:
            raise UserError(str(error)) from None
    else:
        loaded = None

    def load_files(service) -> None:
        if loaded is None:
            return
        counts = service.ingest(loaded.accepted, actor="cli:serve --load")
        print(CLI["loaded"].format(files="、".join(args.load), rejected=len(loaded.rejected), **counts),
              file=sys.stderr, flush=True)
        for rejection in loaded.rejected:
            print(f"  拒收 {rejection}", file=sys.stderr, flush=True)

    settings = ServiceSettings(max_body_bytes=args.max_body_bytes, max_batch=args.max_batch,
                               rate_per_second=args.rate_per_second, rate_burst=args.rate_burst)
    app = create_app(args.db, config, workspace, settings=settings, on_start=load_files)
    print(CLI["serving"].format(host=args.host, port=args.port, db=args.db, embedder=workspace.embedder.key),
          file=sys.stderr, flush=True)
    uvicorn.run(app, host=args.host, port=args.port, workers=1, log_level="info", access_log=True)
    return 0
