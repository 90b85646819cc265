"""A chat order's reply says how to pay: the bank transfer reference by default, a link to the
shop's pay page when the shop's default method is a provider (payments, issue 14)."""

from __future__ import annotations

from typing import Any

from pymongo.database import Database

from shop.core.settings import Settings
from shop.services import ShopServices
from tests.support.payments import stripe_settings, stripe_stub
from tools import actions
from tools.context import ToolContext


def test_chat_order_reply_names_the_bank_transfer(ctx: ToolContext, items: Any, services: ShopServices) -> None:
    assert ctx.cart_id is not None
    services.carts.add(ctx.cart_id, str(items["honey"]["_id"]), 2)
    action = actions.prepare_order(services, ctx.cart_id, "Alice", "alice@example.com", "1 Main Street")
    ctx.conversation.pending = action
    outcome = actions.execute(services, ctx.conversation, action.id)
    assert outcome.order is not None
    assert f"Please pay $26.95 by bank transfer with {outcome.order.id} as the reference" in outcome.reply


def test_chat_order_reply_links_to_the_pay_page(ctx: ToolContext, items: Any, db: Database, settings: Settings) -> None:
    with stripe_stub() as stub:
        shop = ShopServices.build(db, stripe_settings(settings, stub, default_payment_method="stripe"))
        try:
            assert ctx.cart_id is not None
            shop.carts.add(ctx.cart_id, str(items["honey"]["_id"]), 1)
            action = actions.prepare_order(shop, ctx.cart_id, "Alice", "alice@example.com", "1 Main Street", lang="de")
            ctx.conversation.pending = action
            outcome = actions.execute(shop, ctx.conversation, action.id)
        finally:
            shop.close()
    assert outcome.order is not None and outcome.order.payment["method"] == "stripe"
    url = f"http://127.0.0.1:8000/orders/{outcome.order.id}/pay?email=alice%40example.com"
    assert outcome.reply.endswith(f"Zum Bezahlen öffnen Sie {url}")
