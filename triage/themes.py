"""Themes: recurring problems one city policy or department could address, one level above concrete issues.

A concrete issue is one problem at one place (诺亚山林小区门口设医院); a theme gathers the same problem wherever it
happens (邻避设施选址: hospitals, mixing plants, substations next to homes), which is the level of an annual key
consultation topic. Sentence embeddings are no help here: e5 sees the place and the names more than the problem, so
raw e5 vectors cluster into themes no better than pairwise F1 0.28 on the dev themes, and with names masked no better
either (0.21); the problem words of an issue alone reach 0.42, because two issues of one theme rarely share the
words (餐饮 and 光污染 are both shops disturbing the homes above them).

What the text says decides instead. ``models/themes.toml`` lists recurring problems with the words that name them,
written from the remits of the city's departments. An issue takes the theme whose words its original members use
most (a word in a title counts ``title_weight`` times one in the body's opening, since a title states the problem).
An issue that names no listed problem is grouped by its own leading problem word (its highest-weighted word that
jieba's dictionary knows, once names of places and organisations are taken out: jieba finds most proper names outside
its dictionary), so the same unlisted problem raised at several places still forms one theme. Theme ids follow from the lexicon code or that word, so a re-cluster keeps them by construction.
"""
from __future__ import annotations

import bisect
import hashlib
import heapq
import json
import math
import re
import threading
import tomllib
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from itertools import chain
from pathlib import Path

import numpy as np

from .config import ConfigError, asset_path
from .embed import cache_folder
from .known_words import KnownWords
from .label import LiveKeywords, RunningClassTfidf, value_counts
from .names import NameExtractor, name_extractor_from_config
from .records import Issue, Suggestion
from .segment import Segmenter, segmenter_from_config
from .term_counts import TermCounter
from .text_cache import TextCache
from .token_cache import segmenter_key

# Prefix of the ids of themes found by a leading problem word rather than the lexicon.
WORD_THEME_PREFIX = "W-"
# Readings kept on disk (``ThemeFinder.cache``) are read and written for batches of at least this many suggestions:
# for fewer, the disk costs more than reading the texts. READING_FORMAT is part of their key: change it whenever what
# ``ThemeFinder._reading`` computes changes, so no reading computed the old way is served.
_CACHED_BATCH = 50
READING_FORMAT = "1"
# How near log n may come to where an issue's leading word would change before it is chosen again: far above the
# rounding of the weights (about 1e-15 of them), so rounding never decides which issues are looked at again.
_MARGIN = 1e-6


@dataclass(frozen=True)
class LexiconTheme:
    """One listed recurring problem: stable code, Chinese name, its plain words and its regular expressions.

    Plain words are matched as substrings (counted for a whole batch of texts at once: ``TermCounter``), and most
    terms are plain.
    """

    code: str
    name: str
    words: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def of_terms(cls, code: str, name: str, terms: Sequence[str]) -> "LexiconTheme":
        plain = tuple(t for t in terms if re.escape(t) == t)
        return cls(code, name, plain, tuple(re.compile(t) for t in terms if re.escape(t) != t))


def load_theme_lexicon(path: str | Path) -> list[LexiconTheme]:
    """The themes of a lexicon file of ``[[theme]]`` entries with ``code``, ``name`` and ``terms``."""
    try:
        entries = tomllib.loads(Path(path).read_text(encoding="utf-8"))["theme"]
        themes = [LexiconTheme.of_terms(str(e["code"]), str(e["name"]), [str(t) for t in e["terms"]])
                  for e in entries]
    except (OSError, tomllib.TOMLDecodeError, KeyError, TypeError, re.error) as error:
        raise ConfigError(f"{path}: 主题词典无效（需要 [[theme]] 的 code、name、terms）：{error}") from None
    codes = [t.code for t in themes]
    if len(set(codes)) != len(codes):
        raise ConfigError(f"{path}: 主题编号重复：{sorted(c for c, n in Counter(codes).items() if n > 1)}")
    return themes


@dataclass
class Theme:
    """A recurring problem across places: the issues that raise it and the figures a ranking reads.

    ``issues`` are issue ids, the most widely raised first; every count covers originals only (reposts never count).
    ``places`` are the distinct districts and named places (estates, schools, companies) its issues are about.
    """

    id: str
    label: str
    source: str  # "lexicon" or "words"
    issues: list[str]
    members: list[str]
    keywords: list[str] = field(default_factory=list)
    size: int = 0
    submitters: int = 0
    organisations: int = 0
    endorsements: int = 0
    places: list[str] = field(default_factory=list)
    sectors: dict[str, int] = field(default_factory=dict)
    districts: dict[str, int] = field(default_factory=dict)
    org_types: dict[str, int] = field(default_factory=dict)
    first_at: datetime | None = None
    last_at: datetime | None = None

    def to_dict(self) -> dict:
        return {
            "id": self.id, "label": self.label, "source": self.source, "keywords": self.keywords,
            "issues": self.issues, "size": self.size, "submitters": self.submitters,
            "organisations": self.organisations, "endorsements": self.endorsements, "places": self.places,
            "sectors": self.sectors, "districts": self.districts, "org_types": self.org_types,
            "first_at": self.first_at.isoformat(sep=" ") if self.first_at else None,
            "last_at": self.last_at.isoformat(sep=" ") if self.last_at else None,
            "members": self.members,
        }


def name_stem(extractor: NameExtractor, name: str) -> str:
    """A name without its kind: '诺亚山林小区' -> '诺亚山林' (the kind, 小区 or 医院, may be the problem)."""
    match = extractor.suffix.search(name)
    while match is not None and match.end() != len(name):
        match = extractor.suffix.search(name, match.start() + 1)
    return name[:match.start()] if match else name


@dataclass(frozen=True)
class Reading:
    """What one suggestion tells the theme finder: evidence per listed theme, its problem words, and the names it
    opens with (the place or organisation it is about)."""

    scores: Counter[str]
    words: tuple[str, ...]  # its problem words in text order, repeats kept
    names: tuple[str, ...]

    def to_bytes(self) -> bytes:
        return json.dumps([list(self.scores.items()), self.words, self.names], ensure_ascii=False).encode("utf-8")

    @classmethod
    def of_bytes(cls, stored: bytes) -> "Reading":
        """The reading ``to_bytes`` stored: the same scores (in the same order, floats to the bit), words and names."""
        scores, words, names = json.loads(stored)
        return cls(Counter(dict(scores)), tuple(words), tuple(names))


@dataclass(frozen=True)
class IssueReading:
    """What one issue tells the theme finder, from its members' readings alone.

    ``listed`` is the listed theme its originals name most (``None`` below ``min_score``); ``words`` the problem
    words of its originals (of every member when all are reposts), which pick the leading word of an unlisted issue;
    ``theme_words`` those of its originals only, which its theme's keywords are drawn from; ``place`` the name its
    members open with most.
    """

    listed: str | None
    words: Counter[str]
    theme_words: Counter[str]
    place: str | None


class ThemeFinder:
    """Puts each issue under a theme: a listed problem if its members name one, else its leading problem word.

    ``fit`` learns how many unlisted issues use each problem word, so the leading word of an unlisted issue is the one
    that sets it apart (TF-IDF over issues) rather than a word every issue uses. ``theme_of_`` maps
    issue id -> theme id, ``issues_of_`` theme id -> its issue ids and ``labels_`` theme id -> label after ``fit``;
    ``touched_`` are the themes the last ``fit`` gave or took an issue. What a suggestion says never changes, so its
    reading is kept by id, and so is each issue's until the issue changes: the service fits again after every change
    of issues and reads only the suggestions and issues that changed. ``cache``, when given, keeps readings on disk
    by text and tokens, under a digest of everything else a reading depends on (``theme_finder_from_config``).
    """

    def __init__(self, lexicon: Sequence[LexiconTheme], extractor: NameExtractor,
                 known: Callable[[Collection[str]], Collection[str]],
                 title_weight: float = 3.0, body_chars: int = 200, min_score: float = 2.0,
                 cache: TextCache | None = None):
        self.lexicon = lexicon
        self.cache = cache
        self.extractor = extractor
        self.known = known
        self.title_weight = title_weight
        self.body_chars = body_chars
        self.min_score = min_score
        self.theme_of_: dict[str, str] = {}
        self.labels_: dict[str, str] = {}
        self.issues_of_: dict[str, set[str]] = {}
        self.touched_: set[str] = set()
        self._readings: dict[str, Reading] = {}
        self._issues: dict[str, IssueReading] = {}
        # Every plain word of the lexicon once, and the lexicon themes that list it (as often as they list it).
        plain = list(dict.fromkeys(w for theme in lexicon for w in theme.words))
        self._plain = TermCounter(plain)
        column = {w: j for j, w in enumerate(plain)}
        self._listing: list[list[int]] = [[] for _ in plain]
        for k, theme in enumerate(lexicon):
            for word in theme.words:
                self._listing[column[word]].append(k)
        # Token -> whether it can be a problem word (known to the dictionary, naming no administrative area).
        # ``known`` answers which of a batch of tokens the dictionary knows.
        self._word_like: dict[str, bool] = {}
        # Unlisted issues' problem words as arrays (``_leading_words``): word ids, in how many unlisted issues each
        # word is, and per unlisted issue its words' ids and their weights 1 + log(count).
        self._vocabulary: dict[str, int] = {}
        self._words: list[str] = []
        self._df = np.zeros(0, dtype=np.int64)
        self._terms: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        # Per unlisted issue its leading word's id (-1: none) and the range of log n over which that word stays
        # ahead while its words' df stay as they are (see ``_leads``); the issues each word leads; heaps of those
        # ranges' ends (lazily cleared: an entry counts while its stamp is the issue's); and, built when a change
        # first needs them, the unlisted issues that use each word.
        self._lead: dict[str, tuple[int, float, float, int]] = {}
        self._led_by: dict[int, set[str]] = {}
        self._ends: tuple[list[tuple[float, int, str]], list[tuple[float, int, str]]] = ([], [])
        self._stamp = 0
        self._postings: dict[int, set[str]] | None = None
        self._inside: dict[str, frozenset[str]] = {}  # name -> every part of its stem (``name_stem``)

    def read(self, suggestions: Sequence[Suggestion], tokens: Sequence[Sequence[str]]) -> list[Reading]:
        """The suggestions' readings; those not read before are read together."""
        new = {s.id: (s, t) for s, t in zip(suggestions, tokens) if s.id not in self._readings}
        cached = self.cache is not None and len(new) >= _CACHED_BATCH
        if cached:
            keys = {sid: _reading_key(s, t) for sid, (s, t) in new.items()}
            stored = self.cache.read(list(keys.values()))
            for sid, key in keys.items():
                if key in stored:
                    self._readings[sid] = Reading.of_bytes(stored[key])
                    del new[sid]
        if new:
            texts = list(new.values())
            unseen = set(chain.from_iterable(words for _, words in texts)).difference(self._word_like)
            known = self.known(unseen)
            for token in unseen:
                self._word_like[token] = token in known and self.extractor.admin.search(token) is None
            bodies = [s.body[:self.body_chars] for s, _ in texts]
            in_titles, in_bodies = self._plain.counts([s.title for s, _ in texts]), self._plain.counts(bodies)
            for k, ((suggestion, words), body) in enumerate(zip(texts, bodies)):
                in_title = in_titles.indices[in_titles.indptr[k]:in_titles.indptr[k + 1]].tolist()
                in_body = in_bodies.indices[in_bodies.indptr[k]:in_bodies.indptr[k + 1]].tolist()
                self._readings[suggestion.id] = self._reading(suggestion, words, body, in_title, in_body)
            if cached:
                self.cache.write({keys[sid]: self._readings[sid].to_bytes() for sid in new})
        return [self._readings[s.id] for s in suggestions]

    def _reading(self, suggestion: Suggestion, tokens: Sequence[str], body: str, in_title: list[int],
                 in_body: list[int]) -> Reading:
        """One suggestion's reading; ``in_title`` and ``in_body`` are the plain lexicon words (columns) its title
        and its body's opening hold. A listed theme's evidence counts each of its terms once: ``title_weight`` if
        the title has it, else 1 if the body's opening does."""
        found = [0.0] * len(self.lexicon)
        for columns, weight in ((in_title, self.title_weight), (sorted(set(in_body) - set(in_title)), 1.0)):
            for column in columns:
                for k in self._listing[column]:
                    found[k] += weight
        for k, theme in enumerate(self.lexicon):
            for pattern in theme.patterns:
                found[k] += self.title_weight if pattern.search(suggestion.title) else 1.0 if pattern.search(body) \
                    else 0.0
        scores = Counter({theme.code: value for theme, value in zip(self.lexicon, found) if value})
        opening = self.extractor.names(suggestion.title) + self.extractor.names(body)
        # Names anywhere in the text are masked: a place named late in the body is still a place, not a problem.
        everywhere = opening + self.extractor.names(suggestion.body[self.body_chars:])
        return Reading(scores, self._problem_words(tokens, everywhere), tuple(dict.fromkeys(opening)))

    def _problem_words(self, tokens: Sequence[str], names: Sequence[str]) -> tuple[str, ...]:
        """The dictionary words (``known``) of ``tokens`` that are not inside a place or organisation name or an
        administrative area: jieba finds most proper names (富惠, 星沙, 余易贷) outside its dictionary."""
        inside_names: set[str] = set()
        for name in names:
            inside = self._inside.get(name)
            if inside is None:
                stem = name_stem(self.extractor, name)
                inside = self._inside[name] = frozenset(
                    stem[i:j] for i in range(len(stem)) for j in range(i + 1, len(stem) + 1)) if len(stem) >= 2 \
                    else frozenset()
            inside_names |= inside
        words = filter(self._word_like.__getitem__, tokens)  # filled for every token by ``read``
        return tuple([t for t in words if t not in inside_names] if inside_names else words)

    def read_issue(self, issue: Issue, suggestions: Sequence[Suggestion], tokens: Sequence[Sequence[str]],
                   position: Mapping[str, int]) -> IssueReading:
        """What an issue's members say, from their readings."""
        present = [position[m] for m in issue.members if m in position]
        readings = dict(zip((suggestions[i].id for i in present),
                            self.read([suggestions[i] for i in present], [tokens[i] for i in present])))
        originals = [suggestions[i].id for i in present if not suggestions[i].duplicate_of]
        kept = originals or [suggestions[i].id for i in present]
        scores: Counter[str] = Counter()
        for sid in kept:
            scores.update(readings[sid].scores)
        order = {theme.code: k for k, theme in enumerate(self.lexicon)}
        best = min(scores, key=lambda code: (-scores[code], order[code]), default=None)
        words = Counter(chain.from_iterable(readings[sid].words for sid in kept))
        names = Counter(chain.from_iterable(reading.names for reading in readings.values()))
        return IssueReading(best if best is not None and scores[best] >= self.min_score else None, words,
                            words if originals else Counter(), names.most_common(1)[0][0] if names else None)

    def issue(self, issue_id: str) -> IssueReading:
        """The reading of an issue of the last ``fit``."""
        return self._issues[issue_id]

    def fit(self, issues: Mapping[str, Issue], suggestions: Sequence[Suggestion], tokens: Sequence[Sequence[str]],
            position: Mapping[str, int], changed: Collection[str] | None = None) -> "ThemeFinder":
        """Put every issue of ``issues`` (id -> issue) under a theme; ``suggestions`` and ``tokens`` are the corpus by
        position, ``position`` maps suggestion id -> position.

        ``changed`` names the only issues whose members changed since the last fit (``None``: read every issue
        again); the others keep their readings, and the result equals a fit from scratch.
        """
        if changed is None:
            self._issues, self._terms, self._df = {}, {}, np.zeros_like(self._df)
            self.theme_of_, self.labels_, self.issues_of_ = {}, {}, {}
            self._lead, self._led_by, self._ends, self._postings = {}, {}, ([], []), None
            stale: Collection[str] = issues.keys()
        else:
            stale = set(changed) | (self._issues.keys() - issues.keys())
        self.touched_ = set()
        members = [position[m] for i in stale if i in issues for m in issues[i].members if m in position]
        self.read([suggestions[p] for p in members], [tokens[p] for p in members])  # in one batch
        names = {theme.code: theme.name for theme in self.lexicon}
        df_before, words_changed = self._df.copy(), []
        for issue_id in sorted(stale):
            self._issues.pop(issue_id, None)
            old = self._terms.pop(issue_id, None)
            if old is not None:
                self._df[old[0]] -= 1
                words_changed.append(old[0])
                self._unpost(issue_id, old[0])
            if issue_id not in issues:
                self._put(issue_id, None, "")
                continue
            new = self._issues[issue_id] = self.read_issue(issues[issue_id], suggestions, tokens, position)
            if new.listed is None:
                self._terms[issue_id] = terms = self._word_terms(new.words)
                self._df[terms[0]] += 1
                words_changed.append(terms[0])
                if self._postings is not None:
                    for word_id in terms[0].tolist():
                        self._postings.setdefault(word_id, set()).add(issue_id)
            else:
                self._put(issue_id, new.listed, names[new.listed])
        if changed is None:
            again: Collection[str] = list(self._terms)
        else:
            again = {i for i in stale if i in self._terms} | self._crossed()
            again |= self._df_moved(df_before, words_changed)
        self._lead_again(sorted(again))
        return self

    def _unpost(self, issue_id: str, word_ids: np.ndarray) -> None:
        """Forget an issue that was unlisted: its leading word, and its words' postings."""
        self._unlead(issue_id)
        if self._postings is not None:
            for word_id in word_ids.tolist():
                self._postings[word_id].discard(issue_id)

    def _unlead(self, issue_id: str) -> None:
        """Forget an unlisted issue's leading word (nothing when it has none kept)."""
        lead = self._lead.pop(issue_id, None)
        if lead is not None and lead[0] >= 0:
            led = self._led_by[lead[0]]
            led.discard(issue_id)
            if not led:
                del self._led_by[lead[0]]

    def _crossed(self) -> set[str]:
        """Unlisted issues whose leading word may differ now that there are this many unlisted issues: log n left
        the range kept for them (with a margin, so rounding never decides)."""
        log_n = math.log(len(self._terms)) if self._terms else 0.0
        crossed = set()
        for heap, sign in zip(self._ends, (1.0, -1.0)):
            while heap and sign * log_n >= heap[0][0] - _MARGIN:
                _, stamp, issue_id = heapq.heappop(heap)
                lead = self._lead.get(issue_id)
                if lead is not None and lead[3] == stamp:
                    crossed.add(issue_id)
        return crossed

    def _df_moved(self, before: np.ndarray, changed: Sequence[np.ndarray]) -> set[str]:
        """Unlisted issues whose leading word may differ because some of their words' df moved (``before``: every
        df before the change). A word whose df rose weighs less, which matters only where it leads, unless it has
        just become shared (df 2); one whose df fell weighs more wherever it is still shared."""
        if not changed:
            return set()
        words = np.unique(np.concatenate(changed))
        old = np.zeros(len(words), dtype=np.int64)
        known = words < len(before)
        old[known] = before[words[known]]
        new = self._df[words]
        found: set[str] = set()
        everywhere = ((new < old) & (new >= 2)) | ((old < 2) & (new >= 2))
        for word_id in words[everywhere].tolist():
            found |= self._posted()[word_id]
        for word_id in words[(new != old) & ~everywhere].tolist():
            found |= self._led_by.get(word_id, set())
        return found

    def _posted(self) -> dict[int, set[str]]:
        """Word id -> the unlisted issues that use it, built when first needed (a batch run never needs it)."""
        if self._postings is None:
            self._postings = {}
            for issue_id, (ids, _) in self._terms.items():
                for word_id in ids.tolist():
                    self._postings.setdefault(word_id, set()).add(issue_id)
        return self._postings

    def _lead_again(self, unlisted: Sequence[str]) -> None:
        """Choose the leading words of these unlisted issues again and put each under its word's theme."""
        if not unlisted:
            return
        leading, low, high = self._leads(unlisted)
        for issue_id, word_id, lo, hi in zip(unlisted, leading, low.tolist(), high.tolist()):
            self._unlead(issue_id)
            self._stamp += 1
            self._lead[issue_id] = (word_id, lo, hi, self._stamp)
            if word_id >= 0:
                self._led_by.setdefault(word_id, set()).add(issue_id)
            if hi < math.inf:
                heapq.heappush(self._ends[0], (hi, self._stamp, issue_id))
            if lo > -math.inf:
                heapq.heappush(self._ends[1], (-lo, self._stamp, issue_id))
            word = self._words[word_id] if word_id >= 0 else None
            theme_id = word_theme_id(word) if word else word_theme_id(issue_id)
            if self.theme_of_.get(issue_id) != theme_id:
                self._put(issue_id, theme_id, word or "其他")
        if sum(map(len, self._ends)) > 4 * len(self._lead) + 1024:  # drop the entries that no longer count
            self._ends = tuple([entry for entry in heap if self._lead.get(entry[2], (0, 0, 0, -1))[3] == entry[1]]
                               for heap in self._ends)
            for heap in self._ends:
                heapq.heapify(heap)

    def _put(self, issue_id: str, theme_id: str | None, label: str) -> None:
        """Put an issue under a theme (``None``: under none, the issue is gone); both themes are noted as touched."""
        old = self.theme_of_.pop(issue_id, None)
        if old is not None:
            self.touched_.add(old)
            kept = self.issues_of_[old]
            kept.discard(issue_id)
            if not kept:
                del self.issues_of_[old], self.labels_[old]
        if theme_id is not None:
            self.touched_.add(theme_id)
            self.theme_of_[issue_id] = theme_id
            self.issues_of_.setdefault(theme_id, set()).add(issue_id)
            self.labels_.setdefault(theme_id, label)

    def _word_terms(self, words: Mapping[str, int]) -> tuple[np.ndarray, np.ndarray]:
        """An unlisted issue's words as ids (new words get one) and their weights 1 + log(count)."""
        ids = []
        for word in words:
            if word not in self._vocabulary:
                self._vocabulary[word] = len(self._words)
                self._words.append(word)
            ids.append(self._vocabulary[word])
        if len(self._words) > len(self._df):
            self._df = np.concatenate([self._df, np.zeros(max(len(self._words), 2 * len(self._df)) - len(self._df),
                                                          dtype=np.int64)])
        return np.array(ids, dtype=np.int64), np.array([1 + math.log(tf) for tf in words.values()], dtype=float)

    def _leads(self, unlisted: Sequence[str]) -> tuple[list[int], np.ndarray, np.ndarray]:
        """Each of these unlisted issues' leading word (its id, -1 for none) and the range of log n over which it
        stays ahead of the issue's other shared words while their df stay as they are.

        The leading word is the issue's word of highest TF-IDF, (1 + log count) * log(n / df) over the n unlisted
        issues, among those another unlisted issue also uses (df >= 2); ties go to the word first in alphabetical
        order. Computed with arrays: every product is the one the formula gives in Python, so the choice is
        exactly that of weighing word by word. As a function of log n each word's weight is a line, a (log n -
        log df) with a = 1 + log count; the leader stays ahead of a word with a steeper line up to where the two
        meet, and of one with a flatter line down to where they meet (words of equal count keep their order).
        """
        leading = [-1] * len(unlisted)
        low, high = np.full(len(unlisted), -math.inf), np.full(len(unlisted), math.inf)
        terms = [self._terms[issue_id] for issue_id in unlisted]
        ids = np.concatenate([t[0] for t in terms])
        rows = np.repeat(np.arange(len(terms)), [len(t[0]) for t in terms])
        df = self._df[ids]
        shared = df >= 2
        ids, rows, slopes = ids[shared], rows[shared], np.concatenate([t[1] for t in terms])[shared]
        if not len(ids):
            return leading, low, high
        counts, at = np.unique(df[shared], return_inverse=True)
        idf = np.array([math.log(len(self._terms) / count) for count in counts.tolist()])
        weights = slopes * idf[at]
        starts = np.flatnonzero(np.concatenate([[True], rows[1:] != rows[:-1]]))
        lengths = np.diff(np.append(starts, len(rows)))
        best = np.maximum.reduceat(weights, starts)
        top = weights == np.repeat(best, lengths)
        for row, word_id in zip(rows[top].tolist(), ids[top].tolist()):
            if leading[row] < 0 or self._words[word_id] < self._words[leading[row]]:
                leading[row] = word_id
        # Where each word's line meets its leader's.
        log_df = np.log(counts.astype(float))[at]
        leader = np.flatnonzero(ids == np.repeat(np.array(leading)[np.unique(rows)], lengths))
        leader_slope = np.repeat(slopes[leader], lengths)
        leader_offset = np.repeat(slopes[leader] * log_df[leader], lengths)
        steeper = slopes - leader_slope
        meets = np.divide(slopes * log_df - leader_offset, steeper, out=np.zeros(len(ids)), where=steeper != 0)
        seen = np.unique(rows)
        high[seen] = np.minimum.reduceat(np.where(steeper > 0, meets, math.inf), starts)
        low[seen] = np.maximum.reduceat(np.where(steeper < 0, meets, -math.inf), starts)
        return leading, low, high


def _reading_key(suggestion: Suggestion, tokens: Sequence[str]) -> str:
    """All of one suggestion a reading reads: its title, its body and its tokens."""
    return "\0".join((suggestion.title, suggestion.body, "\x1f".join(tokens)))  # no text holds \0 or \x1f


@lru_cache(maxsize=1 << 17)
def word_theme_id(word: str) -> str:
    """A stable id for the theme of one problem word (ASCII, so it sits in a URL as it is)."""
    return WORD_THEME_PREFIX + hashlib.sha1(word.encode("utf-8")).hexdigest()[:8]


def theme_finder_from_config(config: dict, segmenter: Segmenter | None = None) -> ThemeFinder:
    """The configured finder; ``segmenter`` (the corpus's own, or the configured one) tells words from names."""
    section = config["themes"]
    segmenter = segmenter or segmenter_from_config(config)
    lexicon_path = asset_path(config, section["lexicon"])
    lexicon = load_theme_lexicon(lexicon_path)
    folder = cache_folder(config)
    known = KnownWords(segmenter, folder / "dictionary.sqlite" if folder else None)
    cache = None
    if folder is not None:
        # A reading depends on the lexicon, the names' lexicon, the dictionary (through the segmenter's settings),
        # the title's weight and the body's opening, besides the text and tokens it is keyed by.
        parts = [READING_FORMAT.encode(), lexicon_path.read_bytes(),
                 asset_path(config, config["issues"]["names"]).read_bytes(), segmenter_key(segmenter).encode(),
                 repr((section["title_weight"], section["body_chars"])).encode()]
        settings = hashlib.sha256(b"\0".join(parts)).hexdigest()[:16]
        cache = TextCache(folder / "theme_readings.sqlite", "theme_readings", settings)
    return ThemeFinder(lexicon, name_extractor_from_config(config), known, section["title_weight"],
                       section["body_chars"], section["min_score"], cache)


class LiveTheme(LiveKeywords, Theme):
    """A theme of a ``ThemeBook``: ``keywords`` are worked out when read, against the book's counts then."""

    def __init__(self, figures: Theme, book: "ThemeBook", words: Counter[str]):
        self._become(figures, book, words)  # words: its originals' problem words


class ThemeBook:
    """Themes found and described one change at a time, so a read after a change of issues costs what changed.

    ``refresh`` fits the finder on the changed issues, describes again the themes that gained, lost or changed an
    issue (``changed_`` names them), keeps every theme in order in a sorted list (a change moves the themes it
    described), and keeps the running counts behind every theme's keywords (class TF-IDF over the themes' problem
    words, so they name the problem, not a place), worked out for a theme when read.
    """

    def __init__(self, finder: ThemeFinder, keywords_per_theme: int = 8, lock: threading.RLock | None = None):
        self.finder = finder
        self.keywords_per_theme = keywords_per_theme
        # Held while a theme's keywords are worked out: a reader asks for them outside the workspace's lock, while a
        # writer may be changing the counts (``refresh`` runs under the workspace's lock, which is passed here).
        self._lock = lock or threading.RLock()
        self.version = 0
        self.changed_: set[str] = set()
        self._themes: dict[str, LiveTheme] = {}
        self._keywords = RunningClassTfidf()
        # Every theme largest first, with the sort keys beside them (see ``_order_key``).
        self._keys: list[tuple[int, int, str]] = []
        self._ordered: list[Theme] = []

    def by_id(self) -> Mapping[str, Theme]:
        """Every theme by id, as the last ``refresh`` left them (not to be changed)."""
        return self._themes

    @staticmethod
    def _order_key(theme: Theme) -> tuple[int, int, str]:
        """Largest first: by distinct submitters, then size, then id."""
        return -theme.submitters, -theme.size, theme.id

    def refresh(self, issues: Mapping[str, Issue], suggestions: Sequence[Suggestion],
                tokens: Sequence[Sequence[str]], position: Mapping[str, int],
                changed: Collection[str] | None = None) -> list[Theme]:
        """Every theme, largest first; ``changed`` as ``fit`` reads it."""
        self.finder.fit(issues, suggestions, tokens, position, changed)
        issues_of = self.finder.issues_of_
        if changed is None:
            self._themes, self._keywords = {}, RunningClassTfidf()
            stale = set(issues_of)
        else:
            theme_of = self.finder.theme_of_
            stale = self.finder.touched_ | {theme_of[i] for i in changed if i in theme_of}
        for theme_id in stale:
            old = self._themes.pop(theme_id, None)
            if old is not None:
                self._keywords.remove(old._words)
                if changed is not None:
                    at = bisect.bisect_left(self._keys, self._order_key(old))
                    del self._keys[at], self._ordered[at]
            if theme_id in issues_of:
                self._themes[theme_id] = theme = self._describe(theme_id, issues, suggestions, position)
                self._keywords.add(theme._words)
                if changed is not None:
                    at = bisect.bisect_left(self._keys, key := self._order_key(theme))
                    self._keys.insert(at, key)
                    self._ordered.insert(at, theme)
        if changed is None:
            self._ordered = sorted(self._themes.values(), key=self._order_key)
            self._keys = [self._order_key(theme) for theme in self._ordered]
        self.changed_ = stale
        self.version += 1
        return list(self._ordered)

    def _describe(self, theme_id: str, issues: Mapping[str, Issue], suggestions: Sequence[Suggestion],
                  position: Mapping[str, int]) -> LiveTheme:
        group = sorted((issues[i] for i in self.finder.issues_of_[theme_id]), key=lambda i: (-i.submitters, -i.size, i.id))
        members = [m for issue in group for m in issue.members]
        originals = [suggestions[position[m]] for m in members
                     if m in position and not suggestions[position[m]].duplicate_of]
        dates = [s.submitted_at for s in originals if s.submitted_at is not None]
        places = list(dict.fromkeys([s.district for s in originals if s.district]
                                    + [p for issue in group if (p := self.finder.issue(issue.id).place)]))
        words: Counter[str] = Counter()
        for issue in group:  # counts added word by word, not counted again one element at a time
            words.update(self.finder.issue(issue.id).theme_words)
        figures = Theme(
            id=theme_id, label=self.finder.labels_[theme_id],
            source="words" if theme_id.startswith(WORD_THEME_PREFIX) else "lexicon",
            issues=[issue.id for issue in group], members=members, size=len(originals),
            submitters=len({s.submitter for s in originals}),
            organisations=len({s.org_name for s in originals if s.org_name}),
            endorsements=sum(s.endorsements for s in originals), places=places,
            sectors=value_counts(s.sector for s in originals), districts=value_counts(s.district for s in originals),
            org_types=value_counts(s.org_type for s in originals),
            first_at=min(dates, default=None), last_at=max(dates, default=None),
        )
        return LiveTheme(figures, self, words)

    def complete(self, theme: LiveTheme) -> None:
        """Work out a theme's keywords against the counts as they are now (once per version). A theme a later change
        replaced keeps what it had: its words are no longer in the counts."""
        with self._lock:
            if theme._at != self.version and self._themes.get(theme.id) is theme:
                theme._keywords = self._keywords.top_words(*theme.word_counts(), len(self._themes),
                                                           self.keywords_per_theme)
                theme._at = self.version


def find_themes(issues: Sequence[Issue], suggestions: Sequence[Suggestion], tokens: Sequence[Sequence[str]],
                config: dict, finder: ThemeFinder | None = None) -> list[Theme]:
    """Every issue under a theme, described, largest first; the corpus is ``suggestions`` with their ``tokens``, by
    position. A service that keeps issues up to date keeps a ``ThemeBook`` instead."""
    book = ThemeBook(finder or theme_finder_from_config(config), config["themes"]["keywords_per_theme"])
    return book.refresh({issue.id: issue for issue in issues}, suggestions, tokens,
                        {s.id: i for i, s in enumerate(suggestions)})
