"""The whole pipeline in one place: each step is a small component, called in order.

``prepare`` is the part every command shares (intake → normalise → de-duplicate → segment → embed); ``run`` adds
what the main job does with it. Each step's wall time is recorded so the CLI can print where the time went.
"""
from __future__ import annotations

import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .dedup import link_duplicates
from .embed import cache_folder, embedder_from_config, passage_text
from .intake import IntakeResult, Limits, load
from .records import Rejection, Suggestion
from .segment import Segmenter, segmenter_from_config
from .token_cache import TokenCache
from .workspace import Workspace


@dataclass
class Timings:
    """Seconds per named step, in the order the steps ran."""

    steps: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.steps[name] = self.steps.get(name, 0.0) + time.perf_counter() - start


@dataclass
class Corpus:
    """Accepted suggestions with everything the later steps read, aligned by position."""

    suggestions: list[Suggestion]
    rejected: list[Rejection]
    rows: int
    blank_rows: int
    duplicates: dict[str, str]
    tokens: list[list[str]]
    keywords: list[list[str]]
    vectors: np.ndarray
    segmenter: Segmenter
    embedder_key: str
    newly_embedded: int
    timings: Timings


def prepare(
    paths: Sequence[str | Path],
    config: dict,
    mapping: Mapping[str, str] | None = None,
    preset: str | None = None,
    embedder: str | None = None,
    timings: Timings | None = None,
) -> Corpus:
    """Read, clean, de-duplicate, segment and embed the given files."""
    timings = timings or Timings()
    with timings.step("intake"):
        limits = Limits(**config["intake"])
        intake: IntakeResult = load(paths, mapping, preset, limits)
    suggestions = intake.accepted
    with timings.step("dedup"):
        duplicates = link_duplicates(suggestions, config)
    with timings.step("segment"):
        segmenter = segmenter_from_config(config)
        texts = [s.text for s in suggestions]
        folder = cache_folder(config)
        tokens = (TokenCache(segmenter, folder / "tokens.sqlite").tokens(texts) if folder is not None
                  else [segmenter.tokens(text) for text in texts])
        segmenter.fit(tokens)
        k = config["segment"]["keywords_per_suggestion"]
        keywords = [segmenter.keywords(t, k) for t in tokens]
    with timings.step("embed"):
        section = config["embed"]
        model = embedder_from_config(config, embedder, segmenter)
        vectors = model.embed([passage_text(s, section["max_body_chars"]) for s in suggestions])
    return Corpus(
        suggestions=suggestions, rejected=intake.rejected, rows=intake.rows, blank_rows=intake.blank_rows,
        duplicates=duplicates, tokens=tokens, keywords=keywords, vectors=vectors, segmenter=segmenter,
        embedder_key=model.key, newly_embedded=getattr(model, "last_new", len(suggestions)), timings=timings,
    )


def analyse(
    paths: Sequence[str | Path],
    config: dict,
    mapping: Mapping[str, str] | None = None,
    preset: str | None = None,
    embedder: str | None = None,
) -> tuple[Workspace, Corpus]:
    """Prepare the corpus and find its shared issues; the workspace then answers rankings."""
    corpus = prepare(paths, config, mapping, preset, embedder)
    with corpus.timings.step("issues"):
        workspace = Workspace(config, segmenter=corpus.segmenter, embedder_name=embedder)
        workspace.fit(corpus.suggestions, corpus.vectors, corpus.tokens, segmenter_fitted=True)
    with corpus.timings.step("themes"):
        workspace.themes()
    with corpus.timings.step("rank"):
        workspace.key_topics()
        workspace.theme_candidates()
        workspace.digest()
    return workspace, corpus


@dataclass
class RunResult:
    """What the main job produced and where it wrote it."""

    workspace: Workspace
    corpus: Corpus
    out: Path
    files: list[Path]

    def summary_lines(self, top: int = 5) -> list[str]:
        corpus, workspace = self.corpus, self.workspace
        shared = [issue for issue in workspace.issues() if issue.submitters > 1]
        lines = [
            f"读取 {corpus.rows} 行：接收 {len(corpus.suggestions)}，拒收 {len(corpus.rejected)}，"
            f"重复转发 {len(corpus.duplicates)}（不重复计数）",
            f"嵌入器 {corpus.embedder_key}：新嵌入 {corpus.newly_embedded} 条，其余来自缓存",
            f"共同问题 {len(shared)} 个（两个及以上提交者），问题总数 {len(workspace.issues())}",
            f"主题 {len(workspace.themes())} 个，其中重点议题候选 {len(workspace.theme_candidates())} 个；前 {top} 名：",
        ]
        for number, (theme, score) in enumerate(workspace.theme_candidates()[:top], start=1):
            lines.append(f"  {number}. [{theme.id}] {theme.label}（{theme.submitters} 个提交者，{len(theme.issues)} 个问题，"
                         f"{len(theme.places)} 处地点，得分 {score.value:.3f}）")
        lines.append(f"共同问题前 {top} 名：")
        for number, (issue, score) in enumerate(workspace.key_topics()[:top], start=1):
            lines.append(f"  {number}. [{issue.id}] {issue.label}（{issue.submitters} 个提交者，{issue.size} 条，"
                         f"得分 {score.value:.3f}）")
        lines += [
            "各步耗时：" + "，".join(f"{name} {seconds:.2f}s" for name, seconds in corpus.timings.steps.items()),
            f"结果已写入 {self.out}/：" + "、".join(path.name for path in self.files),
        ]
        return lines


def run(
    paths: Sequence[str | Path],
    out: Path,
    config: dict,
    mapping: Mapping[str, str] | None = None,
    preset: str | None = None,
    embedder: str | None = None,
) -> RunResult:
    """The main job: analyse the files, then write every output into ``out``."""
    from . import export, reports, theme_rank, theme_reports, workbook

    workspace, corpus = analyse(paths, config, mapping, preset, embedder)
    out.mkdir(parents=True, exist_ok=True)
    with corpus.timings.step("export"):
        key_topics, digest = workspace.key_topics(), workspace.digest()
        names = ["issues.csv", "issues.json", "themes.json", "themes.csv", "key_topics.md", "digest.md",
                 "suggestions.jsonl", "rejected.csv", "vectors.npy", "summary.json", "triage.xlsx"]
        files = [out / name for name in names]
        issue_rows = reports.write_issues_csv(files[0], key_topics)  # and the workbook's 共同问题
        threads = workspace.threads_of_issues([issue.id for issue, _ in key_topics])
        reports.write_issues_json(files[1], key_topics, {s.id: s for s in corpus.suggestions}, threads)
        section = config["rank"]["theme"]
        candidates = workspace.theme_candidates()
        measures = theme_rank.measure_themes([theme for theme, _ in candidates[:section["top_n"]]],
                                             corpus.suggestions, corpus.tokens, config)
        entries = theme_reports.theme_entries(workspace.themes(), candidates, key_topics, corpus.suggestions,
                                              {theme_id: m.priorities for theme_id, m in measures.items()})
        theme_reports.write_themes_json(files[2], entries)
        theme_reports.write_themes_csv(files[3], entries, section["issues_shown"])
        theme_reports.write_key_topics_md(files[4], entries, section["top_n"], section["issues_shown"])
        reports.write_digest_md(files[5], digest, {i.id: i for i in workspace.issues()}, corpus.suggestions,
                                config["rank"]["digest"]["top_n"])
        assignments, themes_of = workspace.assignments(), workspace.theme_assignments()
        digest_scores = workspace.digest_scores()
        export.write_suggestions(files[6], corpus.suggestions, corpus.keywords,
                                 [{"issue_id": assignments[s.id], "theme_id": themes_of[s.id],
                                   "digest": digest_scores[s.id].to_dict()} for s in corpus.suggestions])
        workbook.write_workbook(files[10], entries, key_topics, digest, corpus.suggestions, assignments, themes_of,
                                section["issues_shown"], issue_rows)
        export.write_rejections(files[7], corpus.rejected)
        np.save(files[8], corpus.vectors)
    # Written after the export step, so its timings hold every step (benchmarks/main_job.py reads them).
    export.write_json(files[9], {
        "rows": corpus.rows, "accepted": len(corpus.suggestions), "rejected": len(corpus.rejected),
        "duplicates": len(corpus.duplicates), "issues": len(workspace.issues()),
        "themes": len(workspace.themes()), "theme_candidates": len(candidates),
        "embedder": corpus.embedder_key, "embedder_name": embedder or config["embed"]["name"],
        "timings": corpus.timings.steps,
    })
    return RunResult(workspace, corpus, out, files)


def load_run(out: Path, config: dict) -> Workspace:
    """The workspace a previous ``run`` wrote into ``out``, restored without re-embedding or re-clustering."""
    import json

    rows = [json.loads(line) for line in (out / "suggestions.jsonl").read_text(encoding="utf-8").splitlines()]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    workspace = Workspace(config, embedder_name=summary["embedder_name"])
    workspace.restore([Suggestion.from_dict(r) for r in rows], np.load(out / "vectors.npy"),
                      {r["id"]: r["issue_id"] for r in rows if r.get("issue_id")})
    return workspace
