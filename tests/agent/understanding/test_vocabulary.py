"""What a request can name, built from the shop's own data: categories, attribute filters, policy titles."""

from __future__ import annotations

from typing import Any

from agent.understanding.vocabulary import (
    MAX_FACET_VALUES,
    VocabularyCache,
    build_vocabulary,
    product_matches,
    value_parts,
)
from shop.catalog.snapshot import Catalog
from shop.services import ShopServices


def test_value_parts_split_lists() -> None:
    assert value_parts("vegan, gluten-free") == ["vegan", "gluten-free"]
    assert value_parts("Kenya & Ethiopia") == ["kenya", "ethiopia"]
    assert value_parts("Brazil and Colombia / Peru") == ["brazil", "colombia", "peru"]
    assert value_parts("") == []


def test_the_demo_shops_vocabulary(demo_catalog: Catalog, services: ShopServices) -> None:
    vocabulary = build_vocabulary(demo_catalog, services.policies)
    assert vocabulary.categories == ("coffee", "tea", "food", "beauty")
    filters = set(vocabulary.filters)
    # Few, short values: what a customer constrains on, in the catalog's own words.
    assert {"caffeine=decaf", "diet=gluten-free", "diet=vegan", "type=green", "skinType=dry"} <= filters
    assert {"origin=japan", "origin=kenya", "roast=light"} <= filters
    # Many values (tasting notes, ingredients) or quantities (weights, volumes): free-text search only.
    keys = {f.split("=", 1)[0] for f in filters}
    assert not keys & {"notes", "ingredients", "keyIngredients", "weight", "volume"}
    # Which shelves carry each filter.
    assert vocabulary.filter_categories["caffeine=decaf"] == frozenset({"coffee"})
    assert vocabulary.filter_categories["origin=japan"] == frozenset({"tea"})
    assert vocabulary.filter_categories["diet=gluten-free"] == frozenset({"food"})
    assert "Damaged or wrong items" in vocabulary.policies and "Refunds" in vocabulary.policies
    assert vocabulary.category_names["food"] == "Pantry & Treats"


def test_the_shops_policy_sections_have_distinct_titles(services: ShopServices) -> None:
    """The model names a section by its title: two files with a "Refunds" section would make one of
    them unreachable (payment.md and returns.md both had one until they were merged into one)."""
    titles = [section.title for section in services.policies.sections()]
    assert len(titles) > 10 and len(titles) == len(set(titles))


def test_a_facet_is_counted_per_category(product_factory: Any, services: ShopServices) -> None:
    """25 origins across two shelves is a filter; 25 on one shelf is not (too many to be an enum)."""
    for i in range(MAX_FACET_VALUES):
        product_factory(category="coffee" if i % 2 else "tea", attributes={"origin": f"land{chr(97 + i)}"})
    product_factory(category="food", attributes={"origin": "landz"})
    for i in range(MAX_FACET_VALUES + 1):
        product_factory(category="beauty", attributes={"scent": f"scent{chr(97 + i)}"})
    vocabulary = build_vocabulary(services.catalog, services.policies)
    origins = [f for f in vocabulary.filters if f.startswith("origin=")]
    assert len(origins) == MAX_FACET_VALUES + 1 and "origin=landz" in origins
    assert not any(f.startswith("scent=") for f in vocabulary.filters)


def test_values_with_digits_or_many_words_are_no_filter(product_factory: Any, services: ShopServices) -> None:
    product_factory(attributes={"weight": "250 g", "roast": "light"})
    product_factory(attributes={"mood": "a very calm quiet evening", "roast": "dark"})
    vocabulary = build_vocabulary(services.catalog, services.policies)
    assert vocabulary.filters == ("roast=dark", "roast=light")


def test_product_matches_every_key_and_any_value_of_one_key(product_factory: Any, services: ShopServices) -> None:
    product_factory(slug="bar", category="food", attributes={"diet": "vegan, gluten-free"})
    bar = services.catalog.by_slug("bar")
    assert bar is not None
    assert product_matches(bar, ["diet=gluten-free"]) and product_matches(bar, ["diet=vegan", "diet=vegetarian"])
    assert not product_matches(bar, ["diet=vegetarian"])
    assert not product_matches(bar, ["diet=vegan", "origin=japan"])  # a key the product lacks


def test_the_cache_follows_the_catalog(product_factory: Any, services: ShopServices) -> None:
    cache = VocabularyCache(services.catalog, services.policies)
    product_factory(attributes={"roast": "light"})
    first = cache.current()
    assert cache.current() is first  # the same version: not rebuilt
    product_factory(attributes={"roast": "dark"})
    services.catalog.invalidate()
    assert "roast=dark" in cache.current().filters
