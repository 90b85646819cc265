"""Wishlists and their restock / price-drop emails: each event is mailed exactly once."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from shop.core.errors import NotFound
from shop.customers.wishlist import WishlistService
from shop.services import ShopServices


def change(services: ShopServices, doc: dict[str, Any], **fields: Any) -> None:
    """Write a product the way the admin and orders do (updatedAt moves), then let the catalog and
    the wishlist watcher catch up."""
    services.db.products.update_one({"_id": doc["_id"]}, {"$set": {**fields, "updatedAt": datetime.now(UTC)}})
    services.catalog.invalidate()
    services.catalog.all()
    assert services.wishlist.wait_idle()


def mails(services: ShopServices, kind: str | None = None) -> list[dict[str, Any]]:
    query = {"kind": kind} if kind else {"kind": {"$regex": "^wishlist_"}}
    return list(services.db.outbox.find(query))


def test_add_remove_toggle(services: ShopServices, product_factory: Any) -> None:
    wishlist = services.wishlist
    product = product_factory(name="Acacia Honey")
    pid = str(product["_id"])
    assert wishlist.add("v1", pid) is True
    assert wishlist.add("v1", pid) is False  # idempotent
    assert wishlist.ids("v1") == {pid}
    assert [p.name for p in wishlist.items("v1")] == ["Acacia Honey"]
    assert wishlist.ids("v2") == frozenset()  # per visitor
    assert wishlist.toggle("v1", pid) is False
    assert wishlist.items("v1") == []
    assert wishlist.toggle("v1", pid) is True
    assert wishlist.remove("v1", pid) is True
    with pytest.raises(NotFound):
        wishlist.add("v1", "0" * 24)
    with pytest.raises(NotFound):
        wishlist.add("v1", "$where")


def test_restock_email_is_sent_once(services: ShopServices, product_factory: Any) -> None:
    product = product_factory(name="Ceremonial Matcha", stock=0)
    pid = str(product["_id"])
    services.wishlist.add("v1", pid)
    services.wishlist.set_email("v1", "ann@example.com")
    services.wishlist.add("v2", pid)  # no email known: nothing is sent to v2

    change(services, product, stock=5)
    sent = mails(services, "wishlist_restock")
    assert len(sent) == 1
    assert sent[0]["to"] == ["ann@example.com"] and "Ceremonial Matcha" in sent[0]["subject"]
    token = services.db.wishlist_contacts.find_one({"_id": "v1"})["token"]  # type: ignore[index]
    assert f"/wishlist/unsubscribe/{token}" in sent[0]["text"]

    # Refreshes, other changes of the product, a start-up check, a second process: no duplicates.
    change(services, product, stock=4)
    change(services, product, description="New words, same stock.")
    services.wishlist.submit(services.wishlist.check_all)
    assert services.wishlist.wait_idle()
    other = WishlistService(services.db, services.catalog, services.mailer, services.settings)
    assert other.check(services.catalog.all()) == 0
    assert len(mails(services)) == 1

    # Sold out again, then back: that is news again.
    change(services, product, stock=0)
    change(services, product, stock=3)
    assert len(mails(services, "wishlist_restock")) == 2


def test_price_drop_email_is_sent_once_per_drop(services: ShopServices, product_factory: Any) -> None:
    product = product_factory(name="Dark Chocolate 72%", price=Decimal("10.00"))
    services.wishlist.add("v1", str(product["_id"]))
    services.wishlist.set_email("v1", "bo@example.com")

    change(services, product, price=Decimal("8.00"))
    drops = mails(services, "wishlist_price_drop")
    assert len(drops) == 1
    assert "$8.00" in drops[0]["text"] and "$10.00" in drops[0]["text"]
    change(services, product, price=Decimal("8.00"), stock=7)  # refreshed, same price
    assert len(mails(services)) == 1
    change(services, product, price=Decimal("9.00"))  # up: no email, but remembered
    assert len(mails(services)) == 1
    change(services, product, price=Decimal("8.50"))  # down from 9.00: news
    assert len(mails(services, "wishlist_price_drop")) == 2


def test_changes_before_the_email_was_given_are_not_mailed_later(services: ShopServices, product_factory: Any) -> None:
    product = product_factory(stock=0)
    services.wishlist.add("v1", str(product["_id"]))
    change(services, product, stock=2)  # nobody to tell
    services.wishlist.set_email("v1", "cy@example.com")
    change(services, product, stock=1)
    services.wishlist.submit(services.wishlist.check_all)
    assert services.wishlist.wait_idle()
    assert mails(services) == []


def test_changes_made_while_the_shop_was_down_are_found_at_start(services: ShopServices, product_factory: Any) -> None:
    product = product_factory(stock=0)
    services.wishlist.add("v1", str(product["_id"]))
    services.wishlist.set_email("v1", "di@example.com")
    # Another process (or a restart) changed stock; this process's catalog never saw the old state change.
    services.db.products.update_one({"_id": product["_id"]}, {"$set": {"stock": 9, "updatedAt": datetime.now(UTC)}})
    restarted = ShopServices.build(services.db, services.settings, background_mail=False)
    try:
        restarted.start_background_work()
        assert restarted.wishlist.wait_idle()
    finally:
        restarted.close()
    assert len(mails(services, "wishlist_restock")) == 1


def test_unsubscribe_forgets_the_email(services: ShopServices, product_factory: Any) -> None:
    services.wishlist.set_email("v1", "ed@example.com")
    token = services.db.wishlist_contacts.find_one({"_id": "v1"})["token"]  # type: ignore[index]
    assert services.wishlist.unsubscribe("not-the-token") is False
    assert services.wishlist.unsubscribe(token) is True
    assert services.wishlist.contact("v1") is None
