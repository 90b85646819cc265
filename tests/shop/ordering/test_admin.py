"""Order lifecycle for the owner: allowed transitions, stock returned on cancel (once), emails, filters."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from shop.core.errors import Conflict, InvalidInput, NotFound
from shop.ordering.admin import TRANSITIONS, OrderAdmin, OrderListQuery, can_change
from shop.ordering.orders import STATUSES, OrderRequest, OrderView
from shop.services import ShopServices

OWNER = "owner@example.com"


@pytest.fixture
def admin(services: ShopServices) -> OrderAdmin:
    return services.order_admin


def place(services: ShopServices, *items: tuple[Any, int], email: str = "ada@example.com") -> OrderView:
    return services.orders.place(
        OrderRequest(
            customerName="Ada Lovelace",
            email=email,
            address="12 Analytical Street\nLondon",
            items=[{"productId": str(pid), "quantity": qty} for pid, qty in items],
        )
    )


def test_lifecycle_table() -> None:
    allowed = {(a, b) for a in STATUSES for b in STATUSES if can_change(a, b)}
    assert allowed == {
        ("pending", "confirmed"),
        ("confirmed", "shipped"),
        ("shipped", "completed"),
        ("pending", "cancelled"),
        ("confirmed", "cancelled"),
    }
    assert set(TRANSITIONS) == set(STATUSES)


def test_happy_path_emails_the_customer_at_each_step(
    admin: OrderAdmin, services: ShopServices, product_factory: Any
) -> None:
    product = product_factory(name="Kenya AA", stock=5)
    order = place(services, (product["_id"], 2))
    for status in ("confirmed", "shipped", "completed"):
        changed = admin.change_status(order.id, status, owner=OWNER)
        assert changed.order.status == status
    mails = list(
        services.db.outbox.find({"kind": {"$regex": "^order_(confirmed|shipped|completed)$"}}).sort("createdAt", 1)
    )
    assert [m["kind"] for m in mails] == ["order_confirmed", "order_shipped", "order_completed"]
    assert all(m["to"] == ["ada@example.com"] and order.id in m["subject"] for m in mails)
    assert "on its way" in mails[1]["text"] and "Kenya AA" in mails[1]["html"]
    stored = services.db.orders.find_one({"_id": order.id})
    assert [h["status"] for h in stored["statusHistory"]] == ["confirmed", "shipped", "completed"]
    assert [s.status for s in admin.get(order.id).history] == ["pending", "confirmed", "shipped", "completed"]
    log = list(services.db.activity_log.find({"entity": "order"}).sort("at", 1))
    assert [(e["before"]["status"], e["after"]["status"]) for e in log] == [
        ("pending", "confirmed"),
        ("confirmed", "shipped"),
        ("shipped", "completed"),
    ]
    assert services.db.products.find_one({"_id": product["_id"]})["stock"] == 3  # nothing returned


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([], "shipped"),
        ([], "completed"),
        (["confirmed", "shipped"], "cancelled"),
        (["confirmed", "shipped"], "confirmed"),
        (["cancelled"], "confirmed"),
        (["cancelled"], "cancelled"),
        (["confirmed", "shipped", "completed"], "cancelled"),
    ],
)
def test_transitions_outside_the_lifecycle_are_refused(
    admin: OrderAdmin, services: ShopServices, product_factory: Any, path: list[str], refused: str
) -> None:
    product = product_factory(stock=5)
    order = place(services, (product["_id"], 1))
    for status in path:
        admin.change_status(order.id, status, owner=OWNER)
    mails_before = services.db.outbox.count_documents({})
    stock_before = services.db.products.find_one({"_id": product["_id"]})["stock"]
    with pytest.raises(Conflict):
        admin.change_status(order.id, refused, owner=OWNER)
    assert services.db.orders.find_one({"_id": order.id})["status"] == (path[-1] if path else "pending")
    assert services.db.outbox.count_documents({}) == mails_before
    assert services.db.products.find_one({"_id": product["_id"]})["stock"] == stock_before


def test_unknown_status_and_order(admin: OrderAdmin) -> None:
    with pytest.raises(InvalidInput):
        admin.change_status("ORD-00000000", "lost", owner=OWNER)
    with pytest.raises(NotFound):
        admin.change_status("ORD-00000000", "confirmed", owner=OWNER)
    with pytest.raises(NotFound):
        admin.get("not an order")


@pytest.mark.parametrize("via", [[], ["confirmed"]])
def test_cancel_returns_stock_to_product_and_inventory(
    admin: OrderAdmin, services: ShopServices, product_factory: Any, via: list[str]
) -> None:
    coffee = product_factory(stock=5)
    tea = product_factory(stock=9, category="tea")
    order = place(services, (coffee["_id"], 2), (tea["_id"], 4))
    services.catalog.all()
    for status in via:
        admin.change_status(order.id, status, owner=OWNER)
    admin.change_status(order.id, "cancelled", owner=OWNER)
    db = services.db
    assert db.products.find_one({"_id": coffee["_id"]})["stock"] == 5
    assert db.products.find_one({"_id": tea["_id"]})["stock"] == 9
    assert db.inventory.find_one({"productId": coffee["_id"]})["stockLevel"] == 5
    assert db.inventory.find_one({"productId": tea["_id"]})["stockLevel"] == 9
    assert services.catalog.get(str(tea["_id"])).stock == 9  # the storefront sees it at once
    entry = db.activity_log.find_one({"entity": "order", "after.status": "cancelled"})
    assert sorted(r["quantity"] for r in entry["after"]["stockReturned"]) == [2, 4]
    mail = db.outbox.find_one({"kind": "order_cancelled"})
    assert "has been cancelled" in mail["text"]


def test_two_racing_cancels_return_the_stock_once(
    admin: OrderAdmin, services: ShopServices, product_factory: Any
) -> None:
    product = product_factory(stock=10)
    order = place(services, (product["_id"], 3))
    assert services.db.products.find_one({"_id": product["_id"]})["stock"] == 7
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def cancel() -> None:
        other = OrderAdmin(services.db, services.settings, services.mailer)
        start.wait()
        try:
            other.change_status(order.id, "cancelled", owner=OWNER)
            outcomes.append("cancelled")
        except Conflict:
            outcomes.append("refused")

    threads = [threading.Thread(target=cancel) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["cancelled", "refused", "refused", "refused"]
    assert services.db.products.find_one({"_id": product["_id"]})["stock"] == 10
    assert services.db.inventory.find_one({"productId": product["_id"]})["stockLevel"] == 10
    assert services.db.activity_log.count_documents({"entity": "order"}) == 1
    assert services.db.outbox.count_documents({"kind": "order_cancelled"}) == 1


def test_cancel_of_a_deleted_product_still_returns_its_stock(
    admin: OrderAdmin, services: ShopServices, product_factory: Any
) -> None:
    product = product_factory(stock=4)
    order = place(services, (product["_id"], 4))
    services.db.products.update_one({"_id": product["_id"]}, {"$set": {"deletedAt": datetime.now(UTC)}})
    admin.change_status(order.id, "cancelled", owner=OWNER)
    assert services.db.products.find_one({"_id": product["_id"]})["stock"] == 4


def test_list_filters_by_status_date_and_customer(
    admin: OrderAdmin, services: ShopServices, product_factory: Any
) -> None:
    product = product_factory(stock=50)
    old = place(services, (product["_id"], 1), email="old@example.com")
    services.db.orders.update_one({"_id": old.id}, {"$set": {"createdAt": datetime(2025, 3, 1, 12, tzinfo=UTC)}})
    confirmed = place(services, (product["_id"], 1), email="bo@example.com")
    admin.change_status(confirmed.id, "confirmed", owner=OWNER)
    pending = place(services, (product["_id"], 1), email="cy@example.com")

    def ids(**query: Any) -> list[str]:
        return [o.id for o in admin.list(OrderListQuery(**query)).items]

    assert ids(period="all") == [pending.id, confirmed.id, old.id]  # newest first
    assert ids() == [pending.id, confirmed.id]  # by default the last 30 days
    assert ids(status="confirmed") == [confirmed.id]
    assert ids(date_from=date(2025, 3, 1), date_to=date(2025, 3, 1)) == [old.id]
    today = datetime.now(UTC).date()
    assert ids(date_from=today - timedelta(days=1)) == [pending.id, confirmed.id]
    assert ids(date_to=date(2025, 2, 28)) == []
    assert ids(q="BO@example.com") == [confirmed.id]
    assert ids(q=pending.id.lower().removeprefix("ord-")) == [pending.id]
    page = admin.list(OrderListQuery(page_size=2, page=2, period="all"))
    assert page.total == 3 and page.pages == 2 and [o.id for o in page.items] == [old.id]
    with pytest.raises(InvalidInput):
        admin.list(OrderListQuery(date_from=date(2025, 3, 2), date_to=date(2025, 3, 1)))


def test_status_email_failure_does_not_undo_the_change(
    admin: OrderAdmin, services: ShopServices, product_factory: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    product = product_factory(stock=5, price=Decimal("3.00"))
    order = place(services, (product["_id"], 1))

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("mail server on fire")

    monkeypatch.setattr(services.mailer, "send", broken)
    assert admin.change_status(order.id, "confirmed", owner=OWNER).order.status == "confirmed"
    assert services.db.orders.find_one({"_id": order.id})["status"] == "confirmed"
