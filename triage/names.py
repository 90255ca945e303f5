"""Proper names of places and organisations, the part of a suggestion that says *where* or *who*.

Sentence embeddings see what a problem is but barely see names: the same complaint about two different estates
scores a cosine of about 0.94. Names are what tells those issues apart, so they are read separately here, from the
title and the opening of the body, with the lexicon in ``models/names.toml``.
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence

from .config import asset_path

# Answers remembered, per kind, up to this many (about 200 bytes each); then forgotten all at once and relearnt.
_REMEMBERED = 200_000


def _in_name(char: str, stop_chars: set[str]) -> bool:
    """Whether a character can be inside a name: a CJK ideograph, an ASCII letter or digit, and no stop character."""
    return ("\u4e00" <= char <= "\u9fa5" or char.isascii() and char.isalnum()) and char not in stop_chars


class NameExtractor:
    """Finds names as the run of characters in front of a place suffix: '反对在诺亚山林小区门口' -> '诺亚山林小区'.

    Boundaries are approximate on purpose; names are compared by character n-grams, so '鹏基诺亚山林' still
    matches '诺亚山林小区'.
    """

    def __init__(self, admin_pattern: str, suffixes: Sequence[str], stop_chars: str, lead_words: Sequence[str],
                 generic: Sequence[str], trade_words: Sequence[str] = (), body_chars: int = 100, max_chars: int = 6):
        self.admin = re.compile(admin_pattern)
        self.suffix = re.compile("(" + "|".join(sorted(suffixes, key=len, reverse=True)) + ")")
        self.stop_chars = set(stop_chars)
        self.lead = re.compile(r"^(?:.*?(?:" + "|".join(lead_words) + "))")
        self.generic = re.compile("|".join(generic))
        # Words that say what line an organisation is in, between its own name and its kind (富惠天下|商务信息服务|
        # 有限公司): taken off, so the run in front of them, the name people use, is what is read.
        self.trade = (re.compile("(?:" + "|".join(sorted(trade_words, key=len, reverse=True)) + ")+$")
                      if trade_words else None)
        self.reach = max_chars + sum(sorted(map(len, trade_words), reverse=True)[:4])
        self.body_chars = body_chars
        self.max_chars = max_chars
        # Remembered: the name a run in front of a suffix gives (most runs recur: 反映XX小区, XX路), and each
        # suggestion's names, which the issue views read several times per fit.
        self._name_of: dict[tuple[str, str], str | None] = {}
        self._of_suggestion: dict[tuple[str, str], list[str]] = {}

    def names(self, text: str) -> list[str]:
        found = []
        known = self._name_of
        # Suffixes are read over the whole text at once: none spans a character that is not text, and a name stops
        # at one, so this finds what reading the text's runs of text one by one would, in one call.
        text = self.admin.sub("|", text)
        for match in self.suffix.finditer(text):
            start = left = match.start()
            while left > 0 and start - left < self.reach and _in_name(text[left - 1], self.stop_chars):
                left -= 1
            key = (text[left:start], match.group(1))
            full = known.get(key, "")
            if full == "":
                if len(known) >= _REMEMBERED:
                    known.clear()
                full = known[key] = self._name(*key)
            if full is not None:
                found.append(full)
        return found

    def _name(self, run: str, suffix: str) -> str | None:
        """The name a run of characters in front of a suffix gives: its last ``max_chars`` once trade words are taken
        off its end, without its lead words; ``None`` if none."""
        if self.trade is not None:
            run = self.trade.sub("", run)
        name = self.lead.sub("", run[-self.max_chars:])
        full = name + suffix
        return full if len(name) >= 2 and not self.generic.search(full) else None

    def of_suggestion(self, title: str, body: str) -> list[str]:
        """Names in the title and the opening of the body (a new list each call: callers may extend it)."""
        key = (title, body)
        found = self._of_suggestion.get(key)
        if found is None:
            if len(self._of_suggestion) >= _REMEMBERED:
                self._of_suggestion.clear()
            found = self._of_suggestion[key] = self.names(title) + self.names(body[:self.body_chars])
        return list(found)


def name_extractor_from_config(config: dict) -> NameExtractor:
    lexicon = tomllib.loads(asset_path(config, config["issues"]["names"]).read_text(encoding="utf-8"))
    return NameExtractor(**lexicon)
