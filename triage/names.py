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

_NOT_TEXT = re.compile(r"[^\u4e00-\u9fa5A-Za-z0-9]+")


class NameExtractor:
    """Finds names as the run of characters in front of a place suffix: '反对在诺亚山林小区门口' -> '诺亚山林小区'.

    Boundaries are approximate on purpose; names are compared by character n-grams, so '鹏基诺亚山林' still
    matches '诺亚山林小区'.
    """

    def __init__(self, admin_pattern: str, suffixes: Sequence[str], stop_chars: str, lead_words: Sequence[str],
                 generic: Sequence[str], body_chars: int = 100, max_chars: int = 6):
        self.admin = re.compile(admin_pattern)
        self.suffix = re.compile("(" + "|".join(sorted(suffixes, key=len, reverse=True)) + ")")
        self.stop_chars = set(stop_chars)
        self.lead = re.compile(r"^(?:.*?(?:" + "|".join(lead_words) + "))")
        self.generic = re.compile("|".join(generic))
        self.body_chars = body_chars
        self.max_chars = max_chars

    def names(self, text: str) -> list[str]:
        found = []
        for segment in _NOT_TEXT.split(self.admin.sub("|", text)):
            for match in self.suffix.finditer(segment):
                start = left = match.start()
                while left > 0 and start - left < self.max_chars and segment[left - 1] not in self.stop_chars:
                    left -= 1
                name = self.lead.sub("", segment[left:start])
                full = name + match.group(1)
                if len(name) >= 2 and not self.generic.search(full):
                    found.append(full)
        return found

    def of_suggestion(self, title: str, body: str) -> list[str]:
        """Names in the title and the opening of the body."""
        return self.names(title) + self.names(body[:self.body_chars])


def name_extractor_from_config(config: dict) -> NameExtractor:
    lexicon = tomllib.loads(asset_path(config, config["issues"]["names"]).read_text(encoding="utf-8"))
    return NameExtractor(**lexicon)
