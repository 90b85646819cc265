"""Coffee recipes: single origins (origin x region x process) and blends, with their descriptions.

The words (origins, notes, blend names, sentences) are in demo/data/coffee.json; this module decides
how they combine: roast, price, tags, and which sentences a product gets.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from demo.recipes.spec import ProductSpec, Recipe, bind
from demo.vocabulary import Records, Table, WordLists, Words, load
from shop.core.text import slugify

KIND_WEIGHTS: dict[str, float] = {"single-origin": 0.68, "blend": 0.32}
"""How the assortment splits the coffee shelf between kinds."""


@dataclass(frozen=True)
class Origin:
    label: str
    country: str
    regions: Words
    altitude: tuple[int, int]  # metres, lowest and highest
    notes: Words
    processes: Words
    premium: float
    roast: str


@dataclass(frozen=True)
class Process:
    name: str
    premium: float
    extra_notes: Words  # one of these replaces the third origin note


@dataclass(frozen=True)
class FixedBlend:
    name: str
    origins: str
    roast: str
    notes: Words
    use: str
    season: str | None
    caffeine: str


@dataclass(frozen=True)
class BlendStyle:
    style: str
    use: str
    roast: str


@dataclass(frozen=True)
class CoffeeWords:
    """demo/data/coffee.json, one field per key."""

    origins: Records[Origin]
    processes: dict[str, Process]
    fixed_blends: Records[FixedBlend]
    house_blend_words: Words
    house_blend_styles: Records[BlendStyle]
    house_blend_countries: Words
    blend_notes_by_roast: WordLists
    single_origin_intros: Words
    decaf_intros: Words
    blend_purposes: Table
    blend_intros: Words
    decaf_blend_note: str
    notes_sentences: Words
    brewing_tips: WordLists
    shop_notes: Words
    season_notes: Table


WORDS = load("coffee").into(CoffeeWords)


def recipes() -> list[Recipe]:
    """Every coffee the shop could stock, in a fixed order."""
    out: list[Recipe] = []
    for origin in WORDS.origins:
        for region in origin.regions:
            for process in origin.processes:
                name = f"{origin.label} {region} {WORDS.processes[process].name}"
                out.append(Recipe(name, "single-origin", bind(_single_origin_spec, origin, region, process)))
    for blend in WORDS.fixed_blends:
        out.append(Recipe(blend.name, "blend", bind(_fixed_blend_spec, blend)))
    for word in WORDS.house_blend_words:
        for style in WORDS.house_blend_styles:
            name = f"{word} {style.style}"
            out.append(Recipe(name, "blend", bind(_house_blend_spec, name, style)))
    return out


def _single_origin_spec(rng: random.Random, origin: Origin, region: str, process: str) -> ProductSpec:
    decaf = process == "decaf"
    roast = "medium" if decaf else origin.roast
    if not decaf and roast == "light" and rng.random() < 0.3:
        roast = "medium"
    notes = rng.sample(origin.notes, 3)
    if WORDS.processes[process].extra_notes:
        notes[2] = rng.choice(WORDS.processes[process].extra_notes)
    altitude = rng.randrange(origin.altitude[0], origin.altitude[1] + 1, 50)
    process_attr = "washed" if decaf else process
    use = "espresso" if roast in ("medium-dark", "dark") else "filter"
    place = f"{region}, {origin.label}"
    intro = rng.choice(WORDS.decaf_intros if decaf else WORDS.single_origin_intros).format(
        place=place, roast=roast, altitude=altitude, process=process, region=region, origin=origin.label
    )
    price = 12.5 + origin.premium + WORDS.processes[process].premium + rng.uniform(0.0, 3.0)
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
    countries = rng.sample(WORDS.house_blend_countries, rng.choice((2, 3)))
    origins = ", ".join(countries[:-1]) + " & " + countries[-1]
    roast = style.roast
    if style.style == "Blend":
        roast = rng.choice(("light", "medium", "medium"))
    notes = rng.sample(WORDS.blend_notes_by_roast[roast], 3)
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
    purpose = WORDS.blend_purposes.get(use, use)
    intro = rng.choice(WORDS.blend_intros).format(name=name, origins=origins, roast=roast, purpose=purpose, use=use)
    tags = ["coffee", "blend", roast, caffeine, slugify(use), "whole-bean"]
    if season == "summer":
        tags += ["iced", "summer"]
    if season == "winter":
        tags += ["winter", "seasonal"]
    must = [WORDS.decaf_blend_note] if caffeine == "decaf" else []
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
    return rng.choice(WORDS.notes_sentences).format(note1=first, note2=second, note3=third)


def _extras(rng: random.Random, use: str, notes: Sequence[str], season: str | None) -> list[str]:
    """A brewing tip for how the coffee is meant to be used, then one note about the shop or season."""
    others = list(WORDS.shop_notes)
    if season is not None and season in WORDS.season_notes:
        others.insert(0, WORDS.season_notes[season])
    return [rng.choice(WORDS.brewing_tips[use]).format(note1=notes[0]), rng.choice(others)]
