"""Helpers for the agent bench's tests: the real demo catalog in a test database, and hand-made turns
(the demo catalog as one module's tests share it is the `demo_view` fixture of tests/fixtures.py)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from bench.agent_eval.catalog import CatalogView
from bench.agent_eval.model import Conversation, Facts, NewOrder, Observed, ShopState, TurnContext
from bench.agent_eval.policy import PolicyFacts
from bench.agent_eval.runner import PROJECT_ROOT, prompt_sentences
from bench.agent_eval.scenarios import generate


def seed_catalog(db: Any) -> None:
    """The demo shop's products and inventory (no orders, no reviews: seconds, not a minute)."""
    from demo.seed import build_demo_shop

    shop = build_demo_shop(n_products=160)
    db.products.insert_many(shop.products)
    db.inventory.insert_many(shop.inventory)


class FixedOracle:
    """The owner's right answers given as sets, to test the comparison apart from the forecasting."""

    def __init__(self, runout: set[str], tolerated: set[str], reorder: dict[str, set[str]]) -> None:
        self._runout, self._tolerated, self._reorder = runout, tolerated, reorder

    def runout(self, days: int) -> tuple[set[str], set[str]]:
        return self._runout, self._runout | self._tolerated

    def reorder(self, supplier: str) -> set[str]:
        return self._reorder.get(supplier, set())


def facts_of(view: CatalogView, oracle: Any = None) -> Facts:
    return Facts(
        catalog=view,
        policy=PolicyFacts.load(PROJECT_ROOT / "docs" / "policies"),
        secrets=prompt_sentences(),
        oracle=oracle,
    )


def conversations(view: CatalogView) -> list[Conversation]:
    return generate(view, seed=7, draws=2)


def first(
    convs: Sequence[Conversation], intent: str, *, lang: str | None = None, style: str | None = None
) -> Conversation:
    for conv in convs:
        if conv.intent == intent and (lang is None or conv.lang == lang) and (style is None or conv.style == style):
            return conv
    raise LookupError(f"no {intent} conversation ({lang}, {style})")


def state(view: CatalogView, cart: dict[str, int] | None = None, **counts: int) -> ShopState:
    values = {"orders": 0, "cancelled": 0, "products": len(view.products), "wishlist": 0, "contacts": 0, **counts}
    return ShopState(cart=dict(cart or {}), prices={p.id: p.price for p in view.products}, **values)


def turn(
    conv: Conversation,
    facts: Facts,
    reply: str,
    *,
    index: int = 0,
    cards: Sequence[str] = (),
    cart_before: dict[str, int] | None = None,
    cart_after: dict[str, int] | None = None,
    history: Sequence[Observed] = (),
    pending: dict[str, Any] | None = None,
    orders: Sequence[NewOrder] = (),
    values: dict[str, Any] | None = None,
    message: str | None = None,
    after: ShopState | None = None,
) -> TurnContext:
    """A turn of `conv` as if the agent had answered `reply` and left the cart as `cart_after`."""
    view = facts.catalog
    before_state = state(view, cart_before)
    after_state = after or state(view, cart_after if cart_after is not None else cart_before, orders=len(orders))
    observed = Observed(
        message=message if message is not None else conv.turns[index].say.format(**(values or {})),
        reply=reply,
        cards=list(cards),
        pending=pending,
        before=before_state,
        after=after_state,
        new_orders=list(orders),
    )
    return TurnContext(conv, index, observed, list(history), facts, dict(values or {}))


def shown(message: str, reply: str, cards: Sequence[str]) -> Observed:
    """An earlier turn, for the checks that look back (references)."""
    return Observed(message=message, reply=reply, cards=list(cards))


def money(value: Decimal) -> str:
    return f"${value:.2f}"
