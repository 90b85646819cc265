"""quote(): flat, free over an amount, by weight, tax added or included, rounding, zones and methods."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.core.errors import InvalidInput
from shop.shipping.address import Address
from shop.shipping.config import DEFAULT_CONFIG, CommerceConfig, parse_config
from shop.shipping.quote import QuoteLine, method_options, quote

D = Decimal
NYC = Address(country="US", line1="350 Fifth Avenue", city="New York", region="NY", postalCode="10118")
LA = Address(country="US", line1="200 N Spring St", city="Los Angeles", region="CA", postalCode="90012")
PARIS = Address(country="FR", line1="5 Avenue Anatole France", city="Paris", postalCode="75007")


def config(**changes: object) -> CommerceConfig:
    """The defaults with some fields replaced, validated like the admin's form."""
    return parse_config({**DEFAULT_CONFIG.model_dump(), **changes})


def test_standard_shipping_is_flat_below_the_threshold_and_free_from_it() -> None:
    standard = DEFAULT_CONFIG.standard_method
    assert standard is not None and standard.free_over is not None
    below = quote([QuoteLine(standard.free_over - D("0.01"), 1)], NYC, None, config=DEFAULT_CONFIG)
    assert below.shipping == standard.price and below.method == "standard"
    assert below.total == below.subtotal + standard.price and below.tax == 0
    at = quote([QuoteLine(standard.free_over / 2, 2)], NYC, None, config=DEFAULT_CONFIG)
    assert at.shipping == 0 and at.total == at.subtotal == standard.free_over
    assert (at.delivery_days.min, at.delivery_days.max) == (standard.delivery_days.min, standard.delivery_days.max)


def test_express_is_flat_even_over_the_threshold() -> None:
    express = quote([QuoteLine(D("80.00"), 1)], NYC, "express", config=DEFAULT_CONFIG)
    assert express.shipping == D("12.95") and express.total == D("92.95") and express.method_name == "Express"


def test_by_weight_each_started_kilogram_and_the_default_weight() -> None:
    zones = DEFAULT_CONFIG.model_dump()["zones"]
    zones[0]["methods"].append(
        {"id": "freight", "name": "Freight", "price": "3.00", "per_kg": "2.50", "delivery_days": {"min": 5, "max": 9}}
    )
    cfg = config(zones=zones, default_weight_grams=400)
    # 2 x 700 g + 3 x the default 400 g = 2,600 g: three started kilograms
    heavy = quote([QuoteLine(D("100.00"), 2, 700), QuoteLine(D("1.00"), 3)], NYC, "freight", config=cfg)
    assert heavy.shipping == D("3.00") + 3 * D("2.50")
    exactly = quote([QuoteLine(D("1.00"), 5, 200)], NYC, "freight", config=cfg)  # 1,000 g: one kilogram
    assert exactly.shipping == D("5.50")


def test_tax_added_on_top_rounds_once_half_up_and_region_beats_country() -> None:
    cfg = config(tax_rates=[{"country": "US", "rate": "5"}, {"country": "US", "region": "NY", "rate": "8.875"}])
    ny = quote([QuoteLine(D("19.99"), 3)], NYC, None, config=cfg)  # 59.97 x 8.875% = 5.3223...
    assert ny.tax == D("5.32") and ny.tax_rate == D("8.875") and ny.shipping == 0
    assert ny.total == D("59.97") + D("5.32")
    la = quote([QuoteLine(D("0.10"), 1)], LA, None, config=cfg)  # 0.10 x 5% = 0.005 -> 0.01 (half up)
    assert la.tax == D("0.01") and la.total == D("0.10") + D("5.95") + D("0.01")


def test_tax_included_in_prices_is_shown_but_not_added() -> None:
    cfg = config(prices_include_tax=True, tax_rates=[{"country": "US", "rate": "20"}])
    included = quote([QuoteLine(D("60.00"), 1)], NYC, None, config=cfg)
    assert included.tax == D("10.00") and included.tax_included  # 60 - 60 / 1.2
    assert included.total == D("60.00")


def test_money_stays_exact() -> None:
    amounts = quote([QuoteLine(D("0.10"), 3), QuoteLine(D("0.20"), 1)], NYC, None, config=DEFAULT_CONFIG)
    assert amounts.subtotal == D("0.50") and str(amounts.total) == "6.45"


def test_an_address_outside_every_zone_or_an_unknown_method_is_a_clear_422() -> None:
    with pytest.raises(InvalidInput) as outside:
        quote([QuoteLine(D("10.00"), 1)], PARIS, None, config=DEFAULT_CONFIG)
    assert outside.value.status_code == 422 and outside.value.field == "country"
    assert "we do not ship to France" in outside.value.message and "United States" in outside.value.message
    with pytest.raises(InvalidInput) as method:
        quote([QuoteLine(D("10.00"), 1)], NYC, "drone", config=DEFAULT_CONFIG)
    assert method.value.field == "shippingMethod" and "standard, express" in method.value.message


def test_zones_can_cover_only_some_regions_and_free_text_is_the_home_country() -> None:
    zones = DEFAULT_CONFIG.model_dump()["zones"]
    zones.insert(0, {**zones[0], "id": "west", "name": "West coast", "regions": ["CA", "OR", "WA"]})
    zones[0]["methods"] = [{**zones[0]["methods"][0], "price": "3.95"}]
    cfg = config(zones=zones)
    assert quote([QuoteLine(D("1.00"), 1)], LA, None, config=cfg).shipping == D("3.95")
    assert quote([QuoteLine(D("1.00"), 1)], NYC, None, config=cfg).shipping == D("5.95")
    assert quote([QuoteLine(D("1.00"), 1)], Address.from_text("1 Main St"), None, config=cfg).country == "US"
    assert [o.method for o in method_options([QuoteLine(D("1.00"), 1)], LA, config=cfg)] == ["standard"]
    assert method_options([QuoteLine(D("1.00"), 1)], PARIS, config=cfg) == []
