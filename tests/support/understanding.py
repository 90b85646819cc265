"""Driving the understanding stage's code without a model: a conversation so far, the request the model
would have written, and what code makes of it (validated against the conversation, then executed),
exactly as `agent.customer_turn.CustomerTurn.run` does between the two model calls."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from agent.guard import NameIndex
from agent.understanding.conversation import ConversationView
from agent.understanding.execute import Executor
from agent.understanding.execution import Execution
from agent.understanding.request import CustomerRequest, parse_request
from agent.understanding.vocabulary import build_vocabulary
from shop.catalog.snapshot import Product
from shop.conversations.store import ChatMessage, Conversation, new_key
from shop.services import ShopServices
from tools.context import ToolContext


def conversation(*turns: tuple[str, list[Any]]) -> Conversation:
    """A customer conversation whose earlier turns were (customer's message, products the answer showed)."""
    key = new_key()
    convo = Conversation(key=key, role="customer", channel="web", cart_id=key)
    now = datetime.now(UTC)
    for said, shown in turns:
        n = convo.next_n
        ids = [str(p.id if isinstance(p, Product) else p["_id"]) for p in shown]
        convo.messages += [ChatMessage("user", said, now, n), ChatMessage("assistant", "…", now, n + 1, ids)]
        for pid in ids:
            convo.ref_for(pid)
        convo.next_n = n + 2
    return convo


def view_of(services: ShopServices, convo: Conversation, message: str) -> ConversationView:
    cart: list[tuple[Product, int]] = []
    if convo.cart_id:
        cart = [(line.product, line.quantity) for line in services.carts.view(convo.cart_id).lines]
    return ConversationView.of(convo, services.catalog, NameIndex(services.catalog), cart, message)


@dataclass
class Run:
    """What code made of one message: the validated request, the execution, the turn's record."""

    request: CustomerRequest
    execution: Execution
    ctx: ToolContext

    @property
    def reply(self) -> str:
        """The reply code wrote, or the data the model would word."""
        return self.execution.direct if self.execution.direct is not None else self.execution.facts

    @property
    def shown(self) -> list[Product]:
        """The products put forward as cards, in order."""
        return [self.ctx.turn.products[pid] for pid in self.ctx.turn.card_ids]


def run(services: ShopServices, convo: Conversation, message: str, lang: str = "en", **args: Any) -> Run:
    """`message` understood as `args` (the `understand` call's arguments), checked and executed in
    `lang` (which code, not the model, reads: agent.understanding.language); the turn is then added to
    `convo` (the message, and an answer showing the cards and keeping the request) for the next one."""
    vocabulary = build_vocabulary(services.catalog, services.policies)
    view = view_of(services, convo, message)
    request = view.validate(parse_request(args, vocabulary))
    request.lang = lang
    ctx = ToolContext(services, "customer", convo, cart_id=convo.cart_id, customer_text=view.said)
    execution = Executor(ctx, view, vocabulary, request).run()
    done = Run(request, execution, ctx)
    now, n = datetime.now(UTC), convo.next_n
    convo.messages += [
        ChatMessage("user", message, now, n),
        ChatMessage("assistant", done.reply, now, n + 1, list(ctx.turn.card_ids), context=json.dumps(args)),
    ]
    convo.next_n = n + 2
    return done
