"""Confirmed writes: a chat order goes through the same checkout as the page and the API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from shop.discovery.interactions import COLLECTION
from shop.services import ShopServices
from tools import actions
from tools.context import ToolContext


def test_a_confirmed_chat_order_is_placed_like_a_checkout(ctx: ToolContext, items: Any, services: ShopServices) -> None:
    honey, cream = str(items["honey"]["_id"]), str(items["cream"]["_id"])
    assert ctx.cart_id is not None
    services.carts.add(ctx.cart_id, honey, 2)
    action = actions.prepare_order(services, ctx.cart_id, "Alice", "alice@example.com", "1 Main Street")
    ctx.conversation.pending = action

    outcome = actions.execute(services, ctx.conversation, action.id)

    assert outcome.done and outcome.order is not None
    stored = services.db.orders.find_one({"_id": outcome.order.id})
    assert stored["idempotencyKey"] == f"chat:{action.id}" and stored["sessionId"] == ctx.cart_id
    assert services.carts.quantities(ctx.cart_id) == {}
    assert services.interactions.flush()
    purchases = list(services.db[COLLECTION].find({"type": "purchase"}))
    assert [(p["visitorId"], str(p["productId"]), p["customerEmail"]) for p in purchases] == [
        (ctx.cart_id, honey, "alice@example.com")
    ]
    # A second yes answers with the same order and records nothing more.
    assert actions.execute(services, ctx.conversation, action.id).done
    services.carts.add(ctx.cart_id, cream, 1)
    assert services.db.orders.count_documents({}) == 1
    assert services.interactions.flush()
    assert services.db[COLLECTION].count_documents({"type": "purchase"}) == 1


def test_a_summary_is_refused_for_an_empty_cart_or_a_sold_out_line(
    ctx: ToolContext, items: Any, services: ShopServices
) -> None:
    assert ctx.cart_id is not None
    with pytest.raises(actions.ActionRefused) as empty:
        actions.prepare_order(services, ctx.cart_id, "Alice", "alice@example.com", "1 Main Street")
    assert empty.value.message == "The cart is empty, so there is nothing to order yet."
    services.carts.add(ctx.cart_id, str(items["cream"]["_id"]), 3)
    services.db.products.update_one(
        {"_id": items["cream"]["_id"]}, {"$set": {"stock": 1, "updatedAt": datetime.now(UTC)}}
    )
    services.catalog.invalidate()
    with pytest.raises(actions.ActionRefused) as short:  # the cart is judged before the details
        actions.prepare_order(services, ctx.cart_id, "Alice", "not-an-email", "1 Main Street")
    assert short.value.message == "The cart needs a change first: Only 1 left of Rose Hand Cream."
