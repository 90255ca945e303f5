"""Files the main job writes for reviewers and for other programs."""
from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .records import Rejection, Suggestion


def write_suggestions(path: Path, suggestions: Sequence[Suggestion], keywords: Sequence[Sequence[str]],
                      extra: Sequence[dict[str, Any]] | None = None) -> None:
    """One JSON object per accepted suggestion, with its keywords, duplicate link and any per-step extras."""
    with path.open("w", encoding="utf-8") as out:
        for index, (suggestion, words) in enumerate(zip(suggestions, keywords)):
            record = {**suggestion.to_dict(), "keywords": list(words), **(extra[index] if extra else {})}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")


def write_rejections(path: Path, rejected: Sequence[Rejection]) -> None:
    """Every rejected row with file, row, field and reason; UTF-8 with BOM so Excel opens the Chinese correctly."""
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=["source", "row", "id", "field", "code", "reason"])
        writer.writeheader()
        for rejection in rejected:
            writer.writerow({k: v for k, v in rejection.to_dict().items()})


def write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
