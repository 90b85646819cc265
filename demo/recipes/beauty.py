"""Beauty recipes: every cream form (face cream, hand cream, lip balm...) with each key ingredient it suits.

The words are in demo/data/beauty.json; this module decides the scent, tags, price and season, and
which sentences a product gets.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from demo.recipes.spec import ProductSpec, Recipe, bind
from demo.text import and_join
from demo.vocabulary import Records, Table, Words, load
from shop.core.text import slugify

KIND_WEIGHTS: dict[str, float] = {"face": 0.3, "hand": 0.2, "body": 0.25, "lip": 0.12, "balm": 0.13}
"""How the assortment splits the beauty shelf between kinds."""


@dataclass(frozen=True)
class Form:
    form: str
    kind: str
    volume: int
    unit: str
    price: float
    family: str  # which ingredients suit it: "face" or "body" ones (and those for "both")
    season: str | None = None


@dataclass(frozen=True)
class Ingredient:
    ingredient: str
    family: str  # "face", "body" or "both"
    skin: str  # the skin type it is for, a key of benefits
    support: str  # supporting ingredients
    scent: str


@dataclass(frozen=True)
class BeautyWords:
    """demo/data/beauty.json, one field per key."""

    forms: Records[Form]
    ingredients: Records[Ingredient]
    benefits: Table
    textures: Words
    intros: Words
    feel: Words
    unscented_sentence: str
    scent_sentence: str
    how_to_use: Table
    animal_ingredients: frozenset[str]
    cruelty_free_note: str
    vegan_note: str
    sensitive_skin_note: str


WORDS = load("beauty").into(BeautyWords)


def recipes() -> list[Recipe]:
    """Every beauty product the shop could stock, in a fixed order."""
    out: list[Recipe] = []
    for form in WORDS.forms:
        for ingredient in WORDS.ingredients:
            if ingredient.family in (form.family, "both"):
                name = f"{ingredient.ingredient} {form.form}"
                out.append(Recipe(name, form.kind, bind(_beauty_spec, form, ingredient)))
    return out


def _beauty_spec(rng: random.Random, form: Form, ingredient: Ingredient) -> ProductSpec:
    key, skin, support = ingredient.ingredient, ingredient.skin, ingredient.support
    scent = "unscented" if skin == "sensitive" else ingredient.scent
    texture = rng.choice(WORDS.textures)
    scent_sentence = WORDS.unscented_sentence if scent == "unscented" else WORDS.scent_sentence.format(scent=scent)
    intro = rng.choice(WORDS.intros).format(
        texture=texture,
        form=form.form.lower(),
        ingredient=key.lower(),
        skin=skin,
        support=and_join(support),
        benefit=WORDS.benefits[skin],
    )
    lead = [intro, rng.choice([*WORDS.feel, scent_sentence])]
    extras = [
        WORDS.how_to_use[form.kind],
        WORDS.cruelty_free_note if key in WORDS.animal_ingredients else WORDS.vegan_note,
    ]
    if skin == "sensitive":
        extras[1] = WORDS.sensitive_skin_note
    scent_tag = "unscented" if scent == "unscented" else "fragrance"
    tags = ["beauty", slugify(form.form), slugify(key), slugify(skin), scent_tag]
    return ProductSpec(
        name="",
        category="beauty",
        kind=form.kind,
        attributes={"skinType": skin, "keyIngredients": f"{key.lower()}, {support}", "scent": scent},
        tags=tags,
        price=form.price * rng.uniform(0.85, 1.35),
        size=form.volume,
        unit=form.unit,
        lead=lead,
        extras=extras,
        supplier_group="beauty",
        label=f"{form.volume} {form.unit}",
        season=form.season,
    )
