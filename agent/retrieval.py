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
from shop.catalog.snapshot import Product
from shop.core.errors import ShopError
from shop.core.text import tokenize
from shop.discovery.keywords import STOPWORDS
from shop.discovery.query import parse_query
from shop.ordering.orders import normalize_order_id
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
# Asking for a lower price is a question for the payment policy ("discounts and price changes").
_DISCOUNT = re.compile(r"\b\d{1,3}\s?%\s?off\b|\bpercent off\b|\bfor free\b|\bcheaper price\b", re.IGNORECASE)
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
_ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3, "last": -1}
_ORDINAL = re.compile(
    r"\b(" + "|".join(_ORDINALS) + r")\b(?!\s+(?:two|three|four|\d))", re.IGNORECASE
)  # "the first two" is several products: left to the model
_THAT_ONE = re.compile(r"\b(?:it|that|this|that one|this one)\b", re.IGNORECASE)
_ADD = re.compile(r"\b(?:add|put)\b", re.IGNORECASE)
_AMOUNT = re.compile(r"[$€£]\s?\d+(?:[.,]\d+)?|\b\d+(?:[.,]\d+)?\s?(?:dollars?|usd|euros?|%)", re.IGNORECASE)
_PLACE_ORDER = re.compile(
    r"\b(?:place|complete|submit|finish|finali[sz]e)\b[^.?!]{0,20}\border\b|\bcheck\s?out\b", re.IGNORECASE
)
_CANCEL_ORDER = re.compile(r"\bcancel\b", re.IGNORECASE)
_SIMILAR = re.compile(r"\b(?:similar|alternatives?|like (?:this|that|it))\b", re.IGNORECASE)


def _pointed_at(ctx: ToolContext, message: str) -> Product | None:
    """The product of the previous answer the message points at: "the first one", "the last", or "it"
    when that answer showed a single product. None when in doubt ("the first two")."""
    previous = next((m for m in reversed(ctx.conversation.messages) if m.role == "assistant"), None)
    shown = [p for p in (ctx.services.catalog.get(pid) for pid in previous.products) if p] if previous else []
    if not shown:
        return None
    ordinal = _ORDINAL.search(message)
    if ordinal is not None:
        index = _ORDINALS[ordinal.group(1).lower()]
        return shown[index] if -len(shown) <= index < len(shown) else None
    if len(shown) == 1 and _THAT_ONE.search(message):
        return shown[0]
    return None


def _cart_directly(ctx: ToolContext, message: str, names: NameIndex) -> bool:
    """A cart change that names exactly one product ("add 2 Ceremonial Matcha to my cart") or points at
    one just shown ("add the first one") is done by code: nothing is left for a model to decide, and
    a small one picks the wrong line of a list."""
    named = list(dict.fromkeys(names.mentions(message)))
    if len(named) == 1:
        product = ctx.services.catalog.get(named[0])
    else:
        product = _pointed_at(ctx, message) if not named else None
    if product is None:
        return False
    rest = re.sub(re.escape(product.name), " ", message, flags=re.IGNORECASE)
    rest = _AMOUNT.sub(" ", rest)  # "$0" is a price someone wishes for, not a quantity
    found = _QUANTITY.search(rest)
    quantity = (
        (int(found.group(1)) if found.group(1).isdigit() else _NUMBER_WORDS[found.group(1).lower()]) if found else 1
    )
    if _REMOVE.search(rest):
        action = "remove"
    elif _SET.search(rest) and not _ADD.search(rest):
        action = "set"
    else:
        action, quantity = "add", max(1, quantity)
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
    order_id = _ORDER_ID.search(message)
    previous = _previous_request(ctx)
    details = bool(_EMAIL.search(message)) and bool(_EMAIL_ORDER.search(message) or _PLACE_ORDER.search(previous))
    if has_cart and not order_id and (_PLACE_ORDER.search(message) or details):
        if _EMAIL.search(ctx.customer_text or message):
            return "place_order"
        ctx.called("cart", {"action": "view"})
        ctx.turn.direct_reply = (
            "To place your order I need your name, your email address and the delivery address.\n\n"
            + customer.cart_text(ctx)
        )
        return None
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


def _previous_request(ctx: ToolContext) -> str:
    """The customer's message before this one: what a bare "ORD-7K2M9QXD" or email is the answer to."""
    earlier = [m.content for m in ctx.conversation.window if m.role == "user"]
    return earlier[-1] if earlier else ""


def _order_question(ctx: ToolContext, message: str) -> bool:
    """Order status and cancellation, done by code: both need the order number and its email, which
    the customer types and code can read; a model only gets them wrong. Asks for what is missing.

    Numbers and emails count from anywhere in the conversation ("can you check my order?" ...
    "ORD-7K2M9QXD" ... "vera@example.com"); the lookup itself still needs the two to match.
    """
    previous = _previous_request(ctx)
    talk = bool(_ORDER_TALK.search(message)) and not _CART_CHANGE.search(message) and not _CART_WORD.search(message)
    in_message = bool(_ORDER_ID.search(message)) or talk
    follows_up = bool(_EMAIL.search(message)) and bool(_ORDER_ID.search(previous) or _ORDER_TALK.search(previous))
    if not (in_message or follows_up) or _PLACE_ORDER.search(message):
        return False
    if not in_message and _PLACE_ORDER.search(previous):
        return False  # an email after "place my order" is for the new order
    # "It is ORD-7K2M9QXD, vera@example.com" answers the question before it: cancel, or look up.
    cancel = bool(_CANCEL_ORDER.search(message)) or (bool(_CANCEL_ORDER.search(previous)) and not talk)
    said = ctx.customer_text or message
    ids, emails = _ORDER_ID.findall(said), _EMAIL.findall(said)
    order_id = ids[-1] if ids and normalize_order_id(ids[-1]) else None
    email = emails[-1] if emails else None
    if order_id is None or email is None:
        wanted = " and ".join(
            part
            for part, missing in (
                ("the order number (it starts with ORD-)", order_id is None),
                ("the email address the order was placed with", email is None),
            )
            if missing
        )
        ctx.turn.direct_reply = f"To {'cancel' if cancel else 'look up'} your order I need {wanted}."
        return True
    args = {"order_id": order_id, "email": email}
    ctx.called("cancel_order" if cancel else "order_status", args)
    try:
        if cancel:
            customer.cancel_order(ctx, **args)  # prepares it; the customer still says yes
        else:
            customer.order_status(ctx, **args)
    except ShopError as exc:
        ctx.turn.direct_reply = exc.message
    if ctx.turn.direct_reply is None:  # the tool explained what it still needs
        ctx.turn.direct_reply = "Please tell me the order number and the email address the order was placed with."
    return True


def _product_question(ctx: ToolContext, message: str, names: NameIndex | None) -> Lookup | None:
    """A question about one product the customer names ("do you have X?", "tell me about X", "what is
    similar to X?"): its details (stock included) or its neighbours, instead of a keyword search."""
    named = list(dict.fromkeys(names.mentions(message))) if names is not None else []
    product = ctx.services.catalog.get(named[0]) if len(named) == 1 else None
    if product is None:
        return None
    if _SIMILAR.search(message):
        args = {"product": product.id}
        return Lookup("recommend", args, customer.recommend(ctx, **args))
    if not product.in_stock:
        # A small model turns "sold out" into "I can't help with that"; code says it, with alternatives.
        args = {"product": product.id}
        ctx.called("product_details", args)
        ctx.called("recommend", args)
        ctx.remember(product, card=True)
        customer.recommend(ctx, **args)
        for other in [p for p in ctx.turn.products.values() if p.in_stock][:3]:
            ctx.remember(other, card=True)
        alternatives = "\n\n" + ctx.turn.notes[-1] if ctx.turn.notes else ""
        ctx.turn.direct_reply = f"Sorry, {product.name} is sold out at the moment.{alternatives}"
        return None
    rest = re.sub(re.escape(product.name), " ", focus(message), flags=re.IGNORECASE)
    if any(len(w) >= 3 and w not in STOPWORDS for w in tokenize(rest)):
        return None  # more than the product is asked for: search
    args = {"product": product.id}
    return Lookup("product_details", args, customer.details(ctx, **args))


def prefetch(ctx: ToolContext, message: str, names: NameIndex | None = None) -> list[Lookup]:
    """The lookups a message clearly calls for (at most one), run now through the tool functions."""
    if ctx.role != "customer":
        return []
    ctx.turn.force_tool = route(ctx, message, names)
    if ctx.turn.direct_reply is not None or ctx.turn.force_tool in ("place_order", "talk_to_human"):
        return []
    if _order_question(ctx, message):
        return []
    if _POLICY.search(message) or _DISCOUNT.search(message):
        args = {"question": _DISCOUNT.sub("discount", message)[:200]}
        result = customer.policy(ctx, **args)
        if not _ACTION.search(message) and ctx.turn.notes:
            # The owner's own words answer it: shown as written, no model in between.
            ctx.called("shop_policy", args)
            ctx.turn.direct_reply = ctx.turn.notes[-1]
            return []
        return [Lookup("shop_policy", args, result)]
    about = _product_question(ctx, message, names)
    if ctx.turn.direct_reply is not None:
        return []
    if about is not None:
        ctx.turn.answer_only = True
        return [about]
    query = focus(message)
    text, filters = parse_query(query, ctx.services.catalog.all_categories())
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


def as_messages(lookups: list[Lookup]) -> list[BaseMessage]:
    """Each lookup as an assistant tool call followed by its result."""
    messages: list[BaseMessage] = []
    for lookup in lookups:
        call_id = "call_" + uuid.uuid4().hex[:24]
        messages.append(AIMessage("", tool_calls=[{"name": lookup.tool, "args": lookup.args, "id": call_id}]))
        messages.append(ToolMessage(lookup.result, tool_call_id=call_id, name=lookup.tool))
    return messages
