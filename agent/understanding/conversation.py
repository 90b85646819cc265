"""What the conversation gives the understanding stage, and what code checks its request against.

The model sees a short note before the customer's message: the products the previous answer showed,
numbered as the customer saw them (#1, #2...), the product in focus, and the cart. It refers to them by
those numbers, or by "cheapest" / "dearest" / "last" / "it", and code resolves the reference here, so
"two of the second one" is the second card shown, never a product the model remembers wrongly.

Code then holds the request to what the customer really said: a product must be one that was shown,
is in the cart, was discussed earlier, or is named in the customer's own words; a name, an email, an
address or an order number must appear in what the customer wrote in this conversation. What fails
is dropped, so it is asked for instead of filled in.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal

from agent.guard import PERCENTAGE, NameIndex
from agent.understanding.request import MAX_QUANTITY, CustomerRequest, Item
from shop.catalog.snapshot import Catalog, Product
from shop.conversations.store import Conversation
from shop.core.text import normalize, tokenize
from shop.ordering.orders import normalize_order_id

SHOWN_IN_NOTE = 5
_POSITION = re.compile(r"^#?\s*(\d{1,2})$")
_NUMBER = re.compile(r"\d+(?:[.,]\d{1,2})?")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
MIN_DETAIL_WORDS = 6
"""Words besides the email a message needs before its missing name or address is asked of the model
again: "my email is x@y.z" gives nothing more, "I'm Jo Park, x@y.z, 5 Elm St, Leeds LS1 4AP" does."""
QUANTITY_WORDS: dict[str, int] = {
    "half a dozen": 6, "half-dozen": 6, "a dozen": 12, "a couple of": 2, "a pair of": 2,
    "media docena": 6, "una docena": 12, "un par de": 2,
    "demi-douzaine": 6, "une douzaine": 12,
    "halbes dutzend": 6, "ein dutzend": 12,
    "mezza dozzina": 6, "una dozzina": 12, "un paio di": 2,
    "meia dúzia": 6, "meia duzia": 6, "uma dúzia": 12, "uma duzia": 12, "um par de": 2,
}  # fmt: skip
"""Quantities said in words that are not a number word, in the six reply languages: the 1.5B model
read "half a dozen" as 1 in two dev runs. A closed list, as the glossary is: digits and plain number
words the model reads well."""
_QUANTITY_ALTERNATIVES = "|".join(re.escape(w) for w in sorted(QUANTITY_WORDS, key=len, reverse=True))
_QUANTITY_WORDS = re.compile(rf"(?<!\w)({_QUANTITY_ALTERNATIVES})(?!\w)")
_QUANTITY_BEFORE = re.compile(
    rf"(?:(?<![\d.,])(\d{{1,2}})|(?<!\w)({_QUANTITY_ALTERNATIVES}))\s*[x×]?\s*(?:(?:of|de|di|d')\s*)?$"
)
"""A quantity right before a product's name: digits ("2 Ceramide Day Cream", "2x"), or words ("half a
dozen Earl Grey", "media docena de X"), with the connecting "of"/"de"/"di" the quantity words end in."""
_ORDER_ID = re.compile(r"\bORD-?[0-9A-Z]{8}\b", re.IGNORECASE)


@dataclass
class ConversationView:
    catalog: Catalog
    names: NameIndex
    shown: list[Product] = field(default_factory=list)
    """The products of the previous answer, in the order the customer saw them."""
    focus: Product | None = None
    cart: list[tuple[Product, int]] = field(default_factory=list)
    discussed: list[Product] = field(default_factory=list)
    """Products referred to earlier in the conversation (its refs), newest first."""
    said: str = ""
    """Everything the customer wrote in this conversation, this message included."""
    message: str = ""
    earlier: dict[str, str] = field(default_factory=dict)
    """The name and address the customer's earlier messages were understood to give (latest each)."""
    _named: list[Product] | None = field(default=None, repr=False)
    _named_ever: list[Product] | None = field(default=None, repr=False)

    @classmethod
    def of(
        cls,
        conversation: Conversation,
        catalog: Catalog,
        names: NameIndex,
        cart: list[tuple[Product, int]],
        message: str,
    ) -> ConversationView:
        assistant = [m for m in conversation.messages if m.role == "assistant"]
        shown: list[Product] = []
        focus: Product | None = None
        if assistant:
            shown = [p for p in (catalog.get_any(pid) for pid in assistant[-1].products) if p is not None]
        for answer in reversed(assistant[-3:]):
            products = [p for p in (catalog.get_any(pid) for pid in answer.products) if p is not None]
            if len(products) == 1:
                focus = products[0]
                break
            if products:
                break
        discussed = [p for pid in reversed(conversation.refs.values()) if (p := catalog.get_any(pid)) is not None]
        said = "\n".join([*(m.content for m in conversation.messages if m.role == "user"), message])
        earlier: dict[str, str] = {}
        for answer in assistant:  # each answer keeps the request made of the message before it
            try:
                args = json.loads(answer.context) if answer.context.startswith("{") else {}
            except ValueError:
                continue
            for key in ("name", "address"):
                if isinstance(args.get(key), str) and args[key].strip():
                    earlier[key] = args[key].strip()
        return cls(catalog, names, shown, focus, cart, discussed, said, message, earlier)

    def typed_quantity(self, product: Product) -> int | None:
        """The number the customer typed right before or after this product's name ("2 Ceramide Day
        Cream", "Ceramide Day Cream x2"), in any language; None when there is none. The 1.5B model
        read "2 Ceramide Day Cream + 1 Calendula Eye Cream" as one of each."""
        lowered = self.message.lower()
        start = lowered.find(product.name.lower())
        if start < 0:
            return None
        before = _QUANTITY_BEFORE.search(lowered[:start])
        after = re.match(r"\s*[x×]\s*(\d{1,2})(?!\d)", lowered[start + len(product.name) :])
        found = before or after
        if not found:
            return None
        said = next(group for group in found.groups() if group)
        number = int(said) if said.isdigit() else QUANTITY_WORDS[said]
        return number if 0 < number <= MAX_QUANTITY else None

    def quantity_in_words(self) -> int | None:
        """The one quantity the message says in words ("half a dozen": 6), None when it says none or
        several (then which goes with which product is the model's reading)."""
        found = {QUANTITY_WORDS[m] for m in _QUANTITY_WORDS.findall(self.message.lower())}
        return found.pop() if len(found) == 1 else None

    def gave_email(self) -> bool:
        """Whether the customer has typed an email address in this conversation."""
        return _EMAIL.search(self.said) is not None

    def for_order(self, key: str, value: str) -> str:
        """A detail of an order: as given now, else as given earlier in the customer's own words.

        Customers give their details over several messages ("I'm Tom, tom@example.com", then the
        address); each message's request holds only what it says, so the order collects them. An
        earlier value still has to be in the customer's words (a model's invention never was), and an
        email is the last one the customer typed."""
        if value:
            return value
        if key == "email":
            emails = _EMAIL.findall(self.said)
            return emails[-1] if emails else ""
        earlier = self.earlier.get(key, "")
        if earlier and self.given(earlier) and "@" not in earlier:
            return earlier
        return name_by_email(self.said) if key == "name" else ""

    # --- the note the model reads ----------------------------------------------------------------
    def note(self) -> str:
        """The context of the customer's next message, as short as it can be (each token is read)."""
        lines = []
        if self.shown:
            lines.append(
                "Just shown: " + "; ".join(f"#{i} {p.name}" for i, p in enumerate(self.shown[:SHOWN_IN_NOTE], 1))
            )
        if self.focus is not None and len(self.shown) != 1:
            lines.append(f"In focus: {self.focus.name}")
        if self.cart:
            lines.append("Cart: " + "; ".join(f"{qty} × {p.name}" for p, qty in self.cart))
        return "\n".join(lines)

    # --- resolving and validating ----------------------------------------------------------------
    def named_in_message(self) -> list[Product]:
        """The catalog products the message names in full (read once per turn: the executor asks often)."""
        if self._named is None:
            found = [self.catalog.get_any(pid) for pid in dict.fromkeys(self.names.mentions(self.message))]
            self._named = [p for p in found if p is not None]
        return self._named

    def named_by_customer(self) -> list[Product]:
        """The catalog products the customer named in full in any message of the conversation: "Com'è
        il North Star Espresso?" read as something else, then "Quanto costa?" must still mean it."""
        if self._named_ever is None:
            found = [self.catalog.get_any(pid) for pid in dict.fromkeys(self.names.mentions(self.said))]
            self._named_ever = [p for p in found if p is not None]
        return self._named_ever

    def resolve(self, item: Item) -> Product | None:
        """The product an item means, if the conversation or the customer's words support it.

        VARIANTS (issue 14): a family's members are told apart by their option values, so the member
        is chosen by one rule over `Catalog.family`, whatever the phrase: the member whose option values
        the item's words (else the message's) hold, when exactly one holds the most. "the 1 kg one" with
        the espresso in focus is its 1 kg bag; "2 of #1 ground" the ground member of the first family
        shown. With no option named, a member the conversation never held stands for the one it is on
        (in focus, in the cart, shown; a family's details mention every member): with the 1 kg bag in
        focus, "how much is a bag?" came with the family's name, was answered about its 250 g main
        product, and "add one" added it."""
        found = self._resolve(item)
        if found is None:
            return self._by_options(item.product)
        family = self.catalog.family(found)
        if len(family) < 2:
            return found
        chosen = best_member(family, item.product) or best_member(family, self.message)
        if chosen is not None:
            return chosen
        held = self._held()
        if any(p.id == found.id for p in held):
            return found  # "#2", "it": the member itself is in focus, in the cart or shown
        return next((p for p in held if p.family_id == found.family_id), found)

    def _held(self) -> list[Product]:
        """The products the conversation is on: in focus, in the cart, shown."""
        return [p for p in (self.focus, *(p for p, _ in self.cart), *self.shown) if p is not None]

    def options_named(self, product: Product) -> bool:
        """Whether the customer's message names one of `product`'s option values ("250 g")."""
        return bool(product.options) and _options_held(product, self.message) > 0

    def _by_options(self, text: str) -> Product | None:
        """An item that names no product but a member's options ("the 1 kg one", "ground"): that member
        of the families the conversation holds (in focus, shown, in the cart, discussed, named)."""
        scope = [self.focus, *self.shown, *(p for p, _ in self.cart), *self.discussed, *self.named_in_message()]
        families: dict[str, list[Product]] = {}
        for product in scope:
            if product is not None and product.family_id not in families:
                families[product.family_id] = self.catalog.family(product)
        members = [m for family in families.values() if len(family) > 1 for m in family]
        return best_member(members, text)

    def _resolve(self, item: Item) -> Product | None:
        ref = item.product.strip().lower()
        pool = self.shown or [p for p, _ in self.cart]
        position = _POSITION.match(ref)
        if position:
            index = int(position.group(1)) - 1
            return self.shown[index] if 0 <= index < len(self.shown) else None
        if ref in ("cheapest", "dearest") and pool:
            chosen = sorted(pool, key=lambda p: (p.price, p.name))
            return chosen[0] if ref == "cheapest" else chosen[-1]
        if ref == "last" and self.shown:
            return self.shown[-1]
        if ref in ("it", "this", "that", "this one", "that one", "focus"):
            return self.focus or (self.shown[0] if len(self.shown) == 1 else None)
        named = [self.catalog.get_any(pid) for pid in self.names.mentions(item.product)]
        known = [p for p in named if p is not None]
        message_named = self.named_in_message()
        for product in known:
            if product in self.shown or product in self.discussed or product in self.named_by_customer():
                return product  # named_by_customer holds this message's names too
            if any(product.id == p.id for p, _ in self.cart):
                return product
        held = self._held()
        for product in known:  # a family named by its name, one of its sizes on screen or in the cart
            member = next((p for p in held if p.family_id == product.family_id), None)
            if member is not None:
                return member
        return self._by_spelling(item.product, message_named) or self._by_words(item.product, message_named)

    def _by_spelling(self, text: str, message_named: list[Product]) -> Product | None:
        """A name the model copied with a slip of punctuation or spacing ("Bee'swax Lip Balm" for the
        Beeswax Lip Balm the customer wrote): the same letters and digits as one product the customer
        can mean."""
        squashed = letters_of(text)
        if len(squashed) < 6:
            return None
        candidates = [*message_named, *self.shown, *(p for p, _ in self.cart), *self.discussed]
        fitting = {p.id: p for p in candidates if letters_of(p.name) == squashed}
        return next(iter(fitting.values())) if len(fitting) == 1 else None

    def _by_words(self, text: str, message_named: list[Product]) -> Product | None:
        """A partial name ("the sencha") that fits exactly one product the customer can mean, and
        whose words the customer wrote."""
        words = {w for w in tokenize(text) if len(w) >= 3}
        if not words or not words <= set(tokenize(self.message) + tokenize(self.said)):
            return None
        candidates = [*message_named, *self.shown, *(p for p, _ in self.cart), *self.discussed]
        fitting = list({p.id: p for p in candidates if words <= set(tokenize(p.name))}.values())
        return fitting[0] if len(fitting) == 1 else None

    def missing_details(self, request: CustomerRequest) -> list[str]:
        """The details ("name", "address") a message that gives an email and more words left out of
        `request`; [] when the message is not one giving contact details."""
        if request.intent in ("order_status", "cancel_order", "return", "human", "policy"):
            return []  # an order's email, or a message for a person: no delivery details wanted
        if not _EMAIL.search(self.message):
            return []
        if len(tokenize(_EMAIL.sub(" ", self.message))) < MIN_DETAIL_WORDS:
            return []
        return [key for key in ("name", "address") if not getattr(request, key)]

    def order_line(self, item: Item, lines: list[dict[str, object]]) -> dict[str, object] | None:
        """The line of an order (`lines`) an item means: the product the conversation resolves, or the
        one line whose name holds every word the customer wrote for it ("the earl grey")."""
        product = self.resolve(item)
        by_id = {str(line["productId"]): line for line in lines}
        if product is not None and product.id in by_id:
            return by_id[product.id]
        words = {w for w in tokenize(item.product) if len(w) >= 3}
        fitting = [line for line in lines if words and words <= set(tokenize(str(line["name"])))]
        return fitting[0] if len(fitting) == 1 else None

    def given(self, value: str) -> bool:
        """Whether the customer wrote `value` (all its words, in any spacing or case). An email's words
        do not count: "carol@example.com" does not give the name "Carol"."""
        words = tokenize(value)
        if not words:
            return False
        said = set(tokenize(_EMAIL.sub(" ", self.said)))
        return all(w in said for w in words)

    def validate(self, request: CustomerRequest) -> CustomerRequest:
        """Drop what the customer did not give: details not in their words, order numbers not typed."""
        emails = _EMAIL.findall(self.said)
        if request.email and request.email.lower() not in (e.lower() for e in emails):
            request.email = ""
        if not request.email:  # an email in the message is the customer's, whatever the intent
            in_message = _EMAIL.findall(self.message)
            request.email = in_message[-1] if in_message else ""
        for key in ("name", "address"):
            value = getattr(request, key)
            if value and (not self.given(value) or "@" in value):
                setattr(request, key, "")
        request.name = request.name or name_by_email(self.message)
        typed = [normalize_order_id(m) for m in _ORDER_ID.findall(self.said)]
        typed_ids = [t for t in typed if t]
        wanted = normalize_order_id(request.order_id) if request.order_id else None
        if wanted not in typed_ids:
            wanted = None
        if wanted is None and request.intent in ("order_status", "cancel_order", "return") and typed_ids:
            wanted = typed_ids[-1]
        request.order_id = wanted or ""
        # A price bound is a number the customer typed: a small model copies its example's "below 10"
        # into requests that name no price at all. Not a percentage, nor a number in a product's name
        # ("Dark Chocolate 55% Ginger" came with a cap of 55).
        typed_numbers = {Decimal(n.replace(",", ".")) for n in _NUMBER.findall(self._unnamed(self.said))}
        if request.max_price is not None and request.max_price not in typed_numbers:
            request.max_price = None
        if request.min_price is not None and request.min_price not in typed_numbers:
            request.min_price = None
        return request

    def _unnamed(self, text: str) -> str:
        """`text` without the product names it holds and without percentages."""
        return PERCENTAGE.sub(" ", self.names.without_names(text))


def name_by_email(text: str) -> str:
    """The name `text` writes out as its email's first part ("I'm Tom Baker and my email is
    tom.baker@example.com"), "" when it does not. The 1.5B model left out "Tom Baker" and "Priya Shah"
    from such messages, asked once more too (dev seed 53), and the customers were asked for the name
    they had just given; the name is still the customer's own words (as they wrote it)."""
    plain = _EMAIL.sub(" ", text)
    for email in reversed(_EMAIL.findall(text)):
        parts = [p for p in re.split(r"[._-]+", email.split("@")[0]) if p.isalpha()]
        if len(parts) < 2:
            continue
        found = re.search(r"\b" + r"\s+".join(re.escape(p) for p in parts) + r"\b", plain, re.IGNORECASE)
        if found:
            return found.group()
    return ""


def best_member(members: list[Product], text: str) -> Product | None:
    """VARIANTS: the one member whose option values `text` holds the most of (None: none, or a tie)."""
    scored = [(held, member) for member in members if (held := _options_held(member, text))]
    if not scored:
        return None
    best = max(held for held, _ in scored)
    chosen = {member.id: member for held, member in scored if held == best}
    return next(iter(chosen.values())) if len(chosen) == 1 else None


def _options_held(product: Product, text: str) -> int:
    """How many of `product`'s option values `text` holds: every word of the value ("1 kg"), or the
    value written as one word ("1kg")."""
    words = set(tokenize(text))
    held = 0
    for value in product.options.values():
        parts = tokenize(value)
        if parts and (set(parts) <= words or "".join(parts) in words):
            held += 1
    return held


def letters_of(text: str) -> str:
    """Only the letters and digits of `text`, lower-cased: how two spellings of one name are compared."""
    return "".join(ch for ch in normalize(text) if ch.isalnum())
