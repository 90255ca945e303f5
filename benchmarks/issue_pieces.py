"""CPU seconds of the issue finder and the per-issue and per-text pieces around it: the neighbour graph, the finder's
fit, each suggestion's keywords, names, threads, describing issues, their keywords and topics, and the digest scores.

Fits a workspace on the data (caches warm: vectors and tokens come from ``.cache``), then times each piece with
``time.process_time`` three times in this process, fresh each time (a new name extractor, a new issue book), and
prints the best of three, with the cycle collector off as in ``triage run``. The digest's feature values come from
``.cache/digest_features.sqlite`` once a run has stored them.

    .venv/bin/python benchmarks/issue_pieces.py                      # messages_hot.xlsx
"""
from __future__ import annotations

import argparse
import gc
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "tipdm2020c" / "messages_hot.xlsx"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from triage import pipeline
    from triage.config import load_config
    from triage.issue_book import IssueBook
    from triage.issues import IssueFinder, item_profiles, neighbour_graph
    from triage.names import name_extractor_from_config
    from triage.workspace import Workspace

    gc.disable()
    config = load_config()
    corpus = pipeline.prepare([args.data], config)
    suggestions = corpus.suggestions
    workspace = Workspace(config, segmenter=corpus.segmenter)
    workspace.fit(suggestions, corpus.vectors, corpus.tokens)
    issue_ids = sorted(workspace._members)
    # Each suggestion as a group of one, as the fit reads them (a fit copies them into arrays and never changes them).
    items = item_profiles(workspace._views, suggestions, workspace._index.vectors, workspace._name_rows,
                          workspace._word_rows)
    k = config["segment"]["keywords_per_suggestion"]
    best: dict[str, float] = {}

    def timed(name, call):
        start = time.process_time()
        result = call()
        best[name] = min(best.get(name, float("inf")), time.process_time() - start)
        return result

    for _ in range(args.repeat):
        timed("neighbour graph (each suggestion's k nearest, made symmetric)",
              lambda: neighbour_graph(workspace._index, workspace.finder.k))
        timed("the issue finder's fit on every suggestion (neighbour graph included)",
              lambda: IssueFinder(workspace.finder.rule, workspace.finder.k).fit(workspace._index, items))
        timed("keywords of every suggestion", lambda: [corpus.segmenter.keywords(t, k) for t in corpus.tokens])
        names = name_extractor_from_config(config)
        timed("names: the issue views' three reads of each suggestion, the themes' three calls a text", lambda: (
            [names.of_suggestion(s.title, s.body) for s in suggestions for _ in range(3)],
            [names.names(s.title) + names.names(s.body[:200]) + names.names(s.body[200:]) for s in suggestions]))
        timed("threads of every issue", lambda: workspace.threads_of_issues(issue_ids))
        book = IssueBook(config, workspace._lock)
        timed("describing every issue (IssueBook.refresh)", lambda: book.refresh(
            suggestions, workspace.tokens, workspace._index.vectors, workspace._members, workspace._issue_of, None))
        ranking = timed("key-topic ranking", book.key_topics)
        timed("keywords and topics of every issue", lambda: [(issue.keywords, issue.topic) for issue, _ in ranking])
        timed("digest scores of every original", book.digest)
    print(f"{args.data.name}: {len(suggestions)} suggestions, {len(issue_ids)} issues; CPU s, best of {args.repeat}")
    for name, seconds in best.items():
        print(f"{seconds:7.3f}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
