"""The data files under demo/data/: they load, they fit each other and the code, and bad shapes fail loudly."""

from __future__ import annotations

import json
import random
import string
from collections import Counter
from importlib.resources import files
from typing import Any

import pytest

from demo import customers, images, products, reviews
from demo.assortment import ANCHORS, CATEGORY_SHARES, KIND_WEIGHTS, RECIPES, VARIANTS
from demo.demand import ANCHOR_PAIRS
from demo.recipes.spec import Recipe
from demo.vocabulary import Vocabulary, VocabularyError, load

DATA_FILES = sorted(p.name for p in (files("demo") / "data").iterdir() if p.name.endswith(".json"))


def all_recipes() -> dict[str, list[Recipe]]:
    return {category: build() for category, build in RECIPES.items()}


def strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [*value, *(s for v in value.values() for s in strings_in(v))]
    if isinstance(value, list):
        return [s for v in value for s in strings_in(v)]
    return []


def test_the_data_files_ship_inside_the_package_and_are_tidy() -> None:
    assert {"coffee.json", "tea.json", "food.json", "beauty.json", "people.json", "reviews.json"} <= set(DATA_FILES)
    for name in DATA_FILES:
        content = json.loads((files("demo") / "data" / name).read_text(encoding="utf-8"))
        # categories.json is a list: it is the shop's category collection, loaded by shop.catalog.categories.
        assert isinstance(content, dict | list) and content, name
        for text in strings_in(content):
            assert text == text.strip() and "  " not in text, (name, text)


def test_people_names_are_distinct_and_enough_for_every_customer() -> None:
    for names in (customers.WORDS.first_names, customers.WORDS.last_names, customers.WORDS.streets):
        assert [n for n, count in Counter(names).items() if count > 1] == []
    assert len(customers.WORDS.first_names) * len(customers.WORDS.last_names) >= customers.CUSTOMER_COUNT
    assert all(len(city.zip_prefix) == 3 and city.zip_prefix.isdigit() for city in customers.WORDS.cities)


def test_every_recipe_name_is_distinct_so_no_product_idea_is_lost() -> None:
    names = [recipe.name for recipes in all_recipes().values() for recipe in recipes]
    assert [n for n, count in Counter(names).items() if count > 1] == []


def test_every_recipe_builds_and_its_supplier_group_has_suppliers() -> None:
    rng = random.Random(0)
    for category, recipes in all_recipes().items():
        kinds = {recipe.kind for recipe in recipes}
        for recipe in recipes:
            spec = recipe.build(rng)
            assert spec.category == category and spec.kind == recipe.kind
            assert products.SUPPLIERS[spec.supplier_group], spec.supplier_group
            assert len(spec.lead) == 2 and all(s.endswith((".", "!")) for s in [*spec.lead, *spec.extras])
        assert kinds == set(KIND_WEIGHTS[category]), category
    for suppliers in products.SUPPLIERS.values():
        assert all(1 <= supplier.lead_days <= 21 for supplier in suppliers)


def test_every_category_has_its_anchors_variants_palettes_label_and_review_sentences() -> None:
    recipe_names = {category: {r.name for r in recipes} for category, recipes in all_recipes().items()}
    for category in CATEGORY_SHARES:
        assert set(ANCHORS[category]) <= recipe_names[category], category
        assert VARIANTS[category] and images.WORDS.palettes[category] and images.WORDS.category_labels[category]
        assert set(reviews.WORDS.bodies[category]) == {"pos", "mid", "neg"}
    anchors = {name for names in ANCHORS.values() for name in names}
    assert {name for pair in ANCHOR_PAIRS for name in pair} <= anchors
    assert set(reviews.WORDS.openers) == set(reviews.WORDS.closers) == {"pos", "mid", "neg"}


def test_review_sentences_use_only_the_placeholders_the_code_fills() -> None:
    filled = {"note", "note2", "roast", "flaw", "use", "type", "ingredient", "diet", "skin", "scent"}
    for moods in reviews.WORDS.bodies.values():
        for sentences in moods.values():
            for sentence in sentences:
                fields = {field for _, field, _, _ in string.Formatter().parse(sentence) if field}
                assert fields <= filled, sentence


def test_a_wrong_shape_names_the_file_and_the_key() -> None:
    words = Vocabulary("demo/data/x.json", {"empty": [], "blank": ["tea", ""], "number": [1], "rows": [{"a": 1}]})
    for key in ("empty", "blank", "number", "missing"):
        with pytest.raises(VocabularyError, match=f"demo/data/x.json.*{key}"):
            words.words(key)
    with pytest.raises(VocabularyError, match=r"demo/data/x.json:rows\[0\]"):
        words.records("rows", Recipe)


def test_load_reads_each_file_once() -> None:
    assert load("people") is load("people")
    assert load("people").words("first_names") == customers.WORDS.first_names


def test_into_fills_a_words_class_and_names_the_file_and_key_of_a_wrong_field() -> None:
    people = json.loads((files("demo") / "data" / "people.json").read_text(encoding="utf-8"))
    assert Vocabulary("demo/data/x.json", people).into(customers.PeopleWords) == customers.WORDS
    with pytest.raises(VocabularyError, match=r"demo/data/x.json:streets"):
        Vocabulary("demo/data/x.json", {**people, "streets": []}).into(customers.PeopleWords)
    with pytest.raises(VocabularyError, match=r"demo/data/x.json:cities\[0\]"):
        Vocabulary("demo/data/x.json", {**people, "cities": [{"city": "Springfield"}]}).into(customers.PeopleWords)
