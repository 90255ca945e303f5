"""Flags several subcommands share, and turning them into library arguments."""
from __future__ import annotations

import argparse

from ..config import ConfigError, load_config
from ..intake import PRESETS, ColumnError, FormatError
from . import UserError


def add_input_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", help="输入文件：.csv（UTF-8 或 GBK）、.xlsx、.jsonl")
    add_column_flags(parser)
    add_config_flags(parser)


def add_column_flags(parser: argparse.ArgumentParser) -> None:
    """--map and --preset: how the columns of input files are found, for every command that reads them."""
    parser.add_argument("--map", action="append", default=[], metavar="字段=列名",
                        help="指定某字段读取哪一列，可重复，如 --map title=标题 --map body=内容")
    parser.add_argument("--preset", choices=sorted(PRESETS),
                        help="内置列名预设（默认按表头自动选择）：canonical 英文列名、tipdm 留言数据、consultation 中文表单")


def add_config_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE", help="叠加在 models/config.toml 之上的配置文件")
    parser.add_argument("--set", action="append", default=[], metavar="键=值",
                        help="覆盖单个配置项，如 --set embed.name=\"tfidf\"")


def column_mapping(args: argparse.Namespace) -> dict[str, str]:
    mapping = {}
    for item in args.map:
        field, sep, column = item.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise UserError(f"--map 必须写成 字段=列名：{item!r}")
        mapping[field.strip()] = column.strip()
    return mapping


def config_from_args(args: argparse.Namespace) -> dict:
    try:
        return load_config(args.config, args.set)
    except ConfigError as error:
        raise UserError(str(error)) from None


INPUT_ERRORS = (ColumnError, FormatError, ValueError)


def stored_problem(db: str, config: dict, gold: list, embedder: str | None = None):
    """The service database's suggestions ready for linking (``linkage_fit.Problem``), and as gold its reviewers'
    corrections followed by ``gold`` (issues from a file)."""
    from api.service import read_store

    from ..corrections import correction_gold
    from ..linkage_fit import Problem
    from ..segment import segmenter_from_config

    suggestions, vectors, corrections = read_store(db, config, embedder)
    gold = correction_gold(corrections) + list(gold)
    if not gold:
        raise UserError(f"{db}：库中没有审阅人的拆分或合并，也没有给出 --gold，无从评估或训练")
    segmenter = segmenter_from_config(config)
    tokens = [segmenter.tokens(s.text) for s in suggestions]
    segmenter.fit(tokens)
    return Problem.build(suggestions, vectors, tokens, config), gold
