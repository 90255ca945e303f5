"""Describing issues: what each group of suggestions is called, what words set it apart, how broad it is, and which
broad topic it belongs to.

The issue finder hands over groups of member indices; this step turns each into an ``Issue`` a reviewer can read.
Reposts (``duplicate_of`` set) stay members so reviewers see them, but nothing here counts them: a repost must not
make an issue look bigger, broader, more endorsed or more recent, nor pull its label or keywords toward itself.
"""
from __future__ import annotations

import heapq
import math
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np

from .config import asset_path
from .embed.base import l2_normalise
from .records import Issue, Suggestion


# A suggestion without a title is labelled by the opening of its body, about the length of a title.
_UNTITLED_LABEL_CHARS = 30


# Token sequences whose terms a matcher remembers; about 100 bytes each beyond the tokens themselves.
_REMEMBERED = 500_000


class TermMatcher:
    """Finds a lexicon's terms in a token list, by group.

    A term matches a whole token or a run of up to ``max_span`` adjacent tokens that joins to it, so multi-word
    phrases (城市更新 cut as 城市/更新) are found while a term never matches inside a longer word (民生 in 居民生活).
    """

    def __init__(self, groups: Mapping[str, Sequence[str]], max_span: int = 4):
        self.groups = groups
        self.max_span = max_span
        self._groups_of: dict[str, list[str]] = {}
        for name, terms in groups.items():
            for term in dict.fromkeys(terms):
                self._groups_of.setdefault(term, []).append(name)
        # Every leading part of a term: a run of tokens that is none of these can grow into no term, so the search
        # stops there (most tokens start no term, which makes matching a corpus several times faster).
        self._prefixes = {term[:end] for term in self._groups_of for end in range(1, len(term) + 1)}
        self._seen: dict[tuple[str, ...], frozenset[str]] = {}

    def terms(self, tokens: Sequence[str]) -> frozenset[str]:
        """Every lexicon term the tokens contain.

        Remembered by token sequence (up to ``_REMEMBERED`` of them): ranking issues, scoring the digest and
        measuring themes each read the same suggestions' terms again after every change a service makes.
        """
        key = tuple(tokens)
        found = self._seen.get(key)
        if found is None:
            if len(self._seen) >= _REMEMBERED:
                self._seen.clear()
            found = self._seen[key] = frozenset(self._find(key))
        return found

    def _find(self, tokens: Sequence[str]) -> set[str]:
        found = set()
        prefixes, groups_of = self._prefixes, self._groups_of
        starts = prefixes.intersection(tokens)  # the tokens a term can start with: most tokens are none of them
        if not starts:
            return found
        for start, token in enumerate(tokens):
            if token not in starts:
                continue
            joined = token
            if joined in groups_of:
                found.add(joined)
            for following in tokens[start + 1:start + self.max_span]:
                joined += following
                if joined not in prefixes:
                    break
                if joined in groups_of:
                    found.add(joined)
        return found

    def matches(self, tokens: Sequence[str]) -> dict[str, set[str]]:
        """Group name -> the group's terms the tokens contain; groups without a match are left out."""
        found: dict[str, set[str]] = {}
        for term in self.terms(tokens):
            for name in self._groups_of[term]:
                found.setdefault(name, set()).add(term)
        return found

    def groups_of(self, term: str) -> list[str]:
        return self._groups_of.get(term, [])


@lru_cache(maxsize=16)
def _read_toml(path: str) -> dict:
    return tomllib.loads(Path(path).read_text(encoding="utf-8"))


def load_term_groups(path: str | Path, table: str, field: str) -> dict[str, list[str]]:
    """``{name: terms}`` from a lexicon file written as ``[[table]]`` entries with ``name`` and ``field``."""
    return {entry["name"]: list(entry[field]) for entry in _read_toml(str(path))[table]}


class ClassTfidf:
    """Class-based TF-IDF (BERTopic's c-TF-IDF): each issue's tokens form one class document.

    A word's weight in a class is ``tf(w, c) * log(1 + A / f(w))`` with ``A`` the average number of words per class
    and ``f(w)`` the word's frequency across all classes, so a word frequent in one issue and rare elsewhere ranks
    first, while words every issue uses sink.
    """

    def __init__(self) -> None:
        self.average_words_: float = 0.0
        self.idf_: dict[str, float] = {}
        self.term_counts_: list[Counter[str]] = []

    def fit(self, classes: Sequence[Sequence[str]]) -> "ClassTfidf":
        self.term_counts_ = [Counter(words) for words in classes]
        frequency: Counter[str] = Counter()
        for counts in self.term_counts_:
            frequency.update(counts)
        self.average_words_ = sum(frequency.values()) / max(1, len(classes))
        self.idf_ = {w: class_idf(self.average_words_, f) for w, f in frequency.items()}
        return self

    def weights(self, index: int) -> dict[str, float]:
        """Every word of class ``index`` with its c-TF-IDF weight."""
        return {w: tf * self.idf_[w] for w, tf in self.term_counts_[index].items()}

    def top_words(self, k: int) -> list[list[str]]:
        """The ``k`` highest-weighted words of each class, ties broken alphabetically so runs are repeatable."""
        return [heaviest(self.weights(index), k) for index in range(len(self.term_counts_))]


class RunningClassTfidf:
    """``ClassTfidf`` over classes that come and go one at a time (issues, themes): every word's frequency over all
    classes and the total are kept as running counts, so a class's top words asked after any change equal those of a
    fresh ``ClassTfidf`` over the classes as they are then, at the cost of that one class's words."""

    def __init__(self) -> None:
        self.frequency: Counter[str] = Counter()
        self.words = 0

    def add(self, counts: Counter[str]) -> None:
        self.frequency.update(counts)
        self.words += counts.total()

    def add_documents(self, documents: Sequence[Sequence[str]]) -> None:
        """``add`` the class made of these documents' words, counted from the word lists themselves in one pass
        (``Counter`` does it in C) rather than merged from the class's counts, which need not be counted at all until
        its keywords are read (``LiveKeywords``)."""
        self.frequency.update(chain.from_iterable(documents))
        self.words += sum(map(len, documents))

    def remove(self, counts: Counter[str]) -> None:
        self.frequency.subtract(counts)
        self.words -= counts.total()

    def top_words(self, words: Sequence[str], counts: np.ndarray, classes: int, k: int) -> list[str]:
        """The ``k`` highest-weighted words of one class (added) among ``classes`` classes; ``words`` are its words
        and ``counts`` their counts in it (``LiveKeywords.word_counts``).

        Every word is weighed with arrays (a large class has thousands, and after any change every weight moves), and
        only the words within a margin of the k-th weight are weighed again exactly, one by one, to be put in order:
        array and scalar logarithms may differ in the last bit, far inside the margin, so the answer is that of
        weighing every word exactly.
        """
        if k <= 0 or not len(words):
            return []
        average = self.words / max(1, classes)
        frequency = np.array(itemgetter(*words)(self.frequency), dtype=np.float64).reshape(len(words))
        rough = counts * np.log(1 + average / frequency)
        near = np.arange(len(words))
        if len(words) > k:
            kth = np.partition(rough, len(words) - k)[len(words) - k]
            near = np.flatnonzero(rough >= kth * (1 - 1e-9))  # weights are positive
        weights = {words[i]: counts[i] * class_idf(average, self.frequency[words[i]]) for i in near.tolist()}
        return heaviest(weights, k)


class LiveKeywords:
    """A described record kept by a book (``IssueBook``, ``ThemeBook``) whose ``keywords`` (class TF-IDF against the
    book's running counts) the book works out when they are read after a change (``book.complete(record)``)."""

    def _become(self, figures: Any, book: Any, words: Counter[str] | None,
                later: Sequence[str] = ("keywords",)) -> None:
        """Take ``figures``' fields; those named in ``later`` are kept aside (``_keywords`` ...) for the book.
        ``words`` is the record's class in the class TF-IDF, or ``None`` to have ``_count_words`` count it when
        first needed (most of a large store's records are never read)."""
        fields = dict(vars(figures))
        for name in later:
            setattr(self, f"_{name}", fields.pop(name))
        self.__dict__.update(fields)
        self._book = book
        self._counted = words
        self._word_counts: tuple[list[str], np.ndarray] | None = None
        self._at = -1  # the book version what is kept aside was worked out at

    @property
    def _words(self) -> Counter[str]:
        """This record's class in the class TF-IDF: its words with their counts."""
        if self._counted is None:
            self._counted = self._count_words()
        return self._counted

    def _count_words(self) -> Counter[str]:
        raise NotImplementedError("a record given no words counts its own")

    def word_counts(self) -> tuple[list[str], np.ndarray]:
        """Its words and their counts as ``RunningClassTfidf.top_words`` reads them, laid out once."""
        if self._word_counts is None:
            words = self._words
            self._word_counts = (list(words), np.fromiter(words.values(), dtype=np.float64, count=len(words)))
        return self._word_counts

    @property
    def keywords(self) -> list[str]:
        self._book.complete(self)
        return self._keywords

    @keywords.setter
    def keywords(self, value: list[str]) -> None:
        self._keywords = value


def class_idf(average_words: float, frequency: int) -> float:
    """c-TF-IDF's weight of a word that occurs ``frequency`` times over all classes."""
    return math.log(1 + average_words / frequency)


def heaviest(weights: Mapping[str, float], k: int) -> list[str]:
    """The ``k`` words of highest weight, ties broken alphabetically (``nsmallest`` is ``sorted(...)[:k]`` without
    sorting every word of a large class)."""
    return heapq.nsmallest(k, weights, key=lambda w: (-weights[w], w))


class TopicAssigner:
    """Puts an issue under one broad topic by matching its members' tokens against a topic lexicon.

    ``fit`` learns how rare each lexicon term is across suggestions (``idf_``): a term nearly every suggestion uses
    says little about the topic. Each original member counts a term once, weighted by that rarity and divided among
    the topics that list it. Below ``min_score`` the issue takes its members' most common sector (data with a
    sector field), and failing that ``fallback``.
    """

    def __init__(self, topics: Mapping[str, Sequence[str]], min_score: float = 1.0, fallback: str = "其他",
                 max_span: int = 4):
        self.topics = topics
        self.min_score = min_score
        self.fallback = fallback
        self.max_span = max_span
        self._matcher = TermMatcher(topics, max_span)
        self.idf_: dict[str, float] = {}
        self.default_idf_: float = 1.0

    def fit(self, documents: Iterable[Sequence[str]]) -> "TopicAssigner":
        df: Counter[str] = Counter()
        n = 0
        for tokens in documents:
            df.update(self.terms(tokens))
            n += 1
        return self.set_counts(df, n)

    def terms(self, tokens: Sequence[str]) -> set[str]:
        """The lexicon terms in one document, as ``fit`` counts them."""
        return self._matcher.terms(tokens)

    def set_counts(self, df: Mapping[str, int], n: int) -> "TopicAssigner":
        """Take document frequencies counted elsewhere (``n`` documents), as ``fit`` would have learnt them; lets a
        caller that keeps the counts up to date as documents arrive refit without reading every document again."""
        self.idf_ = {term: math.log((1 + n) / (1 + count)) + 1.0 for term, count in df.items() if count}
        self.default_idf_ = math.log(1 + n) + 1.0
        return self

    def scores(self, documents: Iterable[Sequence[str]]) -> dict[str, float]:
        """Topic -> weighted keyword hits over the given member token lists; topics without a hit are left out."""
        totals: dict[str, float] = {}
        for tokens in documents:
            for term in self._matcher.terms(tokens):
                groups = self._matcher.groups_of(term)
                weight = self.idf_.get(term, self.default_idf_) / len(groups)
                for name in groups:
                    totals[name] = totals.get(name, 0.0) + weight
        return totals

    def assign(self, documents: Iterable[Sequence[str]], sectors: Mapping[str, int] | None = None) -> str:
        scores = self.scores(documents)
        order = {name: position for position, name in enumerate(self.topics)}
        if scores:
            best = min(scores, key=lambda name: (-scores[name], order[name]))
            if scores[best] >= self.min_score:
                return best
        if sectors:
            return min(sectors, key=lambda name: (-sectors[name], name))
        return self.fallback


def topic_assigner_from_config(config: dict) -> TopicAssigner:
    section = config["topics"]
    topics = load_term_groups(asset_path(config, section["lexicon"]), "topic", "keywords")
    return TopicAssigner(topics, section.get("min_score", 1.0), section.get("fallback", "其他"))


def fit_topic_assigner(suggestions: Sequence[Suggestion], tokens: Sequence[Sequence[str]],
                       config: dict) -> TopicAssigner:
    """The topic assigner fitted on the corpus's originals; fit once and pass it to ``describe_issues`` when
    describing a few issues at a time."""
    return topic_assigner_from_config(config).fit(
        tokens[i] for i in range(len(suggestions)) if not suggestions[i].duplicate_of)


def value_counts(values: Iterable[str]) -> dict[str, int]:
    """Occurrences of each non-empty value, most frequent first (ties alphabetically). Counted in a plain dict: most
    issues have one or two members, for which a ``Counter``'s set-up costs more than the counting."""
    counts: dict[str, int] = {}
    for value in values:
        if value:
            counts[value] = counts.get(value, 0) + 1
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0]))) if len(counts) > 1 else counts


def most_representative(indices: Sequence[int], vectors: np.ndarray) -> list[int]:
    """``indices`` ordered by cosine similarity to their mean vector, closest first (input order breaks ties)."""
    if len(indices) <= 1:
        return list(indices)
    unit = l2_normalise(vectors[list(indices)])
    similarity = unit @ unit.mean(axis=0)
    order = sorted(range(len(indices)), key=lambda j: (-float(similarity[j]), j))
    return [indices[j] for j in order]


def described_members(indices: Sequence[int], suggestions: Sequence[Suggestion]) -> list[int]:
    """The members an issue is described by: its originals, or every member when all are reposts (their originals
    sit elsewhere), so such an issue still gets a label and keywords."""
    return [i for i in indices if not suggestions[i].duplicate_of] or list(indices)


def describe_issue(issue_id: str, indices: Sequence[int], suggestions: Sequence[Suggestion],
                   vectors: np.ndarray) -> Issue:
    """Everything about one issue that its own members decide; ``keywords`` and ``topic``, which depend on the
    whole corpus, are left empty for the caller."""
    kept = [i for i in indices if not suggestions[i].duplicate_of]
    ordered = most_representative(described_members(indices, suggestions), vectors)
    shown = set(ordered)
    reposts = [i for i in indices if i not in shown]
    members = [suggestions[i] for i in kept]
    dates = [s.submitted_at for s in members if s.submitted_at is not None]
    head = suggestions[ordered[0]]
    return Issue(
        id=issue_id,
        members=[suggestions[i].id for i in ordered + reposts],
        label=head.original_title or head.title or head.body[:_UNTITLED_LABEL_CHARS],
        size=len(members),
        submitters=len({s.submitter for s in members}),
        endorsements=sum(s.endorsements for s in members),
        sectors=value_counts(s.sector for s in members),
        districts=value_counts(s.district for s in members),
        org_types=value_counts(s.org_type for s in members),
        first_at=min(dates, default=None),
        last_at=max(dates, default=None),
    )


def describe_issues(groups: Mapping[str, Sequence[int]], suggestions: Sequence[Suggestion],
                    tokens: Sequence[Sequence[str]], vectors: np.ndarray, config: dict,
                    assigner: TopicAssigner | None = None) -> list[Issue]:
    """One ``Issue`` per group (groups map issue id -> member indices), in the groups' order.

    ``members`` lists the originals most representative first, then the reposts, so readers of an issue can take
    its first members as examples; the label is the first member's original title. Every count covers originals
    only.
    """
    k = config["label"]["keywords_per_issue"]
    described = {issue_id: described_members(indices, suggestions) for issue_id, indices in groups.items()}
    keywords = ClassTfidf().fit([[w for i in described[issue_id] for w in tokens[i]] for issue_id in groups]
                                ).top_words(k)
    assigner = assigner or fit_topic_assigner(suggestions, tokens, config)
    issues = []
    for (issue_id, indices), words in zip(groups.items(), keywords):
        issue = describe_issue(issue_id, indices, suggestions, vectors)
        issue.keywords = words
        issue.topic = assigner.assign((tokens[i] for i in described[issue_id]), issue.sectors)
        issues.append(issue)
    return issues
