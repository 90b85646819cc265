"""The category admin's own rules: how a comma-separated field reads, and that a move or an import
writes only what changes (the pages around it: tests/app/admin/test_categories.py)."""

from __future__ import annotations

from pymongo.database import Database

from shop.catalog.categories import Category, read_categories
from shop.catalog.category_admin import CategoryAdmin, split_words


def test_a_comma_separated_field_becomes_tidy_words() -> None:
    assert split_words(" Novel, novels ,, NOVEL, science fiction ,") == ("novel", "novels", "science fiction")
    assert split_words("") == ()


def test_moves_renumber_and_log_only_the_categories_that_move(db: Database) -> None:
    changes: list[str] = []
    admin = CategoryAdmin(db, on_change=lambda: changes.append("changed"))
    admin.move("food", "up", owner="o@example.com")
    assert [c.slug for c in read_categories(db)] == ["coffee", "food", "tea", "beauty"]
    moved = {entry["entityId"]: entry["after"] for entry in db.activity_log.find({"action": "category.move"})}
    assert moved == {"food": {"position": 2}, "tea": {"position": 3}}
    assert changes == ["changed"]  # the shop's catalog is told at once


def test_an_import_creates_updates_and_leaves_alone(db: Database) -> None:
    admin = CategoryAdmin(db)
    tea = next(c for c in read_categories(db) if c.slug == "tea")
    result = admin.import_categories(
        [tea, tea.model_copy(update={"slug": "tisanes", "name": "Tisanes"}), Category(slug="coffee", name="Kaffee")],
        owner="command line",
    )
    assert (result.created, result.updated, result.unchanged) == (["tisanes"], ["coffee"], ["tea"])
    coffee = next(c for c in read_categories(db) if c.slug == "coffee")
    assert coffee.name == "Kaffee" and coffee.words == ()  # the file's category replaces the stored one
    assert db.activity_log.count_documents({}) == 2
