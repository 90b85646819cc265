"""Tea recipes: named teas from their origins, herbal blends (every pair of herbs) and rooibos flavours.

The words are in demo/data/tea.json; this module decides caffeine, pack size, brewing tip, tags and
price, and which sentences a tea gets.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from demo.recipes.spec import ProductSpec, Recipe, bind
from demo.vocabulary import load
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
    notes: tuple[str, ...]
    price: float  # at 100 g, or at the pack size given in PACK_SIZES
    season: str | None = None


@dataclass(frozen=True)
class Herb:
    herb: str
    origin: str
    effect: str  # a key of HERB_EFFECTS
    note: str  # its flavour note


@dataclass(frozen=True)
class Brewing:
    temperature: int  # °C
    minutes: str


_WORDS = load("tea")
TEAS = _WORDS.records("teas", Tea)
CAFFEINE_BY_TYPE = _WORDS.table("caffeine_by_type")
CAFFEINE_OVERRIDES = _WORDS.table("caffeine_overrides")
PACK_SIZES = _WORDS.mapping("pack_sizes", int)
BREWING = _WORDS.record_table("brewing", Brewing)
SUPPLIER_BY_ORIGIN = _WORDS.table("supplier_by_origin")
ADJECTIVES = _WORDS.words("adjectives")
INTROS = _WORDS.words("intros")
MATCHA_TIP = _WORDS.text("matcha_tip")
STEEP_TIP = _WORDS.text("steep_tip")
CLOSING_NOTES = _WORDS.words("closing_notes")
BLACK_TEA_NOTE = _WORDS.text("black_tea_note")
NOTES_SENTENCES = _WORDS.words("notes_sentences")
HERBS = _WORDS.records("herbs", Herb)
HERB_EFFECTS = _WORDS.table("herb_effects")
HERBAL_SUFFIXES = _WORDS.words("herbal_suffixes")
HERBAL_FINISHING_NOTES = _WORDS.words("herbal_finishing_notes")
HERBAL_INTRO = _WORDS.text("herbal_intro")
HERBAL_STEEP_TIP = _WORDS.text("herbal_steep_tip")
BEDTIME_NOTE = _WORDS.text("bedtime_note")
HERBAL_CLOSING_NOTES = _WORDS.words("herbal_closing_notes")
ROOIBOS_BASES = _WORDS.words("rooibos_bases")
ROOIBOS_FLAVORS = _WORDS.words("rooibos_flavors")
ROOIBOS_MIDDLE_NOTES = _WORDS.words("rooibos_middle_notes")
ROOIBOS_INTRO = _WORDS.text("rooibos_intro")
ROOIBOS_STEEP_TIP = _WORDS.text("rooibos_steep_tip")
ROOIBOS_CLOSING_NOTES = _WORDS.words("rooibos_closing_notes")


def recipes() -> list[Recipe]:
    """Every tea the shop could stock, in a fixed order."""
    out = [Recipe(tea.name, tea.type, bind(_origin_tea_spec, tea)) for tea in TEAS]
    for base in ROOIBOS_BASES:
        for flavor in ROOIBOS_FLAVORS:
            out.append(Recipe(f"{base} {flavor}", "rooibos", bind(_rooibos_spec, base, flavor)))
    for i, first in enumerate(HERBS):
        for second in HERBS[i + 1 :]:
            for suffix in HERBAL_SUFFIXES:
                name = f"{first.herb} & {second.herb} {suffix}"
                out.append(Recipe(name, "herbal", bind(_herbal_spec, first, second)))
    return out


def _origin_tea_spec(rng: random.Random, tea: Tea) -> ProductSpec:
    caffeine = CAFFEINE_OVERRIDES.get(tea.name, CAFFEINE_BY_TYPE[tea.type])
    size = PACK_SIZES.get(tea.name, 100)
    adjective = rng.choice(ADJECTIVES)
    intro = rng.choice(INTROS).format(tea_type=tea.type, origin=tea.origin, adjective=adjective, name=tea.name)
    brewing = BREWING[tea.type]
    if "Matcha" in tea.name:
        tip = MATCHA_TIP
    else:
        tip = STEEP_TIP.format(temperature=brewing.temperature, minutes=brewing.minutes)
    extras = [tip, rng.choice(CLOSING_NOTES)]
    if tea.type == "black" and rng.random() < 0.5:
        extras[1] = BLACK_TEA_NOTE
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
        supplier_group=SUPPLIER_BY_ORIGIN.get(tea.origin, "tea"),
        label=tea.type,
        season=tea.season,
    )


def _herbal_spec(rng: random.Random, first: Herb, second: Herb) -> ProductSpec:
    herbs = (first.herb.lower(), second.herb.lower())
    effect = first.effect if first.effect == "calming" or second.effect != "calming" else second.effect
    notes = [first.note, second.note, rng.choice(HERBAL_FINISHING_NOTES)]
    intro = HERBAL_INTRO.format(herb1=herbs[0], herb2=herbs[1], effect=HERB_EFFECTS[effect])
    extras = [HERBAL_STEEP_TIP]
    if effect == "calming":
        extras.append(BEDTIME_NOTE)
    else:
        extras.append(rng.choice(HERBAL_CLOSING_NOTES))
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
    notes = [flavor.lower(), rng.choice(ROOIBOS_MIDDLE_NOTES), "smooth"]
    intro = ROOIBOS_INTRO.format(base=base.lower(), flavor=flavor.lower())
    extras = [ROOIBOS_STEEP_TIP, rng.choice(ROOIBOS_CLOSING_NOTES)]
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
    return rng.choice(NOTES_SENTENCES).format(note1=first, note2=second, note3=third)
