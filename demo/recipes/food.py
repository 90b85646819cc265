"""Pantry recipes: chocolate, biscuits, honey, jam, granola, nuts and syrups.

The words are in demo/data/food.json, one section per kind; this module decides the diet labels,
ingredient lists, sizes, prices and tags, and which sentences a product gets.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from demo.recipes.spec import ProductSpec, Recipe, bind
from demo.text import dedupe
from demo.vocabulary import Records, Table, Words, load
from shop.core.text import slugify

KIND_WEIGHTS: dict[str, float] = {
    "chocolate": 0.2,
    "biscuits": 0.16,
    "honey": 0.14,
    "jam": 0.13,
    "granola": 0.11,
    "nuts": 0.14,
    "syrups": 0.12,
}
"""How the assortment splits the pantry shelf between kinds."""


@dataclass(frozen=True)
class ChocolateFlavor:
    ingredient: str
    vegan: bool


@dataclass(frozen=True)
class BiscuitLine:
    line: str
    flavors: Words
    base: str  # base ingredients
    texture: str
    intro: str | None = None  # the line's own intro; otherwise one of BISCUIT_INTROS


@dataclass(frozen=True)
class FixedBiscuit:
    name: str
    ingredients: str
    texture: str


@dataclass(frozen=True)
class Honey:
    flower: str
    place: str  # where the hives are
    notes: str
    price: float  # at 340 g


@dataclass(frozen=True)
class HoneyStyle:
    style: str  # "" for plain honey
    texture: str
    handling: str


@dataclass(frozen=True)
class JamForm:
    name: str  # a pattern with {fruit}
    fruit_percent: int


@dataclass(frozen=True)
class Flavoring:
    """A granola flavour or a nut seasoning: its name, what it adds, and whether it stays vegan."""

    name: str
    ingredients: str
    vegan: bool


@dataclass(frozen=True)
class ChocolateWords:
    """demo/data/food.json's "chocolate" section."""

    dark_percentages: tuple[int, ...]
    flavors: dict[str, ChocolateFlavor]
    milk_flavors: Words
    white_flavors: Words
    oat_milk_flavors: Words
    bases: Table
    kind_words: Table
    cacao_origins: Words
    intros: Words
    tastes: Words
    pairings: Words
    wrapping: str


@dataclass(frozen=True)
class BiscuitsWords:
    """demo/data/food.json's "biscuits" section."""

    lines: Records[BiscuitLine]
    flavor_ingredients: Table
    fixed: Records[FixedBiscuit]
    intros: Words
    texture_sentence: str
    serving: Words
    packing: str


@dataclass(frozen=True)
class HoneyWords:
    """demo/data/food.json's "honey" section."""

    honeys: Records[Honey]
    manuka_honeys: Records[Honey]
    styles: Records[HoneyStyle]
    intro: str
    ingredients: str
    manuka_intro: str
    texture_sentence: str
    uses: Words


@dataclass(frozen=True)
class JamWords:
    """demo/data/food.json's "jam" section."""

    fruits: Words
    forms: Records[JamForm]
    marmalades: Words
    marmalade_forms: Records[JamForm]
    jam_intros: Words
    marmalade_intros: Words
    jam_tastes: Words
    marmalade_tastes: Words
    ingredients: str
    uses: Words


@dataclass(frozen=True)
class GranolaWords:
    """demo/data/food.json's "granola" section."""

    flavors: Records[Flavoring]
    oats: Table
    intro: str
    textures: Words
    uses: Words
    ingredients: str


@dataclass(frozen=True)
class NutsWords:
    """demo/data/food.json's "nuts" section."""

    nuts: Words
    premium_nuts: frozenset[str]
    styles: Records[Flavoring]
    intro: str
    snack_notes: Words
    uses: Words
    butters: Words
    butter_textures: Words
    butter_intro: str
    butter_stir_note: str
    butter_uses: Words
    butter_ingredients: str


@dataclass(frozen=True)
class SyrupsWords:
    """demo/data/food.json's "syrups" section."""

    flavors: Words
    winter_flavors: frozenset[str]
    intros: Table  # by "sugar" / "sugar-free"
    serving: Words
    uses: Words
    ingredients: Table  # by "sugar" / "sugar-free"


@dataclass(frozen=True)
class FoodWords:
    """demo/data/food.json: a section per kind."""

    chocolate: ChocolateWords
    biscuits: BiscuitsWords
    honey: HoneyWords
    jam: JamWords
    granola: GranolaWords
    nuts: NutsWords
    syrups: SyrupsWords


WORDS = load("food").into(FoodWords)
PLAIN_HONEY = next(style for style in WORDS.honey.styles if not style.style)


def recipes() -> list[Recipe]:
    """Every pantry product the shop could stock, in a fixed order."""
    out: list[Recipe] = []
    for pct in WORDS.chocolate.dark_percentages:
        for flavor in WORDS.chocolate.flavors:
            name = f"Dark Chocolate {pct}% {flavor}"
            out.append(Recipe(name, "chocolate", bind(_chocolate_spec, "dark", pct, flavor)))
    for style, flavors in (
        ("milk", WORDS.chocolate.milk_flavors),
        ("white", WORDS.chocolate.white_flavors),
        ("oat milk", WORDS.chocolate.oat_milk_flavors),
    ):
        for flavor in flavors:
            name = f"{style.title()} Chocolate {flavor}"
            out.append(Recipe(name, "chocolate", bind(_chocolate_spec, style, 0, flavor)))
    for line in WORDS.biscuits.lines:
        for flavor in line.flavors:
            builder = bind(_biscuit_spec, flavor, line.line, line.base, line.texture, line.intro)
            out.append(Recipe(f"{flavor} {line.line}", "biscuits", builder))
    for fixed in WORDS.biscuits.fixed:
        builder = bind(_biscuit_spec, fixed.name, "", fixed.ingredients, fixed.texture, None)
        out.append(Recipe(fixed.name, "biscuits", builder))
    for honey in WORDS.honey.honeys:
        for style in WORDS.honey.styles:
            name = f"{style.style} {honey.flower} Honey" if style.style else f"{honey.flower} Honey"
            out.append(Recipe(name, "honey", bind(_honey_spec, honey, style)))
    for honey in WORDS.honey.manuka_honeys:
        out.append(Recipe(f"{honey.flower} Honey", "honey", bind(_honey_spec, honey, PLAIN_HONEY)))
    for fruits, forms, marmalade in (
        (WORDS.jam.fruits, WORDS.jam.forms, False),
        (WORDS.jam.marmalades, WORDS.jam.marmalade_forms, True),
    ):
        for fruit in fruits:
            for form in forms:
                out.append(Recipe(form.name.format(fruit=fruit), "jam", bind(_jam_spec, fruit, form, marmalade)))
    for granola in WORDS.granola.flavors:
        for gluten_free in (False, True):
            name = f"{'Gluten-Free ' if gluten_free else ''}{granola.name} Granola"
            out.append(Recipe(name, "granola", bind(_granola_spec, granola, gluten_free)))
    for nut in WORDS.nuts.nuts:
        for seasoning in WORDS.nuts.styles:
            out.append(Recipe(f"{seasoning.name} {nut}", "nuts", bind(_nut_spec, nut, seasoning)))
    for nut in WORDS.nuts.butters:
        for texture in WORDS.nuts.butter_textures:
            out.append(Recipe(f"{texture} {nut} Butter", "nuts", bind(_nut_butter_spec, nut, texture)))
    for flavor in WORDS.syrups.flavors:
        for sugar_free in (False, True):
            name = f"{'Sugar-Free ' if sugar_free else ''}{flavor} Syrup"
            out.append(Recipe(name, "syrups", bind(_syrup_spec, flavor, sugar_free)))
    return out


def _food_spec(
    kind: str,
    *,
    diet: str,
    ingredients: str,
    size: int,
    price: float,
    lead: list[str],
    extras: list[str],
    tags: list[str],
    label: str,
    unit: str = "g",
    season: str | None = None,
) -> ProductSpec:
    diet_tags = [slugify(d) for d in diet.split(", ") if d]
    return ProductSpec(
        name="",
        category="food",
        kind=kind,
        attributes={"diet": diet, "ingredients": ingredients},
        tags=["food", kind, *tags, *diet_tags],
        price=price,
        size=size,
        unit=unit,
        lead=lead,
        extras=extras,
        supplier_group=kind,
        label=label,
        season=season,
    )


def _chocolate_spec(rng: random.Random, style: str, pct: int, flavor: str) -> ProductSpec:
    flavoring = WORDS.chocolate.flavors[flavor]
    vegan = flavoring.vegan and style in ("dark", "oat milk")  # milk and white chocolate contain milk powder
    diet = "vegan, gluten-free" if vegan else "vegetarian, gluten-free"
    kind_words = WORDS.chocolate.kind_words[style].format(percent=pct)
    origin = rng.choice(WORDS.chocolate.cacao_origins)
    lead = [
        rng.choice(WORDS.chocolate.intros).format(
            kind_words=kind_words, origin=origin, ingredient=flavoring.ingredient
        ),
        rng.choice(WORDS.chocolate.tastes).format(flavor=flavor.lower()),
    ]
    extras = [rng.choice(WORDS.chocolate.pairings), WORDS.chocolate.wrapping]
    return _food_spec(
        "chocolate",
        diet=diet,
        ingredients=f"{WORDS.chocolate.bases[style]}, {flavoring.ingredient}",
        size=rng.choice((70, 80, 100)),
        price=4.5 + rng.uniform(0.0, 4.5),
        lead=lead,
        extras=extras,
        tags=["chocolate", style.replace(" ", "-"), "gift"],
        label="chocolate",
    )


def _biscuit_spec(
    rng: random.Random, flavor: str, line: str, base: str, texture: str, line_intro: str | None
) -> ProductSpec:
    what = f"{flavor.lower()} {line.lower()}".strip() if line else flavor.lower()
    flavor_parts = WORDS.biscuits.flavor_ingredients.get(flavor, flavor.lower().replace(" & ", ", ")) if line else ""
    ingredients = ", ".join(dedupe([*base.split(", "), *flavor_parts.split(", ")]))
    if line_intro is not None:
        intro = line_intro.format(flavor=flavor.lower())
    else:
        intro = rng.choice(WORDS.biscuits.intros).format(what=what)
    lead = [intro, WORDS.biscuits.texture_sentence.format(texture=texture)]
    extras = [rng.choice(WORDS.biscuits.serving), WORDS.biscuits.packing]
    return _food_spec(
        "biscuits",
        diet="vegetarian",
        ingredients=ingredients,
        size=rng.choice((150, 180, 200, 250)),
        price=5.0 + rng.uniform(0.0, 4.0),
        lead=lead,
        extras=extras,
        tags=["biscuits", slugify(line or flavor), "bakery"],
        label="biscuits",
    )


def _honey_spec(rng: random.Random, honey: Honey, style: HoneyStyle) -> ProductSpec:
    manuka = honey.flower.startswith("Manuka")
    what = f"{style.style} {honey.flower.lower()}" if style.style else honey.flower
    lead = [
        WORDS.honey.intro.format(what=what, place=honey.place, handling=style.handling),
        WORDS.honey.texture_sentence.format(texture=style.texture, notes=honey.notes),
    ]
    if manuka:
        lead[0] = WORDS.honey.manuka_intro.format(flower=honey.flower)
    plain_flower = honey.flower.split(" MGO")[0]
    return _food_spec(
        "honey",
        diet="vegetarian, gluten-free",
        ingredients=WORDS.honey.ingredients.format(flower=plain_flower.lower()),
        size=250 if manuka else 340,
        price=honey.price + rng.uniform(-1.0, 1.5) + (1.0 if style.style else 0.0),
        lead=lead,
        extras=list(WORDS.honey.uses),
        tags=["honey", slugify(plain_flower), style.style.lower()],
        label="honey",
    )


def _jam_spec(rng: random.Random, fruit: str, form: JamForm, marmalade: bool) -> ProductSpec:
    fruits = fruit.lower().replace(" & ", ", ")
    intros, tastes = (
        (WORDS.jam.marmalade_intros, WORDS.jam.marmalade_tastes)
        if marmalade
        else (WORDS.jam.jam_intros, WORDS.jam.jam_tastes)
    )
    lead = [
        rng.choice(intros).format(fruits=fruits),
        rng.choice(tastes).format(fruit_percent=form.fruit_percent, fruit=fruit.lower()),
    ]
    label = "marmalade" if marmalade else "jam"
    return _food_spec(
        "jam",
        diet="vegan, gluten-free",
        ingredients=WORDS.jam.ingredients.format(fruits=fruits),
        size=340,
        price=6.0 + rng.uniform(0.0, 3.0),
        lead=lead,
        extras=list(WORDS.jam.uses),
        tags=[label, "breakfast", *[slugify(f) for f in fruits.split(", ")]],
        label=label,
    )


def _granola_spec(rng: random.Random, flavor: Flavoring, gluten_free: bool) -> ProductSpec:
    diet = ", ".join(d for d in ("vegan" if flavor.vegan else "vegetarian", "gluten-free" if gluten_free else "") if d)
    oats = WORDS.granola.oats["gluten-free" if gluten_free else "regular"]
    lead = [WORDS.granola.intro.format(extra=flavor.ingredients, oats=oats), rng.choice(WORDS.granola.textures)]
    return _food_spec(
        "granola",
        diet=diet,
        ingredients=WORDS.granola.ingredients.format(oats=oats, extra=flavor.ingredients),
        size=rng.choice((350, 400, 500)),
        price=7.0 + rng.uniform(0.0, 4.5),
        lead=lead,
        extras=list(WORDS.granola.uses),
        tags=["granola", "breakfast"],
        label="granola",
    )


def _nut_spec(rng: random.Random, nut: str, seasoning: Flavoring) -> ProductSpec:
    lead = [WORDS.nuts.intro.format(style=seasoning.name, nut=nut.lower()), rng.choice(WORDS.nuts.snack_notes)]
    diet = ("vegan" if seasoning.vegan else "vegetarian") + ", gluten-free"
    return _food_spec(
        "nuts",
        diet=diet,
        ingredients=f"{nut.lower()}, {seasoning.ingredients}",
        size=rng.choice((150, 200, 250)),
        price=6.0 + rng.uniform(0.0, 6.0) + (3.0 if nut in WORDS.nuts.premium_nuts else 0.0),
        lead=lead,
        extras=list(WORDS.nuts.uses),
        tags=["nuts", "snack", slugify(nut)],
        label="nuts",
    )


def _nut_butter_spec(rng: random.Random, nut: str, texture: str) -> ProductSpec:
    lead = [WORDS.nuts.butter_intro.format(texture=texture, nut=nut.lower()), WORDS.nuts.butter_stir_note]
    return _food_spec(
        "nuts",
        diet="vegan, gluten-free",
        ingredients=WORDS.nuts.butter_ingredients.format(nut=nut.lower()),
        size=280,
        price=7.5 + rng.uniform(0.0, 5.0),
        lead=lead,
        extras=list(WORDS.nuts.butter_uses),
        tags=["nut-butter", slugify(nut), "breakfast"],
        label="nut butter",
    )


def _syrup_spec(rng: random.Random, flavor: str, sugar_free: bool) -> ProductSpec:
    sweetness = "sugar-free" if sugar_free else "sugar"
    lead = [WORDS.syrups.intros[sweetness].format(flavor=flavor.lower()), rng.choice(WORDS.syrups.serving)]
    return _food_spec(
        "syrups",
        diet="vegan, gluten-free",
        ingredients=WORDS.syrups.ingredients[sweetness],
        size=500,
        unit="ml",
        price=8.0 + rng.uniform(0.0, 4.0),
        lead=lead,
        extras=list(WORDS.syrups.uses),
        tags=["syrup", slugify(flavor), *(["sugar-free"] if sugar_free else [])],
        label="syrup",
        season="winter" if flavor in WORDS.syrups.winter_flavors else None,
    )
