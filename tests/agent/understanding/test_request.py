"""The typed request: its schema carries this shop's enums, and parsing keeps only what the schema allows."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from agent.understanding.request import (
    INTENTS,
    MAX_ITEMS,
    MAX_QUANTITY,
    TOOL_NAME,
    CustomerRequest,
    Item,
    parse_request,
    tool_schema,
)
from agent.understanding.vocabulary import Vocabulary
from tests.support.scripted_model import UNDERSTAND

VOCABULARY = Vocabulary(
    categories=("coffee", "tea"),
    category_names={"coffee": "Coffee", "tea": "Tea"},
    filters=("caffeine=decaf", "origin=japan"),
    policies=("Refunds", "Shipping costs"),
    filter_categories={"caffeine=decaf": frozenset({"coffee"}), "origin=japan": frozenset({"tea"})},
)


def test_the_schema_is_the_understand_function_with_the_shops_enums() -> None:
    schema = tool_schema(VOCABULARY)
    assert schema["type"] == "function" and schema["function"]["name"] == TOOL_NAME == UNDERSTAND
    parameters = schema["function"]["parameters"]
    assert parameters["required"] == ["intent"]
    properties = parameters["properties"]
    assert properties["intent"]["enum"] == list(INTENTS)
    assert properties["category"]["enum"] == ["coffee", "tea"]
    assert properties["filters"]["items"]["enum"] == ["caffeine=decaf", "origin=japan"]
    assert properties["policy"]["enum"] == ["Refunds", "Shipping costs"]
    # The language is read by code (agent.understanding.language), never filled by the model.
    assert "lang" not in properties


def test_a_shop_without_filters_or_policies_has_no_such_keys() -> None:
    bare = Vocabulary(categories=("books",), category_names={"books": "Books"}, filters=(), policies=())
    properties = tool_schema(bare)["function"]["parameters"]["properties"]
    assert "filters" not in properties and "policy" not in properties and "category" in properties


def test_a_full_request_is_parsed() -> None:
    request = parse_request(
        {
            "intent": "checkout",
            "items": [{"product": "#2", "qty": 2}, {"product": "  Sencha   Kyoto ", "qty": "3"}],
            "query": "green tea",
            "category": "tea",
            "filters": ["origin=japan", "origin=japan"],
            "price_below": 15,
            "price_above": "4.999",
            "order_id": "ORD-7K2M9QXD",
            "email": "jo@park.io",
            "name": "Jo Park",
            "address": "4 Elm Row, Leeds",
            "policy": "Refunds",
        },
        VOCABULARY,
    )
    assert request == CustomerRequest(
        intent="checkout",
        items=[Item("#2", 2), Item("Sencha Kyoto", 3)],
        query="green tea",
        category="tea",
        filters=["origin=japan"],
        min_price=Decimal("5.00"),
        max_price=Decimal("15.00"),
        order_id="ORD-7K2M9QXD",
        email="jo@park.io",
        name="Jo Park",
        address="4 Elm Row, Leeds",
        policy="Refunds",
    )
    request.lang = "fr"  # set by code after parsing
    assert request.describe() == (
        "checkout items=#2x2,Sencha Kyotox3 query=green tea category=tea order_id=ORD-7K2M9QXD policy=Refunds "
        "filters=origin=japan max=15.00 min=5.00 details [fr]"
    )


def test_a_language_the_model_writes_is_ignored() -> None:
    """A model that still writes "lang" (an old prompt, a hosted model) cannot choose the reply's language."""
    assert parse_request({"intent": "greeting", "lang": "fr"}, VOCABULARY).lang == "en"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"intent": "delete_products"}, CustomerRequest(intent="other")),
        ({"intent": "find", "category": "weapons"}, CustomerRequest(intent="find")),
        ({"intent": "find", "filters": ["caffeine=decaf", "gluten=lots", 3]}, CustomerRequest("find", filters=["caffeine=decaf"])),
        ({"intent": "find", "filters": "caffeine=decaf"}, CustomerRequest(intent="find")),
        ({"intent": "policy", "policy": "Free money"}, CustomerRequest(intent="policy")),
        ({"intent": "greeting", "lang": "klingon"}, CustomerRequest(intent="greeting", lang="en")),
        ({"intent": "find", "price_below": -5, "price_above": 0}, CustomerRequest(intent="find")),
        ({"intent": "find", "price_below": 10**9}, CustomerRequest(intent="find")),
        ({"intent": "find", "price_below": "cheap"}, CustomerRequest(intent="find")),
        # a minimum above the maximum is dropped (the maximum is what a customer insists on)
        ({"intent": "find", "price_above": 30, "price_below": 10}, CustomerRequest("find", max_price=Decimal("10.00"))),
        ({"intent": "add", "items": "two of the second"}, CustomerRequest(intent="add")),
        ({"intent": "add", "items": [{"product": ""}, "#1", {"qty": 2}]}, CustomerRequest(intent="add")),
        ({"intent": "add", "items": [{"product": "#1", "qty": 5000}]}, CustomerRequest("add", [Item("#1", MAX_QUANTITY)])),
        ({"intent": "add", "items": [{"product": "#1", "qty": -3}]}, CustomerRequest("add", [Item("#1", 0)])),
        ({"intent": "add", "items": [{"product": "#1", "qty": "a dozen"}]}, CustomerRequest("add", [Item("#1", 0)])),
        ({"intent": "cart", "email": {"$ne": None}, "name": ["x"]}, CustomerRequest(intent="cart")),
    ],
)  # fmt: skip
def test_values_outside_the_schema_are_dropped(args: dict[str, Any], expected: CustomerRequest) -> None:
    assert parse_request(args, VOCABULARY) == expected


def test_at_most_a_few_items_and_short_strings() -> None:
    items = [{"product": f"#{i}", "qty": 1} for i in range(1, 20)]
    request = parse_request({"intent": "add", "items": items, "address": "x" * 5000}, VOCABULARY)
    assert len(request.items) == MAX_ITEMS and len(request.address) == 200


def test_a_key_given_every_value_the_grammar_allows_is_the_enum_listed_not_a_wish() -> None:
    skin = Vocabulary(
        categories=("beauty",),
        category_names={"beauty": "Beauty"},
        filters=("skinType=dry", "skinType=normal", "skinType=oily", "scent=unscented"),
        policies=(),
    )
    listed = {"intent": "find", "filters": ["skinType=dry", "skinType=normal", "skinType=oily", "scent=unscented"]}
    assert parse_request(listed, skin).filters == []  # four items: more than the grammar allows, so none
    three = {"intent": "find", "filters": ["skinType=dry", "skinType=normal", "skinType=oily"]}
    assert parse_request(three, skin).filters == []
    two = {"intent": "find", "filters": ["skinType=dry", "skinType=normal", "scent=unscented"]}
    assert parse_request(two, skin).filters == ["skinType=dry", "skinType=normal", "scent=unscented"]
