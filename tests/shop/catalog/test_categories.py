"""Categories are the shop's data: a file loads them, the database keeps them, an old shop gets its own."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from pymongo.database import Database

from shop.catalog.categories import (
    Category,
    ensure_categories,
    load_categories,
    name_from_slug,
    read_categories,
    save_categories,
)

DEMO_FILE = Path(__file__).resolve().parents[3] / "demo" / "data" / "categories.json"


def test_the_demo_file_holds_the_demo_shops_four_categories() -> None:
    categories = load_categories(DEMO_FILE)
    assert [(c.slug, c.name) for c in categories] == [
        ("coffee", "Coffee"),
        ("tea", "Tea"),
        ("food", "Pantry & Treats"),
        ("beauty", "Beauty Cream"),
    ]
    beauty = categories[3]
    assert "hand cream" in beauty.phrases and "ice cream" in beauty.not_hints
    assert beauty.colours == ("#f6e6ee", "#7c3357") and beauty.icon == "pot"


def test_saved_categories_read_back_in_position_order(db: Database) -> None:
    db.categories.delete_many({})
    books = [
        Category(slug="fiction", name="Fiction", position=2, words=("novel", "novels")),
        Category(slug="children", name="Children's Books", position=1, colours=("#ffffff", "#000000")),
    ]
    assert save_categories(db, books) == 2
    stored = db.categories.find_one({"_id": "fiction"})
    assert stored["words"] == ["novel", "novels"] and stored["updatedAt"] is not None
    assert read_categories(db) == (books[1], books[0])

    save_categories(db, [books[0].model_copy(update={"name": "Novels"})])  # by slug: replaced, not added
    assert [c.name for c in read_categories(db)] == ["Children's Books", "Novels"]


@pytest.mark.parametrize(
    "bad",
    [
        {"slug": "Fiction Books", "name": "Fiction"},  # not a slug
        {"slug": "fiction", "name": ""},
        {"slug": "fiction", "name": "Fiction", "colours": ["red", "#000000"]},  # goes into an SVG
        {"slug": "fiction", "name": "Fiction", "wrods": ["novel"]},  # a typo in the file is an error
    ],
)
def test_a_bad_category_is_refused(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        Category.model_validate(bad)


def test_a_file_naming_a_slug_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "categories.json"
    path.write_text(json.dumps([{"slug": "a", "name": "A"}, {"slug": "a", "name": "Also A"}]))
    with pytest.raises(ValueError, match="twice"):
        load_categories(path)


def test_a_shop_from_before_categories_gets_them_from_its_products(db: Database, product_factory: Any) -> None:
    db.categories.delete_many({})
    product_factory(category="tea")
    product_factory(category="gift-boxes", deletedAt=None)
    assert ensure_categories(db) == 2
    assert [(c.slug, c.name, c.words) for c in read_categories(db)] == [
        ("gift-boxes", "Gift Boxes", ("gift", "boxes")),
        ("tea", "Tea", ("tea",)),
    ]
    assert ensure_categories(db) == 0  # once: the owner's later edits are kept


def test_a_shop_with_categories_or_without_products_is_left_alone(db: Database, product_factory: Any) -> None:
    assert ensure_categories(db) == 0  # the test shop has the demo's categories
    db.categories.delete_many({})
    assert ensure_categories(db) == 0  # a new, empty shop: nothing to derive
    assert read_categories(db) == ()


def test_names_made_from_slugs() -> None:
    assert name_from_slug("gift-boxes") == "Gift Boxes"
    assert name_from_slug("tea") == "Tea"
