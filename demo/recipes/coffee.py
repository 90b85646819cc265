"""Coffee recipes: single origins (origin x region x process) and blends, with their descriptions.

The words (origins, notes, blend names, sentences) are in demo/data/coffee.json; this module decides
how they combine: roast, price, tags, and which sentences a product gets.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from demo.recipes.spec import ProductSpec, Recipe, bind
from demo.vocabulary import load
from shop.core.text import slugify

KIND_WEIGHTS: dict[str, float] = {"single-origin": 0.68, "blend": 0.32}
"""How the assortment splits the coffee shelf between kinds."""


@dataclass(frozen=True)
class Origin:
    label: str
    country: str
    regions: tuple[str, ...]
    altitude: tuple[int, int]  # metres, lowest and highest
    notes: tuple[str, ...]
    processes: tuple[str, ...]
    premium: float
    roast: str


@dataclass(frozen=True)
class Process:
    name: str
    premium: float
    extra_notes: tuple[str, ...]  # one of these replaces the third origin note


@dataclass(frozen=True)
class FixedBlend:
    name: str
    origins: str
    roast: str
    notes: tuple[str, ...]
    use: str
    season: str | None
    caffeine: str


@dataclass(frozen=True)
class BlendStyle:
    style: str
    use: str
    roast: str


_WORDS = load("coffee")
ORIGINS = _WORDS.records("origins", Origin)
PROCESSES = _WORDS.record_table("processes", Process)
FIXED_BLENDS = _WORDS.records("fixed_blends", FixedBlend)
HOUSE_BLEND_WORDS = _WORDS.words("house_blend_words")
HOUSE_BLEND_STYLES = _WORDS.records("house_blend_styles", BlendStyle)
HOUSE_BLEND_COUNTRIES = _WORDS.words("house_blend_countries")
BLEND_NOTES = _WORDS.lists("blend_notes_by_roast")
SINGLE_ORIGIN_INTROS = _WORDS.words("single_origin_intros")
DECAF_INTROS = _WORDS.words("decaf_intros")
BLEND_PURPOSES = _WORDS.table("blend_purposes")
BLEND_INTROS = _WORDS.words("blend_intros")
DECAF_BLEND_NOTE = _WORDS.text("decaf_blend_note")
NOTES_SENTENCES = _WORDS.words("notes_sentences")
BREWING_TIPS = _WORDS.lists("brewing_tips")
SHOP_NOTES = _WORDS.words("shop_notes")
SEASON_NOTES = _WORDS.table("season_notes")


def recipes() -> list[Recipe]:
    """Every coffee the shop could stock, in a fixed order."""
    out: list[Recipe] = []
    for origin in ORIGINS:
        for region in origin.regions:
            for process in origin.processes:
                name = f"{origin.label} {region} {PROCESSES[process].name}"
                out.append(Recipe(name, "single-origin", bind(_single_origin_spec, origin, region, process)))
    for blend in FIXED_BLENDS:
        out.append(Recipe(blend.name, "blend", bind(_fixed_blend_spec, blend)))
    for word in HOUSE_BLEND_WORDS:
        for style in HOUSE_BLEND_STYLES:
            name = f"{word} {style.style}"
            out.append(Recipe(name, "blend", bind(_house_blend_spec, name, style)))
    return out


def _single_origin_spec(rng: random.Random, origin: Origin, region: str, process: str) -> ProductSpec:
    decaf = process == "decaf"
    roast = "medium" if decaf else origin.roast
    if not decaf and roast == "light" and rng.random() < 0.3:
        roast = "medium"
    notes = rng.sample(origin.notes, 3)
    if PROCESSES[process].extra_notes:
        notes[2] = rng.choice(PROCESSES[process].extra_notes)
    altitude = rng.randrange(origin.altitude[0], origin.altitude[1] + 1, 50)
    process_attr = "washed" if decaf else process
    use = "espresso" if roast in ("medium-dark", "dark") else "filter"
    place = f"{region}, {origin.label}"
    intro = rng.choice(DECAF_INTROS if decaf else SINGLE_ORIGIN_INTROS).format(
        place=place, roast=roast, altitude=altitude, process=process, region=region, origin=origin.label
    )
    price = 12.5 + origin.premium + PROCESSES[process].premium + rng.uniform(0.0, 3.0)
    tags = [
        "coffee",
        "single-origin",
        slugify(origin.country),
        slugify(region),
        roast,
        process_attr,
        "decaf" if decaf else "caffeinated",
        use,
        "whole-bean",
    ]
    return ProductSpec(
        name="",
        category="coffee",
        kind="single-origin",
        attributes={
            "origin": origin.country,
            "roast": roast,
            "process": process_attr,
            "caffeine": "decaf" if decaf else "caffeinated",
            "notes": ", ".join(notes),
        },
        tags=tags,
        price=price,
        size=250,
        unit="g",
        lead=[intro, _notes_sentence(rng, notes)],
        extras=_extras(rng, use, notes, None),
        supplier_group="coffee",
        label=roast,
    )


def _fixed_blend_spec(rng: random.Random, blend: FixedBlend) -> ProductSpec:
    price = {"espresso": 13.5, "cold brew": 14.0, "iced coffee": 13.0}.get(blend.use, 12.0) + rng.uniform(-1.0, 2.0)
    return _blend_spec(
        rng, blend.name, blend.origins, blend.roast, list(blend.notes), blend.use, blend.season, blend.caffeine, price
    )


def _house_blend_spec(rng: random.Random, name: str, style: BlendStyle) -> ProductSpec:
    countries = rng.sample(HOUSE_BLEND_COUNTRIES, rng.choice((2, 3)))
    origins = ", ".join(countries[:-1]) + " & " + countries[-1]
    roast = style.roast
    if style.style == "Blend":
        roast = rng.choice(("light", "medium", "medium"))
    notes = rng.sample(BLEND_NOTES[roast], 3)
    caffeine = "decaf" if style.style == "Decaf" else "caffeinated"
    return _blend_spec(rng, name, origins, roast, notes, style.use, None, caffeine, 10.5 + rng.uniform(0.0, 4.5))


def _blend_spec(
    rng: random.Random,
    name: str,
    origins: str,
    roast: str,
    notes: list[str],
    use: str,
    season: str | None,
    caffeine: str,
    price: float,
) -> ProductSpec:
    purpose = BLEND_PURPOSES.get(use, use)
    intro = rng.choice(BLEND_INTROS).format(name=name, origins=origins, roast=roast, purpose=purpose, use=use)
    tags = ["coffee", "blend", roast, caffeine, slugify(use), "whole-bean"]
    if season == "summer":
        tags += ["iced", "summer"]
    if season == "winter":
        tags += ["winter", "seasonal"]
    must = [DECAF_BLEND_NOTE] if caffeine == "decaf" else []
    return ProductSpec(
        name="",
        category="coffee",
        kind="blend",
        attributes={
            "origin": origins,
            "roast": roast,
            "process": "washed & natural",
            "caffeine": caffeine,
            "notes": ", ".join(notes),
        },
        tags=tags,
        price=price,
        size=250 if use != "espresso" else 500,
        unit="g",
        lead=[intro, _notes_sentence(rng, notes)],
        extras=_extras(rng, use, notes, season),
        supplier_group="coffee",
        label=roast,
        season=season,
        must=must,
    )


def _notes_sentence(rng: random.Random, notes: Sequence[str]) -> str:
    first, second, third = notes[:3]
    return rng.choice(NOTES_SENTENCES).format(note1=first, note2=second, note3=third)


def _extras(rng: random.Random, use: str, notes: Sequence[str], season: str | None) -> list[str]:
    """A brewing tip for how the coffee is meant to be used, then one note about the shop or season."""
    others = list(SHOP_NOTES)
    if season is not None and season in SEASON_NOTES:
        others.insert(0, SEASON_NOTES[season])
    return [rng.choice(BREWING_TIPS[use]).format(note1=notes[0]), rng.choice(others)]
