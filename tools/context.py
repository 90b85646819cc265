"""What a tool knows about the chat it serves, injected by the agent at run time (never a model argument).

The model can only choose a tool and fill its visible arguments. Whose cart, which conversation and
which role all arrive here from the authenticated request, through LangChain's `ToolRuntime` context, so
no argument the model writes can reach another customer's cart or orders.

`TurnRecord` is the tools' structured account of the current turn. The agent's checks read it instead of
parsing tool text: which products the tools returned (the only names a reply may mention), which
amounts came from the database (the only prices it may quote), the pending action a tool prepared, and
a plain summary code can answer with if the model's reply has to be replaced.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from shop.catalog.snapshot import Product
from shop.conversations.store import Conversation, PendingAction
from shop.services import ShopServices

# Tools of one turn may run in parallel threads; their bookkeeping is tiny, so one lock serves all.
_LOCK = threading.Lock()


@dataclass
class TurnRecord:
    products: dict[str, Product] = field(default_factory=dict)
    """Products the tools returned this turn, in order of appearance (id -> product)."""
    amounts: set[Decimal] = field(default_factory=set)
    """Money amounts from trusted sources this turn (prices, totals, policy texts)."""
    calls: list[tuple[str, dict[str, object]]] = field(default_factory=list)
    """(tool name, arguments) of every tool run this turn, synthetic ones included."""
    notes: list[str] = field(default_factory=list)
    """Plain, code-written summaries of the tool results: the safe reply if the model's is rejected."""
    pending: PendingAction | None = None
    direct_reply: str | None = None
    """A reply composed by a tool that ends the turn (cart changes, confirmations to ask for)."""
    writes: list[str] = field(default_factory=list)
    """Writes made this turn (cart changes, handovers), for the scenario bench's wrong-write count."""
    card_ids: list[str] = field(default_factory=list)
    """Products to show as cards even if the reply does not name them (e.g. a cart change)."""
    answer_only: bool = False
    """Code's lookup already answers the message: the model is asked to answer, not to call tools."""
    force_tool: str | None = None
    """The message plainly asks for this tool (e.g. place_order with the details given): the model's
    first call this turn is that tool, and its only job is to fill in the arguments."""
    model_calls: int = 0
    order_ids: set[str] = field(default_factory=set)
    """Order numbers the tools returned this turn (the only ones a reply may name)."""
    currency: str = "USD"
    """The shop's currency (ToolContext sets it from the settings): a right number written as euros in a
    dollar shop is still a wrong price, and the 1.5B model wrote "8 Euro" in 1 of 30 non-English replies."""


@dataclass
class ToolContext:
    services: ShopServices
    role: Literal["customer", "owner"]
    conversation: Conversation
    cart_id: str | None = None
    turn: TurnRecord = field(default_factory=TurnRecord)
    customer_text: str | None = None
    """What the customer wrote in this conversation (the model sees no more). Emails and order numbers
    in tool arguments must come from it: a small model otherwise fills in "example@example.com"."""
    lang: str = "en"
    """The language the message was read in (agent.understanding.language): code-written replies and
    reports are in it (tools.phrases)."""

    def __post_init__(self) -> None:
        self.turn.currency = self.services.settings.currency

    def given_by_customer(self, value: str) -> bool:
        if self.customer_text is None:
            return True
        return bool(value.strip()) and value.strip().lower() in self.customer_text.lower()

    def remember(self, product: Product, *, card: bool = False) -> str:
        """Record a product as returned this turn (its name and price may now be quoted); its ref."""
        with _LOCK:
            self.turn.products.setdefault(product.id, product)
            self.turn.amounts.add(product.price)
            if card and product.id not in self.turn.card_ids:
                self.turn.card_ids.append(product.id)
            return self.conversation.ref_for(product.id)

    def allow_amounts(self, *amounts: Decimal) -> None:
        with _LOCK:
            self.turn.amounts.update(amounts)

    def note(self, text: str) -> None:
        with _LOCK:
            self.turn.notes.append(text)

    def called(self, name: str, args: dict[str, object]) -> None:
        with _LOCK:
            self.turn.calls.append((name, args))
