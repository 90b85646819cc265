"""The keyword index: patched refreshes equal fresh builds, expansions, typo correction, edit distance."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo.database import Database

from shop.catalog.snapshot import Catalog
from shop.discovery.keywords import KeywordIndex, edit_distance
from tests.support.small_shop import touch


def test_keyword_index_refresh_matches_a_fresh_build(
    db: Database, small_shop: dict[str, dict[str, Any]], catalog: Catalog
) -> None:
    old = KeywordIndex(catalog.all())
    touch(db, small_shop["english-breakfast"], name="Irish Breakfast", stock=0)
    touch(db, small_shop["dark-chocolate"], deletedAt=datetime.now(UTC))
    products = catalog.all()
    patched = old.refreshed(products)
    fresh = KeywordIndex(products)
    assert patched.vocabulary == fresh.vocabulary
    assert {t: sorted(p) for t, p in patched.postings.items()} == {t: sorted(p) for t, p in fresh.postings.items()}
    assert "english" in old.postings and "english" not in patched.postings


def test_keyword_expansions(small_shop: dict[str, dict[str, Any]], catalog: Catalog) -> None:
    index = KeywordIndex(catalog.all())
    assert index.expand("espresso") == [("espresso", 1.0)]
    assert ("chocolate", 0.7) in index.expand("chocolat")
    assert index.expand("expresso") == [("espresso", 0.6)]
    assert index.expand("creams") == [("cream", 0.9)]
    assert index.expand("calming") == []  # "warming"-style two-edit guesses are not made for 7 letters
    assert index.expand("tee") == []  # short words are never guessed
    assert index.correct("camomile and lavendar") == "chamomile and lavender"
    assert index.correct("herbal tea") == "herbal tea"
    assert index.correct("yirgacheff chocolat") == "yirgacheffe chocolate"  # words cut short are completed
    assert index.correct("dark choc") == "dark choc"  # but not short stubs


def test_edit_distance() -> None:
    assert edit_distance("expresso", "espresso", 2) == 1
    assert edit_distance("camomile", "chamomile", 2) == 1
    assert edit_distance("teh", "the", 1) == 1  # a transposition is one edit
    assert edit_distance("coffee", "toffee", 1) == 1
    assert edit_distance("coffee", "cocoa", 1) == 2  # above the limit: limit + 1
