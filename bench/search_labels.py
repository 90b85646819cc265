"""Writes bench/data/search_queries.json: graded relevance labels for the search evaluation.

Why the labels come from written-down rules instead of a hand-typed list: 160 products x 66 queries
is too many judgements to type reliably, and a reviewer can read (and dispute) a rule. Each rule
states what a shopper typing the query wants, in terms of the catalog's own facts (category, kind,
type, origin, notes, skin type, caffeine, diet, price), never in terms of what any ranker returns.
The rules were written from the product list of `build_demo_shop()` (n_products=160, seed 7)
before the rankers were run on them, and were not changed afterwards to suit a ranker.

Grades: 3 = exactly what was asked, 2 = a good answer, 1 = related / acceptable. Unlisted = 0.

    .venv/bin/python bench/search_labels.py      # rewrites bench/data/search_queries.json
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from demo.seed import build_demo_shop

OUT = Path(__file__).resolve().parent / "data" / "search_queries.json"


class P:
    """A product document with convenient predicates for the rules."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.slug: str = doc["slug"]
        self.name: str = doc["name"].lower()
        self.category: str = doc["category"]
        self.tags: set[str] = set(doc["tags"])
        self.attrs: dict[str, str] = {k.lower(): str(v).lower() for k, v in doc["attributes"].items()}
        self.price: Decimal = Decimal(doc["price"])

    def tag(self, *tags: str) -> bool:
        return bool(self.tags & set(tags))

    def attr(self, key: str, *values: str) -> bool:
        value = self.attrs.get(key, "")
        return any(v in value for v in values)

    def notes(self, *words: str) -> bool:
        return self.attr("notes", *words) or self.attr("scent", *words)

    def named(self, *words: str) -> bool:
        return any(w in self.name for w in words)

    @property
    def coffee(self) -> bool:
        return self.category == "coffee"

    @property
    def tea(self) -> bool:
        return self.category == "tea"

    @property
    def food(self) -> bool:
        return self.category == "food"

    @property
    def beauty(self) -> bool:
        return self.category == "beauty"

    def kind(self, *kinds: str) -> bool:  # the product kind is the second tag (e.g. food: honey, beauty: hand-cream)
        return len(self.doc["tags"]) > 1 and self.doc["tags"][1] in kinds

    def tea_type(self, *types: str) -> bool:
        return self.tea and self.attrs.get("type") in types


Rule = Callable[[P], int]

# (query, kind, intent, rule) — kind: keyword | typo | natural
QUERIES: list[tuple[str, str, str, Rule]] = [
    # --- plain keywords ----------------------------------------------------------------------------
    (
        "honey",
        "keyword",
        "honey jars; things tasting/smelling of honey are related",
        lambda p: 3 if p.food and p.kind("honey") else (1 if p.notes("honey") else 0),
    ),
    (
        "matcha",
        "keyword",
        "matcha tea; foods with matcha are good answers",
        lambda p: 3 if p.tag("matcha") else (2 if p.attr("ingredients", "matcha") else 0),
    ),
    (
        "earl grey",
        "keyword",
        "Earl Grey; other bergamot black teas are close",
        lambda p: 3 if p.named("earl grey") else (2 if p.tea_type("black") and p.notes("bergamot") else 0),
    ),
    ("espresso", "keyword", "coffee made for espresso", lambda p: 3 if p.coffee and p.tag("espresso") else 0),
    ("decaf coffee", "keyword", "decaffeinated coffee", lambda p: 3 if p.coffee and p.attr("caffeine", "decaf") else 0),
    (
        "dark chocolate",
        "keyword",
        "dark chocolate bars; foods made with dark chocolate are related",
        lambda p: (
            3 if p.food and p.kind("chocolate") else (1 if p.attr("ingredients", "dark chocolate", "cacao") else 0)
        ),
    ),
    ("oolong", "keyword", "oolong tea", lambda p: 3 if p.tea_type("oolong") else 0),
    (
        "green tea",
        "keyword",
        "green tea; a green-tea cleansing balm is related",
        lambda p: 3 if p.tea_type("green") else (1 if p.named("green tea") else 0),
    ),
    (
        "hand cream",
        "keyword",
        "hand cream; hand & nail balms are good answers",
        lambda p: 3 if p.kind("hand-cream") else (2 if p.kind("hand-and-nail-balm") else 0),
    ),
    ("lip balm", "keyword", "lip balm", lambda p: 3 if p.kind("lip-balm") else 0),
    ("granola", "keyword", "granola", lambda p: 3 if p.kind("granola") else 0),
    (
        "shortbread",
        "keyword",
        "shortbread; other biscuits are related",
        lambda p: 3 if p.tag("shortbread") else (1 if p.food and p.kind("biscuits") else 0),
    ),
    ("rooibos", "keyword", "rooibos tea", lambda p: 3 if p.tea_type("rooibos") else 0),
    (
        "ethiopia",
        "keyword",
        "Ethiopian single origins; blends with Ethiopian beans are related",
        lambda p: 3 if p.coffee and p.attrs.get("origin") == "ethiopia" else (1 if p.attr("origin", "ethiopia") else 0),
    ),
    (
        "kenya coffee",
        "keyword",
        "Kenyan coffee; blends with Kenyan beans are related",
        lambda p: (
            3 if p.coffee and p.attrs.get("origin") == "kenya" else (1 if p.coffee and p.attr("origin", "kenya") else 0)
        ),
    ),
    ("eye cream", "keyword", "eye cream", lambda p: 3 if p.kind("eye-cream") else 0),
    ("night cream", "keyword", "night cream", lambda p: 3 if p.kind("night-cream") else 0),
    ("syrup", "keyword", "coffee syrups", lambda p: 3 if p.food and p.kind("syrups") else 0),
    ("jam", "keyword", "jam and preserves", lambda p: 3 if p.food and p.kind("jam") else 0),
    (
        "biscuits",
        "keyword",
        "biscuits of any kind (biscotti, shortbread, speculoos, oat)",
        lambda p: 3 if p.food and p.kind("biscuits") else 0,
    ),
    (
        "chai",
        "keyword",
        "chai teas; chai syrup is a good answer",
        lambda p: (
            3 if p.tea and p.named("chai") else (2 if p.named("chai") else (1 if p.tea and p.notes("cardamom") else 0))
        ),
    ),
    (
        "peppermint tea",
        "keyword",
        "peppermint tea; other mint teas are good answers",
        lambda p: 3 if p.tea and p.named("peppermint") else (2 if p.tea and p.notes("mint") else 0),
    ),
    (
        "lavender",
        "keyword",
        "anything with lavender",
        lambda p: 3 if p.named("lavender") else (1 if p.notes("lavender") else 0),
    ),
    (
        "cold brew",
        "keyword",
        "cold brew coffee; other iced coffees are good answers",
        lambda p: 3 if p.tag("cold-brew") else (2 if p.coffee and p.tag("iced") else 0),
    ),
    (
        "vanilla",
        "keyword",
        "vanilla products; vanilla notes are related",
        lambda p: 3 if p.named("vanilla") else (1 if p.notes("vanilla") else 0),
    ),
    ("white tea", "keyword", "white tea", lambda p: 3 if p.tea_type("white") else 0),
    ("argan oil", "keyword", "argan oil creams and balms", lambda p: 3 if p.attr("keyingredients", "argan") else 0),
    (
        "almond",
        "keyword",
        "almond products; almond notes are related",
        lambda p: 3 if p.named("almond") else (1 if p.notes("almond") or p.attr("ingredients", "almond") else 0),
    ),
    # --- misspelled --------------------------------------------------------------------------------
    (
        "camomile tea",
        "typo",
        "chamomile tea; other sleep teas are related",
        lambda p: 3 if p.tea and p.named("chamomile") else (1 if p.tea and p.tag("sleep") else 0),
    ),
    ("expresso", "typo", "espresso coffee", lambda p: 3 if p.coffee and p.tag("espresso") else 0),
    (
        "yirgacheff",
        "typo",
        "the Yirgacheffe coffee; other Ethiopians are related",
        lambda p: 3 if p.tag("yirgacheffe") else (1 if p.coffee and p.attr("origin", "ethiopia") else 0),
    ),
    (
        "chocolat",
        "typo",
        "chocolate bars; foods with chocolate are related",
        lambda p: 3 if p.food and p.kind("chocolate") else (1 if p.attr("ingredients", "chocolate", "cacao") else 0),
    ),
    (
        "lavendar honey",
        "typo",
        "lavender honey; other honey and lavender products are related",
        lambda p: (
            3
            if p.named("lavender") and p.kind("honey")
            else (1 if (p.food and p.kind("honey")) or p.named("lavender") else 0)
        ),
    ),
    ("rooibus", "typo", "rooibos tea", lambda p: 3 if p.tea_type("rooibos") else 0),
    ("darjeling", "typo", "Darjeeling tea", lambda p: 3 if p.named("darjeeling") else 0),
    (
        "shea buter",
        "typo",
        "shea butter creams; creams with shea butter are good answers",
        lambda p: 3 if p.named("shea") else (2 if p.attr("keyingredients", "shea") else 0),
    ),
    ("granloa", "typo", "granola", lambda p: 3 if p.kind("granola") else 0),
    (
        "biscoti",
        "typo",
        "biscotti; other biscuits are related",
        lambda p: 3 if p.named("biscotti") else (1 if p.food and p.kind("biscuits") else 0),
    ),
    (
        "peperment",
        "typo",
        "peppermint tea; other mint teas are good answers",
        lambda p: 3 if p.named("peppermint") else (2 if p.tea and p.notes("mint") else 0),
    ),
    (
        "jasmin tea",
        "typo",
        "jasmine tea",
        lambda p: 3 if p.tea and p.named("jasmine") else (1 if p.tea and p.notes("jasmine") else 0),
    ),
    (
        "ceremonal matcha",
        "typo",
        "ceremonial matcha; other matcha is a good answer",
        lambda p: 3 if p.named("ceremonial matcha") else (2 if p.tag("matcha") else 0),
    ),
    (
        "hazlenut syrup",
        "typo",
        "hazelnut syrup; other syrups are related",
        lambda p: (
            3 if p.food and p.kind("syrups") and p.named("hazelnut") else (1 if p.food and p.kind("syrups") else 0)
        ),
    ),
    # --- natural language --------------------------------------------------------------------------
    (
        "something caffeine-free to help me sleep",
        "natural",
        "sleep herbal teas; other caffeine-free teas are related",
        lambda p: 3 if p.tea and p.tag("sleep") else (1 if p.tea and p.attr("caffeine", "none") else 0),
    ),
    (
        "a gift for someone with dry skin",
        "natural",
        "creams for dry skin",
        lambda p: 3 if p.beauty and p.attr("skintype", "dry") else (1 if p.beauty else 0),
    ),
    (
        "something sweet to nibble with coffee",
        "natural",
        "biscuits; chocolate is a good answer",
        lambda p: 3 if p.food and p.kind("biscuits") else (2 if p.food and p.kind("chocolate") else 0),
    ),
    (
        "strong black tea for breakfast",
        "natural",
        "breakfast black tea; other high-caffeine black teas are good",
        lambda p: (
            3
            if p.tea_type("black") and p.named("breakfast")
            else (2 if p.tea_type("black") and p.attr("caffeine", "high") else 0)
        ),
    ),
    (
        "fruity light roast for pour over",
        "natural",
        "light, fruity filter coffee",
        lambda p: (
            (
                3
                if p.notes(
                    "berry",
                    "currant",
                    "peach",
                    "grape",
                    "cherry",
                    "mango",
                    "lemon",
                    "orange",
                    "grapefruit",
                    "citrus",
                    "apricot",
                    "cranberry",
                    "strawberry",
                    "fruit",
                )
                else 2
            )
            if p.coffee and p.attr("roast", "light")
            else 0
        ),
    ),
    (
        "coffee for my espresso machine",
        "natural",
        "espresso coffee",
        lambda p: 3 if p.coffee and p.tag("espresso") else 0,
    ),
    (
        "cream for sensitive skin without fragrance",
        "natural",
        "unscented creams for sensitive skin",
        lambda p: (
            3
            if p.attr("skintype", "sensitive") and p.attr("scent", "unscented")
            else 2
            if p.attr("skintype", "sensitive")
            else 1
            if p.beauty and p.attr("scent", "unscented")
            else 0
        ),
    ),
    (
        "vegan snack",
        "natural",
        "vegan snacks; other vegan treats are good answers",
        lambda p: (
            3
            if p.food and p.tag("snack") and p.tag("vegan")
            else (2 if p.food and p.tag("vegan") and p.kind("chocolate", "nuts", "granola") else 0)
        ),
    ),
    ("iced coffee for summer", "natural", "coffee for iced drinks", lambda p: 3 if p.coffee and p.tag("iced") else 0),
    (
        "tea without caffeine",
        "natural",
        "caffeine-free tea",
        lambda p: 3 if p.tea and p.attr("caffeine", "none") else (1 if p.tea and p.attr("caffeine", "low") else 0),
    ),
    (
        "low caffeine green tea",
        "natural",
        "green tea with little caffeine; other green teas are related",
        lambda p: 3 if p.tea_type("green") and p.attr("caffeine", "low") else (1 if p.tea_type("green") else 0),
    ),
    ("smoky tea", "natural", "tea with smoky notes", lambda p: 3 if p.tea and p.notes("smok") else 0),
    (
        "nutty chocolatey coffee",
        "natural",
        "coffee tasting of nuts and chocolate",
        lambda p: (3 if nutty(p) and chocolatey(p) else 1 if nutty(p) or chocolatey(p) else 0) if p.coffee else 0,
    ),
    (
        "something to soothe chapped lips",
        "natural",
        "lip balm; healing balms are related",
        lambda p: 3 if p.kind("lip-balm") else (1 if p.kind("healing-balm") else 0),
    ),
    (
        "gluten free breakfast",
        "natural",
        "gluten-free breakfast foods; other gluten-free foods are related",
        lambda p: (
            3
            if p.food and p.tag("gluten-free") and p.tag("breakfast")
            else (1 if p.food and p.tag("gluten-free") else 0)
        ),
    ),
    (
        "a treat for a chocolate lover",
        "natural",
        "chocolate; foods made with chocolate are good answers",
        lambda p: 3 if p.food and p.kind("chocolate") else (2 if p.attr("ingredients", "chocolate", "cacao") else 0),
    ),
    ("tea that tastes like honey", "natural", "tea with honey notes", lambda p: 3 if p.tea and p.notes("honey") else 0),
    (
        "raw honey",
        "natural",
        "raw honey; other honey is related",
        lambda p: 3 if p.kind("honey") and p.tag("raw") else (1 if p.food and p.kind("honey") else 0),
    ),
    (
        "anti aging face cream",
        "natural",
        "creams for mature skin",
        lambda p: (
            3
            if p.beauty and p.attr("skintype", "mature") and p.kind("face-cream", "day-cream", "night-cream")
            else (2 if p.beauty and p.attr("skintype", "mature") else 0)
        ),
    ),
    (
        "cream for oily skin",
        "natural",
        "creams for oily skin; combination skin is related",
        lambda p: 3 if p.attr("skintype", "oily") else (1 if p.attr("skintype", "combination") else 0),
    ),
    (
        "citrus coffee",
        "natural",
        "coffee with citrus notes",
        lambda p: (
            3 if p.coffee and p.notes("lemon", "orange", "grapefruit", "citrus", "lime", "mandarin", "bergamot") else 0
        ),
    ),
    (
        "a calming evening tea",
        "natural",
        "relaxing evening herbal teas; other caffeine-free teas are related",
        lambda p: 3 if p.tea and p.tag("evening") else (1 if p.tea and p.attr("caffeine", "none") else 0),
    ),
    (
        "spicy tea",
        "natural",
        "tea with spice notes",
        lambda p: 3 if p.tea and p.notes("spic", "cinnamon", "ginger", "cardamom", "clove", "pepper") else 0,
    ),
    (
        "japanese green tea",
        "natural",
        "green tea from Japan; other green teas are related",
        lambda p: 3 if p.tea_type("green") and p.attr("origin", "japan") else (1 if p.tea_type("green") else 0),
    ),
    (
        "taiwanese oolong",
        "natural",
        "oolong from Taiwan; other oolongs are related",
        lambda p: 3 if p.tea_type("oolong") and p.attr("origin", "taiwan") else (1 if p.tea_type("oolong") else 0),
    ),
    (
        "sugar free syrup",
        "natural",
        "sugar-free syrups; other syrups are related",
        lambda p: 3 if p.kind("syrups") and p.tag("sugar-free") else (1 if p.food and p.kind("syrups") else 0),
    ),
    ("coffee under $12", "natural", "coffee costing at most $12", lambda p: 3 if p.coffee and p.price <= 12 else 0),
    (
        "hand cream under 15 dollars",
        "natural",
        "hand cream at most $15; hand & nail balms are good answers",
        lambda p: (3 if p.kind("hand-cream") else 2 if p.kind("hand-and-nail-balm") else 0) if p.price <= 15 else 0,
    ),
    (
        "herbal tea under $9",
        "natural",
        "herbal tea at most $9",
        lambda p: 3 if p.tea_type("herbal") and p.price <= 9 else 0,
    ),
    (
        "something for cracked heels",
        "natural",
        "foot cream; healing balms are related",
        lambda p: 3 if p.kind("foot-cream") else (1 if p.kind("healing-balm") else 0),
    ),
    (
        "decaf espresso",
        "natural",
        "decaf espresso; other decaf coffees and espressos are related",
        lambda p: (
            3
            if p.coffee and p.tag("decaf") and p.tag("espresso")
            else (1 if p.coffee and p.tag("decaf", "espresso") else 0)
        ),
    ),
]


def nutty(p: P) -> bool:
    return p.notes("hazelnut", "almond", "peanut", "walnut", "nut")


def chocolatey(p: P) -> bool:
    return p.notes("chocolate", "cocoa")


def main() -> None:
    shop = build_demo_shop(n_products=160)
    products = [P(doc) for doc in shop.products]
    out = []
    for query, kind, intent, rule in QUERIES:
        relevant = {p.slug: grade for p in products if (grade := rule(p)) > 0}
        if not relevant:
            raise SystemExit(f"no relevant product for {query!r}: fix the rule")
        out.append({"query": query, "kind": kind, "intent": intent, "relevant": dict(sorted(relevant.items()))})
    OUT.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "catalog": "demo.seed.build_demo_shop(n_products=160, seed=7)",
        "grades": {"3": "exactly what was asked", "2": "a good answer", "1": "related / acceptable"},
        "generated_by": "bench/search_labels.py (the rules are documented there)",
        "queries": out,
    }
    OUT.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n")
    kinds: dict[str, int] = {}
    for item in out:
        kinds[item["kind"]] = kinds.get(item["kind"], 0) + 1
    print(f"wrote {len(out)} queries to {OUT} ({kinds})")


if __name__ == "__main__":
    main()
