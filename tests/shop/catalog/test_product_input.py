"""The owner's product input: parsed and normalised, and every problem explained next to its field."""

from __future__ import annotations

from decimal import Decimal

import pytest

from demo.seed import demo_categories
from shop.catalog.product_input import validate_product
from shop.core.errors import InvalidFields
from tests.support.products import product_form

# The test shop's categories (the fixtures seed the same into every test database).
CATEGORIES = demo_categories()


def test_input_is_parsed_and_normalised() -> None:
    data = validate_product(product_form(featured="on"), CATEGORIES)
    assert data.price == Decimal("14.50") and data.stock == 12 and data.featured is True
    assert data.tags == ["single origin", "natural"]
    assert data.attributes == {"origin": "Ethiopia", "roast": "light"}
    assert data.resolved_slug() == "guji-natural"
    assert (
        validate_product(product_form(price="$9", name="Crème Brûlée Tea #2"), CATEGORIES).fields()["slug"]
        == "creme-brulee-tea-2"
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "is required"),
        ("name", "$where", 'must not start with "$"'),
        ("description", "$gt", 'must not start with "$"'),
        ("supplier", "$ne", 'must not start with "$"'),
        ("tags", "ok, $bad", 'must not start with "$"'),
        ("price", "0", "must be at least 0.01"),
        ("price", "12.505", "at most 2 decimals"),
        ("price", "cheap", "must be a number"),
        ("price", "100000.01", "at most"),
        ("stock", "-1", "at least 0"),
        ("stock", "1.5", "whole number"),
        ("category", "wine", "must be one of"),
        ("slug", "Not A Slug", "lowercase letters"),
        ("attributes", "no colon here", "key: value"),
        ("attributes", "$set: x", "not a valid attribute name"),
        ("attributes", "a.b: x", "not a valid attribute name"),
        ("imageUrl", "javascript:alert(1)", "must be an uploaded image"),
        ("leadTimeDays", "400", "at most 365"),
    ],
)
def test_invalid_input_is_explained_per_field(field: str, value: str, message: str) -> None:
    with pytest.raises(InvalidFields) as caught:
        validate_product(product_form(**{field: value}), CATEGORIES)
    assert field in caught.value.errors
    assert message in caught.value.errors[field]
