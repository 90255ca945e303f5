"""One reader per file format, each turning a file into a header and numbered rows of raw cell values.

Row numbers are the ones a person sees when opening the file (spreadsheet row, text line), so a rejection report
points straight at the cell to fix. A row that cannot even be read as a row (a line of broken JSON) comes back as a
``Rejection`` in place of its values.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..messages import rejection_message
from ..records import Rejection

# Chinese offices save CSV as UTF-8 (often with a BOM) or GBK; GB18030 is the superset of GBK that never fails on
# a valid GBK byte sequence.
_CSV_ENCODINGS = ("utf-8-sig", "gb18030")


@dataclass
class RawTable:
    """A file's header and its non-blank rows, numbered as the user sees them."""

    source: str
    header: list[str]
    rows: list[tuple[int, dict[str, Any] | Rejection]] = field(default_factory=list)
    blank_rows: int = 0


class FormatError(ValueError):
    """A file that cannot be read at all (unknown extension, undecodable, no header)."""


def read_table(path: str | Path) -> RawTable:
    """Read a CSV, XLSX or JSONL file by its extension."""
    path = Path(path)
    suffix = path.suffix.lower()
    readers = {".csv": _read_csv, ".tsv": _read_csv, ".xlsx": _read_xlsx, ".xlsm": _read_xlsx,
               ".jsonl": _read_jsonl, ".ndjson": _read_jsonl}
    if suffix not in readers:
        raise FormatError(f"{path}: 不支持的文件类型 {suffix or '（无扩展名）'}；支持 .csv .xlsx .jsonl")
    if not path.is_file():
        raise FormatError(f"{path}: 文件不存在")
    return readers[suffix](path)


def _header_names(cells: list[Any]) -> list[str]:
    """Header cells as names; an empty or repeated cell gets a positional name so no column is lost."""
    names: list[str] = []
    for index, cell in enumerate(cells, start=1):
        name = str(cell).strip() if cell is not None else ""
        if not name or name in names:
            name = f"{name or '列'}{index}"
        names.append(name)
    return names


def _is_blank(values: list[Any]) -> bool:
    return all(value is None or (isinstance(value, str) and not value.strip()) for value in values)


def _rows_to_table(source: str, rows: list[tuple[int, list[Any]]]) -> RawTable:
    """Shared tail of the two grid formats: first non-blank row is the header, blank rows are counted, not kept."""
    grid = iter(rows)
    for _, cells in grid:
        if not _is_blank(cells):
            header = _header_names(cells)
            break
    else:
        raise FormatError(f"{source}: 文件为空，没有表头")
    table = RawTable(source=source, header=header)
    for number, cells in grid:
        if _is_blank(cells):
            table.blank_rows += 1
            continue
        extra = cells[len(header):]
        values = dict(zip(header, cells))
        for offset, value in enumerate(extra, start=len(header) + 1):
            if value not in (None, ""):
                values[f"列{offset}"] = value
        table.rows.append((number, values))
    return table


def _read_csv(path: Path) -> RawTable:
    raw = path.read_bytes()
    for encoding in _CSV_ENCODINGS:
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FormatError(f"{path}: 无法按 UTF-8 或 GBK 解码")
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    for cells in reader:
        # csv.reader's line_num is the physical line the record ended on; a quoted body can span several lines,
        # so the record's own number is counted instead.
        rows.append((len(rows) + 1, cells))
    return _rows_to_table(str(path), rows)


def _read_xlsx(path: Path) -> RawTable:
    """The first sheet, read from its XML by ``plain_xlsx`` where it can give exactly openpyxl's values, else by
    openpyxl, which also names what is wrong with a damaged file."""
    from .plain_xlsx import read_rows

    try:
        rows = read_rows(path)
    except Exception:  # not one plain_xlsx reads, or not readable: openpyxl reads it, or says why it cannot
        rows = _openpyxl_rows(path)
    return _rows_to_table(str(path), rows)


def _openpyxl_rows(path: Path) -> list[tuple[int, list[Any]]]:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many unrelated types for a damaged file
        raise FormatError(f"{path}: 不是可读取的 XLSX 文件（{error}）") from None
    try:
        sheet = workbook.worksheets[0]
        return [(number, list(cells)) for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1)]
    finally:
        workbook.close()


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} 不是 JSON 数值")


def _read_jsonl(path: Path) -> RawTable:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise FormatError(f"{path}: 不是 UTF-8 编码的 JSONL（{error}）") from None
    table = RawTable(source=str(path), header=[])
    seen: dict[str, None] = {}
    # Lines end at \n only: str.splitlines would also break at U+2028, U+0085 and the like, which JSON strings may
    # hold unescaped, and so cut one valid record into broken ones.
    for number, line in enumerate(io.StringIO(text), start=1):
        if not line.strip():
            table.blank_rows += 1
            continue
        try:
            value = json.loads(line, parse_constant=_refuse_constant)
        except ValueError as error:  # JSONDecodeError, or NaN / Infinity, which JSON does not have
            detail = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
            table.rows.append((number, Rejection(str(path), number, "(line)",
                                                 rejection_message("bad_json", detail=detail), "bad_json")))
            continue
        if not isinstance(value, dict):
            table.rows.append((number, Rejection(str(path), number, "(line)",
                                                 rejection_message("not_object", kind=type(value).__name__),
                                                 "not_object")))
            continue
        seen.update(dict.fromkeys(value))
        table.rows.append((number, value))
    table.header = list(seen)
    return table
