"""The shipping & tax config: defaults with no setup, validation, versioned saves, one process's save
seen by another through the shared versions, and the admin form's round trip."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pymongo.database import Database

from shop.core.errors import Conflict, InvalidFields
from shop.core.versions import SharedVersions
from shop.shipping.config import DEFAULT_CONFIG, CommerceConfigStore, parse_config
from shop.shipping.config_form import config_from_form, flatten


def test_a_fresh_shop_uses_the_defaults_and_their_return_windows(db: Database) -> None:
    config = CommerceConfigStore(db).get()
    assert config == DEFAULT_CONFIG and config.version == 0
    assert (config.returns_unopened_days, config.returns_damaged_days) == (30, 14)
    assert config.free_shipping_threshold == Decimal("50.00") and config.shipping_countries() == ["US"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"zones": []}, "zones"),
        ({"home_country": "XX"}, "home_country"),
        ({"returns_unopened_days": -1}, "returns_unopened_days"),
        ({"returns_damaged_days": True}, "returns_damaged_days"),
        ({"tax_rates": [{"country": "US", "rate": "51"}]}, "tax_rates.0.rate"),
        ({"tax_rates": [{"country": "US", "rate": 7.25}]}, "tax_rates.0.rate"),  # a float lost exactness
        ({"unknown": 1}, "unknown"),
    ],
)
def test_invalid_settings_are_refused_by_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidFields) as caught:
        parse_config({**DEFAULT_CONFIG.model_dump(), **change})
    assert field in caught.value.errors


def test_a_method_with_inverted_days_or_a_duplicate_id_is_refused() -> None:
    zones = DEFAULT_CONFIG.model_dump()["zones"]
    zones[0]["methods"][1]["delivery_days"] = {"min": 5, "max": 2}
    with pytest.raises(InvalidFields, match="fewest delivery days"):
        parse_config({**DEFAULT_CONFIG.model_dump(), "zones": zones})
    zones[0]["methods"][1] = zones[0]["methods"][0]
    with pytest.raises(InvalidFields, match="same id"):
        parse_config({**DEFAULT_CONFIG.model_dump(), "zones": zones})


def test_saves_are_versioned_and_followed_by_every_process(db: Database) -> None:
    here = CommerceConfigStore(db, versions=SharedVersions(db, poll_seconds=0))
    there = CommerceConfigStore(db, versions=SharedVersions(db, poll_seconds=0))
    assert there.get().returns_unopened_days == 30
    saved = here.save(DEFAULT_CONFIG.model_copy(update={"returns_unopened_days": 45}), based_on=0)
    assert saved.version == 1 and here.get().returns_unopened_days == 45
    assert there.get().returns_unopened_days == 45 and there.get().version == 1  # followed the version
    with pytest.raises(Conflict):  # a save based on the old version would undo this one
        there.save(DEFAULT_CONFIG, based_on=0)
    assert here.reset(based_on=1).version == 2 and there.get().returns_unopened_days == 30
    stored = db.commerce_config.find_one({"_id": "commerce"})
    assert stored["version"] == 2 and isinstance(stored["zones"][0]["methods"][0]["price"], Decimal)


def test_the_cached_config_costs_no_query(db: Database) -> None:
    versions = SharedVersions(db, poll_seconds=3600)
    store = CommerceConfigStore(db, versions=versions)
    store.get()
    db.commerce_config.insert_one({"_id": "commerce", **DEFAULT_CONFIG.model_dump(), "version": 9})
    assert store.get().version == 0  # nobody bumped the version: the cached copy stands


def test_the_admin_form_round_trips_and_names_the_input_at_fault() -> None:
    values = flatten(DEFAULT_CONFIG)
    assert config_from_form(values) == DEFAULT_CONFIG
    values |= {"zones.1.id": "eu", "zones.1.name": "Europe", "zones.1.countries": "FR, DE"}
    values |= {"zones.1.methods.2.id": "eu", "zones.1.methods.2.name": "Europe", "zones.1.methods.2.price": "x"}
    values |= {"zones.1.methods.2.delivery_days.min": "4", "zones.1.methods.2.delivery_days.max": "9"}
    values |= {"tax_rates.4.country": "US", "tax_rates.4.region": "ny", "tax_rates.4.rate": "8.875"}
    with pytest.raises(InvalidFields) as caught:
        config_from_form(values)
    assert list(caught.value.errors) == ["zones.1.methods.2.price"]  # the form's row, not the kept row's
    values["zones.1.methods.2.price"] = "$9.50"
    config = config_from_form(values)
    assert config.zones[1].countries == ["FR", "DE"] and config.zones[1].methods[0].price == Decimal("9.50")
    assert config.tax_rate("US", "NY") == Decimal("8.875") and config.tax_rate("US", "CA") == 0
