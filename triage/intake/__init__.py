"""Intake: files in any supported format become accepted ``Suggestion`` records and reported ``Rejection``s.

The invariant every caller relies on: for each file, ``accepted + rejected == rows read`` (blank rows are counted
separately and carry no data). Nothing is dropped without a reason a person can act on.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from ..messages import rejection_message
from ..normalise import normalise_id, normalise_text, parse_count, parse_datetime, unstorable
from ..records import Rejection, Suggestion
from .columns import FIELDS, PRESETS, ColumnError, resolve_mapping
from .readers import FormatError, RawTable, read_table

__all__ = ["IntakeResult", "Limits", "load", "build_suggestion", "ColumnError", "FormatError", "PRESETS", "FIELDS"]


@dataclass(frozen=True)
class Limits:
    """Largest title and body accepted; longer text is rejected rather than silently cut."""

    max_title_chars: int = 500
    max_body_chars: int = 20000


@dataclass
class IntakeResult:
    """What a load produced, file by file counts included so reports can show where rows went."""

    accepted: list[Suggestion] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)
    rows: int = 0
    blank_rows: int = 0

    def extend(self, other: "IntakeResult") -> None:
        self.accepted += other.accepted
        self.rejected += other.rejected
        self.rows += other.rows
        self.blank_rows += other.blank_rows


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return str(value)


def build_suggestion(
    values: Mapping[str, Any],
    mapping: Mapping[str, str],
    source: str,
    row: int,
    limits: Limits = Limits(),
) -> Suggestion | Rejection:
    """Validate one row of raw values (already keyed by column) into a suggestion, or say why not."""
    def cell(name: str) -> Any:
        column = mapping.get(name)
        return values.get(column) if column is not None else None

    raw_id = normalise_id(cell("id"))

    def reject(field_name: str, code: str, **details: object) -> Rejection:
        message = rejection_message(code, field=field_name, **details)
        return Rejection(source, row, field_name, message, code, raw_id or None)

    original_title = "" if cell("title") is None else str(cell("title"))
    original_body = "" if cell("body") is None else str(cell("body"))
    for name, original in (("title", original_title), ("body", original_body)):
        if "\x00" in original:  # kept verbatim, so it must be storable as it is
            return reject(name, "nul_character")
    title, body = normalise_text(original_title), normalise_text(original_body)
    if not title and not body:
        return reject("body", "empty_text")
    for name, text, limit in (("title", title, limits.max_title_chars), ("body", body, limits.max_body_chars)):
        if len(text) > limit:
            return reject(name, "text_too_long", length=len(text), limit=limit)
    try:
        submitted_at = parse_datetime(cell("submitted_at"))
    except ValueError as error:
        return reject("submitted_at", "bad_date", detail=error)
    counts = {}
    for name in ("endorsements", "opposes"):
        try:
            counts[name] = parse_count(cell(name))
        except ValueError as error:
            return reject(name, "bad_count", detail=error)
    texts = {name: normalise_text(cell(name)) for name in ("org_name", "org_type", "sector", "district")}
    suggestion_id = raw_id or f"{Path(source).stem}-{row}"
    submitter = normalise_id(cell("submitter")) or texts["org_name"] or f"anonymous:{suggestion_id}"
    used = set(mapping.values())
    metadata = {str(k): _jsonable(v) for k, v in values.items() if k not in used and v not in (None, "")}
    problem = unstorable(metadata)  # named by its column: the unused columns are the metadata's keys
    if problem is not None:
        return reject(*problem)
    return Suggestion(
        id=suggestion_id, title=title, body=body, submitter=submitter, submitted_at=submitted_at,
        original_title=original_title, original_body=original_body, source=source, row=row,
        metadata=metadata, **texts, **counts,
    )


def _load_table(
    table: RawTable, mapping: Mapping[str, str] | None, preset: str | None, limits: Limits, seen: dict[str, tuple[str, int]]
) -> IntakeResult:
    # A JSONL file whose every line is broken has no columns to map, yet each line must still be reported.
    resolved = resolve_mapping(table.source, table.header, mapping, preset) if table.header or not table.rows else {}
    result = IntakeResult(rows=len(table.rows), blank_rows=table.blank_rows)
    for number, values in table.rows:
        outcome = values if isinstance(values, Rejection) else build_suggestion(
            values, resolved, table.source, number, limits)
        if isinstance(outcome, Suggestion) and outcome.id in seen:
            first_source, first_row = seen[outcome.id]
            outcome = Rejection(table.source, number, "id",
                                rejection_message("duplicate_id", id=outcome.id,
                                                  first_row=f"{first_source}:{first_row}"),
                                "duplicate_id", outcome.id)
        if isinstance(outcome, Suggestion):
            seen[outcome.id] = (table.source, number)
            result.accepted.append(outcome)
        else:
            result.rejected.append(outcome)
    return result


def load(
    paths: Iterable[str | Path],
    mapping: Mapping[str, str] | None = None,
    preset: str | None = None,
    limits: Limits = Limits(),
) -> IntakeResult:
    """Read every file and return all accepted suggestions and all rejections, ids unique across files.

    Raises ``FormatError`` for a file that cannot be read and ``ColumnError`` for one whose header lacks a required
    column; both name the file.
    """
    result = IntakeResult()
    seen: dict[str, tuple[str, int]] = {}
    for path in paths:
        result.extend(_load_table(read_table(path), mapping, preset, limits, seen))
    return result
