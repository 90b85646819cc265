"""The chat endpoints: SSE widget, confirm button, history, JSON API validation, owner chat access."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.chat_stream import done, events, use_script
from tests.support.scripted_model import call, understood

ADDRESS = "12 Rue des Lilas, Springfield"


def test_every_storefront_page_has_the_chat_widget(client: TestClient, items: Any) -> None:
    page = client.get("/")
    assert 'id="chat-widget"' in page.text and 'role="log"' in page.text and "/static/js/chat.js" in page.text


def test_stream_sends_tokens_then_cards_with_the_storefront_add_to_cart_form(
    client: TestClient, services: Any, items: Any
) -> None:
    use_script(
        client,
        services,
        understood("product", items=[{"product": "Ethiopia Yirgacheffe"}]),
        "The Ethiopia Yirgacheffe ($14.50) is lovely.",
    )
    response = client.post("/chat/stream", json={"message": "is the Ethiopia Yirgacheffe any good?"})
    sent = events(response)
    kinds = [kind for kind, _ in sent]
    assert kinds[0] == "status" and kinds[-1] == "done"
    # The cards go out before the model words the answer, then the tokens, then the checked reply.
    assert kinds.index("cards") < kinds.index("token") < kinds.index("done")
    early = dict(sent)["cards"]
    assert str(items["yirga"]["_id"]) in early["cardsHtml"] and 'action="/cart/items"' in early["cardsHtml"]
    data = done(response)
    assert data["reply"] == "The Ethiopia Yirgacheffe ($14.50) is lovely."
    assert data["products"][0]["name"] == "Ethiopia Yirgacheffe" and data["products"][0]["price"] == "14.50"
    assert 'action="/cart/items"' in data["cardsHtml"] and 'hx-post="/cart/items"' in data["cardsHtml"]
    assert str(items["yirga"]["_id"]) in data["cardsHtml"]
    history = client.get("/chat/history").json()
    assert [m["role"] for m in history["messages"]] == ["user", "assistant"]
    assert "cardsHtml" in history["messages"][1]


def test_widget_order_flow_with_the_confirm_button(client: TestClient, services: Any, items: Any) -> None:
    use_script(client, services, understood("checkout", name="Alice", email="alice@example.com", address=ADDRESS))
    assert client.post("/cart/items", data={"product_id": str(items["honey"]["_id"]), "quantity": "2"}).status_code in (
        200,
        303,
    )
    prepared = done(
        client.post("/chat/stream", json={"message": "order my cart please, Alice, alice@example.com, " + ADDRESS})
    )
    action = prepared["pendingAction"]
    assert action["summary"]["subtotal"] == "21.00" and action["summary"]["total"] == "26.95"
    assert f'data-chat-confirm="{action["id"]}"' in prepared["actionHtml"] and "$21.00" in prepared["actionHtml"]
    assert client.get("/chat/history").json()["pendingAction"]["id"] == action["id"]
    first = done(client.post("/chat/confirm", json={"action_id": action["id"]}))
    second = done(client.post("/chat/confirm", json={"action_id": action["id"]}))
    assert first["orderId"] and first["orderId"] in second["reply"]
    assert services.db.orders.count_documents({}) == 1
    assert client.get(f"/orders/{first['orderId']}/confirmation").status_code == 200  # same session


def test_widget_cancel_button_declines(client: TestClient, services: Any, items: Any) -> None:
    use_script(client, services, understood("checkout", name="Alice", email="alice@example.com", address=ADDRESS))
    client.post("/cart/items", data={"product_id": str(items["honey"]["_id"]), "quantity": "1"})
    message = f"order it: Alice, alice@example.com, {ADDRESS}"
    action = done(client.post("/chat/stream", json={"message": message}))["pendingAction"]
    declined = done(client.post("/chat/confirm", json={"action_id": action["id"], "decision": "cancel"}))
    assert declined["status"] == "declined"
    assert done(client.post("/chat/confirm", json={"action_id": action["id"]})).get("orderId") is None
    assert services.db.orders.count_documents({}) == 0


@pytest.mark.parametrize(
    "body",
    [{}, {"message": ""}, {"message": "   "}, {"message": "x" * 2001}],
)
def test_widget_validates_the_message(client: TestClient, services: Any, body: dict[str, Any]) -> None:
    use_script(client, services)
    assert client.post("/chat/stream", json=body).status_code == 422


def test_chat_reset_forgets_the_conversation(client: TestClient, services: Any, items: Any) -> None:
    use_script(client, services, understood("greeting"))
    done(client.post("/chat/stream", json={"message": "hi"}))
    assert client.post("/chat/reset").status_code == 200
    assert client.get("/chat/history").json()["messages"] == []


# --------------------------------------------------------------------------------------------------
# JSON API
# --------------------------------------------------------------------------------------------------


def test_api_chat_starts_a_conversation_and_places_an_order_only_after_yes(
    client: TestClient, services: Any, items: Any
) -> None:
    use_script(
        client,
        services,
        understood("add", items=[{"product": "Ethiopia Yirgacheffe", "qty": 1}]),
        understood("checkout", name="Dan", email="dan@example.com", address=ADDRESS),
    )
    first = client.post("/api/chat", json={"message": "Ethiopia Yirgacheffe please"})
    assert first.status_code == 200, first.text
    key = first.json()["session_id"]
    assert len(key) == 32 and first.json()["reply"].startswith("Added 1 × Ethiopia Yirgacheffe")
    pending = client.post(
        "/api/chat", json={"message": "order it: Dan, dan@example.com, " + ADDRESS, "session_id": key}
    )
    action = pending.json()["pendingAction"]
    assert action["kind"] == "place_order" and services.db.orders.count_documents({}) == 0
    placed = client.post("/api/chat", json={"message": "yes", "session_id": key}).json()
    assert placed["orderId"] and services.db.orders.count_documents({}) == 1
    replay = client.post("/api/chat", json={"message": "confirm", "session_id": key, "confirm": action["id"]}).json()
    assert placed["orderId"] in replay["reply"] and services.db.orders.count_documents({}) == 1


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"message": ""}, 422),
        ({"message": "x" * 2001}, 422),
        ({"message": "hi", "session_id": "short"}, 422),
        ({"message": "hi", "session_id": "../../etc/passwd-aaaaaaaaaaaaaaaaa"}, 422),
        ({"message": "hi", "session_id": "A" * 32}, 404),
        ({"message": "hi", "customer_id": "x"}, 422),
    ],
)
def test_api_chat_validates(client: TestClient, services: Any, body: dict[str, Any], status: int) -> None:
    use_script(client, services, "hello")
    assert client.post("/api/chat", json=body).status_code == status


def test_api_refuses_a_browsers_session_id(client: TestClient, services: Any, items: Any) -> None:
    """Knowing a visitor's cookie value must not open their cart and chat through the API."""
    use_script(client, services, understood("greeting"), "LEAK")
    done(client.post("/chat/stream", json={"message": "hi"}))
    browser_key = client.cookies.get("aishop_sid")
    assert browser_key
    services.carts.add(browser_key, str(items["cream"]["_id"]), 1)
    response = client.post("/api/chat", json={"message": "what is in my cart?", "session_id": browser_key})
    assert response.status_code == 404


# --------------------------------------------------------------------------------------------------
# Owner chat
# --------------------------------------------------------------------------------------------------


def test_owner_chat_needs_the_owner_session(client: TestClient, services: Any) -> None:
    use_script(client, services, "LEAK")
    page = client.get("/admin/chat", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/admin/login")
    stream = client.post("/admin/chat/stream", json={"message": "sales?"}, headers={"Accept": "application/json"})
    assert stream.status_code == 401


def test_owner_chat_uses_the_owner_tools(owner_client: TestClient, services: Any, items: Any) -> None:
    model = use_script(
        owner_client,
        services,
        call("low_stock_report"),
        "not asked: the report is the answer",
    )
    page = owner_client.get("/admin/chat")
    assert page.status_code == 200 and 'id="chat-widget"' in page.text
    missing_csrf = owner_client.post("/admin/chat/stream", json={"message": "what is low?"})
    assert missing_csrf.status_code == 403
    data = done(
        owner_client.post(
            "/admin/chat/stream", json={"message": "what is low?"}, headers={"X-CSRF-Token": owner_client.csrf}
        )
    )
    # The model chose the report; the figures reach the owner as code wrote them.
    assert "Rose Hand Cream, stock 3 (threshold 5)" in data["reply"] and "stock 0" in data["reply"]
    assert len(model.prompts) == 1
    bound = {name for b in model.bound for name in b["tools"]}
    assert "low_stock_report" in bound and "cart" not in bound and "place_order" not in bound
    history = owner_client.get("/admin/chat/history").json()
    assert len(history["messages"]) == 2
