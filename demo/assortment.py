"""Which products the demo shop stocks: anchors first, then stratified picks, then variants.

Why this order: the anchors (demo/data/anchors.json) are products docs, tests and planted pairs name,
so they must exist whenever their category has room; the stratified picks keep each category's mix
of kinds (KIND_WEIGHTS in each recipe module); variants and numbered batches only appear when a large
catalog (2,000 products) has used up the base combinations, so every name stays distinct.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from demo.recipes import beauty, coffee, food, tea
from demo.recipes.spec import ProductSpec, Recipe
from demo.text import dedupe
from demo.vocabulary import load
from shop.core.text import slugify

CATEGORY_SHARES: dict[str, float] = {"coffee": 0.30, "tea": 0.28, "food": 0.24, "beauty": 0.18}
"""Each category's share of the catalog, at any size (largest remainder rounding)."""

RECIPES: dict[str, Callable[[], list[Recipe]]] = {
    "coffee": coffee.recipes,
    "tea": tea.recipes,
    "food": food.recipes,
    "beauty": beauty.recipes,
}
KIND_WEIGHTS: dict[str, dict[str, float]] = {
    "coffee": coffee.KIND_WEIGHTS,
    "tea": tea.KIND_WEIGHTS,
    "food": food.KIND_WEIGHTS,
    "beauty": beauty.KIND_WEIGHTS,
}

ANCHORS: dict[str, tuple[str, ...]] = load("anchors").lists("products")
"""Products that always exist (when the category has room) so docs, tests and pairs can name them."""


@dataclass(frozen=True)
class Variant:
    """A second edition of a product (a bigger bag, a gift tin) for catalogs larger than the recipes."""

    suffix: str
    size_factor: float = 1.0
    price_factor: float = 1.0
    sentence: str = ""
    scent: str | None = None


_VARIANTS = load("variants")
VARIANTS: dict[str, tuple[Variant, ...]] = _VARIANTS.grouped_records("variants", Variant)
BATCH_SENTENCE = _VARIANTS.text("batch_sentence")


def select_specs(rng: random.Random, n_products: int) -> list[ProductSpec]:
    """Pick `n_products` distinct products: anchors first, then stratified picks, then variants."""
    used_names: set[str] = set()
    used_slugs: set[str] = set()
    specs: list[ProductSpec] = []
    for category, quota in quotas(n_products).items():
        specs.extend(_category_specs(rng, category, quota, used_names, used_slugs))
    return specs


def quotas(n_products: int) -> dict[str, int]:
    """Split the catalog between categories by largest remainder, so shares hold at any size."""
    raw = {c: n_products * share for c, share in CATEGORY_SHARES.items()}
    counts = {c: int(v) for c, v in raw.items()}
    leftovers = sorted(raw, key=lambda c: (-(raw[c] - counts[c]), list(raw).index(c)))
    for category in leftovers[: n_products - sum(counts.values())]:
        counts[category] += 1
    return counts


def _category_specs(
    rng: random.Random, category: str, quota: int, used_names: set[str], used_slugs: set[str]
) -> list[ProductSpec]:
    recipes = RECIPES[category]()
    by_name = {r.name: r for r in recipes}
    chosen: list[tuple[Recipe, Variant | None, int]] = []

    def take(recipe: Recipe, variant: Variant | None = None, batch: int = 0) -> bool:
        name = _variant_name(recipe.name, variant, batch)
        slug = slugify(name)
        if name in used_names or slug in used_slugs:
            return False
        used_names.add(name)
        used_slugs.add(slug)
        chosen.append((recipe, variant, batch))
        return True

    for anchor in ANCHORS[category]:
        if len(chosen) < quota:
            take(by_name[anchor])

    pools: dict[str, list[Recipe]] = {}
    for recipe in recipes:
        if recipe.name not in used_names:
            pools.setdefault(recipe.kind, []).append(recipe)
    for pool in pools.values():
        rng.shuffle(pool)
    weights = KIND_WEIGHTS[category]
    while len(chosen) < quota and any(pools.values()):
        kinds = [k for k in weights if pools.get(k)]
        kind = rng.choices(kinds, weights=[weights[k] for k in kinds])[0]
        take(pools[kind].pop())

    # Variants only when the base combinations run out (large catalogs), then numbered batches.
    if len(chosen) < quota:
        combos = [(r, v) for v in VARIANTS[category] for r in recipes]
        rng.shuffle(combos)
        for recipe, variant in combos:
            if len(chosen) >= quota:
                break
            take(recipe, variant)
        batch = 2
        while len(chosen) < quota:
            for recipe in recipes:
                if len(chosen) >= quota:
                    break
                take(recipe, None, batch)
            batch += 1

    return [_finish_spec(rng, recipe, variant, batch) for recipe, variant, batch in chosen]


def _variant_name(name: str, variant: Variant | None, batch: int) -> str:
    if variant is not None:
        return f"{name} {variant.suffix}"
    if batch:
        return f"{name} Batch {batch}"
    return name


def _finish_spec(rng: random.Random, recipe: Recipe, variant: Variant | None, batch: int) -> ProductSpec:
    spec = recipe.build(rng)
    spec.name = _variant_name(recipe.name, variant, batch)
    if variant is not None:
        spec.size = _round_size(spec.size * variant.size_factor)
        spec.price *= variant.price_factor
        spec.must = [*spec.must, variant.sentence]
        if variant.scent:
            spec.attributes["scent"] = variant.scent
            spec.tags = [t for t in spec.tags if t != "fragrance"] + ["unscented"]
    elif batch:
        spec.must = [*spec.must, BATCH_SENTENCE.format(batch=batch)]
    size_key = "volume" if spec.category == "beauty" else "weight"
    spec.attributes[size_key] = _format_size(spec.size, spec.unit)
    spec.slug = slugify(spec.name)
    spec.tags = dedupe(spec.tags)
    return spec


def _round_size(value: float) -> int:
    return max(5, round(value / 5.0) * 5)


def _format_size(size: int, unit: str) -> str:
    if size >= 1000 and size % 1000 == 0:
        return f"{size // 1000} {'kg' if unit == 'g' else 'l'}"
    return f"{size} {unit}"
