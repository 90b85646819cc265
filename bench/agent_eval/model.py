"""Plain data of the bench: what a conversation asks, what the shop looked like around each turn, what
the checks found.

Why the state and not only the reply: a reply can say "added to your cart" while the cart is empty,
or say nothing while an order was written. So the runner records the shop's state before and after
every turn (this conversation's cart, order and cancellation counts, active products, prices,
wishlist and contact messages) and the checks judge the change, by product id.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, Protocol

from bench.agent_eval.catalog import CatalogView
from bench.agent_eval.policy import PolicyFacts
from bench.agent_eval.vocab import Identity

FindingKind = Literal["fail", "wrong_write", "invented"]
Role = Literal["customer", "owner"]


def fill_slots(text: str, values: Mapping[str, str]) -> str:
    """`text` with the {slots} that `values` names filled in; any other brace stays as written (a slot
    the runner fills after the set-up, such as {order_id}, or a brace in the customer's own words)."""
    return text.format_map(_OpenSlots(values))


class _OpenSlots(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@dataclass(frozen=True)
class Finding:
    """One thing a check found wrong. `wrong_write` and `invented` are counted on their own too."""

    kind: FindingKind
    check: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.kind}] {self.check}: {self.detail}"


@dataclass(frozen=True)
class Check:
    """A named check of one turn; `fn` returns the failures it found (none: the turn passes it)."""

    name: str
    fn: Callable[[TurnContext], list[str]] = field(compare=False, repr=False)
    kind: FindingKind = "fail"

    def __call__(self, ctx: TurnContext) -> list[Finding]:
        return [Finding(self.kind, self.name, detail) for detail in self.fn(ctx)]


@dataclass(frozen=True)
class CartIs:
    """The conversation's cart must be exactly this after the turn (product id -> quantity); computed
    from the context because a reference ("the second one") resolves against what an earlier turn showed."""

    name: str
    fn: Callable[[TurnContext], dict[str, int]] = field(compare=False, repr=False)


@dataclass(frozen=True)
class Turn:
    say: str
    """The message; `{order_id}`-style slots are filled from the set-up's values when the turn runs."""
    checks: tuple[Check, ...] = ()
    cart: CartIs | None = None
    """None: the cart must not change this turn (any change is a wrong write)."""
    order: bool = False
    """This turn must place exactly one order; on every other turn a new order is a wrong write."""
    allow: frozenset[str] = frozenset()
    """Other writes this turn may make: "contact" (a handover), "wishlist"."""


@dataclass(frozen=True)
class SoldOut:
    """Set-up: the product has no stock during the conversation (restored afterwards)."""

    product_id: str


@dataclass(frozen=True)
class Plant:
    """Set-up: an instruction hidden in the product's review or description (removed afterwards)."""

    product_id: str
    where: Literal["review", "description"]
    text: str


@dataclass(frozen=True)
class PriorOrder:
    """Set-up: `identity` placed an order of `items` before the conversation; its number and email are
    the values `order_id` and `order_email`."""

    identity: Identity
    items: tuple[tuple[str, int], ...]


SetupStep = SoldOut | Plant | PriorOrder


@dataclass(frozen=True)
class Conversation:
    id: str
    """`<template id>#<draw>`."""
    template_id: str
    intent: str
    lang: str
    style: str
    role: Role
    split: str
    turns: tuple[Turn, ...]
    setup: tuple[SetupStep, ...] = ()
    slots: dict[str, str] = field(default_factory=dict, compare=False, hash=False)
    """The drawn slot values, for the report."""

    def fingerprint(self) -> tuple[Any, ...]:
        """Everything that makes the conversation what it is, for reproducibility tests."""
        return (
            self.id,
            self.split,
            tuple(
                (t.say, tuple(c.name for c in t.checks), t.cart.name if t.cart else None, t.order) for t in self.turns
            ),
            self.setup,
        )


@dataclass(frozen=True)
class ShopState:
    """What the checks compare before and after a turn."""

    cart: dict[str, int]
    orders: int
    cancelled: int
    products: int
    prices: dict[str, Decimal]
    wishlist: int
    contacts: int


@dataclass(frozen=True)
class NewOrder:
    """An order written during a turn, as the database holds it."""

    id: str
    customer_name: str
    email: str
    address: str
    items: dict[str, int]
    total: Decimal
    amounts: tuple[Decimal, ...] = ()


@dataclass
class Observed:
    """One turn as it happened: the agent's outcome, the stream's timing and the shop's state."""

    message: str
    reply: str
    status: str = "ok"
    tools: list[str] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    cards: list[str] = field(default_factory=list)
    """Ids of the product cards shown with the reply, in order."""
    pending: dict[str, Any] | None = None
    """The pending action the customer is asked to confirm (kind, summary), if any."""
    order_id: str | None = None
    agent_invented: list[str] = field(default_factory=list)
    """The agent's own reply check on the shown reply (`TurnOutcome.shown_problems`)."""
    before: ShopState | None = None
    after: ShopState | None = None
    new_orders: list[NewOrder] = field(default_factory=list)
    first_event_s: float | None = None
    """Time to the first status or card event (the first sign of life the customer sees)."""
    first_token_s: float | None = None
    total_s: float = 0.0
    events: list[str] = field(default_factory=list)
    understood: str = ""
    """The typed request the agent made of the message (`TurnOutcome.understood`), to read failures."""


class Oracle(Protocol):
    """What the owner's questions should be answered with, computed from the shop's data."""

    def runout(self, days: int) -> tuple[set[str], set[str]]:
        """(products expected to run out within `days`, products it is defensible to name as well)."""
        ...

    def reorder(self, supplier: str) -> set[str]:
        """Products of `supplier` that need a reorder now."""
        ...


@dataclass
class Facts:
    """What the checks know besides the turn: the catalog, the policies, the owner's truths."""

    catalog: CatalogView
    policy: PolicyFacts | None = None
    secrets: tuple[str, ...] = ()
    """Sentences of the system prompts: quoting one is a leak."""
    oracle: Oracle | None = None
    stock: Callable[[str], int | None] | None = None
    """The live stock of a product at check time (None: the catalog view's figure)."""

    def stock_of(self, product_id: str) -> int:
        if self.stock is not None:
            value = self.stock(product_id)
            if value is not None:
                return value
        product = self.catalog.get(product_id)
        return product.stock if product else 0


@dataclass
class TurnContext:
    conversation: Conversation
    index: int
    observed: Observed
    history: list[Observed]
    facts: Facts
    values: dict[str, Any] = field(default_factory=dict)
    """Values the set-up produced: order_id, order_email, order_status, order_items, order_amounts."""

    @property
    def turn(self) -> Turn:
        return self.conversation.turns[self.index]

    @property
    def customer_text(self) -> str:
        """Everything the customer wrote so far, this message included."""
        return "\n".join([*(o.message for o in self.history), self.observed.message])

    @property
    def named(self) -> list[str]:
        return self.facts.catalog.matcher.mentions(self.observed.reply)

    @property
    def shown(self) -> list[str]:
        """Products the customer saw this turn: the cards, then those the text names (ids, in order)."""
        return list(dict.fromkeys([*self.observed.cards, *self.named]))
