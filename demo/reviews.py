"""Product reviews: they follow sales (popular products get more) and each product's hidden quality.

About two in three come from a customer who bought the product, the rest from anonymous visitors;
3% are hidden by moderation, most of those spam. The sentences are in demo/data/reviews.json: an
opener and a closer by mood, and a body by category and mood with the product's own attributes
filled in ({note}, {roast}, {ingredient}, {skin}...).
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from demo.customers import WORDS as PEOPLE
from demo.demand import DemandPlan
from demo.recipes.spec import ProductSpec
from demo.sampling import object_id, poisson
from demo.vocabulary import Table, WordLists, Words, load

REVIEWS_PER_PRODUCT = 8.0


@dataclass(frozen=True)
class ReviewWords:
    """demo/data/reviews.json, one field per key; moods are "pos", "mid" and "neg"."""

    openers: WordLists  # by mood
    bodies: dict[str, WordLists]  # by category, then mood
    closers: WordLists  # by mood
    spam: Words
    roast_flaws: Table
    coffee_uses: Table
    fallbacks: Table
    unremarkable_ingredients: frozenset[str]
    unscented_bodies: Table  # "pos" / "other"
    five_stars: str
    better_sleep: str


WORDS = load("reviews").into(ReviewWords)


def build_reviews(
    rng: random.Random,
    seed: int,
    specs: Sequence[ProductSpec],
    plans: Sequence[DemandPlan],
    customers: Sequence[dict[str, Any]],
    buyers: dict[int, list[tuple[int, datetime]]],
    start: datetime,
    today: datetime,
) -> list[dict[str, Any]]:
    """Reviews follow sales (popular products get more) and a hidden per-product quality."""
    n = len(specs)
    popularity = [(len(buyers.get(i, [])) + 2.0) ** 0.6 for i in range(n)]
    total = sum(popularity)
    slow_cutoff = sorted(popularity)[n // 3]
    reviews: list[dict[str, Any]] = []
    for i, spec in enumerate(specs):
        plan = plans[i]
        if popularity[i] < slow_cutoff and rng.random() < 0.25:
            continue  # some slow sellers simply never got a review
        expected = REVIEWS_PER_PRODUCT * n * popularity[i] / total * 1.08  # makes up for the skipped ones
        count = min(poisson(rng, expected), 200)
        earliest = start - timedelta(days=120) if plan.launch_day < 0 else start + timedelta(days=plan.launch_day + 3)
        for k in range(count):
            review = _review(rng, seed, spec, plan, customers, buyers.get(i, []), earliest, today, k)
            if review is not None:
                reviews.append(review)
    reviews.sort(key=lambda r: (r["createdAt"], str(r["_id"])))
    return reviews


def _review(
    rng: random.Random,
    seed: int,
    spec: ProductSpec,
    plan: DemandPlan,
    customers: Sequence[dict[str, Any]],
    purchases: Sequence[tuple[int, datetime]],
    earliest: datetime,
    today: datetime,
    k: int,
) -> dict[str, Any] | None:
    customer_id = None
    visitor_id = None
    created: datetime | None = None
    author = ""
    if purchases and rng.random() < 0.65:
        customer_index, bought = rng.choice(purchases)
        created = bought + timedelta(days=rng.randrange(3, 25), seconds=rng.randrange(86400))
        if created < today:
            customer = customers[customer_index]
            customer_id = customer["_id"]
            first, last = customer["name"].split(" ", 1)
            author = f"{first} {last[0]}."
        else:
            created = None
    if created is None:
        span = int((today - earliest).total_seconds())
        if span <= 3600:
            return None
        created = earliest + timedelta(seconds=rng.randrange(span - 3600))
        visitor_id = "v-" + hashlib.sha256(f"{seed}:{spec.slug}:{k}:visitor".encode()).hexdigest()[:16]
        author = f"{rng.choice(PEOPLE.first_names)} {rng.choice(PEOPLE.last_names)[0]}."
    hidden = rng.random() < 0.03
    rating = min(5, max(1, round(rng.gauss(plan.quality, 0.85))))
    text = rng.choice(WORDS.spam) if hidden and rng.random() < 0.6 else _review_text(rng, spec, rating)
    return {
        "_id": object_id(seed, "review", f"{spec.slug}#{k}", created),
        "productId": spec.slug,  # resolved to the product ObjectId in demo.products.build_products
        "authorName": author,
        "rating": rating,
        "text": text,
        "visitorId": visitor_id,
        "customerId": customer_id,
        "hidden": hidden,
        "createdAt": created,
    }


def _review_text(rng: random.Random, spec: ProductSpec, rating: int) -> str:
    mood = "pos" if rating >= 4 else ("mid" if rating == 3 else "neg")
    attrs = spec.attributes
    notes = [n.strip() for n in attrs.get("notes", "").split(",") if n.strip()] or [WORDS.fallbacks["note"]]
    values = {
        "note": notes[0],
        "note2": notes[1] if len(notes) > 1 else notes[0],
        "roast": attrs.get("roast", ""),
        "flaw": WORDS.roast_flaws.get(attrs.get("roast", ""), WORDS.fallbacks["flaw"]),
        "use": WORDS.coffee_uses["espresso"] if "espresso" in spec.tags else WORDS.coffee_uses["filter"],
        "type": attrs.get("type", ""),
        "ingredient": _food_review_ingredient(spec)
        if spec.category == "food"
        else attrs.get("keyIngredients", "").split(",")[0].strip(),
        "diet": attrs.get("diet", "").split(",")[0].strip() or WORDS.fallbacks["diet"],
        "skin": attrs.get("skinType", ""),
        "scent": attrs.get("scent", ""),
    }
    body = rng.choice(WORDS.bodies[spec.category][mood])
    if spec.category == "beauty" and values["scent"] == "unscented" and "{scent}" in body:
        body = WORDS.unscented_bodies["pos"] if mood == "pos" else WORDS.unscented_bodies["other"]
    sentences = [body.format(**values)]
    if rng.random() < 0.7:
        sentences.insert(0, rng.choice(WORDS.openers[mood]))
    if rng.random() < 0.5:
        sentences.append(rng.choice(WORDS.closers[mood]))
    if rating == 5 and rng.random() < 0.15:
        sentences.append(WORDS.five_stars)
    if spec.kind == "herbal" and "sleep" in spec.tags and mood == "pos" and rng.random() < 0.4:
        sentences.append(WORDS.better_sleep)
    return " ".join(sentences)


def _food_review_ingredient(spec: ProductSpec) -> str:
    """The ingredient worth mentioning is the flavour, not the flour: take the last listed one."""
    parts = [p.strip() for p in spec.attributes["ingredients"].split(",")]
    useful = [p for p in parts if p not in WORDS.unremarkable_ingredients]
    return (useful[-1] if useful else parts[0]) if spec.kind != "honey" else "honey"
