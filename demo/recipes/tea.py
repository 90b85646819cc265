"""Tea recipes: named teas from their origins, herbal blends (every pair of herbs) and rooibos flavours.

The words are in demo/data/tea.json; this module decides caffeine, pack size, brewing tip, tags and
price, and which sentences a tea gets.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from demo.recipes.spec import ProductSpec, Recipe, bind
from demo.vocabulary import Records, Table, Words, load
from shop.core.text import slugify

KIND_WEIGHTS: dict[str, float] = {
    "black": 0.26,
    "green": 0.24,
    "white": 0.08,
    "oolong": 0.12,
    "herbal": 0.22,
    "rooibos": 0.08,
}
"""How the assortment splits the tea shelf between kinds."""


@dataclass(frozen=True)
class Tea:
    name: str
    type: str
    origin: str
    notes: Words
    price: float  # at 100 g, or at the pack size given in pack_sizes
    season: str | None = None


@dataclass(frozen=True)
class Herb:
    herb: str
    origin: str
    effect: str  # a key of herb_effects
    note: str  # its flavour note


@dataclass(frozen=True)
class Brewing:
    temperature: int  # °C
    minutes: str


@dataclass(frozen=True)
class TeaWords:
    """demo/data/tea.json, one field per key."""

    teas: Records[Tea]
    caffeine_by_type: Table
    caffeine_overrides: Table
    pack_sizes: dict[str, int]
    brewing: dict[str, Brewing]
    supplier_by_origin: Table
    adjectives: Words
    intros: Words
    matcha_tip: str
    steep_tip: str
    closing_notes: Words
    black_tea_note: str
    notes_sentences: Words
    herbs: Records[Herb]
    herb_effects: Table
    herbal_suffixes: Words
    herbal_finishing_notes: Words
    herbal_intro: str
    herbal_steep_tip: str
    bedtime_note: str
    herbal_closing_notes: Words
    rooibos_bases: Words
    rooibos_flavors: Words
    rooibos_middle_notes: Words
    rooibos_intro: str
    rooibos_steep_tip: str
    rooibos_closing_notes: Words


WORDS = load("tea").into(TeaWords)


def recipes() -> list[Recipe]:
    """Every tea the shop could stock, in a fixed order."""
    out = [Recipe(tea.name, tea.type, bind(_origin_tea_spec, tea)) for tea in WORDS.teas]
    for base in WORDS.rooibos_bases:
        for flavor in WORDS.rooibos_flavors:
            out.append(Recipe(f"{base} {flavor}", "rooibos", bind(_rooibos_spec, base, flavor)))
    for i, first in enumerate(WORDS.herbs):
        for second in WORDS.herbs[i + 1 :]:
            for suffix in WORDS.herbal_suffixes:
                name = f"{first.herb} & {second.herb} {suffix}"
                out.append(Recipe(name, "herbal", bind(_herbal_spec, first, second)))
    return out


def _origin_tea_spec(rng: random.Random, tea: Tea) -> ProductSpec:
    caffeine = WORDS.caffeine_overrides.get(tea.name, WORDS.caffeine_by_type[tea.type])
    size = WORDS.pack_sizes.get(tea.name, 100)
    adjective = rng.choice(WORDS.adjectives)
    intro = rng.choice(WORDS.intros).format(tea_type=tea.type, origin=tea.origin, adjective=adjective, name=tea.name)
    brewing = WORDS.brewing[tea.type]
    if "Matcha" in tea.name:
        tip = WORDS.matcha_tip
    else:
        tip = WORDS.steep_tip.format(temperature=brewing.temperature, minutes=brewing.minutes)
    extras = [tip, rng.choice(WORDS.closing_notes)]
    if tea.type == "black" and rng.random() < 0.5:
        extras[1] = WORDS.black_tea_note
    tags = ["tea", tea.type, *[slugify(o) for o in tea.origin.split(" & ")], f"{caffeine}-caffeine", "loose-leaf"]
    if "Matcha" in tea.name:
        tags += ["matcha", "powder"]
    return ProductSpec(
        name="",
        category="tea",
        kind=tea.type,
        attributes={"origin": tea.origin, "type": tea.type, "caffeine": caffeine, "notes": ", ".join(tea.notes)},
        tags=tags,
        price=tea.price * (1.0 + rng.uniform(-0.08, 0.08)),
        size=size,
        unit="g",
        lead=[intro, _notes_sentence(rng, tea.notes)],
        extras=extras,
        supplier_group=WORDS.supplier_by_origin.get(tea.origin, "tea"),
        label=tea.type,
        season=tea.season,
    )


def _herbal_spec(rng: random.Random, first: Herb, second: Herb) -> ProductSpec:
    herbs = (first.herb.lower(), second.herb.lower())
    effect = first.effect if first.effect == "calming" or second.effect != "calming" else second.effect
    notes = [first.note, second.note, rng.choice(WORDS.herbal_finishing_notes)]
    intro = WORDS.herbal_intro.format(herb1=herbs[0], herb2=herbs[1], effect=WORDS.herb_effects[effect])
    extras = [WORDS.herbal_steep_tip]
    if effect == "calming":
        extras.append(WORDS.bedtime_note)
    else:
        extras.append(rng.choice(WORDS.herbal_closing_notes))
    tags = ["tea", "herbal", "caffeine-free", slugify(herbs[0]), slugify(herbs[1])]
    if effect == "calming":
        tags += ["sleep", "relaxing", "evening"]
    season = "winter" if effect in ("calming", "warming") else ("summer" if effect == "refreshing" else None)
    if effect in ("calming", "warming"):
        tags.append("winter")
    return ProductSpec(
        name="",
        category="tea",
        kind="herbal",
        attributes={"origin": first.origin, "type": "herbal", "caffeine": "none", "notes": ", ".join(notes)},
        tags=tags,
        price=6.5 + rng.uniform(0.0, 5.5),
        size=rng.choice((50, 60, 80)),
        unit="g",
        lead=[intro, _notes_sentence(rng, notes)],
        extras=extras,
        supplier_group="herbal",
        label="herbal",
        season=season,
    )


def _rooibos_spec(rng: random.Random, base: str, flavor: str) -> ProductSpec:
    notes = [flavor.lower(), rng.choice(WORDS.rooibos_middle_notes), "smooth"]
    intro = WORDS.rooibos_intro.format(base=base.lower(), flavor=flavor.lower())
    extras = [WORDS.rooibos_steep_tip, rng.choice(WORDS.rooibos_closing_notes)]
    tags = ["tea", "rooibos", "caffeine-free", "south-africa", slugify(flavor)]
    return ProductSpec(
        name="",
        category="tea",
        kind="rooibos",
        attributes={"origin": "South Africa", "type": "rooibos", "caffeine": "none", "notes": ", ".join(notes)},
        tags=tags,
        price=7.0 + rng.uniform(0.0, 4.0),
        size=100,
        unit="g",
        lead=[intro, _notes_sentence(rng, notes)],
        extras=extras,
        supplier_group="herbal",
        label="rooibos",
    )


def _notes_sentence(rng: random.Random, notes: Sequence[str]) -> str:
    first, second, third = notes[:3]
    return rng.choice(WORDS.notes_sentences).format(note1=first, note2=second, note3=third)
