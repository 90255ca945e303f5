"""The ``triage`` command: one module per subcommand, each registering its own parser."""
from __future__ import annotations

import argparse
import gc
import importlib
import sys

# Subcommands in the order ``triage --help`` lists them.
COMMANDS = ("ingest", "run", "score", "eval", "issues-model", "serve", "keys", "digest", "report", "digest_model")

DESCRIPTION = """\
triage：读取社会组织提交的协商意见，找出多家组织共同反映的具体问题，
并为年度重点协商议题和《社会组织协商直通车》排出候选。

常用流程：
  triage ingest samples/suggestions.csv        检查文件：接收、拒收（附原因）、重复
  triage run samples/suggestions.csv --out out 主流程：聚合共同问题、排序、导出结果
每个子命令的详细用法见 triage <子命令> --help。
"""


def main(argv: list[str] | None = None) -> int:
    """Run one subcommand; ``argv`` ``None`` means the process is this command (the ``triage`` program)."""
    parser = argparse.ArgumentParser(prog="triage", description=DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="<子命令>")
    for name in COMMANDS:
        importlib.import_module(f"{__name__}.{name.replace('-', '_')}").register(sub)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    # A batch command (``set_defaults(batch=True)``) run as the program keeps every object it builds until it ends,
    # so the cycle collector has next to nothing to free (peak memory of the main job +6 MB without it), yet on
    # messages_hot.xlsx its 1,279 passes over the growing heap took 1.5 CPU seconds, and the one on the way out 0.7.
    # So it is off for such a command, and its objects frozen at the end so the interpreter's exit skips them too;
    # never inside a longer-lived process (tests, the service), which passes ``argv``.
    batch = argv is None and getattr(args, "batch", False)
    if batch:
        gc.disable()
    try:
        return int(args.func(args) or 0)
    except UserError as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    finally:
        if batch:
            gc.freeze()


class UserError(Exception):
    """A problem the user can fix (bad file, bad flag); printed as one line, no traceback."""
