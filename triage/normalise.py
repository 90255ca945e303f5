"""Text and value normalisation shared by intake, the API and the scorer.

Real submissions arrive scraped from web pages and typed in spreadsheets: runs of ``\\n\\t``, full-width spaces and
letters, dates as Excel serials or as strings in several layouts, counts as text. Everything here is pure and
total: a value either normalises or raises ``ValueError`` with a message that names the problem.
"""
from __future__ import annotations

import math
import re
import unicodedata
from datetime import datetime, timedelta

_SPACE = re.compile(r"\s+")
# Control characters other than whitespace carry no meaning in a suggestion and break terminals and XML exports.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
_DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
    "%Y%m%d",
)
# The layouts of most files (2019/2/28 11:25:05, 2019-02-28, ...), read by one match: strptime costs about 50 µs a
# try, and slashes fail the first layout tried. Whatever this reads, the first layout above that accepts the text reads
# the same; an impossible date (2019/2/30) goes on to the layouts and so gets their error message.
_NUMERIC_DATE = re.compile(r"(\d{4})([-/])(\d{1,2})\2(\d{1,2})(?: (\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?")
# Excel stores dates as days since 1899-12-30; serials in this window are plausible submission dates (1982–2064).
_EXCEL_EPOCH = datetime(1899, 12, 30)
_EXCEL_SERIALS = (30000.0, 60000.0)


def normalise_text(value: object) -> str:
    """Fold full-width forms (NFKC), drop control characters and collapse all whitespace runs to one space."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value))
    text = _CONTROL.sub("", text)
    return _SPACE.sub(" ", text).strip()


def parse_datetime(value: object) -> datetime | None:
    """Read a submission time from a datetime, an Excel serial or a string; ``None`` for an empty value."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if _EXCEL_SERIALS[0] <= value <= _EXCEL_SERIALS[1]:
            # Excel keeps times to the millisecond; rounding there stops 10:31:50 coming back as 10:31:49.999996.
            return _EXCEL_EPOCH + timedelta(milliseconds=round(float(value) * 86_400_000))
        raise ValueError(f"无法识别的日期数值：{value}")
    text = normalise_text(value)
    if not text:
        return None
    match = _NUMERIC_DATE.fullmatch(text)
    if match:
        year, _, month, day, hour, minute, second = match.groups()
        try:
            return datetime(int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
        except ValueError:
            pass
    text = re.sub(r"(?<=\d)\s*([年月])\s*", r"\1", text)
    text = re.sub(r"(?<=\d)\s*日\s*", "日 ", text).strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"无法识别的日期：{text[:40]!r}") from None
    return parsed.replace(tzinfo=None) if parsed.tzinfo else parsed


def parse_count(value: object) -> int:
    """Read a non-negative count (likes, co-signers) written as a number or as text such as ``'1,024'``."""
    if value is None:
        return 0
    if isinstance(value, bool):
        raise ValueError(f"不是有效的数量：{value!r}")
    if isinstance(value, (int, float)):
        number = value
    else:
        text = normalise_text(value).replace(",", "")
        if not text:
            return 0
        try:
            number = float(text)
        except ValueError:
            raise ValueError(f"不是有效的数量：{text[:40]!r}") from None
    # The range check comes first: int() of inf or NaN raises, and float() of a huge int overflows.
    if not 0 <= number <= 10**9 or number != int(number):
        raise ValueError(f"数量必须是非负整数：{value!r:.40}")
    return int(number)


def normalise_id(value: object) -> str:
    """An identifier as text: spreadsheet numbers such as ``188006.0`` become ``'188006'``."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return normalise_text(value)


def unstorable(value: object, path: str = "") -> tuple[str, str] | None:
    """The first place in a JSON-like value that a database cannot keep, and why: ``(path, code)`` or ``None``.

    PostgreSQL's text and JSON types refuse the NUL character (SQLite takes it, so the check is made for both and
    the two stores accept the same input), and JSON has no NaN or Infinity although Python's parser reads them.
    ``code`` is ``nul_character`` or ``not_finite``; ``path`` reads like the API's field names, ``items[0].metadata.备注``.
    """
    if isinstance(value, str):
        return (path, "nul_character") if "\x00" in value else None
    if isinstance(value, float):
        return None if math.isfinite(value) else (path, "not_finite")
    if isinstance(value, dict):
        for key, item in value.items():
            name = str(key)
            where = f"{path}.{name}" if path else name
            found = ((where.replace("\x00", "\\x00"), "nul_character") if "\x00" in name
                     else unstorable(item, where))
            if found:
                return found
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found = unstorable(item, f"{path}[{index}]")
            if found:
                return found
    return None
