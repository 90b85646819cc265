"""Orders, reviews, inbox, outbox, activity and the dashboard through the real app."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from shop.ordering.orders import OrderRequest, OrderView
from shop.services import ShopServices
from tests.support.reviews import add_review

HX = {"HX-Request": "true"}


def place(services: ShopServices, product: dict[str, Any], quantity: int = 1) -> OrderView:
    return services.orders.place(
        OrderRequest(
            customerName="Grace Hopper",
            email="grace@example.com",
            address="1 Harbour Road\nArlington",
            items=[{"productId": str(product["_id"]), "quantity": quantity}],
        )
    )


def test_orders_list_and_detail(owner_client: Any, services: ShopServices, product_factory: Any) -> None:
    product = product_factory(name="Sumatra", price=Decimal("11.00"), stock=9)
    order = place(services, product, 2)
    page = owner_client.get("/admin/orders")
    assert page.status_code == 200 and order.id in page.text and "$27.95" in page.text  # 2 x 11.00 + 5.95 shipping
    assert "Confirm order" in page.text and "Cancel order" in page.text
    assert order.id not in owner_client.get("/admin/orders", params={"status": "shipped"}).text
    assert (
        order.id
        in owner_client.get(
            "/admin/orders", params={"status": "pending", "date_from": "", "q": "grace@example.com"}
        ).text
    )
    bad_dates = owner_client.get("/admin/orders", params={"date_from": "2025-03-02", "date_to": "2025-03-01"})
    assert bad_dates.status_code == 422 and "start date is after the end date" in bad_dates.text
    detail = owner_client.get(f"/admin/orders/{order.id}")
    assert detail.status_code == 200 and "Grace Hopper" in detail.text and "Sumatra" in detail.text
    assert owner_client.get("/admin/orders/ORD-00000000").status_code == 404


def test_status_change_without_js_redirects_with_notice(
    owner_client: Any, services: ShopServices, product_factory: Any
) -> None:
    order = place(services, product_factory(stock=3))
    response = owner_client.post(
        f"/admin/orders/{order.id}/status",
        data={"csrf_token": owner_client.csrf, "status": "confirmed"},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == f"/admin/orders/{order.id}?notice=status"
    assert "customer was emailed" in owner_client.get(response.headers["location"]).text
    assert services.db.outbox.count_documents({"kind": "order_confirmed", "to": "grace@example.com"}) == 1
    refused = owner_client.post(
        f"/admin/orders/{order.id}/status", data={"csrf_token": owner_client.csrf, "status": "completed"}
    )
    assert refused.status_code == 409 and "A confirmed order cannot become completed" in refused.text


def test_status_change_with_htmx_swaps_the_status_block(
    owner_client: Any, services: ShopServices, product_factory: Any
) -> None:
    product = product_factory(stock=5)
    order = place(services, product, 2)
    headers = {**HX, "X-CSRF-Token": owner_client.csrf}
    response = owner_client.post(
        f"/admin/orders/{order.id}/status", data={"status": "cancelled", "return_to": "/admin/orders"}, headers=headers
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<div id="status-{order.id}"') and "<html" not in response.text
    assert "Cancelled" in response.text and "<form" not in response.text  # nothing follows a cancel
    assert services.db.products.find_one({"_id": product["_id"]})["stock"] == 5
    again = owner_client.post(f"/admin/orders/{order.id}/status", data={"status": "cancelled"}, headers=headers)
    assert again.status_code == 409 and "already cancelled" in again.text
    assert again.headers["HX-Retarget"] == "#flash"
    assert services.db.products.find_one({"_id": product["_id"]})["stock"] == 5


def test_reviews_hide_and_show(
    owner_client: Any, client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    product = product_factory(name="Neroli Cream", slug="neroli-cream", category="beauty")
    good = add_review(services.db, product["_id"], 5)
    add_review(services.db, product["_id"], 3)
    page = owner_client.get("/admin/reviews")
    assert page.status_code == 200 and "A 5-star review." in page.text and "Neroli Cream" in page.text
    response = owner_client.post(
        f"/admin/reviews/{good}/hide",
        data={"return_to": "/admin/reviews"},
        headers={**HX, "X-CSRF-Token": owner_client.csrf},
    )
    assert response.status_code == 200 and f'id="review-{good}"' in response.text and "Show again" in response.text
    stored = services.db.products.find_one({"_id": product["_id"]})
    assert (stored["rating"], stored["reviewCount"]) == (3.0, 1)
    assert "A 5-star review." not in client.get("/products/neroli-cream").text
    assert "A 5-star review." in owner_client.get("/admin/reviews", params={"visibility": "hidden"}).text
    shown = owner_client.post(
        f"/admin/reviews/{good}/show", data={"csrf_token": owner_client.csrf}, follow_redirects=False
    )
    assert shown.status_code == 303 and shown.headers["location"] == "/admin/reviews?notice=review"
    assert services.db.products.find_one({"_id": product["_id"]})["rating"] == 4.0
    assert (
        owner_client.post(
            "/admin/reviews/5f0000000000000000000000/hide", data={"csrf_token": owner_client.csrf}
        ).status_code
        == 404
    )


def test_inbox_and_outbox(owner_client: Any, client: TestClient, services: ShopServices) -> None:
    sent = client.post(
        "/contact",
        data={"name": "Ann", "email": "ann@example.com", "subject": "Gift wrapping?", "message": "Do you gift wrap?"},
    )
    assert sent.status_code == 200
    inbox = owner_client.get("/admin/inbox")
    assert "Gift wrapping?" in inbox.text and "Do you gift wrap?" in inbox.text
    message_id = str(services.db.contact_messages.find_one({})["_id"])
    handled = owner_client.post(
        f"/admin/inbox/{message_id}/handled", data={"handled": "1"}, headers={**HX, "X-CSRF-Token": owner_client.csrf}
    )
    assert handled.status_code == 200 and "Reopen" in handled.text
    assert "Gift wrapping?" not in owner_client.get("/admin/inbox").text
    assert "Gift wrapping?" in owner_client.get("/admin/inbox?show=handled").text

    outbox = owner_client.get("/admin/outbox")
    assert "Contact form: Gift wrapping?" in outbox.text and "Stored" in outbox.text
    email_id = str(services.db.outbox.find_one({})["_id"])
    detail = owner_client.get(f"/admin/outbox/{email_id}")
    assert detail.status_code == 200 and "Do you gift wrap?" in detail.text
    assert '<iframe class="admin-mail-html" title="HTML version of the email" sandbox srcdoc="' in detail.text
    assert "<p>" not in detail.text.split("srcdoc=")[1].split(">")[0]  # the email's HTML is escaped into srcdoc
    assert owner_client.get("/admin/outbox/5f0000000000000000000000").status_code == 404


def test_dashboard_and_activity(owner_client: Any, services: ShopServices, product_factory: Any) -> None:
    product = product_factory(stock=0)
    order = place(services, product_factory(stock=5))
    services.db.contact_messages.insert_one(
        {
            "name": "A",
            "email": "a@example.com",
            "subject": "S",
            "message": "M",
            "createdAt": datetime.now(UTC),
            "handled": False,
        }
    )
    owner_client.post(f"/admin/products/{product['_id']}/delete", data={"csrf_token": owner_client.csrf})
    dashboard = owner_client.get("/admin")
    assert dashboard.status_code == 200
    assert (
        "<strong>1</strong> orders to confirm" in dashboard.text
        and "<strong>1</strong> open messages" in dashboard.text
    )
    assert order.id in dashboard.text and "product.delete" in dashboard.text
    assert 'aria-current="page">Dashboard' in dashboard.text
    activity = owner_client.get("/admin/activity")
    assert "product.delete" in activity.text and "owner@example.com" in activity.text
    assert "product.delete" not in owner_client.get("/admin/activity", params={"entity": "order"}).text
