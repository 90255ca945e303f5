"""Distinct values of an integer array, sorted: ``np.unique`` without its hash table.

numpy 2 answers a plain ``np.unique(values)`` from a hash table, which on millions of int64 keys spread over a wide
range (pairs encoded as ``row * n + column``) takes 50–80 times as long as sorting them: 7.8 CPU s against 0.1 for
3.4 million keys. The neighbour graph at 100,000 suggestions has about 4 million such keys.
"""
from __future__ import annotations

import numpy as np


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, in increasing order (what ``np.unique(values)`` returns)."""
    ordered = np.sort(values)
    if not len(ordered):
        return ordered
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))]
