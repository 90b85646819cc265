"""Query understanding: prices, caffeine, stock and the shop's category vocabulary out of free text.

Pure: the categories are the demo shop's (demo/data/categories.json), read from the file.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from demo.seed import demo_categories
from shop.catalog.categories import Category
from shop.catalog.snapshot import CatalogQuery, Product
from shop.discovery.query import QueryFilters, parse_query

DEMO = tuple(demo_categories())

D = Decimal


@pytest.mark.parametrize(
    ("text", "remaining", "filters"),
    [
        (
            "something caffeine-free to help me sleep under $15",
            "something caffeine-free to help me sleep",
            QueryFilters(max_price=D("15"), caffeine_free=True),
        ),
        ("green tea under 10", "green tea", QueryFilters(category="tea", max_price=D("10"))),
        ("coffee less than 20 dollars", "coffee", QueryFilters(category="coffee", max_price=D("20"))),
        ("gift between 10 and 20", "gift", QueryFilters(min_price=D("10"), max_price=D("20"))),
        ("gift between $20 and $10", "gift", QueryFilters(min_price=D("10"), max_price=D("20"))),
        ("chocolate $5-$9.50", "chocolate", QueryFilters(min_price=D("5"), max_price=D("9.50"))),
        ("honey over 30", "honey", QueryFilters(min_price=D("30"))),
        ("face cream $25 or more", "face cream", QueryFilters(category="beauty", min_price=D("25"))),
        ("tea for under $8", "tea", QueryFilters(category="tea", max_price=D("8"))),
        ("decaf espresso", "decaf espresso", QueryFilters(category="coffee", caffeine_free=True)),
        ("tea without caffeine", "tea caffeine-free", QueryFilters(category="tea", caffeine_free=True)),
        ("hand cream in stock", "hand cream", QueryFilters(category="beauty", in_stock=True)),
        ("green tea hand cream", "green tea hand cream", QueryFilters(category="beauty")),
        # Not prices: units, percentages, bare numbers.
        ("chocolate over 70% cocoa", "chocolate over 70% cocoa", QueryFilters()),
        ("tea that steeps in under 3 minutes", "tea that steeps in under 3 minutes", QueryFilters(category="tea")),
        ("coffee 250 g", "coffee 250 g", QueryFilters(category="coffee")),
        ("72 dark chocolate", "72 dark chocolate", QueryFilters()),
        # Not categories: accompaniments and other kinds of products.
        ("biscuits to go with my tea", "biscuits to go with my tea", QueryFilters()),
        ("something sweet for my coffee", "something sweet for my coffee", QueryFilters()),
        ("vanilla syrup coffee", "vanilla syrup coffee", QueryFilters()),
        ("ice cream", "ice cream", QueryFilters()),
        ("tea tree cream", "tea tree cream", QueryFilters()),
        ("coffee or tea", "coffee or tea", QueryFilters()),
        # Contradictions are dropped rather than guessed.
        ("tea over 30 under 10", "tea", QueryFilters(category="tea")),
        ("", "", QueryFilters()),
    ],
)
def test_parse_query(text: str, remaining: str, filters: QueryFilters) -> None:
    assert parse_query(text, DEMO) == (remaining, filters)


def test_parsed_filters_merge_into_a_catalog_query() -> None:
    _, filters = parse_query("decaf coffee between 10 and 15 in stock", DEMO)
    merged = filters.merged_into(CatalogQuery(q="x", category="tea"))
    assert merged.category == "tea"  # the form said tea
    assert (merged.min_price, merged.max_price, merged.in_stock) == (D("10"), D("15"), True)
    assert bool(filters) and not bool(QueryFilters())
    decaf = Product.from_doc(
        {"_id": "0" * 24, "slug": "d", "name": "D", "price": D("1"), "attributes": {"caffeine": "decaf"}}
    )
    assert filters.admits(decaf)


# --- the vocabulary is the shop's data ----------------------------------------------------------

BOOKS = (
    Category(slug="fiction", name="Fiction", words=("novel", "novels", "fiction"), not_hints=("science fiction",)),
    Category(slug="cookbooks", name="Cookbooks", words=("cookbook", "cookbooks", "recipes"), phrases=("baking book",)),
    Category(slug="children", name="Children's Books", words=("picture", "kids"), occasion_words=("bedtime",)),
)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("novels under $20", "fiction"),
        ("a cookbook for weeknights", "cookbooks"),
        ("novel baking book", "cookbooks"),  # a phrase decides even next to another shelf's word
        ("picture books for kids", "children"),
        ("novels with recipes", None),  # two shelves named: no guess
        ("science fiction novels", None),  # a phrase that is no hint
        ("a novel for bedtime", None),  # an occasion, not the product
        ("green tea under 10", None),  # the coffee shop's words mean nothing here
    ],
)
def test_categories_come_from_the_shops_vocabulary(text: str, category: str | None) -> None:
    assert parse_query(text, BOOKS)[1].category == category


def test_without_categories_nothing_is_a_category() -> None:
    assert parse_query("green tea under 10", ()) == ("green tea", QueryFilters(max_price=D("10")))
