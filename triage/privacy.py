"""Personal data in free text: phone numbers, ID-card numbers and e-mail addresses, found and masked.

Submitters put their contact details into suggestion bodies; the reports go to reviewers and to the city's
leadership, who need the proposal, not the person's number. Patterns are anchored on digit boundaries so that the
figures a suggestion argues with (3200部电梯, 2025年, 1.5万元) are never mistaken for personal data.
"""
from __future__ import annotations

import re

# What a reader sees in place of each kind of personal data.
MASKS: dict[str, str] = {
    "mobile": "[手机号]",
    "landline": "[电话]",
    "id_card": "[身份证号]",
    "email": "[邮箱]",
}

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("email", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")),
    # 6-digit region, birth date (1800s–2000s, valid month and day), 3-digit sequence, check digit or X.
    ("id_card", re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])"
                           r"\d{3}[0-9Xx](?![0-9A-Za-z])")),
    # Mainland mobile, optionally with +86 and written 3-4-4 with spaces or hyphens.
    ("mobile", re.compile(r"(?<![\d+])(?:\+?86[-\s]?)?1[3-9]\d(?:[-\s]?\d{4}){2}(?!\d)")),
    # Landline with an area code: 0731-84512345, (0731)84512345, 010 12345678, with an optional extension.
    ("landline", re.compile(r"(?<!\d)(?:\(0\d{2,3}\)|0\d{2,3}[-\s]?)\d{7,8}(?:-\d{1,6})?(?!\d)")),
    # A bare 7–8 digit number counts as a phone only right after a word that says it is one; only the number is
    # masked (the ``pii`` group), the word stays.
    ("landline", re.compile(r"(?:电话|座机|手机|热线|联系方式)[:：\s]*(?P<pii>(?<!\d)\d{7,8})(?!\d)")),
)
# Something every pattern above needs: an @, or three digits then four (a separator between them at most). Most
# texts have neither, and one search for it spares them the five full scans; the exports mask some 100,000 texts.
_MAY_HOLD_PII = re.compile(r"@|\d{3}[-\s]?\d{4}")


def find_pii(text: str) -> list[tuple[str, int, int]]:
    """``(kind, start, end)`` for each piece of personal data in ``text``, in order and not overlapping.

    Where two patterns claim overlapping text, the one starting first wins, then the longer one.
    """
    found = []
    for kind, pattern in _PATTERNS:
        group = "pii" if "pii" in pattern.groupindex else 0
        found.extend((match.start(group), -match.end(group), kind) for match in pattern.finditer(text))
    spans: list[tuple[str, int, int]] = []
    for start, neg_end, kind in sorted(found):
        if spans and start < spans[-1][2]:
            continue
        spans.append((kind, start, -neg_end))
    return spans


def mask_pii(text: str) -> str:
    """``text`` with every phone number, ID-card number and e-mail address replaced by a label naming its kind."""
    if not text or not _MAY_HOLD_PII.search(text):
        return text
    pieces = []
    position = 0
    for kind, start, end in find_pii(text):
        pieces.append(text[position:start])
        pieces.append(MASKS[kind])
        position = end
    pieces.append(text[position:])
    return "".join(pieces)
