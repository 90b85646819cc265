"""Seeded draws and hash-derived ids: the pieces that make the same seed give the same shop.

Everything random comes from one `random.Random(seed)` passed down the pipeline; ObjectIds are not
random at all but derived from a hash, so they are equal across runs and machines.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import random
from collections.abc import Iterable
from datetime import datetime

from bson import ObjectId


def cumulative(weights: Iterable[float]) -> list[float]:
    """Running totals of `weights`, the form `pick` draws from."""
    total = 0.0
    out = []
    for w in weights:
        total += w
        out.append(total)
    return out


def pick(rng: random.Random, cumulative: list[float], limit: int | None = None) -> int:
    """Weighted index from a cumulative list, optionally among the first `limit` items only."""
    top = len(cumulative) if limit is None else limit
    x = rng.random() * cumulative[top - 1]
    return min(bisect.bisect_right(cumulative, x, 0, top), top - 1)


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson count (Knuth's method; a rounded normal above 60, where Knuth's loop gets long)."""
    if lam <= 0:
        return 0
    if lam > 60:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    threshold = math.exp(-lam)
    k, p = 0, rng.random()
    while p > threshold:
        k += 1
        p *= rng.random()
    return k


def object_id(seed: int, kind: str, key: str, when: datetime) -> ObjectId:
    """Deterministic ObjectId: the real creation time in the first 4 bytes, a hash in the other 8."""
    digest = hashlib.sha256(f"{seed}:{kind}:{key}".encode()).digest()
    return ObjectId(int(when.timestamp()).to_bytes(4, "big") + digest[:8])
