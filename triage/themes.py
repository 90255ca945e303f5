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

import hashlib
import math
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from .config import ConfigError, asset_path
from .label import ClassTfidf
from .names import NameExtractor, name_extractor_from_config
from .records import Issue, Suggestion
from .segment import Segmenter, segmenter_from_config

# Prefix of the ids of themes found by a leading problem word rather than the lexicon.
WORD_THEME_PREFIX = "W-"


@dataclass(frozen=True)
class LexiconTheme:
    """One listed recurring problem: stable code, Chinese name, its plain words and its regular expressions.

    Plain words are matched as substrings (many times faster than a regular expression, and most terms are plain).
    """

    code: str
    name: str
    words: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def of_terms(cls, code: str, name: str, terms: Sequence[str]) -> "LexiconTheme":
        plain = tuple(t for t in terms if re.escape(t) == t)
        return cls(code, name, plain, tuple(re.compile(t) for t in terms if re.escape(t) != t))

    def evidence(self, title: str, body: str, title_weight: float) -> float:
        """Each term once: ``title_weight`` if the title has it, else 1 if the body does."""
        found = 0.0
        for word in self.words:
            found += title_weight if word in title else 1.0 if word in body else 0.0
        for pattern in self.patterns:
            found += title_weight if pattern.search(title) else 1.0 if pattern.search(body) else 0.0
        return found


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


def problem_words(tokens: Sequence[str], names: Sequence[str], extractor: NameExtractor,
                  known: Callable[[str], bool]) -> list[str]:
    """The dictionary words (``known``) of ``tokens`` that are not inside a place or organisation name or an
    administrative area: jieba finds most proper names (富惠, 星沙, 余易贷) outside its dictionary."""
    inside_names = set()
    for stem in (name_stem(extractor, n) for n in names):
        if len(stem) >= 2:
            inside_names.update(stem[i:j] for i in range(len(stem)) for j in range(i + 1, len(stem) + 1))
    return [t for t in tokens if t not in inside_names and known(t) and not _names_an_area(extractor.admin, t)]


@lru_cache(maxsize=1 << 16)
def _names_an_area(admin: re.Pattern[str], token: str) -> bool:
    """Whether a token holds an administrative area (A3区, 澄州市); cached, as the same tokens recur."""
    return admin.search(token) is not None


@dataclass(frozen=True)
class Reading:
    """What one suggestion tells the theme finder: evidence per listed theme, its problem words, and the names it
    opens with (the place or organisation it is about)."""

    scores: Counter[str]
    words: Counter[str]
    names: tuple[str, ...]


class ThemeFinder:
    """Puts each issue under a theme: a listed problem if its members name one, else its leading problem word.

    ``fit`` learns how many issues use each problem word (``issue_df_``), so the leading word of an unlisted issue
    is the one that sets it apart (TF-IDF over issues) rather than a word every issue uses. ``theme_of_`` maps issue
    id -> theme id and ``labels_`` theme id -> label after ``fit``. What each suggestion says never changes, so its
    reading is kept by id across fits: the service re-fits on every change of issues and reads only new suggestions.
    """

    def __init__(self, lexicon: Sequence[LexiconTheme], extractor: NameExtractor, known: Callable[[str], bool],
                 title_weight: float = 3.0, body_chars: int = 200, min_score: float = 2.0):
        self.lexicon = lexicon
        self.extractor = extractor
        self.known = known
        self.title_weight = title_weight
        self.body_chars = body_chars
        self.min_score = min_score
        self.issue_df_: Counter[str] = Counter()
        self.n_issues_ = 0
        self.theme_of_: dict[str, str] = {}
        self.labels_: dict[str, str] = {}
        self._readings: dict[str, Reading] = {}

    def read(self, suggestion: Suggestion, tokens: Sequence[str]) -> Reading:
        """The suggestion's reading, from the cache when it was read before."""
        reading = self._readings.get(suggestion.id)
        if reading is None:
            body = suggestion.body[:self.body_chars]
            scores = Counter({theme.code: found for theme in self.lexicon
                              if (found := theme.evidence(suggestion.title, body, self.title_weight))})
            opening = self.extractor.names(suggestion.title) + self.extractor.names(body)
            # Names anywhere in the text are masked: a place named late in the body is still a place, not a problem.
            everywhere = opening + self.extractor.names(suggestion.body[self.body_chars:])
            reading = Reading(scores, Counter(problem_words(tokens, everywhere, self.extractor, self.known)),
                              tuple(dict.fromkeys(opening)))
            self._readings[suggestion.id] = reading
        return reading

    def issue_words(self, originals: Sequence[Suggestion], tokens: Sequence[Sequence[str]]) -> Counter[str]:
        """The problem words of an issue's originals, counted."""
        words: Counter[str] = Counter()
        for suggestion, words_of in zip(originals, tokens):
            words.update(self.read(suggestion, words_of).words)
        return words

    def fit(self, issues: Sequence[Issue], suggestions: Sequence[Suggestion],
            tokens: Sequence[Sequence[str]]) -> "ThemeFinder":
        position = {s.id: i for i, s in enumerate(suggestions)}
        order = {theme.code: k for k, theme in enumerate(self.lexicon)}
        names = {theme.code: theme.name for theme in self.lexicon}
        unlisted: dict[str, Counter[str]] = {}
        self.theme_of_, self.labels_ = {}, {}
        for issue in issues:
            kept = [position[m] for m in issue.members if m in position and not suggestions[position[m]].duplicate_of]
            kept = kept or [position[m] for m in issue.members if m in position]
            scores: Counter[str] = Counter()
            for i in kept:
                scores.update(self.read(suggestions[i], tokens[i]).scores)
            best = min(scores, key=lambda code: (-scores[code], order[code]), default=None)
            if best is not None and scores[best] >= self.min_score:
                self.theme_of_[issue.id] = best
                self.labels_[best] = names[best]
            else:
                unlisted[issue.id] = self.issue_words([suggestions[i] for i in kept], [tokens[i] for i in kept])
        self.issue_df_ = Counter(word for words in unlisted.values() for word in words)
        self.n_issues_ = len(unlisted)
        for issue_id, words in unlisted.items():
            word = self.leading_word(words)
            theme_id = word_theme_id(word) if word else word_theme_id(issue_id)
            self.theme_of_[issue_id] = theme_id
            self.labels_.setdefault(theme_id, word or "其他")
        return self

    def leading_word(self, words: Mapping[str, int]) -> str | None:
        """The word with the highest TF-IDF among those another unlisted issue also uses; ``None`` if none is."""
        shared = [w for w in words if self.issue_df_[w] >= 2]
        weight = {w: (1 + math.log(words[w])) * math.log(self.n_issues_ / self.issue_df_[w]) for w in shared}
        return min(shared, key=lambda w: (-weight[w], w), default=None)


def word_theme_id(word: str) -> str:
    """A stable id for the theme of one problem word (ASCII, so it sits in a URL as it is)."""
    return WORD_THEME_PREFIX + hashlib.sha1(word.encode("utf-8")).hexdigest()[:8]


def theme_finder_from_config(config: dict, segmenter: Segmenter | None = None) -> ThemeFinder:
    """The configured finder; ``segmenter`` (the corpus's own, or the configured one) tells words from names."""
    section = config["themes"]
    lexicon = load_theme_lexicon(asset_path(config, section["lexicon"]))
    known = (segmenter or segmenter_from_config(config)).in_dictionary
    return ThemeFinder(lexicon, name_extractor_from_config(config), known, section["title_weight"],
                       section["body_chars"], section["min_score"])


def _counts(values) -> dict[str, int]:
    counts = Counter(v for v in values if v)
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def describe_themes(finder: ThemeFinder, issues: Sequence[Issue], suggestions: Sequence[Suggestion],
                    tokens: Sequence[Sequence[str]], keywords_per_theme: int = 8) -> list[Theme]:
    """One ``Theme`` per theme the fitted ``finder`` found, largest first (by distinct submitters, then size).

    Keywords are class-based TF-IDF over the themes' problem words, so they name the problem, not a place.
    """
    position = {s.id: i for i, s in enumerate(suggestions)}
    by_theme: dict[str, list[Issue]] = {}
    for issue in issues:
        by_theme.setdefault(finder.theme_of_[issue.id], []).append(issue)
    theme_ids = list(by_theme)
    words = []
    for theme_id in theme_ids:
        kept = [position[m] for issue in by_theme[theme_id] for m in issue.members
                if m in position and not suggestions[position[m]].duplicate_of]
        words.append(list(finder.issue_words([suggestions[i] for i in kept], [tokens[i] for i in kept]).elements()))
    keywords = ClassTfidf().fit(words).top_words(keywords_per_theme)
    themes = []
    for theme_id, top in zip(theme_ids, keywords):
        group = sorted(by_theme[theme_id], key=lambda i: (-i.submitters, -i.size, i.id))
        members = [m for issue in group for m in issue.members]
        originals = [suggestions[position[m]] for m in members
                     if m in position and not suggestions[position[m]].duplicate_of]
        dates = [s.submitted_at for s in originals if s.submitted_at is not None]
        places = list(dict.fromkeys(
            [s.district for s in originals if s.district]
            + [place for issue in group if (place := issue_place(finder, issue, suggestions, tokens, position))]))
        themes.append(Theme(
            id=theme_id, label=finder.labels_[theme_id],
            source="words" if theme_id.startswith(WORD_THEME_PREFIX) else "lexicon",
            issues=[issue.id for issue in group], members=members, keywords=top, size=len(originals),
            submitters=len({s.submitter for s in originals}),
            organisations=len({s.org_name for s in originals if s.org_name}),
            endorsements=sum(s.endorsements for s in originals), places=places,
            sectors=_counts(s.sector for s in originals), districts=_counts(s.district for s in originals),
            org_types=_counts(s.org_type for s in originals),
            first_at=min(dates, default=None), last_at=max(dates, default=None),
        ))
    return sorted(themes, key=lambda t: (-t.submitters, -t.size, t.id))


def issue_place(finder: ThemeFinder, issue: Issue, suggestions: Sequence[Suggestion],
                tokens: Sequence[Sequence[str]], position: Mapping[str, int]) -> str | None:
    """The place or organisation an issue is about: the name its members open with most (first mention breaks ties)."""
    names: Counter[str] = Counter()
    for m in issue.members:
        if m in position:
            names.update(finder.read(suggestions[position[m]], tokens[position[m]]).names)
    return names.most_common(1)[0][0] if names else None


def find_themes(issues: Sequence[Issue], suggestions: Sequence[Suggestion], tokens: Sequence[Sequence[str]],
                config: dict, finder: ThemeFinder | None = None) -> list[Theme]:
    """Every issue under a theme, described; the corpus is ``suggestions`` with their ``tokens``, by position.

    Pass the same ``finder`` on every call over a growing corpus, so suggestions already read are not read again.
    """
    finder = (finder or theme_finder_from_config(config)).fit(issues, suggestions, tokens)
    return describe_themes(finder, issues, suggestions, tokens, config["themes"]["keywords_per_theme"])
