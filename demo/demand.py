"""The hidden demand the order history is sampled from.

The demand is deliberately *learnable*: long-tailed popularity, weekend peaks, growing and declining
products, summer/winter products, sparse sellers, and planted "bought together" pairs. `DemoShop.truth`
exposes these hidden parameters so forecasting and recommender tests can check they found what was
planted; nothing here is stored in the database.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from demo.assortment import ANCHORS
from demo.recipes.spec import ProductSpec
from demo.vocabulary import load

ANCHOR_PAIRS: tuple[tuple[str, str], ...] = load("anchors").pairs("bought_together")
"""Planted "often bought together" pairs a co-purchase recommender should rediscover."""

RANDOM_PAIR_RULES: tuple[tuple[str, tuple[str, ...], str, tuple[str, ...]], ...] = (
    ("coffee", (), "food", ("biscuits", "chocolate", "syrups")),
    ("tea", (), "food", ("honey", "biscuits", "jam")),
    ("beauty", (), "beauty", ()),
    ("food", ("granola",), "food", ("nuts", "honey")),
)
"""Extra pairs (one per ~16 products) so larger catalogs also have co-purchase structure:
(first category, its kinds or any, second category, its kinds or any)."""


@dataclass
class DemandPlan:
    """Hidden demand and quality of one product; the history is sampled from these, never stored."""

    index: int
    share: float = 0.0
    trend: float = 0.0
    season: str | None = None
    sparse: bool = False
    quality: float = 4.0
    launch_day: int = -1  # -1: on sale before the history starts
    partners: list[int] = field(default_factory=list)
    price_change_day: int | None = None
    price_factor: float = 1.0

    def as_truth(self, specs: Sequence[ProductSpec], start: datetime) -> dict[str, Any]:
        return {
            "share": round(self.share, 6),
            "trend": round(self.trend, 3),
            "season": self.season,
            "sparse": self.sparse,
            "quality": round(self.quality, 2),
            "launchedAt": None if self.launch_day < 0 else start + timedelta(days=self.launch_day),
            "partners": [specs[i].slug for i in self.partners],
        }


def plan_demand(rng: random.Random, specs: Sequence[ProductSpec], days: int) -> list[DemandPlan]:
    """Give every product the hidden traits a forecaster should rediscover from the orders alone:
    Zipf-like popularity, a trend (~20% growing, ~15% declining), seasonality, sparse sellers,
    launches during the year, an occasional price rise, and the quality its reviews reflect."""
    n = len(specs)
    plans = [DemandPlan(index=i) for i in range(n)]
    anchor_names = {name for names in ANCHORS.values() for name in names}
    anchors = [i for i, s in enumerate(specs) if s.name in anchor_names]
    anchor_set = set(anchors)
    others = [i for i in range(n) if i not in anchor_set]
    rng.shuffle(others)
    # Anchors get good ranks (but not all the top ones) so their pairs have data to learn from.
    order = others[:]
    for pos, idx in enumerate(anchors):
        order.insert(min(len(order), 1 + pos * 3 + rng.randrange(3)), idx)
    # Zipf-Mandelbrot: a long tail, but no single product swallows the shop (top one ~6% of lines).
    zipf = {idx: 1.0 / (rank + 4) ** 1.05 for rank, idx in enumerate(order)}

    sparse_count = round(0.12 * len(others))
    sparse = set(rng.sample(others, sparse_count)) if sparse_count else set()
    total_dense = sum(w for i, w in zipf.items() if i not in sparse)
    sparse_share = 0.0016
    dense_budget = max(0.2, 1.0 - sparse_share * len(sparse))
    for i, plan in enumerate(plans):
        spec = specs[i]
        plan.sparse = i in sparse
        plan.share = sparse_share if plan.sparse else dense_budget * zipf[i] / total_dense
        roll = rng.random()
        if i in anchor_set:
            plan.trend = rng.uniform(-0.2, 0.3)
        elif roll < 0.2:
            plan.trend = rng.uniform(0.7, 1.4)  # growing
        elif roll < 0.35:
            plan.trend = rng.uniform(-1.4, -0.7)  # declining
        else:
            plan.trend = rng.gauss(0.0, 0.15)
        plan.season = spec.season
        plan.quality = min(4.9, max(2.4, rng.gauss(4.15, 0.45)))
        if i not in anchor_set:
            launch_roll = rng.random()
            if launch_roll < 0.06:
                plan.launch_day = rng.randrange(max(1, days - 45), days - 1)
            elif launch_roll < 0.14:
                plan.launch_day = rng.randrange(days // 10, max(days // 10 + 1, days - 45))
        if rng.random() < 0.3:
            plan.price_change_day = rng.randrange(days // 6, days - days // 12)
            plan.price_factor = rng.uniform(0.88, 0.96)
    _plant_pairs(rng, specs, plans, anchors)
    return plans


def _plant_pairs(rng: random.Random, specs: Sequence[ProductSpec], plans: list[DemandPlan], anchors: list[int]) -> None:
    """Link products that are often bought together: the fixed anchor pairs plus rule-based extras."""
    by_name = {specs[i].name: i for i in anchors}
    paired: set[int] = set()
    for a, b in ANCHOR_PAIRS:
        if a in by_name and b in by_name:
            _link(plans, by_name[a], by_name[b])
            paired.update((by_name[a], by_name[b]))
    extra = len(specs) // 16
    candidates = [i for i in range(len(specs)) if i not in paired and plans[i].launch_day < 0 and not plans[i].sparse]
    attempts = 0
    while extra > 0 and attempts < extra * 20:
        attempts += 1
        first_cat, first_kinds, second_cat, second_kinds = rng.choice(RANDOM_PAIR_RULES)
        firsts = [
            i
            for i in candidates
            if i not in paired and specs[i].category == first_cat and (not first_kinds or specs[i].kind in first_kinds)
        ]
        seconds = [
            i
            for i in candidates
            if i not in paired
            and specs[i].category == second_cat
            and (not second_kinds or specs[i].kind in second_kinds)
        ]
        if not firsts or not seconds:
            continue
        a = rng.choice(firsts)
        b = rng.choice([i for i in seconds if i != a] or [a])
        if a == b:
            continue
        _link(plans, a, b)
        paired.update((a, b))
        extra -= 1


def _link(plans: list[DemandPlan], a: int, b: int) -> None:
    plans[a].partners.append(b)
    plans[b].partners.append(a)


def planted_pairs(plans: Sequence[DemandPlan]) -> list[tuple[int, int]]:
    """Every planted pair once, as (lower index, higher index)."""
    return [(p.index, q) for p in plans for q in p.partners if p.index < q]


def day_weight(plan: DemandPlan, day: int, t: float, doy: int) -> float:
    """Relative demand of one product on one day: popularity x trend x season x launch ramp."""
    if plan.launch_day >= 0 and day < plan.launch_day:
        return 0.0
    weight = plan.share * math.exp(plan.trend * (t - 0.5))
    if plan.season == "summer":
        weight *= 1.0 + 0.8 * math.cos(2 * math.pi * (doy - 196) / 365.25)
    elif plan.season == "winter":
        weight *= 1.0 + 0.55 * math.cos(2 * math.pi * (doy - 15) / 365.25)
    if plan.launch_day >= 0:
        weight *= min(1.0, 0.4 + 0.6 * (day - plan.launch_day) / 30)
    return weight
