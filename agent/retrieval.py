"""Look things up in code before the model is asked, so a small model often needs no tool call at all.

A tool call costs a local 1.5B model a full extra round: deciding to call (~1 s), writing the call,
reading the result and only then answering. Most shop messages make the right lookup obvious from
their words, so code runs it first and hands the result to the model as if it had called the tool
itself (an assistant tool call plus its result, the format the model was trained on; hosted models
take the same messages). The lookups go through the very tool functions the model would call, so
what the model sees, the reply check and the product cards are the same either way.

Conservative: nothing is fetched for small talk, or when the words do not clearly match the catalog;
then the model decides on its own.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import AIMessage, BaseMessage, ToolMessage

from agent.guard import NameIndex
from shop.catalog import tokenize
from shop.errors import ShopError
from shop.orders import normalize_order_id
from shop.search import STOPWORDS, parse_query
from tools import customer
from tools.common import fence, product_line
from tools.context import ToolContext

_ORDER_ID = re.compile(r"\bORD-?[0-9A-Z]{8}\b", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_POLICY = re.compile(
    r"\b(?:ship(?:ping)?|deliver(?:y|ed)?|postage|returns?|refunds?|exchange|pay(?:ment)?|paypal|credit card|"
    r"contact|opening hours|phone number|privacy|discount|coupon|promo)\b",
    re.IGNORECASE,
)
_ORDER_TALK = re.compile(r"\b(?:my order|order status|where is my|track(?:ing)?|cancel)\b", re.IGNORECASE)
MIN_COVERAGE = 0.5
# Chat words that say what to do with a product, not which product: left out of the lookup.
_FILLER = frozenset(
    [
        "add",
        "put",
        "cart",
        "basket",
        "buy",
        "order",
        "orders",
        "ordering",
        "purchase",
        "get",
        "two",
        "three",
        "four",
        "five",
        "six",
        "several",
        "couple",
        "pair",
        "have",
        "has",
        "do",
        "does",
        "got",
        "sell",
        "sells",
        "stock",
        "carry",
        "recommend",
        "suggest",
        "tell",
        "about",
        "more",
        "hi",
        "hello",
        "hey",
        "thanks",
        "thank",
        "please",
        "pls",
        "yes",
        "no",
        "ok",
        "okay",
        "maybe",
        "also",
        "too",
        "again",
        "other",
        "another",
        "cheap",
        "cheaper",
        "price",
        "prices",
        "cost",
        "costs",
        "much",
        "many",
        "how",
        "there",
        "here",
        "first",
        "second",
        "third",
        "fourth",
        "last",
        "one",
        "ones",
        "it",
        "them",
        "that",
        "this",
        "those",
        "these",
        "same",
        "wishlist",
        "save",
    ]
)
# Words that ask for an action on products, not only for information about them.
_ACTION = re.compile(
    r"\b(?:add|put|cart|basket|buy|order|purchase|wishlist|save|remove|similar|like this|details|more about|"
    r"reviews?|recommend|cancel|talk|person|human)\b",
    re.IGNORECASE,
)
_REFERS_BACK = re.compile(
    r"\b(?:first|second|third|fourth|last|that|this|it|them|those|these|the one|same|cheaper|other)\b", re.IGNORECASE
)


@dataclass
class Lookup:
    tool: str
    args: dict[str, Any]
    result: str


_EMAIL_ORDER = re.compile(r"\b(?:order|checkout|check out|place|buy|purchase)\b", re.IGNORECASE)
_HANDOFF = re.compile(
    r"\b(?:talk|speak|chat|write)\s+(?:to|with)\s+(?:a\s+|an\s+|the\s+|someone|somebody)?(?:real\s+)?"
    r"(?:person|human|someone|somebody|people|staff|team|owner|agent)|\breal person\b|\bhuman\b",
    re.IGNORECASE,
)
_WISHLIST = re.compile(r"\bwish\s?list\b", re.IGNORECASE)
_CART_VIEW = re.compile(
    r"\b(?:what'?s|what is|show(?: me)?|view|see|check)\b[^.?!]{0,20}\b(?:cart|basket)\b", re.IGNORECASE
)
_CART_CHANGE = re.compile(
    r"\b(?:add|put|remove|delete|take|drop|make (?:it|that)|change|increase|decrease)\b", re.IGNORECASE
)
_CART_WORD = re.compile(r"\b(?:cart|basket)\b", re.IGNORECASE)


_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                 "eight": 8, "nine": 9, "ten": 10, "a couple of": 2, "a pair of": 2}  # fmt: skip
_QUANTITY = re.compile(r"\b(\d{1,2}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")\b", re.IGNORECASE)
_REMOVE = re.compile(r"\b(?:remove|delete|take\s+out|drop)\b", re.IGNORECASE)
_SET = re.compile(r"\b(?:make\s+(?:it|that)|change|set|increase|decrease)\b", re.IGNORECASE)


def _cart_directly(ctx: ToolContext, message: str, names: NameIndex) -> bool:
    """A cart change that names exactly one product ("add 2 Ceremonial Matcha to my cart") is done by
    code: nothing is left for a model to decide, and a small one picks the wrong line of a list."""
    named = list(dict.fromkeys(names.mentions(message)))
    product = ctx.services.catalog.get(named[0]) if len(named) == 1 else None
    if product is None:
        return False
    rest = re.sub(re.escape(product.name), " ", message, flags=re.IGNORECASE)
    found = _QUANTITY.search(rest)
    quantity = (
        (int(found.group(1)) if found.group(1).isdigit() else _NUMBER_WORDS[found.group(1).lower()]) if found else 1
    )
    action = "remove" if _REMOVE.search(rest) else "set" if _SET.search(rest) else "add"
    args = {"action": action, "product": product.id, "quantity": quantity}
    ctx.called("cart", args)
    try:
        customer.cart(ctx, **args)
    except ShopError as exc:
        ctx.remember(product, card=True)
        ctx.turn.direct_reply = exc.message
    return True


def route(ctx: ToolContext, message: str, names: NameIndex | None = None) -> str | None:
    """The tool a message plainly asks for, so a small model only has to fill in its arguments.

    Only unmistakable requests are routed; the tools still validate everything, and writes still
    wait for the customer's yes. Runs code-only requests itself (viewing the cart) and returns None.
    """
    order_id = _ORDER_ID.search(message)
    if order_id and re.search(r"\bcancel", message, re.IGNORECASE) and _EMAIL.search(message):
        return "cancel_order"
    if _HANDOFF.search(message):
        return "talk_to_human"
    if _WISHLIST.search(message):
        named = list(dict.fromkeys(names.mentions(message))) if names is not None else []
        product = ctx.services.catalog.get(named[0]) if len(named) == 1 else None
        if product is not None and re.search(r"\b(?:add|save|put|keep)\b", message, re.IGNORECASE):
            ctx.called("wishlist", {"action": "add", "product": product.id})
            customer.wishlist(ctx, "add", product.id)  # prepares it; the customer still says yes
            return None
        return "wishlist"
    cart_id = ctx.cart_id
    has_cart = bool(cart_id and ctx.services.carts.quantities(cart_id))
    if _EMAIL.search(message) and _EMAIL_ORDER.search(message) and not order_id and has_cart:
        return "place_order"
    if (
        _CART_WORD.search(message)
        and _CART_VIEW.search(message)
        and not _CART_CHANGE.search(message)
        and not _EMAIL_ORDER.search(message)
    ):
        ctx.called("cart", {"action": "view"})
        customer.cart(ctx, "view")  # a reply written by code; no model needed
        return None
    if _CART_CHANGE.search(message) and (_CART_WORD.search(message) or re.search(r"^\s*(?:add|put)\b", message, re.I)):
        if names is not None and _cart_directly(ctx, message, names):
            return None
        return "cart"
    return None


def prefetch(ctx: ToolContext, message: str, names: NameIndex | None = None) -> list[Lookup]:
    """The lookups a message clearly calls for (at most one), run now through the tool functions."""
    if ctx.role != "customer":
        return []
    ctx.turn.force_tool = route(ctx, message, names)
    if ctx.turn.direct_reply is not None or ctx.turn.force_tool in ("place_order", "cancel_order", "talk_to_human"):
        return []
    order_id = _ORDER_ID.search(message)
    email = _EMAIL.search(message)
    if order_id and email and normalize_order_id(order_id.group(0)) and not re.search(r"\bcancel", message, re.I):
        args = {"order_id": order_id.group(0), "email": email.group(0)}
        ctx.turn.answer_only = True
        return [Lookup("order_status", args, _safe(lambda: customer.order_status(ctx, **args)))]
    if _ORDER_TALK.search(message):
        return []
    if _POLICY.search(message):
        args = {"question": message[:200]}
        ctx.turn.answer_only = not _ACTION.search(message)
        return [Lookup("shop_policy", args, customer.policy(ctx, **args))]
    query = focus(message)
    text, filters = parse_query(query)
    words = [w for w in tokenize(text) if len(w) >= 3 and w not in STOPWORDS]
    if not words and not filters:
        return []
    index = ctx.services.search.keyword_index(ctx.services.catalog)
    _, coverage = index.match(text) if words else ({}, 0.0)
    if coverage < MIN_COVERAGE and not (filters.category or filters.max_price or filters.min_price):
        return []
    args = {"query": query[:100]}
    result = customer.search(ctx, **args)
    if not ctx.turn.products:
        return []
    ctx.turn.answer_only = not _ACTION.search(message)
    return [Lookup("search_products", args, result)]


def recently_shown(ctx: ToolContext, message: str) -> str | None:
    """The products of the previous answer, fresh from the catalog, when the message points back at
    them ("add the first one", "is that one in stock?"): the model then has their refs and prices
    without a tool call, and may name them (they are this turn's data)."""
    if ctx.role != "customer" or not (_REFERS_BACK.search(message) or _ACTION.search(message)):
        return None
    previous = next((m for m in reversed(ctx.conversation.messages) if m.role == "assistant"), None)
    if previous is None or not previous.products:
        return None
    products = [p for p in (ctx.services.catalog.get(pid) for pid in previous.products) if p is not None]
    if not products:
        return None
    lines = "\n".join(product_line(ctx, p, description_chars=0) for p in products[:5])
    return "Products in your previous answer, in order:\n" + fence(lines, "catalog")


def focus(message: str) -> str:
    """The message without chat filler ("add two X to my cart please" -> "X"), prices and filters kept."""
    kept = [w for w in message.split() if " ".join(tokenize(w)) not in _FILLER]
    return " ".join(kept) or message


def _safe(run: Any) -> str:
    try:
        return run()
    except ShopError as exc:
        return exc.message


def as_messages(lookups: list[Lookup]) -> list[BaseMessage]:
    """Each lookup as an assistant tool call followed by its result."""
    messages: list[BaseMessage] = []
    for lookup in lookups:
        call_id = "call_" + uuid.uuid4().hex[:24]
        messages.append(AIMessage("", tool_calls=[{"name": lookup.tool, "args": lookup.args, "id": call_id}]))
        messages.append(ToolMessage(lookup.result, tool_call_id=call_id, name=lookup.tool))
    return messages
