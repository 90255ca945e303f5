"""Segmentation: jieba with the domain dictionary, stop words removed, and per-suggestion keywords.

The ``Segmenter`` follows the estimator shape: settings in ``__init__``, ``fit`` learns document frequencies over a
corpus (kept in ``df_``), and ``tokens`` / ``keywords`` answer for any text. Keywords are TF-IDF over the fitted
corpus, so a word most suggestions use weighs little against the words that set a suggestion apart.
"""
from __future__ import annotations

import logging
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import jieba

# jieba announces every dictionary load on stderr; the CLI's own output is what users should read.
jieba.setLogLevel(logging.WARNING)

# A token that is only digits, punctuation or one character rarely names a place, object or problem.
_MEANINGLESS = re.compile(r"^[\d\W_]+$")


class Segmenter:
    """jieba tokenizer with a user dictionary and stop words; fitted IDF for keywords."""

    def __init__(self, userdict: str | Path | None = None, stopwords: str | Path | None = None, min_len: int = 2,
                 areas: str | None = None):
        self.userdict = userdict
        self.stopwords = stopwords
        self.min_len = min_len
        self.areas = areas
        self._areas = re.compile(areas) if areas else None
        self._jieba: jieba.Tokenizer | None = None
        self._stop = set()
        if stopwords is not None:
            self._stop = {w.strip() for w in Path(stopwords).read_text(encoding="utf-8").splitlines()
                          if w.strip() and not w.startswith("#")}
        self.df_: Counter[str] = Counter()
        self.n_docs_: int = 0
        self._known: dict[str, bool] = {}  # answers of ``in_dictionary`` so far: the same words are asked again
        self._idf: dict[str, float] | None = None  # ``idf`` of every counted word, while the counts stand

    @property
    def _tokenizer(self) -> jieba.Tokenizer:
        """jieba with the user dictionary, loaded when first needed: with tokens cached (``triage.token_cache``)
        a run may never need it, and loading its dictionary takes about a second."""
        if self._jieba is None:
            tokenizer = jieba.Tokenizer()
            if self.userdict is not None:
                tokenizer.load_userdict(str(self.userdict))
            self._jieba = tokenizer
        return self._jieba

    def tokens(self, text: str) -> list[str]:
        """Content words of ``text`` in order: no stop words, no punctuation or bare numbers, no single characters.

        Administrative areas (``areas``) are cut off as words of their own first. jieba does not know anonymised
        codes such as A市 or A2区 and glues their last character onto the name that follows (A市天健城 -> 市天 / 健城,
        A2区余易贷 -> 区余易贷), which hides exactly the estate, company or platform an issue is about."""
        if self._areas is not None:
            text = self._areas.sub(r" \g<0> ", text)
        return [w for w in self._tokenizer.lcut(text)
                if len(w) >= self.min_len and w not in self._stop and not _MEANINGLESS.match(w)]

    def in_dictionary(self, word: str) -> bool:
        """Whether jieba's dictionary (or the user dictionary) knows the word. Names of estates, companies and people
        mostly are not: jieba finds them by its HMM, so this tells a common word from a proper name."""
        known = self._known.get(word)
        if known is None:
            tokenizer = self._tokenizer
            tokenizer.check_initialized()
            known = self._known[word] = tokenizer.FREQ.get(word, 0) > 0
        return known

    def fit(self, documents: Iterable[Sequence[str]]) -> "Segmenter":
        """Learn document frequencies from tokenised documents, forgetting earlier ones."""
        self.df_, self.n_docs_ = Counter(), 0
        return self.partial_fit(documents)

    def partial_fit(self, documents: Iterable[Sequence[str]]) -> "Segmenter":
        """Add documents to the frequencies, so a service can learn as suggestions arrive."""
        for doc in documents:
            self.df_.update(set(doc))
            self.n_docs_ += 1
        self._idf = None
        return self

    def idf(self, word: str) -> float:
        """Smoothed inverse document frequency; an unseen word counts as the rarest."""
        return self._idf_of(self.df_.get(word, 0))

    def _idf_of(self, df: int) -> float:
        return math.log((1 + self.n_docs_) / (1 + df)) + 1.0

    def keywords(self, tokens: Sequence[str], k: int = 8) -> list[str]:
        """The ``k`` tokens with the highest TF-IDF (each word's IDF worked out once per fit: a run asks for the
        keywords of every suggestion, some 300,000 look-ups)."""
        if self._idf is None:
            self._idf = {word: self._idf_of(df) for word, df in self.df_.items()}
        idf, unseen = self._idf, self._idf_of(0)
        # (minus the weight, the word) built in one pass rather than by a key function called per word; words are
        # distinct, so the order is that of the pairs alone.
        scored = sorted([(-count * idf.get(w, unseen), w) for w, count in Counter(tokens).items()])
        return [w for _, w in scored[:k]]


def segmenter_from_config(config: dict) -> Segmenter:
    """The segmenter the configuration names, with its asset paths resolved."""
    from .config import asset_path

    section = config["segment"]
    return Segmenter(asset_path(config, section["userdict"]), asset_path(config, section["stopwords"]),
                     section.get("min_len", 2), section.get("areas") or None)
