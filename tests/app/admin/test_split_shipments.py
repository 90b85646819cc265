"""The owner ships an order split over two stock locations from its admin page, one parcel per
location; the customer follows both parcels in the API and on the order page."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from shop.services import ShopServices
from tests.support.split_orders import EAST, two_location_order

UPS = "1Z999AA10123456784"
FEDEX = "123456789012"


def _post(owner_client: Any, path: str, **data: str) -> Any:
    return owner_client.post(path, data={"csrf_token": owner_client.csrf, **data}, follow_redirects=False)


def _api(client: TestClient, order_id: str) -> dict[str, Any]:
    response = client.get(f"/api/orders/{order_id}", params={"email": "ada@example.com"})
    assert response.status_code == 200
    return response.json()


def test_two_parcels_from_two_locations_through_the_admin_page_and_the_api(
    owner_client: Any, client: TestClient, services: ShopServices, product_factory: Any
) -> None:
    order, beans, tea = two_location_order(services, product_factory)
    page = owner_client.get(f"/admin/orders/{order.id}").text
    assert "Ships in 2 parcels" in page and "Ship this order" not in page  # no one-parcel form
    forms = re.findall(r'<form method="post" action="/admin/orders/[^"]+/shipments".*?</form>', page, re.S)
    assert [re.search(r'name="location_id" value="([^"]+)"', f).group(1) for f in forms] == ["main", EAST]  # type: ignore[union-attr]
    # Each form is pre-filled with its location's items and all the units it has to send.
    assert "From Main store" in page
    assert "Kenya Beans" in forms[0] and f'name="qty_{beans["_id"]}"' in forms[0] and 'max="2"' in forms[0]
    assert 'value="2"' in forms[0] and "Darjeeling" not in forms[0]
    assert "From Warehouse East" in page and f'name="qty_{tea["_id"]}"' in forms[1] and 'value="1"' in forms[1]
    assert all('name="tracking_number"' in f and 'name="carrier"' in f for f in forms)

    first = _post(
        owner_client, f"/admin/orders/{order.id}/shipments", carrier="ups", tracking_number=UPS, location_id="main"
    )
    assert first.status_code == 303
    page = owner_client.get(f"/admin/orders/{order.id}").text
    assert "Partly shipped:</strong> 1 of 2 parcels shipped" in page
    assert page.count('name="location_id"') == 1 and f'name="location_id" value="{EAST}"' in page

    body = _api(client, order.id)
    assert body["status"] == "shipped"
    assert body["fulfillment"] == {"state": "partially_shipped", "parcels": 2, "shipped": 1, "delivered": 0}
    assert body["timeline"][-1]["text"].startswith("Parcel 1 of 2 was shipped with UPS from Main store")
    [parcel] = body["shipments"]
    assert parcel["location"] == {"id": "main", "name": "Main store"}
    assert parcel["items"] == [{"productId": str(beans["_id"]), "name": "Kenya Beans", "quantity": 2}]
    lookup = client.post("/orders/lookup", data={"order_id": order.id, "email": "ada@example.com"})
    assert "Parcel 1 of 2 was shipped" in lookup.text and "1 of 2 parcels shipped." in lookup.text
    assert "On its way · 2 × Kenya Beans" in lookup.text

    # The first parcel arriving does not deliver the order: the other location has not shipped.
    delivered = _post(owner_client, f"/admin/orders/{order.id}/shipments/{parcel['id']}/delivered")
    assert delivered.status_code == 303 and "notice=parcel-delivered" in delivered.headers["location"]
    refused = _post(owner_client, f"/admin/orders/{order.id}/status", status="completed")
    assert refused.status_code == 409 and "has not shipped yet (from Warehouse East)" in refused.text
    assert _api(client, order.id)["status"] == "shipped"

    second = _post(
        owner_client, f"/admin/orders/{order.id}/shipments", carrier="fedex", tracking_number=FEDEX, location_id=EAST
    )
    assert second.status_code == 303
    body = _api(client, order.id)
    assert body["fulfillment"]["state"] == "partially_delivered"
    east_parcel = body["shipments"][1]
    assert east_parcel["location"] == {"id": EAST, "name": "Warehouse East"}
    assert east_parcel["items"] == [{"productId": str(tea["_id"]), "name": "Darjeeling Tea", "quantity": 1}]
    assert _post(owner_client, f"/admin/orders/{order.id}/shipments/{east_parcel['id']}/delivered").status_code == 303

    body = _api(client, order.id)
    assert body["status"] == "completed" and body["deliveredAt"]
    assert body["fulfillment"] == {"state": "delivered", "parcels": 2, "shipped": 2, "delivered": 2}
    assert [(s["location"]["name"], s["status"]) for s in body["shipments"]] == [
        ("Main store", "delivered"),
        ("Warehouse East", "delivered"),
    ]
    assert services.db.outbox.count_documents({"kind": "order_shipped"}) == 2
    assert services.db.outbox.count_documents({"kind": "order_completed"}) == 1


def test_a_location_the_order_was_not_allocated_at_is_refused_with_a_sentence(
    owner_client: Any, services: ShopServices, product_factory: Any
) -> None:
    order, beans, _ = two_location_order(services, product_factory)
    mails = services.db.outbox.count_documents({})
    for location in ("nowhere", "<script>x</script>", ""):
        refused = _post(
            owner_client,
            f"/admin/orders/{order.id}/shipments",
            carrier="ups",
            tracking_number=UPS,
            location_id=location,
        )
        assert refused.status_code == 422
        assert "nothing to ship from that location" in refused.text or "choose the one this parcel" in refused.text
        assert "<script>x</script>" not in refused.text
    stored = services.db.orders.find_one({"_id": order.id})
    assert stored["status"] == "confirmed" and "shipments" not in stored
    assert services.db.outbox.count_documents({}) == mails

    ship = f"/admin/orders/{order.id}/shipments"
    qty = f"qty_{beans['_id']}"
    for typed, words in [
        ("²", "whole number"),
        ("-1", "whole number"),
        ("3", "still has to send"),
        ("0", "at least one"),
    ]:
        bad = _post(owner_client, ship, carrier="ups", tracking_number=UPS, location_id="main", **{qty: typed})
        assert bad.status_code == 422 and words in bad.text, typed
        assert f'name="{qty}" type="number" min="0" max="2" step="1" inputmode="numeric" value="{typed}"' in bad.text
    assert "shipments" not in services.db.orders.find_one({"_id": order.id})

    # One of the two bags now, the other in a second parcel from the same store.
    assert (
        _post(owner_client, ship, carrier="ups", tracking_number=UPS, location_id="main", **{qty: "1"}).status_code
        == 303
    )
    page = owner_client.get(f"/admin/orders/{order.id}").text
    assert "1 of 3 parcels shipped" in page and f'name="{qty}" type="number" min="0" max="1"' in page
    assert _post(owner_client, ship, carrier="dhl", tracking_number="1234567890", location_id="main").status_code == 303
    again = _post(owner_client, ship, carrier="fedex", tracking_number=FEDEX, location_id="main")
    assert again.status_code == 409 and "Everything this order has at Main store has already shipped" in again.text
    assert [p["items"] for p in services.db.orders.find_one({"_id": order.id})["shipments"]] == [
        [{"productId": str(beans["_id"]), "name": "Kenya Beans", "quantity": 1}]
    ] * 2
