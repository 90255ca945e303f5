"""A plain XLSX writer: sheets of text and numbers, header row frozen, written straight as XML.

openpyxl builds an object per cell and serialises each through lxml: the main job's workbook (some 115,000 cells,
most of them the full texts on 意见明细) took over 5 CPU seconds of a run whose target is 5 in all. That workbook
needs nothing openpyxl adds (styles, formulas, charts), so it is written here; the annual report's workbook, which
holds charts, still uses openpyxl. Text is stored as inline strings, so a title beginning with ``=`` stays words,
never a formula; numbers are formatted as openpyxl formats them, so a reader sees the same values either way.
"""
from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from xml.sax.saxutils import quoteattr

Value = str | int | float | None

# What text cannot hold as it is: & < > escaped, \r as a reference (XML parsers turn a bare one into \n), and the
# characters no XML 1.0 document may hold (openpyxl refuses them) dropped, as they carry no meaning in a suggestion.
_SPECIAL = re.compile(r"[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_STYLES = (f'<styleSheet xmlns="{_MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
           '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
           '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
           '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
           '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
           '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>')


def column_letter(index: int) -> str:
    """Excel's name of the 0-based column ``index``: A … Z, AA …"""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _escape(match: re.Match[str]) -> str:
    return _ESCAPES.get(match.group(), "")


def _cell(column: str, row: int, value: Value) -> str:
    """The cell of ``value`` at ``column`` (its letters) and ``row``; nothing for an empty value."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        text = _SPECIAL.sub(_escape, value)
        space = ' xml:space="preserve"' if value[0].isspace() or value[-1].isspace() else ""
        return f'<c r="{column}{row}" t="inlineStr"><is><t{space}>{text}</t></is></c>'
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f'<c r="{column}{row}"><v>{value:.16g}</v></c>' if math.isfinite(value) else ""
    raise TypeError(f"XLSX 单元格 {column}{row} 只能是文字或数值，而不是 {type(value).__name__}")


def _sheet(rows: Iterable[Sequence[Value]]) -> str:
    parts, width, height = [], 1, 0
    letters: list[str] = []
    for height, values in enumerate(rows, start=1):
        while len(letters) < len(values):
            letters.append(column_letter(len(letters)))
        width = max(width, len(values))
        cells = "".join([_cell(column, height, value) for column, value in zip(letters, values)])
        parts.append(f'<row r="{height}">{cells}</row>')
    view = ('<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft"'
            ' state="frozen"/><selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>')
    dimension = f'<dimension ref="A1:{column_letter(width - 1)}{max(1, height)}"/>'
    return f'{_HEAD}<worksheet xmlns="{_MAIN}">{dimension}{view}<sheetData>{"".join(parts)}</sheetData></worksheet>'


def write_xlsx(path: str | Path, sheets: Sequence[tuple[str, Iterable[Sequence[Value]]]]) -> Path:
    """Write ``(title, rows)`` sheets in order, each with its first row frozen as the header."""
    count = len(sheets)
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="{_TYPE}.worksheet+xml"/>'
                        for n in range(1, count + 1))
    content_types = (f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                     '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                     '<Default Extension="xml" ContentType="application/xml"/>'
                     f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPE}.sheet.main+xml"/>'
                     f'<Override PartName="/xl/styles.xml" ContentType="{_TYPE}.styles+xml"/>{overrides}</Types>')
    package_rels = (f'{_HEAD}<Relationships xmlns="{_PACKAGE_REL}"><Relationship Id="rId1" '
                    f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    entries = "".join(f'<sheet name={quoteattr(title)} sheetId="{n}" r:id="rId{n}"/>'
                      for n, (title, _) in enumerate(sheets, start=1))
    workbook = f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>{entries}</sheets></workbook>'
    links = "".join(f'<Relationship Id="rId{n}" Type="{_REL}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                    for n in range(1, count + 1))
    workbook_rels = (f'{_HEAD}<Relationships xmlns="{_PACKAGE_REL}">{links}<Relationship Id="rId{count + 1}" '
                     f'Type="{_REL}/styles" Target="styles.xml"/></Relationships>')
    # The fastest deflate level: on the main job's workbook it takes 0.2 s where the default takes 0.5 s, for a file
    # a tenth larger.
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as package:
        package.writestr("[Content_Types].xml", content_types)
        package.writestr("_rels/.rels", package_rels)
        package.writestr("xl/workbook.xml", workbook)
        package.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        package.writestr("xl/styles.xml", _HEAD + _STYLES)
        for n, (_, rows) in enumerate(sheets, start=1):
            package.writestr(f"xl/worksheets/sheet{n}.xml", _sheet(rows))
    return Path(path)
