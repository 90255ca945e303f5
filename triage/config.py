"""The run configuration: one TOML file in ``models/`` holds every weight and threshold, overridable per run.

Overrides are ``section.key=value`` strings (``--set rank.key_topic.weights.breadth=2``); values are parsed as TOML
so numbers stay numbers. Asset paths in the file are relative to the file's own folder.
"""
from __future__ import annotations

import copy
import os
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

MODELS_DIR = Path(os.environ.get("TRIAGE_MODELS", Path(__file__).resolve().parents[1] / "models"))
DEFAULT_CONFIG = MODELS_DIR / "config.toml"


class ConfigError(ValueError):
    """A configuration file or override that cannot be used."""


def _parse_value(text: str) -> Any:
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_override(config: dict[str, Any], override: str) -> None:
    """Set one ``dotted.key=value`` in place; the key must already exist so a typo cannot pass unnoticed."""
    key, sep, text = override.partition("=")
    if not sep:
        raise ConfigError(f"配置覆盖必须写成 键=值：{override!r}")
    *parents, leaf = key.strip().split(".")
    node = config
    for part in parents:
        if not isinstance(node.get(part), dict):
            raise ConfigError(f"未知配置项：{key}")
        node = node[part]
    if leaf not in node:
        raise ConfigError(f"未知配置项：{key}")
    node[leaf] = _parse_value(text.strip())


def load_config(path: str | Path | None = None, overrides: Iterable[str] = ()) -> dict[str, Any]:
    """The default configuration, or ``path`` layered over it, with overrides applied last."""
    config = tomllib.loads(DEFAULT_CONFIG.read_text(encoding="utf-8"))
    config["_dir"] = str(MODELS_DIR)
    if path is not None:
        path = Path(path)
        try:
            user = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as error:
            raise ConfigError(f"{path}: 无法读取配置（{error}）") from None
        config = _merge(config, user)
    for override in overrides:
        apply_override(config, override)
    return config


def asset_path(config: dict[str, Any], name: str) -> Path:
    """Resolve an asset file named in the config relative to the models folder."""
    path = Path(name)
    return path if path.is_absolute() else Path(config.get("_dir", MODELS_DIR)) / path


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged
