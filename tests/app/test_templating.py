"""What pages cache is stamped with explicit versions and belongs to its app, never to the process."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pymongo import MongoClient
from pymongo.database import Database

from shop.core.settings import Settings
from shop.services import ShopServices
from tests.support.databases import another_shop


def test_an_edit_moves_the_catalog_version_and_the_cards_are_rendered_again(
    client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    product = product_factory(name="Sencha Asahi", price=Decimal("12.00"))
    services.catalog.invalidate()
    assert "$12.00" in client.get("/products").text
    version = services.catalog.version
    services.catalog.invalidate()
    assert services.catalog.version == version  # looked again, found nothing new: same version

    services.db.products.update_one(
        {"_id": product["_id"]}, {"$set": {"price": Decimal("9.50"), "updatedAt": datetime.now(UTC)}}
    )
    services.catalog.invalidate()
    assert services.catalog.version == version + 1
    page = client.get("/products").text
    assert "$9.50" in page and "$12.00" not in page
    assert "$9.50" in client.get("/").text


@pytest.fixture
def euro_shop(mongo_client: MongoClient, db: Database, settings: Settings) -> Iterator[ShopServices]:
    """A second shop in this process, on its own database, that prices in euros."""
    euro = settings.model_copy(
        update={"mongodb_db": f"{db.name}_euro", "currency_symbol": "€", "shop_name": "Euro Shop"}
    )
    with another_shop(mongo_client, euro) as built:
        yield built


def test_two_apps_in_one_process_share_no_cards_or_settings(
    services: ShopServices, euro_shop: ShopServices, product_factory: Any
) -> None:
    from app.main import create_app

    beans = product_factory(name="Shared Beans", price=Decimal("10.00"))
    euro_shop.db.products.insert_one(beans)  # the very same product, id and version, in both shops

    with (
        TestClient(create_app(services.settings, services)) as dollars,
        TestClient(create_app(euro_shop.settings, euro_shop)) as euros,
    ):
        for _ in range(2):  # the second time from each app's card cache
            in_dollars, in_euros = dollars.get("/products").text, euros.get("/products").text
            assert "$10.00" in in_dollars and "€10.00" not in in_dollars
            assert "€10.00" in in_euros and "$10.00" not in in_euros
            assert "Euro Shop" in in_euros and "Euro Shop" not in in_dollars
        assert dollars.app.state.product_cards is not euros.app.state.product_cards  # type: ignore[attr-defined]
