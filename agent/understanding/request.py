"""The typed request one customer message becomes, its JSON schema, and its parsing.

The schema is the `understand` tool's parameters: the model's first (and forced) step each turn is to
fill it. The local server turns the schema into a grammar, so the model can only write these keys and,
for enums, only this shop's values; a hosted model gets the same schema as a function definition.
Every field is optional and the model leaves out what the message does not say: each key costs the
local model ~0.15 s to write.

Parsing never trusts the model: unknown enum values, absurd quantities and prices are dropped here;
whether a product, an email or an address was really given is checked against the conversation in
`conversation.ConversationView.validate`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from agent.understanding.vocabulary import Vocabulary

TOOL_NAME = "understand"
INTENTS = (
    "find",  # looking for a kind of product, suggestions, "what do you have"
    "product",  # a question about named or shown products (price, stock, details)
    "compare",  # which of these is cheaper / better / different
    "similar",  # something like this one, an alternative, the closest thing in stock
    "add",  # put products in the cart
    "remove",  # take products out of the cart
    "set",  # change a quantity already in the cart ("make that 3")
    "cart",  # show the cart
    "checkout",  # place the order / buy now / here are my details
    "order_status",  # where is my order
    "cancel_order",  # cancel an order already placed
    "return",  # send back or exchange items of a delivered order (issue 14, shop/returns/)
    "policy",  # shipping, returns, refunds, payment, contact
    "discount",  # asks for a lower price, haggles, offers an amount
    "wishlist",  # show or add to the wishlist
    "human",  # wants a person
    "greeting",  # hello, thanks, bye, a bare "?"
    "other",  # anything not about this shop
)
LANGUAGES = ("en", "es", "fr", "de", "it", "pt")
"""The languages replies are written in (tools/phrases.json); agent.understanding.language reads which."""
MAX_QUANTITY = 99
MAX_FILTERS = 3
BELOW, ABOVE = "price_below", "price_above"
"""Price bounds named for the customer's words, not min/max: measured on 7 price questions in five languages, the
1.5B model wrote "min_price" for "menos de 12" and "over $30" got max_price; with these names 7/7."""
MAX_ITEMS = 5
CONDITIONS = ("unopened", "opened", "damaged", "wrong")
"""A return's items as the customer describes them (one condition per request: one request at a time)."""
RESOLUTIONS = ("refund", "exchange")


@dataclass
class Item:
    """A product the message refers to: `product` is "#2" (the second one shown), "cheapest",
    "dearest", "last", "it", or a name as the customer wrote it; `qty` 0 means not said."""

    product: str
    qty: int = 0


@dataclass
class CustomerRequest:
    intent: str = "other"
    items: list[Item] = field(default_factory=list)
    query: str = ""
    category: str = ""
    filters: list[str] = field(default_factory=list)
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    order_id: str = ""
    email: str = ""
    name: str = ""
    address: str = ""
    policy: str = ""
    condition: str = ""
    """For a return: unopened, opened, damaged or wrong (CONDITIONS); the summary spells it out before the yes."""
    resolution: str = ""
    """For a return: refund or exchange."""
    lang: str = "en"
    """Set by code (agent.understanding.language), not by the model."""

    def describe(self) -> str:
        """One line for logs and the benches."""
        parts = [self.intent]
        if self.items:
            parts.append("items=" + ",".join(f"{i.product}x{i.qty}" for i in self.items))
        for key in ("query", "category", "order_id", "policy", "condition", "resolution"):
            if getattr(self, key):
                parts.append(f"{key}={getattr(self, key)}")
        if self.filters:
            parts.append("filters=" + ",".join(self.filters))
        if self.max_price is not None:
            parts.append(f"max={self.max_price}")
        if self.min_price is not None:
            parts.append(f"min={self.min_price}")
        if self.email or self.name or self.address:
            parts.append("details")
        return f"{' '.join(parts)} [{self.lang}]"


def tool_schema(vocabulary: Vocabulary) -> dict[str, Any]:
    """The `understand` function definition, with this shop's enums."""
    text = {"type": "string"}
    properties: dict[str, Any] = {
        "intent": {"enum": list(INTENTS)},
        "items": {
            "type": "array",
            "description": 'products meant: "#1".."#4" for the products just shown, "cheapest", "dearest", '
            '"last", "it" for the one in focus, or the product name as written; qty only if said',
            "items": {"type": "object", "properties": {"product": text, "qty": {"type": "integer"}}},
            "maxItems": MAX_ITEMS,
        },
        "query": {"type": "string", "description": "the kind of product wanted, in English, short"},
        "category": {"enum": list(vocabulary.categories)},
        "filters": {"type": "array", "items": {"enum": list(vocabulary.filters)}, "maxItems": MAX_FILTERS},
        BELOW: {"type": "number"},
        ABOVE: {"type": "number"},
        "order_id": text,
        "email": text,
        "name": text,
        "address": text,
        "policy": {"enum": list(vocabulary.policies)},
        "condition": {"enum": list(CONDITIONS)},
        "resolution": {"enum": list(RESOLUTIONS)},
    }
    if not vocabulary.filters:
        del properties["filters"]
    if not vocabulary.policies:
        del properties["policy"]
    return {
        "type": "function",
        "function": {
            "name": TOOL_NAME,
            "description": "What the customer's last message asks for. Leave out keys the message does not give.",
            "parameters": {"type": "object", "properties": properties, "required": ["intent"]},
        },
    }


def _text(value: Any, limit: int = 200) -> str:
    return " ".join(str(value).split())[:limit] if isinstance(value, str | int | float) else ""


def _price(value: Any) -> Decimal | None:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None
    return amount if Decimal("0") < amount <= Decimal("100000") else None


def parse_request(args: dict[str, Any], vocabulary: Vocabulary) -> CustomerRequest:
    """The model's arguments as a request, with everything outside the schema's values dropped."""
    intent = args.get("intent")
    request = CustomerRequest(intent=intent if intent in INTENTS else "other")
    raw_items = args.get("items") if isinstance(args.get("items"), list) else []
    for raw in raw_items[:MAX_ITEMS]:
        if not isinstance(raw, dict):
            continue
        product = _text(raw.get("product"), 120)
        try:
            qty = int(raw.get("qty") or 0)
        except (TypeError, ValueError):
            qty = 0
        if product:
            request.items.append(Item(product, max(0, min(qty, MAX_QUANTITY))))
    request.query = _text(args.get("query"), 100)
    category = args.get("category")
    request.category = category if category in vocabulary.categories else ""
    filters = args.get("filters") if isinstance(args.get("filters"), list) else []
    known = list(dict.fromkeys(f for f in filters if isinstance(f, str) and f in vocabulary.filters))
    # One key with every value the grammar allows ("skinType" normal, combination, very dry for "face
    # cream options?") is the small model listing the enum, not the customer's wish: that key is dropped.
    per_key = Counter(f.partition("=")[0] for f in known)
    if len(filters) <= MAX_FILTERS:  # more (a hosted model has no grammar) is the enum listed whole
        request.filters = [f for f in known if per_key[f.partition("=")[0]] < MAX_FILTERS]
    request.min_price, request.max_price = _price(args.get(ABOVE)), _price(args.get(BELOW))
    if request.min_price is not None and request.max_price is not None and request.min_price > request.max_price:
        request.min_price = None
    for key in ("order_id", "email", "name", "address"):
        setattr(request, key, _text(args.get(key), 200))
    policy = args.get("policy")
    request.policy = policy if policy in vocabulary.policies else ""
    condition, resolution = args.get("condition"), args.get("resolution")
    request.condition = condition if condition in CONDITIONS else ""
    request.resolution = resolution if resolution in RESOLUTIONS else ""
    return request
