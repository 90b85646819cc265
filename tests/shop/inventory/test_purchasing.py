"""Suppliers and stored purchase orders against the real database: created from the reorder advice's
quantities, sent by email through the outbox, received (in parts) into a chosen location exactly once."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from shop.core.errors import Conflict, InvalidInput
from shop.core.location_stock import stock_by_location
from shop.inventory.suppliers import get_supplier, list_suppliers, save_supplier
from shop.services import ShopServices

OWNER = "owner@example.com"


def _draft(services: ShopServices, product_factory: Any) -> tuple[str, dict[str, Any], dict[str, Any]]:
    beans = product_factory(name="Kenya Beans", supplier="Fernwood Roasters", stock=2, leadTimeDays=5, sku="KEN-250")
    filters = product_factory(name="Paper Filters", supplier="Fernwood Roasters", stock=1, leadTimeDays=9)
    services.db.products.update_one({"_id": filters["_id"]}, {"$set": {"slug": "paper-filters"}})
    ids = services.purchasing.create({str(beans["_id"]): 10, str(filters["_id"]): 4}, owner=OWNER)
    assert len(ids) == 1 and ids[0].endswith("-FERNWOOD-ROASTERS")
    return ids[0], beans, filters


def test_suppliers_are_listed_from_products_and_completed_with_email_and_lead_time(
    services: ShopServices, product_factory: Any
) -> None:
    product_factory(supplier="Fernwood Roasters")
    product_factory(supplier="fernwood  roasters")
    assert [(s.name, s.products, s.stored) for s in list_suppliers(services.db)] == [("Fernwood Roasters", 2, False)]
    save_supplier(
        services.db, name="FERNWOOD ROASTERS", email="Orders@Fernwood.example", lead_time_days="6", owner=OWNER
    )
    supplier = get_supplier(services.db, "fernwood roasters")
    assert supplier is not None and supplier.email == "orders@fernwood.example" and supplier.lead_time_days == 6
    assert supplier.name == "FERNWOOD ROASTERS" and supplier.products == 2
    with pytest.raises(InvalidInput):
        save_supplier(services.db, name="X", email="not-an-email", lead_time_days="", owner=OWNER)
    with pytest.raises(InvalidInput):
        save_supplier(services.db, name="X", email="", lead_time_days="400", owner=OWNER)
    with pytest.raises(InvalidInput):
        save_supplier(services.db, name="", email="", lead_time_days="", owner=OWNER)


def test_a_draft_is_sent_to_the_supplier_through_the_outbox_once(services: ShopServices, product_factory: Any) -> None:
    po_id, _, _ = _draft(services, product_factory)
    po = services.purchasing.get(po_id)
    assert po.status == "draft" and po.units == 14
    with pytest.raises(InvalidInput, match="Add an email"):
        services.purchasing.send(po_id, po.revision, owner=OWNER)
    save_supplier(
        services.db, name="Fernwood Roasters", email="orders@fernwood.example", lead_time_days="3", owner=OWNER
    )
    services.purchasing.send(po_id, po.revision, owner=OWNER)
    with pytest.raises(Conflict):
        services.purchasing.send(po_id, po.revision, owner=OWNER)  # the same form again
    mails = list(services.db.outbox.find({"kind": "purchase_order"}))
    assert len(mails) == 1 and mails[0]["to"] == ["orders@fernwood.example"]
    assert po_id in mails[0]["subject"] and "10 x Kenya Beans (our ref. KEN-250)" in mails[0]["text"]
    assert "4 x Paper Filters (our ref. paper-filters)" in mails[0]["text"]  # no SKU: the slug stands in
    assert services.purchasing.get(po_id).status == "sent"


def test_receiving_in_parts_adds_stock_at_the_chosen_location_once(
    services: ShopServices, product_factory: Any
) -> None:
    east = services.locations.save(None, name="Warehouse East", address="", priority=2, active=True, owner=OWNER)
    po_id, beans, filters = _draft(services, product_factory)
    save_supplier(
        services.db, name="Fernwood Roasters", email="orders@fernwood.example", lead_time_days="", owner=OWNER
    )
    services.purchasing.send(po_id, 0, owner=OWNER)
    po = services.purchasing.get(po_id)

    with pytest.raises(InvalidInput, match="still to come"):
        services.purchasing.receive(po_id, {str(beans["_id"]): "11"}, east.id, po.revision, owner=OWNER)
    part = services.purchasing.receive(po_id, {str(beans["_id"]): "6"}, east.id, po.revision, owner=OWNER)
    assert part.status == "sent" and part.received_units == 6
    with pytest.raises(Conflict, match="recorded twice"):  # the same receipt submitted again
        services.purchasing.receive(po_id, {str(beans["_id"]): "6"}, east.id, po.revision, owner=OWNER)

    rest = {str(beans["_id"]): "4", str(filters["_id"]): "4"}
    done = services.purchasing.receive(po_id, rest, "main", part.revision, owner=OWNER)
    assert done.status == "received" and [ln.outstanding for ln in done.lines] == [0, 0]
    assert stock_by_location(services.db.products.find_one({"_id": beans["_id"]})) == {"main": 6, east.id: 6}
    assert services.db.products.find_one({"_id": filters["_id"]})["stock"] == 5
    assert services.db.inventory.find_one({"productId": beans["_id"]})["stockLevel"] == 12
    with pytest.raises(Conflict):
        services.purchasing.cancel(po_id, done.revision, owner=OWNER)


def test_two_concurrent_receipts_of_one_delivery_add_the_units_once(
    services: ShopServices, product_factory: Any
) -> None:
    po_id, beans, _ = _draft(services, product_factory)
    save_supplier(
        services.db, name="Fernwood Roasters", email="orders@fernwood.example", lead_time_days="", owner=OWNER
    )
    services.purchasing.send(po_id, 0, owner=OWNER)
    revision = services.purchasing.get(po_id).revision
    outcomes: list[str] = []
    barrier = threading.Barrier(6)

    def receive() -> None:
        barrier.wait()
        try:
            services.purchasing.receive(po_id, {str(beans["_id"]): "10"}, "main", revision, owner=OWNER)
            outcomes.append("ok")
        except Conflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=receive) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["ok"] + ["refused"] * 5
    assert services.db.products.find_one({"_id": beans["_id"]})["stock"] == 12
    assert services.db.activity_log.count_documents({"action": "purchase_order.receive"}) == 1


def test_lifecycle_refusals(services: ShopServices, product_factory: Any) -> None:
    po_id, beans, _ = _draft(services, product_factory)
    with pytest.raises(Conflict, match="cannot become"):
        services.purchasing.receive(po_id, {str(beans["_id"]): "1"}, "main", 0, owner=OWNER)
    with pytest.raises(InvalidInput, match="active location"):
        services.purchasing.receive(po_id, {str(beans["_id"]): "1"}, "nowhere", 0, owner=OWNER)
    with pytest.raises(InvalidInput):
        services.purchasing.receive(po_id, {str(beans["_id"]): "x"}, "main", 0, owner=OWNER)
    with pytest.raises(InvalidInput):
        services.purchasing.cancel(po_id, "not-a-number", owner=OWNER)
    services.purchasing.cancel(po_id, 0, owner=OWNER)
    assert services.purchasing.get(po_id).status == "cancelled"
    assert services.db.products.find_one({"_id": beans["_id"]})["stock"] == 2
    second = services.purchasing.create({str(beans["_id"]): 3}, owner=OWNER)
    assert second == [f"{po_id}-2"]
