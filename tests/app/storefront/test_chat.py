"""The storefront chat routes tell the page what a turn did to the cart: the done event (of a message
or of the Confirm button) carries the cart's new count for the header badge and the products in it, so
cards of products already in the cart say "In cart" instead of offering Add again, live and in the
history."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from tests.support.chat_stream import done, use_script
from tests.support.scripted_model import call, understood

ADDRESS = "12 Rue des Lilas, Springfield"
FIND_COFFEE = understood("find", query="floral light roast coffee", category="coffee")


def card_classes(cards_html: str) -> dict[str, str]:
    """Product id -> the card's class attribute."""
    return {
        m.group(2): m.group(1) for m in re.finditer(r'<li class="([^"]*)" data-product-id="([0-9a-f]{24})"', cards_html)
    }


def test_a_chat_add_reports_the_new_cart_and_marks_the_card(client: TestClient, services: Any, items: Any) -> None:
    use_script(client, services, understood("add", items=[{"product": "Ethiopia Yirgacheffe", "qty": 2}]))
    data = done(client.post("/chat/stream", json={"message": "Ethiopia Yirgacheffe please"}))
    yirga = str(items["yirga"]["_id"])
    session = client.cookies.get("aishop_sid")
    assert services.carts.quantities(session) == {yirga: 2}
    assert data["cartCount"] == 2 and data["inCart"] == [yirga]
    assert "is-in-cart" in card_classes(data["cardsHtml"])[yirga]
    assert 'href="/cart"' in data["cardsHtml"]

    # The page's header badge after a reload agrees, and the history renders the same state.
    assert re.search(r'<span id="cart-count">2</span>', client.get("/").text)
    history = client.get("/chat/history").json()
    assert history["cartCount"] == 2 and history["inCart"] == [yirga]
    shown = [m["cardsHtml"] for m in history["messages"] if "cardsHtml" in m]
    assert shown and all("is-in-cart" in card_classes(html)[yirga] for html in shown)


def test_cards_of_products_not_in_the_cart_keep_their_add_button(client: TestClient, services: Any, items: Any) -> None:
    use_script(client, services, FIND_COFFEE)  # a list code writes: no wording call
    data = done(client.post("/chat/stream", json={"message": "floral light roast coffee"}))
    assert data["cartCount"] == 0 and data["inCart"] == []
    classes = card_classes(data["cardsHtml"])
    assert classes and not any("is-in-cart" in c for c in classes.values())
    assert "Add to cart" in data["cardsHtml"]


def test_history_marks_a_product_added_on_the_pages_after_it_was_shown(
    client: TestClient, services: Any, items: Any
) -> None:
    use_script(client, services, FIND_COFFEE)  # a list code writes: no wording call
    done(client.post("/chat/stream", json={"message": "floral light roast coffee"}))
    yirga = str(items["yirga"]["_id"])
    client.post("/cart/items", data={"product_id": yirga, "quantity": "1"}, headers={"HX-Request": "true"})
    history = client.get("/chat/history").json()
    assert history["cartCount"] == 1
    assert "is-in-cart" in card_classes(history["messages"][-1]["cardsHtml"])[yirga]


def test_the_confirm_button_that_places_the_order_reports_the_emptied_cart(
    client: TestClient, services: Any, items: Any
) -> None:
    use_script(client, services, understood("checkout", name="Alice", email="alice@example.com", address=ADDRESS))
    client.post("/cart/items", data={"product_id": str(items["honey"]["_id"]), "quantity": "2"})
    prepared = done(
        client.post("/chat/stream", json={"message": f"order my cart: Alice, alice@example.com, {ADDRESS}"})
    )
    assert prepared["cartCount"] == 2
    placed = done(client.post("/chat/confirm", json={"action_id": prepared["pendingAction"]["id"]}))
    assert placed["orderId"] and placed["cartCount"] == 0 and placed["inCart"] == []


def test_the_owner_chat_has_no_cart(owner_client: TestClient, services: Any, items: Any) -> None:
    use_script(owner_client, services, call("low_stock_report"))
    data = done(
        owner_client.post(
            "/admin/chat/stream", json={"message": "what is low?"}, headers={"X-CSRF-Token": owner_client.csrf}
        )
    )
    assert "cartCount" not in data and "inCart" not in data
