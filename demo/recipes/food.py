"""Pantry recipes: chocolate, biscuits, honey, jam, granola, nuts and syrups.

The words are in demo/data/food.json, one section per kind; this module decides the diet labels,
ingredient lists, sizes, prices and tags, and which sentences a product gets.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from demo.recipes.spec import ProductSpec, Recipe, bind
from demo.text import dedupe
from demo.vocabulary import load
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
    flavors: tuple[str, ...]
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


_WORDS = load("food")

_CHOCOLATE = _WORDS.section("chocolate")
DARK_PERCENTAGES = _CHOCOLATE.sequence("dark_percentages", int)
CHOCOLATE_FLAVORS = _CHOCOLATE.record_table("flavors", ChocolateFlavor)
MILK_FLAVORS = _CHOCOLATE.words("milk_flavors")
WHITE_FLAVORS = _CHOCOLATE.words("white_flavors")
OAT_MILK_FLAVORS = _CHOCOLATE.words("oat_milk_flavors")
CHOCOLATE_BASES = _CHOCOLATE.table("bases")
CHOCOLATE_KIND_WORDS = _CHOCOLATE.table("kind_words")
CACAO_ORIGINS = _CHOCOLATE.words("cacao_origins")
CHOCOLATE_INTROS = _CHOCOLATE.words("intros")
CHOCOLATE_TASTES = _CHOCOLATE.words("tastes")
CHOCOLATE_PAIRINGS = _CHOCOLATE.words("pairings")
CHOCOLATE_WRAPPING = _CHOCOLATE.text("wrapping")

_BISCUITS = _WORDS.section("biscuits")
BISCUIT_LINES = _BISCUITS.records("lines", BiscuitLine)
BISCUIT_FLAVOR_INGREDIENTS = _BISCUITS.table("flavor_ingredients")
FIXED_BISCUITS = _BISCUITS.records("fixed", FixedBiscuit)
BISCUIT_INTROS = _BISCUITS.words("intros")
BISCUIT_TEXTURE_SENTENCE = _BISCUITS.text("texture_sentence")
BISCUIT_SERVING = _BISCUITS.words("serving")
BISCUIT_PACKING = _BISCUITS.text("packing")

_HONEY = _WORDS.section("honey")
HONEYS = _HONEY.records("honeys", Honey)
MANUKA_HONEYS = _HONEY.records("manuka_honeys", Honey)
HONEY_STYLES = _HONEY.records("styles", HoneyStyle)
PLAIN_HONEY = next(style for style in HONEY_STYLES if not style.style)
HONEY_INTRO = _HONEY.text("intro")
HONEY_INGREDIENTS = _HONEY.text("ingredients")
MANUKA_INTRO = _HONEY.text("manuka_intro")
HONEY_TEXTURE_SENTENCE = _HONEY.text("texture_sentence")
HONEY_USES = _HONEY.words("uses")

_JAM = _WORDS.section("jam")
JAM_FRUITS = _JAM.words("fruits")
JAM_FORMS = _JAM.records("forms", JamForm)
MARMALADES = _JAM.words("marmalades")
MARMALADE_FORMS = _JAM.records("marmalade_forms", JamForm)
JAM_INTROS = _JAM.words("jam_intros")
MARMALADE_INTROS = _JAM.words("marmalade_intros")
JAM_TASTES = _JAM.words("jam_tastes")
MARMALADE_TASTES = _JAM.words("marmalade_tastes")
JAM_INGREDIENTS = _JAM.text("ingredients")
JAM_USES = _JAM.words("uses")

_GRANOLA = _WORDS.section("granola")
GRANOLA_FLAVORS = _GRANOLA.records("flavors", Flavoring)
OATS = _GRANOLA.table("oats")
GRANOLA_INTRO = _GRANOLA.text("intro")
GRANOLA_TEXTURES = _GRANOLA.words("textures")
GRANOLA_USES = _GRANOLA.words("uses")
GRANOLA_INGREDIENTS = _GRANOLA.text("ingredients")

_NUTS = _WORDS.section("nuts")
NUTS = _NUTS.words("nuts")
PREMIUM_NUTS = frozenset(_NUTS.words("premium_nuts"))
NUT_STYLES = _NUTS.records("styles", Flavoring)
NUT_INTRO = _NUTS.text("intro")
NUT_SNACK_NOTES = _NUTS.words("snack_notes")
NUT_USES = _NUTS.words("uses")
NUT_BUTTERS = _NUTS.words("butters")
NUT_BUTTER_TEXTURES = _NUTS.words("butter_textures")
NUT_BUTTER_INTRO = _NUTS.text("butter_intro")
NUT_BUTTER_STIR_NOTE = _NUTS.text("butter_stir_note")
NUT_BUTTER_USES = _NUTS.words("butter_uses")
NUT_BUTTER_INGREDIENTS = _NUTS.text("butter_ingredients")

_SYRUPS = _WORDS.section("syrups")
SYRUP_FLAVORS = _SYRUPS.words("flavors")
WINTER_SYRUPS = frozenset(_SYRUPS.words("winter_flavors"))
SYRUP_INTROS = _SYRUPS.table("intros")  # by "sugar" / "sugar-free"
SYRUP_SERVING = _SYRUPS.words("serving")
SYRUP_USES = _SYRUPS.words("uses")
SYRUP_INGREDIENTS = _SYRUPS.table("ingredients")  # by "sugar" / "sugar-free"


def recipes() -> list[Recipe]:
    """Every pantry product the shop could stock, in a fixed order."""
    out: list[Recipe] = []
    for pct in DARK_PERCENTAGES:
        for flavor in CHOCOLATE_FLAVORS:
            name = f"Dark Chocolate {pct}% {flavor}"
            out.append(Recipe(name, "chocolate", bind(_chocolate_spec, "dark", pct, flavor)))
    for style, flavors in (("milk", MILK_FLAVORS), ("white", WHITE_FLAVORS), ("oat milk", OAT_MILK_FLAVORS)):
        for flavor in flavors:
            name = f"{style.title()} Chocolate {flavor}"
            out.append(Recipe(name, "chocolate", bind(_chocolate_spec, style, 0, flavor)))
    for line in BISCUIT_LINES:
        for flavor in line.flavors:
            builder = bind(_biscuit_spec, flavor, line.line, line.base, line.texture, line.intro)
            out.append(Recipe(f"{flavor} {line.line}", "biscuits", builder))
    for fixed in FIXED_BISCUITS:
        builder = bind(_biscuit_spec, fixed.name, "", fixed.ingredients, fixed.texture, None)
        out.append(Recipe(fixed.name, "biscuits", builder))
    for honey in HONEYS:
        for style in HONEY_STYLES:
            name = f"{style.style} {honey.flower} Honey" if style.style else f"{honey.flower} Honey"
            out.append(Recipe(name, "honey", bind(_honey_spec, honey, style)))
    for honey in MANUKA_HONEYS:
        out.append(Recipe(f"{honey.flower} Honey", "honey", bind(_honey_spec, honey, PLAIN_HONEY)))
    for fruits, forms, marmalade in ((JAM_FRUITS, JAM_FORMS, False), (MARMALADES, MARMALADE_FORMS, True)):
        for fruit in fruits:
            for form in forms:
                out.append(Recipe(form.name.format(fruit=fruit), "jam", bind(_jam_spec, fruit, form, marmalade)))
    for granola in GRANOLA_FLAVORS:
        for gluten_free in (False, True):
            name = f"{'Gluten-Free ' if gluten_free else ''}{granola.name} Granola"
            out.append(Recipe(name, "granola", bind(_granola_spec, granola, gluten_free)))
    for nut in NUTS:
        for seasoning in NUT_STYLES:
            out.append(Recipe(f"{seasoning.name} {nut}", "nuts", bind(_nut_spec, nut, seasoning)))
    for nut in NUT_BUTTERS:
        for texture in NUT_BUTTER_TEXTURES:
            out.append(Recipe(f"{texture} {nut} Butter", "nuts", bind(_nut_butter_spec, nut, texture)))
    for flavor in SYRUP_FLAVORS:
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
    flavoring = CHOCOLATE_FLAVORS[flavor]
    vegan = flavoring.vegan and style in ("dark", "oat milk")  # milk and white chocolate contain milk powder
    diet = "vegan, gluten-free" if vegan else "vegetarian, gluten-free"
    kind_words = CHOCOLATE_KIND_WORDS[style].format(percent=pct)
    origin = rng.choice(CACAO_ORIGINS)
    lead = [
        rng.choice(CHOCOLATE_INTROS).format(kind_words=kind_words, origin=origin, ingredient=flavoring.ingredient),
        rng.choice(CHOCOLATE_TASTES).format(flavor=flavor.lower()),
    ]
    extras = [rng.choice(CHOCOLATE_PAIRINGS), CHOCOLATE_WRAPPING]
    return _food_spec(
        "chocolate",
        diet=diet,
        ingredients=f"{CHOCOLATE_BASES[style]}, {flavoring.ingredient}",
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
    flavor_parts = BISCUIT_FLAVOR_INGREDIENTS.get(flavor, flavor.lower().replace(" & ", ", ")) if line else ""
    ingredients = ", ".join(dedupe([*base.split(", "), *flavor_parts.split(", ")]))
    if line_intro is not None:
        intro = line_intro.format(flavor=flavor.lower())
    else:
        intro = rng.choice(BISCUIT_INTROS).format(what=what)
    lead = [intro, BISCUIT_TEXTURE_SENTENCE.format(texture=texture)]
    extras = [rng.choice(BISCUIT_SERVING), BISCUIT_PACKING]
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
        HONEY_INTRO.format(what=what, place=honey.place, handling=style.handling),
        HONEY_TEXTURE_SENTENCE.format(texture=style.texture, notes=honey.notes),
    ]
    if manuka:
        lead[0] = MANUKA_INTRO.format(flower=honey.flower)
    plain_flower = honey.flower.split(" MGO")[0]
    return _food_spec(
        "honey",
        diet="vegetarian, gluten-free",
        ingredients=HONEY_INGREDIENTS.format(flower=plain_flower.lower()),
        size=250 if manuka else 340,
        price=honey.price + rng.uniform(-1.0, 1.5) + (1.0 if style.style else 0.0),
        lead=lead,
        extras=list(HONEY_USES),
        tags=["honey", slugify(plain_flower), style.style.lower()],
        label="honey",
    )


def _jam_spec(rng: random.Random, fruit: str, form: JamForm, marmalade: bool) -> ProductSpec:
    fruits = fruit.lower().replace(" & ", ", ")
    intros, tastes = (MARMALADE_INTROS, MARMALADE_TASTES) if marmalade else (JAM_INTROS, JAM_TASTES)
    lead = [
        rng.choice(intros).format(fruits=fruits),
        rng.choice(tastes).format(fruit_percent=form.fruit_percent, fruit=fruit.lower()),
    ]
    label = "marmalade" if marmalade else "jam"
    return _food_spec(
        "jam",
        diet="vegan, gluten-free",
        ingredients=JAM_INGREDIENTS.format(fruits=fruits),
        size=340,
        price=6.0 + rng.uniform(0.0, 3.0),
        lead=lead,
        extras=list(JAM_USES),
        tags=[label, "breakfast", *[slugify(f) for f in fruits.split(", ")]],
        label=label,
    )


def _granola_spec(rng: random.Random, flavor: Flavoring, gluten_free: bool) -> ProductSpec:
    diet = ", ".join(d for d in ("vegan" if flavor.vegan else "vegetarian", "gluten-free" if gluten_free else "") if d)
    oats = OATS["gluten-free" if gluten_free else "regular"]
    lead = [GRANOLA_INTRO.format(extra=flavor.ingredients, oats=oats), rng.choice(GRANOLA_TEXTURES)]
    return _food_spec(
        "granola",
        diet=diet,
        ingredients=GRANOLA_INGREDIENTS.format(oats=oats, extra=flavor.ingredients),
        size=rng.choice((350, 400, 500)),
        price=7.0 + rng.uniform(0.0, 4.5),
        lead=lead,
        extras=list(GRANOLA_USES),
        tags=["granola", "breakfast"],
        label="granola",
    )


def _nut_spec(rng: random.Random, nut: str, seasoning: Flavoring) -> ProductSpec:
    lead = [NUT_INTRO.format(style=seasoning.name, nut=nut.lower()), rng.choice(NUT_SNACK_NOTES)]
    diet = ("vegan" if seasoning.vegan else "vegetarian") + ", gluten-free"
    return _food_spec(
        "nuts",
        diet=diet,
        ingredients=f"{nut.lower()}, {seasoning.ingredients}",
        size=rng.choice((150, 200, 250)),
        price=6.0 + rng.uniform(0.0, 6.0) + (3.0 if nut in PREMIUM_NUTS else 0.0),
        lead=lead,
        extras=list(NUT_USES),
        tags=["nuts", "snack", slugify(nut)],
        label="nuts",
    )


def _nut_butter_spec(rng: random.Random, nut: str, texture: str) -> ProductSpec:
    lead = [NUT_BUTTER_INTRO.format(texture=texture, nut=nut.lower()), NUT_BUTTER_STIR_NOTE]
    return _food_spec(
        "nuts",
        diet="vegan, gluten-free",
        ingredients=NUT_BUTTER_INGREDIENTS.format(nut=nut.lower()),
        size=280,
        price=7.5 + rng.uniform(0.0, 5.0),
        lead=lead,
        extras=list(NUT_BUTTER_USES),
        tags=["nut-butter", slugify(nut), "breakfast"],
        label="nut butter",
    )


def _syrup_spec(rng: random.Random, flavor: str, sugar_free: bool) -> ProductSpec:
    sweetness = "sugar-free" if sugar_free else "sugar"
    lead = [SYRUP_INTROS[sweetness].format(flavor=flavor.lower()), rng.choice(SYRUP_SERVING)]
    return _food_spec(
        "syrups",
        diet="vegan, gluten-free",
        ingredients=SYRUP_INGREDIENTS[sweetness],
        size=500,
        unit="ml",
        price=8.0 + rng.uniform(0.0, 4.0),
        lead=lead,
        extras=list(SYRUP_USES),
        tags=["syrup", slugify(flavor), *(["sugar-free"] if sugar_free else [])],
        label="syrup",
        season="winter" if flavor in WINTER_SYRUPS else None,
    )
