"""The end of a chat turn, as the done event, the JSON API and the benches read it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shop.catalog.snapshot import Product
from shop.core.money import format_money
from shop.services import ShopServices
from tools.actions import public_action
from tools.context import ToolContext

Event = dict[str, Any]


@dataclass
class TurnOutcome:
    """The end of a turn, as the done event and the JSON API carry it."""

    reply: str
    session_id: str
    products: list[Product] = field(default_factory=list)
    pending_action: dict[str, Any] | None = None
    status: str = "ok"
    """ok | direct | regenerated | fallback | confirmed | declined | step_limit | offline | error"""
    tools: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    order_id: str | None = None
    rejected: list[str] = field(default_factory=list)
    """What the reply check rejected in the model's answer, as "kind: detail" (kinds: product, price,
    order, claim, stock, tool, write), for the benches."""
    shown_problems: list[str] = field(default_factory=list)
    """The reply check run once more on the reply actually shown; always empty unless a code path
    is broken (the benches count it as invented products or prices the customer saw)."""
    timings: dict[str, float] = field(default_factory=dict)
    model_calls: int = 0
    """Calls to the chat model this turn (0: code answered alone), for the benches."""
    understood: str = ""
    """The typed request the understanding stage made of the message (customer turns), for the benches."""
    note: str = ""
    """The note on the conversation the model read before the message (kept with it in memory)."""
    request_json: str = ""
    """The request as the model wrote it (kept with the answer in memory)."""
    lang: str = ""
    """The language the message was read as (kept with it: the next short message keeps it)."""

    def to_json(self, services: ShopServices) -> dict[str, Any]:
        body: dict[str, Any] = {
            "reply": self.reply,
            "session_id": self.session_id,
            "products": [product_json(services, p) for p in self.products],
            "status": self.status,
        }
        if self.pending_action is not None:
            body["pendingAction"] = self.pending_action
        if self.order_id:
            body["orderId"] = self.order_id
        return body


def product_json(services: ShopServices, product: Product) -> dict[str, Any]:
    return {
        "id": product.id,
        "name": product.name,
        "price": str(product.price),
        "priceText": format_money(product.price, services.settings.currency_symbol),
        "imageUrl": product.image_url,
        "url": product.url,
        "inStock": product.in_stock,
        "stock": product.stock,
        "category": product.category,
    }


def turn_outcome(ctx: ToolContext, reply: str, *, status: str, products: list[Product], **more: Any) -> TurnOutcome:
    """The outcome of a turn from what its tools recorded (`more`: timings, problems, the tools named)."""
    turn = ctx.turn
    more.setdefault("tools", [name for name, _ in turn.calls])
    return TurnOutcome(
        reply,
        ctx.conversation.key,
        products=products,
        pending_action=public_action(ctx.services, turn.pending) if turn.pending else None,
        status=status,
        writes=list(turn.writes),
        model_calls=turn.model_calls,
        **more,
    )
