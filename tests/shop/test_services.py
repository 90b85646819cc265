"""The service container: every service built once, with its callbacks, and used from there."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shop.core.settings import PROJECT_ROOT, Settings
from shop.ordering.orders import OrderRequest
from shop.services import ShopServices

BUILT_BY_THE_CONTAINER = (
    "OrderAdmin",
    "OrderService",
    "ProductAdmin",
    "ReviewModeration",
    "ConversationStore",
    "PolicyLibrary",
    "ReportCache",
    "Checkout",
    "CartService",
)


def test_the_services_share_one_of_each(services: ShopServices) -> None:
    checkout = services.checkout
    assert checkout.carts is services.carts and checkout.orders is services.orders
    assert checkout.interactions is services.interactions
    assert services.carts.catalog is services.catalog
    assert services.product_admin.catalog is services.catalog
    assert services.review_moderation.catalog is services.catalog
    for writer in (services.orders, services.order_admin):
        assert writer.db is services.db and writer.mailer is services.mailer
        assert writer.on_stock_change == services.catalog.invalidate
    assert services.conversations.collection.database is services.db
    assert services.policies.directory == services.settings.resolved_policies_dir


def test_two_containers_share_no_cache(services: ShopServices) -> None:
    other = ShopServices.build(services.db, services.settings, background_mail=False)
    try:
        for name in ("catalog", "carts", "sales_reports", "policies", "product_admin", "order_admin"):
            assert getattr(other, name) is not getattr(services, name), name
    finally:
        other.close()


@pytest.fixture
def slow_catalog(services: ShopServices) -> Iterator[ShopServices]:
    """Services whose catalog looks at the database only when told to (within this test's minute)."""
    settings: Settings = services.settings.model_copy(update={"catalog_refresh_seconds": 60})
    built = ShopServices.build(services.db, settings, background_mail=False)
    yield built
    built.close()


def test_a_cancel_by_the_owner_puts_the_stock_back_on_the_shelf_at_once(
    slow_catalog: ShopServices, product_factory: Any
) -> None:
    services = slow_catalog
    product = product_factory(stock=10)
    pid = str(product["_id"])
    services.catalog.invalidate()  # as the owner's product form does after its write
    assert services.catalog.get(pid).stock == 10
    version = services.catalog.version
    order = services.orders.place(
        OrderRequest(
            customerName="Ada",
            email="ada@example.com",
            address="12 Analytical Street",
            items=[{"productId": pid, "quantity": 3}],
        )
    )
    assert services.catalog.get(pid).stock == 7
    assert services.catalog.version > version
    services.order_admin.change_status(order.id, "cancelled", owner="owner@example.com")
    # Without the stock-change callback the snapshot would show 7 for the next minute.
    assert services.catalog.get(pid).stock == 10


def test_services_are_built_only_by_the_container() -> None:
    """Pages, tools and the agent take their services from ShopServices instead of building their own."""
    built = re.compile(r"\b(" + "|".join(BUILT_BY_THE_CONTAINER) + r")\(")
    found = [
        f"{path.relative_to(PROJECT_ROOT)}: {match.group(0)}"
        for folder in ("app", "agent", "tools")
        for path in sorted(Path(PROJECT_ROOT, folder).rglob("*.py"))
        for match in built.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []
