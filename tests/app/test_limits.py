"""Limits over HTTP: 429 with Retry-After and a sentence on every limited write, per visitor and per
address, shared by two apps on one database; trusted proxies; IP blocks from the admin; signed
visitor ids; verified buyers on the product page.

The shared fixtures turn the limits off (tests place many orders from one client); these build their
app with limits on and low."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pymongo.database import Database

from app.embedded_mongo import EmbeddedMongo
from app.main import create_app
from shop.core.db import connect, database
from shop.core.settings import Settings
from shop.services import ShopServices
from tests.support.admin_login import OwnerAccount, login, session_csrf
from tests.support.orders import order_body
from tests.support.returns import EMAIL, delivered_order

LOW: dict[str, Any] = {
    "rate_limits": True,
    "limit_orders_per_visitor": "2/1h",
    "limit_orders_per_ip": "3/1h",
    "limit_reviews_per_visitor": "5/1h",
    "limit_reviews_per_ip": "2/1d",
    "limit_contact_per_visitor": "1/1h",
    "limit_contact_per_ip": "5/1d",
    "limit_returns_per_visitor": "2/1h",
    "limit_returns_per_ip": "3/1d",
    "limit_chat_per_visitor": "1/1h",
    "limit_login_per_ip": "3/15m",
}


def make_client(services: ShopServices, ip: str = "203.0.113.10") -> TestClient:
    return TestClient(create_app(services.settings, services), client=(ip, 50000))


@pytest.fixture
def limited(db: Database, settings: Settings) -> Iterator[ShopServices]:
    built = ShopServices.build(db, settings.model_copy(update=LOW), background_mail=False)
    yield built
    built.close()


@pytest.fixture
def clients(limited: ShopServices) -> Iterator[Any]:
    """`clients(ip)`: a new browser (its own cookies) at that address, closed after the test."""
    with ExitStack() as stack:

        def open_client(ip: str = "203.0.113.10") -> TestClient:
            return stack.enter_context(make_client(limited, ip))

        yield open_client


def assert_limited(response: Any) -> None:
    assert response.status_code == 429, response.text
    assert int(response.headers["Retry-After"]) > 0


# --- orders --------------------------------------------------------------------------------------


def test_api_orders_per_visitor_then_per_address(clients: Any, product_factory: Any) -> None:
    product = product_factory(stock=50)
    browser = clients()
    for _ in range(2):
        assert browser.post("/api/orders", json=order_body(product["_id"])).status_code == 201
    refused = browser.post("/api/orders", json=order_body(product["_id"]))
    assert_limited(refused)
    assert "several orders" in refused.json()["detail"]
    # A fresh visitor at the same address gets one more (the address allows 3), then the address is full.
    other = clients()
    assert other.post("/api/orders", json=order_body(product["_id"])).status_code == 201
    assert_limited(other.post("/api/orders", json=order_body(product["_id"])))
    # Another address is not affected.
    assert clients("198.51.100.20").post("/api/orders", json=order_body(product["_id"])).status_code == 201


def test_checkout_over_the_limit_says_so_in_the_form(clients: Any, limited: ShopServices, product_factory: Any) -> None:
    product = product_factory(stock=50)
    browser = clients()
    placed = 0
    for attempt in range(3):
        browser.post("/cart/items", data={"product_id": str(product["_id"]), "quantity": "1"})
        form = browser.get("/checkout").text
        key = re.search(r'name="idempotency_key" value="([^"]+)"', form)
        assert key is not None
        response = browser.post(
            "/checkout",
            data={
                "customerName": "Ann Buyer",
                "email": "ann@example.com",
                "address": "1 Tea Street, Leafton",
                "idempotency_key": key.group(1),
            },
            follow_redirects=False,
        )
        if attempt < 2:
            assert response.status_code == 303
            placed += 1
        else:
            assert_limited(response)
            assert "several orders" in response.text and 'name="customerName"' in response.text
    assert limited.db.orders.count_documents({}) == placed == 2


# --- reviews and contact -------------------------------------------------------------------------


def test_reviews_from_fresh_visitors_hit_the_address_limit(
    clients: Any, limited: ShopServices, product_factory: Any
) -> None:
    product = product_factory(slug="matcha", stock=5)
    review = {"rating": "1", "text": "Terrible, simply terrible.", "authorName": "Mallory"}
    for _ in range(2):
        assert clients().post("/products/matcha/reviews", data=review, follow_redirects=False).status_code == 303
    refused = clients().post("/products/matcha/reviews", data=review, headers={"HX-Request": "true"})
    assert_limited(refused)
    assert "several reviews" in refused.text and 'id="review-form"' in refused.text
    assert limited.db.reviews.count_documents({"productId": product["_id"]}) == 2


def test_contact_floods_stop_before_the_owners_mailbox(clients: Any, limited: ShopServices) -> None:
    message = {"name": "Ann", "email": "ann@example.com", "subject": "Hello", "message": "Just saying hello."}
    browser = clients()
    assert browser.post("/contact", data=message).status_code == 200
    refused = browser.post("/contact", data=message)
    assert_limited(refused)
    assert "contact form" in refused.text
    assert limited.db.contact_messages.count_documents({}) == 1
    assert limited.db.outbox.count_documents({"kind": "contact_notification"}) <= 1


def test_return_requests_over_the_limit_get_429_on_the_api_and_the_order_page(
    clients: Any, limited: ShopServices, product_factory: Any
) -> None:
    product = product_factory(stock=50)
    order = delivered_order(limited, [(product, 5)])
    body = {"items": [{"productId": str(product["_id"]), "quantity": 1, "opened": False}], "resolution": "refund"}
    api, url = clients(), f"/api/orders/{order.id}/returns"
    assert api.post(url, params={"email": EMAIL}, json=body).status_code == 201
    assert api.post(url, params={"email": "eve@example.com"}, json=body).status_code == 404  # counts too
    refused = api.post(url, params={"email": EMAIL}, json=body)
    assert_limited(refused)
    assert "several return requests" in refused.json()["detail"]
    assert limited.db.returns.count_documents({}) == 1

    form = {"email": EMAIL, f"qty_{product['_id']}": "1", "resolution": "refund"}
    page = clients("203.0.113.20")
    for _ in range(2):
        assert page.post(f"/orders/{order.id}/returns", data=form).status_code != 429
    refused = page.post(f"/orders/{order.id}/returns", data=form)
    assert_limited(refused)
    assert "several return requests" in refused.text and "<html" in refused.text
    # Fresh visitors at the first address: one more (the refused hit was not counted), then its 3 of the day are used.
    assert clients().post(f"/orders/{order.id}/returns", data=form).status_code != 429
    assert_limited(clients().post(f"/orders/{order.id}/returns", data=form))


# --- chat ----------------------------------------------------------------------------------------


def test_chat_messages_over_the_limit_get_429(clients: Any, limited: ShopServices) -> None:
    from tests.support.chat_stream import done, use_script

    browser = clients()
    use_script(browser, limited, "Hello! How can I help?")
    done(browser.post("/chat/stream", json={"message": "hi"}))
    refused = browser.post("/chat/stream", json={"message": "hi again"})
    assert_limited(refused)
    assert "chat messages" in refused.json()["detail"]


def test_api_chat_share_of_the_line_per_address(clients: Any, limited: ShopServices) -> None:
    """An address holding its share of places in the line gets 429 for a new conversation."""
    from agent.turn_queue import TurnQueue

    browser = clients()
    browser.app.state.turn_queue = line = TurnQueue(1, per_group=1)  # type: ignore[attr-defined]
    held = line.join("another conversation", "203.0.113.10")
    refused = browser.post("/api/chat", json={"message": "hello"})
    assert_limited(refused)
    assert "already waiting" in refused.json()["detail"]
    line.release(held)
    assert not line.over_share("203.0.113.10")


# --- sign-in -------------------------------------------------------------------------------------


def test_a_rotating_forwarded_for_does_not_lift_the_sign_in_lock(clients: Any, owner: OwnerAccount) -> None:
    """No trusted proxies (the default): X-Forwarded-For is ignored, so the failures add up."""
    browser = clients("127.0.0.1")
    statuses = []
    for n in range(4):
        browser.headers["X-Forwarded-For"] = f"10.0.0.{n}"
        statuses.append(login(browser, owner.email, "wrong password!!").status_code)
    assert statuses[:3] == [401, 401, 401]
    assert statuses[3] == 429  # LIMIT_LOGIN_PER_IP=3/15m, whatever the header said


def test_a_trusted_proxys_forwarded_for_is_the_client(db: Database, settings: Settings, owner: OwnerAccount) -> None:
    behind_proxy = settings.model_copy(update={**LOW, "trusted_proxies": "127.0.0.1"})
    services = ShopServices.build(db, behind_proxy, background_mail=False)
    try:
        with make_client(services, "127.0.0.1") as browser:
            for _ in range(3):
                browser.headers["X-Forwarded-For"] = "198.51.100.1"
                assert login(browser, owner.email, "wrong password!!").status_code == 401
            assert_limited(login(browser, owner.email, "wrong password!!"))
            # Another client behind the same proxy is another address.
            browser.headers["X-Forwarded-For"] = "198.51.100.2"
            assert login(browser, owner.email, owner.password).status_code == 303
    finally:
        services.close()


# --- two apps on one database --------------------------------------------------------------------


def test_two_apps_on_one_database_share_the_limits(
    db: Database, settings: Settings, mongo_server: EmbeddedMongo, product_factory: Any
) -> None:
    product = product_factory(stock=50)
    other_client = connect(mongo_server.uri)
    first = ShopServices.build(db, settings.model_copy(update=LOW), background_mail=False)
    second = ShopServices.build(database(other_client, db.name), settings.model_copy(update=LOW), background_mail=False)
    try:
        with make_client(first) as a, make_client(second) as b:
            assert a.post("/api/orders", json=order_body(product["_id"])).status_code == 201
            assert b.post("/api/orders", json=order_body(product["_id"])).status_code == 201
            assert a.post("/api/orders", json=order_body(product["_id"])).status_code == 201
            assert_limited(b.post("/api/orders", json=order_body(product["_id"])))  # the address's 4th
    finally:
        first.close()
        second.close()
        other_client.close()


# --- IP blocks -----------------------------------------------------------------------------------


def test_the_owner_blocks_and_unblocks_an_address(limited: ShopServices, clients: Any, owner: OwnerAccount) -> None:
    admin = clients("198.51.100.50")
    assert login(admin, owner.email, owner.password).status_code == 303
    csrf = session_csrf(limited.db, admin)
    own = admin.post("/admin/blocks", data={"csrf_token": csrf, "network": "198.51.100.0/24", "reason": "x"})
    assert own.status_code == 422 and "lock you out" in own.text
    bad = admin.post("/admin/blocks", data={"csrf_token": csrf, "network": "10.0.0.1/8", "reason": "x"})
    assert bad.status_code == 422
    blocked = admin.post(
        "/admin/blocks",
        data={"csrf_token": csrf, "network": "203.0.113.0/24", "reason": "card testing", "expires": "1d"},
    )
    assert blocked.status_code == 200 and "card testing" in blocked.text
    visitor = clients("203.0.113.99")
    for path in ("/", "/api/products", "/admin/login"):
        response = visitor.get(path)
        assert response.status_code == 403, path
    assert visitor.get("/api/products").json()["detail"].startswith("Access to this shop")
    assert clients("192.0.2.1").get("/api/products").status_code == 200
    block_id = limited.security.blocks.list()[0].id
    admin.post(f"/admin/blocks/{block_id}/remove", data={"csrf_token": csrf})
    assert visitor.get("/api/products").status_code == 200


# --- visitor ids ---------------------------------------------------------------------------------


def test_a_made_up_visitor_id_is_replaced_by_a_signed_one(clients: Any, limited: ShopServices) -> None:
    browser = clients()
    browser.get("/about")
    issued = browser.cookies["aishop_sid"]
    assert limited.security.visitor_ids.valid(issued)
    browser.get("/about")
    assert browser.cookies["aishop_sid"] == issued  # kept while valid

    chooser = clients()
    chooser.cookies.set("aishop_sid", "A" * 32)
    response = chooser.get("/about")
    fresh = response.cookies.get("aishop_sid")
    assert fresh and fresh != "A" * 32 and limited.security.visitor_ids.valid(fresh)


# --- verified buyers -----------------------------------------------------------------------------


def test_a_buyers_review_is_marked_verified(clients: Any, limited: ShopServices, product_factory: Any) -> None:
    product = product_factory(slug="matcha", stock=5)
    buyer = clients()
    buyer.post("/cart/items", data={"product_id": str(product["_id"]), "quantity": "1"})
    key = re.search(r'name="idempotency_key" value="([^"]+)"', buyer.get("/checkout").text)
    assert key is not None
    details = {"customerName": "Ann", "email": "ann@example.com", "address": "1 Tea Street, Leafton"}
    buyer.post("/checkout", data={**details, "idempotency_key": key.group(1)}, follow_redirects=False)
    assert limited.interactions.flush()
    review = {"rating": "5", "text": "Lovely grassy matcha.", "authorName": "Ann"}
    buyer.post("/products/matcha/reviews", data=review)
    clients("198.51.100.3").post("/products/matcha/reviews", data={**review, "authorName": "Bob"})
    page = clients("198.51.100.4").get("/products/matcha").text
    assert page.count("Verified buyer") == 1
    ann = page.index(">Ann")
    assert page.index("Verified buyer") > ann
