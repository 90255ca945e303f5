"""Issues described and ranked one change at a time, so the service answers quickly however large its store grows.

A batch describes every issue once (``label.describe_issues``); the service then changes one or two issues per
suggestion it stores. Describing and ranking everything again after each change made one submission cost about a
second at 4,326 stored suggestions, and every read after it as much again. Here:

- what an issue's own members decide (label, member order, counts) is described again only for the issues that
  changed;
- what depends on the whole corpus (keywords: class TF-IDF over all issues; the broad topic: term rarity over all
  originals) is kept as running counts and worked out for an issue when it is read, against the counts as they are
  then, so an answer read after any change equals a fresh computation over the same issues;
- lexicon matches are read once per suggestion, an issue's ranking figures once per change of that issue, and a
  suggestion's digest score once per change of its issue or of the corpus context it is scored against.
"""
from __future__ import annotations

import bisect
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from itertools import chain

import numpy as np

from . import label, rank
from .digest_model import FeatureCache
from .embed import cache_folder
from .dated_rows import DatedRows
from .entries import LazyEntries, Ranking
from .records import Issue, Score, Suggestion

# Batches of at least this many originals have their digest feature values cached (see ``IssueBook._score_new``).
_CACHED_BATCH = 50


class LiveIssue(label.LiveKeywords, Issue):
    """An issue of an ``IssueBook``: ``keywords`` and ``topic`` are worked out when read after a change."""

    def __init__(self, figures: Issue, book: "IssueBook", originals: list[int], described: list[int]):
        self._become(figures, book, None, ("keywords", "topic"))
        self._originals = originals  # positions of its original members
        self._described = described  # the members it is described by (see label.described_members)

    def _count_words(self) -> Counter[str]:
        return Counter(chain.from_iterable(self._book._tokens[i] for i in self._described))

    @property
    def topic(self) -> str:
        self._book.complete(self)
        return self._topic

    @topic.setter
    def topic(self, value: str) -> None:
        self._topic = value


class IssueBook:
    """The described issues of a workspace with the running counts behind their keywords, topics and rankings.

    Positions are the workspace's (append-only between loads). ``refresh`` must be called, under the workspace's
    lock, before anything is read after a change.
    """

    def __init__(self, config: dict, lock: threading.RLock):
        self.config = config
        self._lock = lock
        self._keywords_per_issue = config["label"]["keywords_per_issue"]
        self._assigner = label.topic_assigner_from_config(config)
        self._priorities = rank.priority_matcher_from_config(config)
        self._digest_model = rank.digest_model_from_config(config)
        self._cache_folder = cache_folder(config)
        self._feature_cache: FeatureCache | None = None  # opened by the first batch scored
        self.version = 0
        self._issues: dict[str, LiveIssue] = {}
        self._ordered: dict[str, LiveIssue] = {}
        self._suggestions: Sequence[Suggestion] = []
        self._tokens: Sequence[Sequence[str]] = []
        self._issue_of: Sequence[str | None] = []
        self._members: Mapping[str, Sequence[int]] = {}
        # Class TF-IDF over all issues' described members.
        self._keywords = label.RunningClassTfidf()
        # Topic terms: in how many originals each occurs, over the positions seen so far.
        self._term_df: Counter[str] = Counter()
        self._originals: list[int] = []
        self._assigner_at = -1
        # Key topics: a row per issue in id order (so equal scores stay in id order), measured again when stale.
        self._rows: DatedRows[rank.IssueMeasures] = DatedRows(7)
        self._stale_rows: set[str] = set()
        self._fitted: tuple[int, rank.KeyTopicRanker, rank.MeasureTable] | None = None
        # Digest: per position its score (it reads only the suggestion's own text, so it is computed once) and its
        # place in suggestion-id order.
        self._digest_scores: list[Score | None] = []
        self._digest_values = np.zeros(0)
        self._stale_scores: set[int] = set()
        self._sorted_ids: list[str] = []
        self._id_places = np.zeros(0, dtype=np.int64)

    # -- keeping up ------------------------------------------------------------------------------------------
    def refresh(self, suggestions: Sequence[Suggestion], tokens: Sequence[Sequence[str]], vectors: np.ndarray,
                members: Mapping[str, Sequence[int]], issue_of: Sequence[str | None],
                changed: set[str] | None) -> None:
        """Describe the ``changed`` issues again (every issue when ``None``); issues no longer in ``members`` go."""
        self._suggestions, self._tokens, self._issue_of, self._members = suggestions, tokens, issue_of, members
        self._take_new()
        full = changed is None
        if full:
            self._issues, self._keywords = {}, label.RunningClassTfidf()
            self._rows = DatedRows(7, members)
            changed = set(members)
        else:
            changed = set(changed) | (self._issues.keys() - members.keys())
        for issue_id in sorted(changed):
            old = self._issues.pop(issue_id, None)
            if old is not None:
                self._keywords.remove(old._words)
            if issue_id in members:
                self._issues[issue_id] = self._describe(issue_id, members[issue_id], vectors)
                self._stale_rows.add(issue_id)
                self._rows.insert(issue_id)
            else:
                self._rows.delete(issue_id)
                self._stale_rows.discard(issue_id)
        opened = [issue_id for issue_id in changed if issue_id in members and issue_id not in self._ordered]
        if full or len(opened) > 1:
            self._ordered = {issue_id: self._issues[issue_id] for issue_id in members}
        else:  # the workspace adds a new issue at the end of ``members`` and keeps the others' places
            for issue_id in changed:
                if issue_id in members:
                    self._ordered[issue_id] = self._issues[issue_id]
                else:
                    self._ordered.pop(issue_id, None)
        self.version += 1

    def _describe(self, issue_id: str, indices: Sequence[int], vectors: np.ndarray) -> LiveIssue:
        described = label.described_members(indices, self._suggestions)
        self._keywords.add_documents([self._tokens[i] for i in described])
        originals = [i for i in indices if not self._suggestions[i].duplicate_of]
        return LiveIssue(label.describe_issue(issue_id, indices, self._suggestions, vectors), self, originals,
                         described)

    def _take_new(self) -> None:
        """Count the topic terms of suggestions stored since the last call and give them a place in id order."""
        start, end = len(self._digest_scores), len(self._suggestions)
        if start == end:
            return
        for position in range(start, end):
            if not self._suggestions[position].duplicate_of:
                self._term_df.update(self._assigner.terms(self._tokens[position]))
                self._originals.append(position)
        self._digest_scores.extend([None] * (end - start))
        self._digest_values = np.concatenate([self._digest_values, np.zeros(end - start)])
        self._stale_scores.update(range(start, end))
        if end - start > 16:  # a load: sort every id once
            self._sorted_ids = sorted(s.id for s in self._suggestions)
            self._id_places = np.array([bisect.bisect_left(self._sorted_ids, s.id) for s in self._suggestions],
                                       dtype=np.int64)
            return
        for position in range(start, end):
            place = bisect.bisect_left(self._sorted_ids, self._suggestions[position].id)
            self._sorted_ids.insert(place, self._suggestions[position].id)
            self._id_places[self._id_places >= place] += 1
            self._id_places = np.append(self._id_places, place)

    def assigner(self) -> label.TopicAssigner:
        """The topic assigner as ``label.fit_topic_assigner`` would fit it on the originals stored now."""
        if self._assigner_at != len(self._originals):
            self._assigner.set_counts(self._term_df, len(self._originals))
            self._assigner_at = len(self._originals)
        return self._assigner

    def complete(self, issue: LiveIssue) -> None:
        """Work out an issue's keywords and topic against the counts as they are now (once per version). An issue a
        later change replaced keeps what it had: its words are no longer in the counts."""
        with self._lock:
            if issue._at == self.version or self._issues.get(issue.id) is not issue:
                return
            issue._keywords = self._keywords.top_words(*issue.word_counts(), len(self._issues),
                                                       self._keywords_per_issue)
            issue._topic = self.assigner().assign((self._tokens[i] for i in issue._described), issue.sectors)
            issue._at = self.version

    # -- answers ---------------------------------------------------------------------------------------------
    def issues(self) -> dict[str, Issue]:
        """Issue id -> issue, in the workspace's order of issues."""
        return dict(self._ordered)

    def _ranker(self) -> tuple[rank.KeyTopicRanker, rank.MeasureTable]:
        """The key-topic ranker fitted on the issues as they are now, and their figures in issue-id order."""
        if self._fitted is None or self._fitted[0] != self.version:
            for issue_id in self._stale_rows:
                issue = self._issues[issue_id]
                measures = rank.measure_issue(issue, [self._suggestions[p] for p in issue._originals],
                                              [self._tokens[p] for p in issue._originals], self._priorities)
                self._rows.set(issue_id, measures, *rank.MeasureTable.row(measures))
            self._stale_rows.clear()
            table = rank.MeasureTable.of(self._rows.figures, *self._rows.dates())
            self._fitted = (self.version, rank.key_topic_ranker_from_config(self.config).fit_table(table), table)
        return self._fitted[1], self._fitted[2]

    def key_score(self, issue_id: str) -> Score | None:
        row = self._rows.row(issue_id)
        if row is None:
            return None
        ranker, _ = self._ranker()
        return ranker.score(self._rows.measures[row])

    def key_topics(self) -> Ranking:
        """``rank.rank_key_topics`` over the book's issues, scored with arrays."""
        ranker, table = self._ranker()
        order = np.argsort(-ranker.values(table), kind="stable")  # rows are in id order: ties stay in id order
        return Ranking(list(self._rows.ids), dict(self._issues), list(self._rows.measures), order, ranker)

    def digest_score(self, position: int) -> Score:
        """The digest score of the original at ``position``."""
        self._score_new()
        score = self._digest_scores[position]
        assert score is not None, "reposts carry their original's score"
        return score

    def _score_new(self) -> None:
        """Score the originals stored since the last call, in one batch; a load's feature values go through the
        cache (``digest_model.FeatureCache``), one suggestion's are computed (a disk write would cost more)."""
        new = sorted(p for p in self._stale_scores if not self._suggestions[p].duplicate_of)
        batch = [self._suggestions[p] for p in new]
        values = None
        if len(batch) >= _CACHED_BATCH and self._cache_folder is not None:
            if self._feature_cache is None:
                self._feature_cache = FeatureCache(self._digest_model.spec,
                                                   self._cache_folder / "digest_features.sqlite")
            values = self._feature_cache.values(batch)
        for position, score in zip(new, self._digest_model.scores(batch, values)):
            self._digest_scores[position], self._digest_values[position] = score, score.value
        self._stale_scores.clear()

    def digest(self) -> "DigestRanking":
        """``rank.rank_digest`` over the book's issues: originals put in order with arrays, the cap per issue applied
        as the ranking is read (a page walks the order only as far as that page)."""
        self._score_new()
        originals = np.array(self._originals, dtype=np.int64)
        order = originals[np.lexsort((self._id_places[originals], -self._digest_values[originals]))]
        cap = rank.checked_cap(self.config["rank"]["digest"]["max_per_issue"])
        # However they are ordered, an issue keeps min(cap, its originals) and an original of no issue stays.
        in_issues = [len(issue._originals) for issue in self._issues.values()]
        total = sum(min(cap, count) for count in in_issues) + len(originals) - sum(in_issues)
        return DigestRanking(order, list(self._issue_of), cap, total, self._suggestions, self._digest_scores)


class DigestRanking(LazyEntries[tuple[Suggestion, Score, str | None]]):
    """Digest candidates best first as (suggestion, score, issue id): every original in score order with a snapshot
    of each one's issue, and ``total`` of them left once at most ``cap`` are kept from any one issue
    (``rank.kept_per_issue``, whose places are found as the ranking is read, so a page of many thousands costs a
    walk to that page)."""

    def __init__(self, order: np.ndarray, issue_of: list[str | None], cap: int, total: int,
                 suggestions: Sequence[Suggestion], scores: Sequence[Score | None]):
        self._order, self._issue_of, self._total = order, issue_of, total
        self._suggestions, self._scores = suggestions, scores  # by position; a scored position never changes
        self._kept: list[int] = []  # the positions kept so far, best first
        self._places = rank.kept_per_issue((issue_of[p] for p in order), cap)  # the walk, resumed
        self._walk = threading.Lock()  # readers of one ranking may share it

    def __len__(self) -> int:
        return self._total

    def _entry(self, index: int) -> tuple[Suggestion, Score, str | None]:
        with self._walk:
            while len(self._kept) <= index:
                self._kept.append(int(self._order[next(self._places)]))
            position = self._kept[index]
        return self._suggestions[position], self._scores[position], self._issue_of[position]
