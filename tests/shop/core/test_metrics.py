"""The Prometheus figures the shop layer records: database commands and orders."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client import REGISTRY
from pymongo.database import Database

from shop.core.errors import ShopError
from shop.ordering.orders import OrderRequest
from shop.services import ShopServices


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_every_database_command_is_timed(db: Database) -> None:
    before = value("aishop_db_command_duration_seconds_count", command="find")
    db.products.find_one({"slug": "nothing"})
    db.command("ping")
    assert value("aishop_db_command_duration_seconds_count", command="find") == before + 1
    assert value("aishop_db_command_duration_seconds_count", command="ping") >= 1


def test_orders_are_counted_by_outcome(services: ShopServices, product_factory: Any) -> None:
    product = product_factory(stock=1)

    def order(quantity: int) -> OrderRequest:
        return OrderRequest(
            customerName="Ada Lovelace",
            email="ada@example.com",
            address="12 Analytical Lane",
            items=[{"productId": str(product["_id"]), "quantity": quantity}],
        )

    placed, rejected = value("aishop_orders_total", outcome="placed"), value("aishop_orders_total", outcome="rejected")
    services.orders.place(order(1))
    with pytest.raises(ShopError):
        services.orders.place(order(1))  # sold out
    assert value("aishop_orders_total", outcome="placed") == placed + 1
    assert value("aishop_orders_total", outcome="rejected") == rejected + 1
