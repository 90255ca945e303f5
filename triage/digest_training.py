"""Training the digest model from labelled suggestions: label files matched to their texts, plus reviewers' decisions.

A label file is JSON, ``{"dataset": "messages.xlsx", "labels": [{"id": …, "label": 0|1|2}, …]}``; labels reference
suggestions by id, so the texts come from data files (``--data``, or the file its ``dataset`` names beside it). Every
label must find its text: an id that is not in the data is an error naming the file and the ids, never skipped.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .digest_model import DigestModel, DigestModelError, FeatureSpec, cross_validate
from .intake import Limits, load
from .records import Suggestion

LABELS = (0, 1, 2)


@dataclass
class LabelFile:
    """One label file as read: where it is, the dataset it names and its labels by suggestion id."""

    path: Path
    dataset: str | None
    labels: dict[str, int]
    sha256: str


@dataclass
class LabelledSet:
    """Suggestions with a label each, aligned by position, and where each source's labels came from."""

    suggestions: list[Suggestion] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)

    def counts(self) -> dict[int, int]:
        return {label: self.labels.count(label) for label in LABELS}


def read_label_file(path: str | Path) -> LabelFile:
    """Read and check a label file; errors name the file and the entry at fault."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        data = json.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DigestModelError(f"{path}: 无法读取标注文件（{error}）") from None
    entries = data.get("labels") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise DigestModelError(f'{path}: 标注文件必须是 {{"labels": [{{"id": …, "label": 0|1|2}}, …]}}')
    labels: dict[str, int] = {}
    for number, entry in enumerate(entries):
        if not isinstance(entry, dict) or "id" not in entry or "label" not in entry:
            raise DigestModelError(f"{path}: 第 {number + 1} 条标注缺少 id 或 label")
        key, label = str(entry["id"]).strip(), entry["label"]
        if isinstance(label, bool) or label not in LABELS:
            raise DigestModelError(f"{path}: 第 {number + 1} 条标注（id {key}）的 label 必须是 0、1 或 2，当前为 {label!r}")
        if key in labels and labels[key] != label:
            raise DigestModelError(f"{path}: id {key} 出现两次且标签不同（{labels[key]} 与 {label}）")
        labels[key] = label
    dataset = data.get("dataset") if isinstance(data.get("dataset"), str) else None
    return LabelFile(path, dataset, labels, hashlib.sha256(raw).hexdigest())


def data_files(label_files: Sequence[LabelFile], given: Sequence[str | Path]) -> list[Path]:
    """The data files to take texts from: ``given``, or else each label file's ``dataset`` beside it."""
    if given:
        return [Path(p) for p in given]
    paths = []
    for file in label_files:
        if file.dataset is None:
            raise DigestModelError(f"{file.path}: 标注文件没有写明 dataset，请用 --data 指定意见数据文件")
        path = file.path.parent / file.dataset
        if not path.exists():
            raise DigestModelError(f"{file.path}: 所写 dataset {file.dataset!r} 在 {path.parent} 中不存在，"
                                   f"请用 --data 指定意见数据文件")
        paths.append(path)
    return list(dict.fromkeys(paths))


def labelled_from_files(label_files: Sequence[LabelFile], data: Sequence[str | Path],
                        mapping: Mapping[str, str] | None = None, preset: str | None = None,
                        limits: Limits = Limits()) -> LabelledSet:
    """Match every label to its suggestion's text in the data files; an id with no text is an error."""
    labelled = LabelledSet()
    if not label_files:
        return labelled
    texts = {s.id: s for s in load(data, mapping, preset, limits).accepted}
    seen: dict[str, tuple[int, Path]] = {}
    for file in label_files:
        missing = [key for key in file.labels if key not in texts]
        if missing:
            shown = "、".join(missing[:10]) + (f" 等 {len(missing)} 个" if len(missing) > 10 else "")
            raise DigestModelError(f"{file.path}: 以下 id 在数据文件 {', '.join(str(p) for p in data)} 中找不到"
                                   f"（或该行被拒收）：{shown}")
        for key, label in file.labels.items():
            if key in seen:
                if seen[key][0] != label:
                    raise DigestModelError(f"id {key} 在 {seen[key][1]} 中标为 {seen[key][0]}，在 {file.path} 中标为 "
                                           f"{label}：请先统一")
                continue
            seen[key] = (label, file.path)
            labelled.suggestions.append(texts[key])
            labelled.labels.append(label)
        labelled.sources.append({"file": file.path.name, "sha256": file.sha256, "labels": len(file.labels)})
    return labelled


def add_decisions(labelled: LabelledSet, decisions: Sequence[tuple[Suggestion, int]], source: str) -> int:
    """Add reviewers' decisions as labels; a decision replaces a file's label for the same suggestion (it is the
    reviewers' current judgement). Returns how many file labels were replaced."""
    position = {s.id: i for i, s in enumerate(labelled.suggestions)}
    replaced = 0
    for suggestion, label in decisions:
        if suggestion.id in position:
            replaced += labelled.labels[position[suggestion.id]] != label
            labelled.labels[position[suggestion.id]] = label
        else:
            position[suggestion.id] = len(labelled.suggestions)
            labelled.suggestions.append(suggestion)
            labelled.labels.append(label)
    labelled.sources.append({"store": source, "labels": len(decisions), "replaced_file_labels": replaced})
    return replaced


def train(labelled: LabelledSet, spec: FeatureSpec, folds: int = 5, seed: int = 0,
          baselines: Mapping[str, np.ndarray] | None = None) -> tuple[DigestModel, dict[str, Any]]:
    """Cross-validate, then fit on everything; returns the model and the training record saved beside it."""
    counts = labelled.counts()
    if min(counts.values()) < folds:
        raise DigestModelError(f"每个标签至少需要 {folds} 条（交叉验证 {folds} 折），现有 {counts}")
    figures = cross_validate(labelled.suggestions, labelled.labels, spec, folds, seed, baselines)
    model = DigestModel(spec).fit(labelled.suggestions, labelled.labels)
    record = {"sources": labelled.sources, "labels": {str(k): v for k, v in counts.items()},
              "cross_validation": figures}
    return model, record
