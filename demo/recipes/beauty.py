"""Beauty recipes: every cream form (face cream, hand cream, lip balm...) with each key ingredient it suits.

The words are in demo/data/beauty.json; this module decides the scent, tags, price and season, and
which sentences a product gets.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from demo.recipes.spec import ProductSpec, Recipe, bind
from demo.text import and_join
from demo.vocabulary import load
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
    skin: str  # the skin type it is for, a key of BENEFITS
    support: str  # supporting ingredients
    scent: str


_WORDS = load("beauty")
FORMS = _WORDS.records("forms", Form)
INGREDIENTS = _WORDS.records("ingredients", Ingredient)
BENEFITS = _WORDS.table("benefits")
TEXTURES = _WORDS.words("textures")
INTROS = _WORDS.words("intros")
FEEL = _WORDS.words("feel")
UNSCENTED_SENTENCE = _WORDS.text("unscented_sentence")
SCENT_SENTENCE = _WORDS.text("scent_sentence")
HOW_TO_USE = _WORDS.table("how_to_use")
ANIMAL_INGREDIENTS = frozenset(_WORDS.words("animal_ingredients"))
CRUELTY_FREE_NOTE = _WORDS.text("cruelty_free_note")
VEGAN_NOTE = _WORDS.text("vegan_note")
SENSITIVE_SKIN_NOTE = _WORDS.text("sensitive_skin_note")


def recipes() -> list[Recipe]:
    """Every beauty product the shop could stock, in a fixed order."""
    out: list[Recipe] = []
    for form in FORMS:
        for ingredient in INGREDIENTS:
            if ingredient.family in (form.family, "both"):
                name = f"{ingredient.ingredient} {form.form}"
                out.append(Recipe(name, form.kind, bind(_beauty_spec, form, ingredient)))
    return out


def _beauty_spec(rng: random.Random, form: Form, ingredient: Ingredient) -> ProductSpec:
    key, skin, support = ingredient.ingredient, ingredient.skin, ingredient.support
    scent = "unscented" if skin == "sensitive" else ingredient.scent
    texture = rng.choice(TEXTURES)
    scent_sentence = UNSCENTED_SENTENCE if scent == "unscented" else SCENT_SENTENCE.format(scent=scent)
    intro = rng.choice(INTROS).format(
        texture=texture,
        form=form.form.lower(),
        ingredient=key.lower(),
        skin=skin,
        support=and_join(support),
        benefit=BENEFITS[skin],
    )
    lead = [intro, rng.choice([*FEEL, scent_sentence])]
    extras = [HOW_TO_USE[form.kind], CRUELTY_FREE_NOTE if key in ANIMAL_INGREDIENTS else VEGAN_NOTE]
    if skin == "sensitive":
        extras[1] = SENSITIVE_SKIN_NOTE
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
