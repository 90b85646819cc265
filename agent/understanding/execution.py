"""What every step of carrying out a request shares: the result (`Execution`), the status line shown
while a step runs, and the replies code writes (a direct reply, facts for the model to word, what is
still missing, the products the request means).

The steps themselves live by area: `policy_answers` (the owner's policy text, haggles), `order_steps`
(order status, cancellation, returns) and `execute` (products, the cart, checkout, the entry point).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from agent.understanding.conversation import ConversationView
from agent.understanding.request import CustomerRequest
from agent.understanding.vocabulary import Vocabulary
from shop.catalog.snapshot import Product
from tools import actions, customer
from tools.common import fence
from tools.context import ToolContext
from tools.phrases import listing, say

STATUS_TEXT = {
    "find": "Searching the shop…",
    "product": "Looking at the product…",
    "compare": "Comparing…",
    "similar": "Finding alternatives…",
    "add": "Updating your cart…",
    "remove": "Updating your cart…",
    "set": "Updating your cart…",
    "cart": "Reading your cart…",
    "checkout": "Preparing your order summary…",
    "order_status": "Looking up your order…",
    "cancel_order": "Looking up your order…",
    "return": "Looking up your order…",
    "policy": "Checking our policies…",
    "discount": "Checking our policies…",
    "wishlist": "Checking your wishlist…",
    "human": "Passing your message on…",
}


@dataclass
class Execution:
    direct: str | None = None
    """The reply, written by code; the model is not asked."""
    facts: str = ""
    """What the model must word (already fenced as data), when `direct` is None."""
    user_amounts_allowed: bool = True
    """Whether the reply may repeat amounts the customer wrote ("under $15": yes; a haggle: no)."""
    instruction: str = ""
    """The line that tells the model how to answer; a reply that repeats it is no answer."""
    numbers: frozenset[int] | None = None
    """When set, the only numbers the model's wording may contain: a policy worded in another
    language by a 1.5B model can swap its numbers ("14 days" to report damage became "30 días")."""
    must_state: tuple[str, frozenset[int]] | None = None
    """A sentence of the data and its figures, which the model's wording must state: the rule a policy
    question asks about. "¿Y si llega roto?" was worded without the 14 days to report damage in three
    test-split runs (seeds 29, 31, 37): the photo and the order number were kept, the deadline dropped."""
    after: str = ""
    """Code's own text, put after the model's words (the next step the customer can take): a 1.5B
    model asked to word the facts AND end with a question dropped one of the two."""
    price: tuple[Decimal, str] | None = None
    """A product's price and code's line for it ("Phoenix Dan Cong — $20.50"), put after the model's
    words when they do not state it: a question about one product is most often about its price,
    and the 1.5B model left it out of 2 answers of a dev run, both to "how much is it?"."""


class ExecutorBase:
    """One request, run against the shop through the tools' functions (so the reply check, the cards
    and the conversation's refs work exactly as when the model called a tool)."""

    def __init__(
        self, ctx: ToolContext, view: ConversationView, vocabulary: Vocabulary, request: CustomerRequest
    ) -> None:
        self.ctx = ctx
        self.view = view
        self.vocabulary = vocabulary
        self.request = request
        self.lang = request.lang
        self.services = ctx.services

    # --- replies written by code ------------------------------------------------------------------
    def _direct(self, text: str) -> Execution:
        self.ctx.note(text)
        self.ctx.turn.direct_reply = text
        return Execution(direct=text)

    def _summary(self, action: actions.PendingAction) -> str:
        """Record the action waiting for the customer's yes; the summary they confirm, as the reply
        (customer.pending returns it fenced as data for a model, which the customer must not see)."""
        customer.pending(self.ctx, action)
        return actions.summary_text(self.services, action)

    def _categories(self) -> str:
        names = [self.vocabulary.category_names.get(c, c) for c in self.vocabulary.categories]
        return listing([n.lower() for n in names], self.lang)

    def _greeting(self) -> Execution:
        return self._direct(say("invite", self.lang, categories=self._categories()))

    def _other(self) -> Execution:
        shop = self.services.settings.shop_name
        return self._direct(say("decline", self.lang, shop=shop, categories=self._categories()))

    def _facts(
        self, body: str, source: str = "catalog", *, user_amounts: bool = True, fenced: bool = False
    ) -> Execution:
        data = body if fenced else fence(body, source)
        # Said in the customer's language: a 1.5B model follows "Antworte auf Deutsch" far more often
        # than "Answer in German" (which it answered with "Hier ist die Antwort in German:").
        instruction = say("answer_in", self.lang)
        return Execution(facts=data + "\n" + instruction, user_amounts_allowed=user_amounts, instruction=instruction)

    def _meant(self, *, allow_focus: bool = True) -> list[Product]:
        """The products the request refers to, resolved against the conversation."""
        found = [p for p in (self.view.resolve(i) for i in self.request.items) if p is not None]
        if not found:
            found = self.view.named_in_message()
        if not found and allow_focus and self.view.focus is not None and not self.request.query:
            found = [self.view.focus]
        return list({p.id: p for p in found}.values())

    def _missing(self, task: str, fields: list[tuple[str, str]]) -> Execution:
        return self._direct(self._missing_text(task, fields))

    def _missing_text(self, task: str, fields: list[tuple[str, str]]) -> str:
        """ "To <task> I still need <the fields without a value>", in the customer's language."""
        missing = [say(f"field_{key}", self.lang) for key, value in fields if not value]
        return say("need", self.lang, task=say(task, self.lang), what=listing(missing, self.lang))
