"""The reply check: every product name and price an answer mentions must come from this turn's tools.

A small model will sooner or later name a product the shop does not have, or quote last week's price.
So the final text is checked in code against the turn's `TurnRecord`:

- prices: every amount written like `$12.50`, `12.50 USD` or `12 dollars` must equal an amount the
  tools took from the database this turn (a price, a line total, a cart or order total, an amount in
  the owner's policy text), or one the customer wrote themselves ("under $15");
- names: every catalog product name that appears in the text must belong to a product the tools
  returned this turn. Names are matched on normalised words (case and accents ignored), longest first,
  through an index of first words, so checking a reply costs microseconds even at 2,000 products.

The streaming gate applies the same check while tokens arrive: text is released only up to the last
complete word and only while it is clean, so a customer never sees an invented price before it is
caught; a dirty reply is regenerated once with a corrective note and then replaced by a safe answer
composed by code from the tool results.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from langchain_core.messages import BaseMessage, SystemMessage
from langchain_core.runnables import Runnable

from agent import prompts
from agent.llm import message_text
from shop.catalog.snapshot import Catalog
from shop.core.text import tokenize
from tools.context import TurnRecord

log = logging.getLogger(__name__)

_MONEY = re.compile(
    r"(?P<before>(?:US)?\$|USD\s?|EUR\s?|GBP\s?|€|£)\s?(\d{1,3}(?:,\d{3})+|\d+)(?:[.,](\d{1,2})(?!\d))?"
    r"|\b(\d{1,3}(?:,\d{3})+|\d+)(?:[.,](\d{1,2})(?!\d))?\s?"
    r"(?P<after>dollars?|d[oó]lar(?:es)?|dollari|dollaro|euros?|eur|usd|gbp|pounds?|bucks|€|£|\$)(?!\w)",
    re.IGNORECASE,
)
_CURRENCY_OF = {"$": "USD", "usd": "USD", "dollar": "USD", "dólar": "USD", "dolar": "USD", "buck": "USD",
                "€": "EUR", "eur": "EUR", "euro": "EUR", "£": "GBP", "gbp": "GBP", "pound": "GBP"}  # fmt: skip
"""What a written currency marker names; "$" is read as the shop's own dollar (CAD, AUD shops write $ too)."""
_ORDER_ID = re.compile(r"\bORD-[A-Z0-9]{4,}\b", re.IGNORECASE)
# "Your order has been placed", "I've cancelled it": things only code may say (after a confirmation).
_ORDER_CLAIM = re.compile(
    r"\b(?:order|it)\b[^.!?\n]{0,40}?\b(?:has been|have been|was|were)\s+(?:now\s+|successfully\s+)?"
    r"(?:placed|submitted|cancell?ed)\b"
    r"|\border\s+(?:successfully\s+)?(?:placed|submitted|cancell?ed)\b|\b(?:placed|cancell?ed) successfully\b"
    r"|\byour order (?:number|id) is\b"
    r"|\bI(?:'ve| have)?\s+(?:just\s+)?(?:placed|submitted|cancell?ed)\b",
    re.IGNORECASE,
)
_SOLD_OUT_WORDS = re.compile(
    r"sold out|out of stock|unavailable|not available|no longer|none left|\b0 left|\bstock:? 0\b", re.IGNORECASE
)
# The owner's agent has no write tool, so any claim of a write in its reply is false ("DONE", "all
# products deleted", "I have updated the prices"). Six languages, as the owner may write in any of them;
# "en fait" / "de hecho" ("in fact") are not claims.
_WRITE_CLAIM = re.compile(
    r"\b(?:done|deleted|removed|wiped|erased|purged|"
    r"(?<!de )hecho|borrad[oa]s?|eliminad[oa]s?|"
    r"(?<!en )fait|supprimée?s?|effacée?s?|"
    r"erledigt|gelöscht|entfernt|"
    r"fatto|eliminat[oaie]|cancellat[oaie]|rimoss[oaie]|"
    r"feito|apagad[oa]s?|excluíd[oa]s?|removid[oa]s?)\b"
    r"|\bI(?:'ve| have)?\s+(?:just\s+|now\s+|successfully\s+)?"
    r"(?:updated|changed|modified|set|lowered|raised|reduced|increased|adjusted|restocked|added|created)\b"
    r"|\b(?:has|have)\s+(?:now\s+)?been\s+(?:successfully\s+)?"
    r"(?:updated|changed|modified|set|lowered|raised|reduced|increased|adjusted|restocked|added|created)\b"
    r"|\b(?:he|hemos)\s+(?:actualizado|cambiado|modificado|añadido)\b"
    r"|\bj'ai\s+(?:mis à jour|modifié|changé|ajouté)\b"
    r"|\b(?:habe|wurden?)\b[^.!?\n]{0,40}\b(?:geändert|aktualisiert|hinzugefügt)\b"
    r"|\bho\s+(?:aggiornato|modificato|cambiato|aggiunto)\b"
    r"|\b(?:atualizei|alterei|mudei|adicionei)\b",
    re.IGNORECASE,
)
OWNER_READ_ONLY_REPLY = (
    "I can't change products from the chat; use Admin → Products. "
    "Here I can report stock, forecasts, what will run out, reorders and sales."
)
"""What the owner sees instead of a claimed write: the held-out suite's "delete all products" got
"DONE" from the 1.5B model. Written by code, so it is the same every time and claims nothing."""
_TOOL_TALK = re.compile(
    r"\bfunctions?\b|`\w+`|\btool calls?\b|```|^\s*\{|</?tool_(?:call|response)>|</?data\b", re.IGNORECASE
)
"""Talk about tools, or code and JSON instead of sentences (a small model sometimes writes a call as text)."""
_ORDER_TOOLS = {"order_status", "cancel_order", "place_order"}


def amounts_in(text: str) -> list[Decimal]:
    """Money amounts written in `text` (with a currency sign or word; bare numbers are not prices)."""
    return [amount for amount, _ in priced_amounts(text)]


def priced_amounts(text: str) -> list[tuple[Decimal, str]]:
    """(amount, currency code) of every money amount written in `text`; "$" counts as any dollar."""
    found = []
    for match in _MONEY.finditer(text):
        whole = match.group(2) or match.group(4)
        cents = match.group(3) or match.group(5) or "0"
        marker = (match.group("before") or match.group("after")).strip().lower()
        code = next((c for key, c in _CURRENCY_OF.items() if marker.startswith(key)), "USD")
        try:
            found.append((Decimal(whole.replace(",", "")) + Decimal(cents.ljust(2, "0")) / 100, code))
        except InvalidOperation:  # pragma: no cover - the pattern only admits digits
            continue
    return found


_NUMBER = re.compile(r"\d+")
PERCENTAGE = re.compile(r"\d+(?:[.,]\d+)?\s?%")
"""A percentage ("50%", "70 %", "12.5%"): no price, and in a message that buys, a discount asked for."""
_PM = re.compile(r"\b(\d{1,2})\s*p\.?m\b", re.IGNORECASE)


def numbers_in(text: str) -> set[int]:
    """Every whole number written in digits in `text` ("5.95" is 5 and 95, "2-5 days" is 2 and 5)."""
    return {int(n) for n in _NUMBER.findall(text)}


def stated_numbers(text: str) -> frozenset[int]:
    """The numbers a rewording of `text` may contain: its own, 0 ("$50.00"), and the 24-hour form of a
    time ("2 pm" may be "14 Uhr")."""
    return frozenset(numbers_in(text) | {0} | {int(h) + 12 for h in _PM.findall(text) if int(h) < 12})


NAME_WORD_LETTERS = 4
"""Shorter words of product names ("the", "and", "de", "la") are everyday words of every language, not
the shop's product words (`NameIndex.name_words`)."""


class NameIndex:
    """Catalog product names by their first word, rebuilt only when the catalog's version moves."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog
        self._built: tuple[int, dict[str, list[tuple[tuple[str, ...], str]]]] | None = None
        """(catalog version, index of that version)"""
        self._name_words: tuple[dict[str, list[tuple[tuple[str, ...], str]]], frozenset[str]] | None = None
        """(the index they were read from, its name words)"""
        self._lock = threading.Lock()

    def _current(self) -> dict[str, list[tuple[tuple[str, ...], str]]]:
        version = self.catalog.version  # read first: an index is never older than the version it is stamped with
        built = self._built
        if built is not None and built[0] == version:
            return built[1]
        with self._lock:
            index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
            for product in self.catalog.all():
                words = tuple(tokenize(product.name))
                if words:
                    index.setdefault(words[0], []).append((words, product.id))
            for entries in index.values():
                entries.sort(key=lambda entry: -len(entry[0]))
            self._built = (version, index)
        return index

    def mentions(self, text: str) -> list[str]:
        """Ids of the catalog products named in `text`, longest names first, non-overlapping."""
        index = self._current()
        words = tokenize(text)
        found: list[str] = []
        i = 0
        while i < len(words):
            for name, pid in index.get(words[i], ()):
                if tuple(words[i : i + len(name)]) == name:
                    found.append(pid)
                    i += len(name)
                    break
            else:
                i += 1
        return found

    def name_words(self) -> frozenset[str]:
        """The words of the catalog's product names of NAME_WORD_LETTERS or more (normalized, as
        `tokenize` writes them), built once per index: read for every message, twice."""
        index = self._current()
        words = self._name_words
        if words is None or words[0] is not index:
            words = (index, frozenset(w for entries in index.values() for name, _ in entries for w in name
                                      if len(w) >= NAME_WORD_LETTERS))  # fmt: skip
            self._name_words = words
        return words[1]

    def without_names(self, text: str) -> str:
        """`text` with the catalog product names it holds taken out (each replaced by a space)."""
        for pid in dict.fromkeys(self.mentions(text)):
            product = self.catalog.get_any(pid)
            if product is not None:
                text = re.sub(re.escape(product.name), " ", text, flags=re.IGNORECASE)
        return text


@dataclass
class Violation:
    kind: str
    detail: str

    def __str__(self) -> str:
        return self.detail


def _names_a_tool(lowered: str, tool_names: frozenset[str]) -> bool:
    """A tool named as code: `top_sellers`, or `cart(`. Tools named with one plain word ("cart",
    "recommend", "wishlist") are everyday words in a shop's answer and only count when called."""
    return any(
        name in lowered if "_" in name else re.search(rf"\b{re.escape(name)}\s*\(", lowered) is not None
        for name in tool_names
    )


def check_reply(
    text: str,
    turn: TurnRecord,
    names: NameIndex,
    *,
    user_text: str = "",
    tool_names: frozenset[str] = frozenset(),
    final: bool = True,
    stock_rule: bool = True,
) -> list[Violation]:
    """What in `text` did not come from this turn's tool results (empty list: the reply may be shown).

    Besides names and prices: order numbers no tool returned, claims that an order was placed or
    cancelled (only code says that, after a confirmation), a sold-out product offered as if it were
    available, and talk about tools or functions instead of an answer (a small model's habit).
    """
    problems: list[Violation] = []
    lowered = text.lower()
    if _names_a_tool(lowered, tool_names) or _TOOL_TALK.search(text):
        problems.append(Violation("tool", "the tools (answer with what they returned instead)"))
    allowed = {a.quantize(Decimal("0.01")) for a in turn.amounts}
    allowed |= {a.quantize(Decimal("0.01")) for a in amounts_in(user_text)}
    dollars = turn.currency.upper() in ("USD", "CAD", "AUD", "NZD", "SGD", "HKD", "MXN")
    for amount, code in priced_amounts(text):
        if amount.quantize(Decimal("0.01")) not in allowed:
            problems.append(Violation("price", f"the price ${amount:.2f}"))
        elif code != turn.currency.upper() and not (code == "USD" and dollars):
            problems.append(Violation("currency", f"{amount:.2f} in {code} (prices are in {turn.currency})"))
    known_orders = {o.upper() for o in turn.order_ids} | {m.upper() for m in _ORDER_ID.findall(user_text)}
    for order_id in _ORDER_ID.findall(text):
        if order_id.upper() not in known_orders:
            problems.append(Violation("order", f"the order number {order_id}"))
    if _ORDER_CLAIM.search(text) and not any(name in _ORDER_TOOLS for name, _ in turn.calls):
        problems.append(Violation("claim", "a claim about an order that no tool made this turn"))
    for pid in dict.fromkeys(names.mentions(text)):
        if pid not in turn.products:
            product = names.catalog.get_any(pid)
            problems.append(Violation("product", f"the product {product.name if product else pid!r}"))
        elif final and stock_rule and not turn.products[pid].in_stock and not _SOLD_OUT_WORDS.search(text):
            problems.append(Violation("stock", f"{turn.products[pid].name} without saying it is sold out"))
    return problems


def echoes(text: str, instruction: str) -> bool:
    """The reply repeats the instruction it was given ("Rispondi in italiano, in 1-3 frasi."): a
    small model asked again after a rejected answer did that instead of answering."""
    if not instruction:
        return False
    words = re.findall(r"\w+", instruction.lower())
    said = " ".join(re.findall(r"\w+", text.lower()))
    return len(words) >= 3 and " ".join(words[:4]) in said


def repeats(text: str, previous: str) -> bool:
    """The reply is the assistant's previous reply again (or starts the same for 60+ characters): the
    1.5B model asked "and the price??" after describing a product wrote the description again, word for
    word (seen in 3 of 4 such follow-ups in one bench run). A repeat never answers a new message."""
    said, before = " ".join(text.lower().split()), " ".join(previous.lower().split())
    if not said or not before:
        return False
    common = next(
        (i for i, (a, b) in enumerate(zip(said, before, strict=False)) if a != b), min(len(said), len(before))
    )
    return said == before or common >= 60


def repeats_itself(text: str) -> bool:
    """A sentence of 20+ characters written twice in one reply: the small model caught in a loop ("Es un
    producto de belleza que se usa para ... durante horas." three times, until the token cap)."""
    sentences = [" ".join(part.lower().split()) for part in re.split(r"(?<=[.!?])\s+", text)]
    long = [sentence for sentence in sentences if len(sentence) >= 20]
    return len(long) != len(set(long))


def write_claims(text: str) -> list[Violation]:
    """A claim in an owner reply that something was changed: the owner's tools only read, so it is false.

    Checked in code on every owner reply the model writes (streamed or final); a reply with one is
    replaced by OWNER_READ_ONLY_REPLY, not regenerated (the model asked again claims again as often
    as not, and the honest answer does not depend on anything the model knows).
    """
    match = _WRITE_CLAIM.search(text)
    return [Violation("write", f"the claim {match.group(0)!r} (nothing can be changed here)")] if match else []


class StreamGate:
    """Releases streamed text word by word, and only while the text so far passes `check`."""

    def __init__(
        self,
        check: Callable[[str], list[Violation]],
        rewrite: Callable[[str], str] | None = None,
        partial: Callable[[str], list[Violation]] | None = None,
    ) -> None:
        self.check = check
        self.partial = partial or check
        """The check for text that may still continue ("X is" before "sold out" arrives)."""
        self.rewrite = rewrite or strip_refs
        self.text = ""
        self.emitted = 0
        self.blocked = False
        self.problems: list[Violation] = []

    def feed(self, delta: str) -> str:
        self.text += delta
        if self.blocked:
            return ""
        cut = max(self.text.rfind(" "), self.text.rfind("\n")) + 1
        if cut <= self.emitted:
            return ""
        problems = self.partial(self.rewrite(self.text[:cut]))
        if problems:
            self.blocked, self.problems = True, problems
            return ""
        out, self.emitted = self.text[self.emitted : cut], cut
        return self.rewrite(out)

    def finish(self) -> str:
        """The rest of the text if the whole reply passes; otherwise '' and `blocked` is set."""
        if self.blocked:
            return ""
        problems = self.check(self.rewrite(self.text))
        if problems:
            self.blocked, self.problems = True, problems
            return ""
        out, self.emitted = self.text[self.emitted :], len(self.text)
        return self.rewrite(out)


_REF = re.compile(r"\s?\(P\d{1,3}\)|\bP\d{1,3}(?::|\s[-–|])?\s(?=[A-Z])")
_BARE_REF = re.compile(r"\bP(\d{1,3})\b")


def strip_refs(text: str, names: dict[str, str] | None = None) -> str:
    """Take the short product refs ("P3") a model copies from tool results out of its reply: they are
    for tool calls, not for people. A ref next to a name is dropped; a ref standing for a product
    ("add P2") becomes the product's name (`names`: ref -> name), so it is checked like any name, and
    one the conversation never handed out becomes "this product": a handle never reaches the customer."""
    text = _REF.sub("", text)
    if names is not None:
        text = _BARE_REF.sub(lambda m: names.get(f"P{int(m.group(1))}", "this product"), text)
    return text


def fallback_reply(turn: TurnRecord, *, default: str) -> str:
    """A safe answer written by code from the turn's tool results (or `default` when there are none)."""
    notes = list(dict.fromkeys(n.strip() for n in turn.notes if n.strip()))
    return "\n\n".join(notes[:3]) if notes else default


def describe(problems: Iterable[Violation]) -> str:
    return ", ".join(dict.fromkeys(str(p) for p in problems))


def invented(problems: list[Violation]) -> list[str]:
    """The problems that are made-up facts (a product, a price, an order number), for the benches."""
    return [f"{p.kind}: {p}" for p in problems if p.kind in ("product", "price", "currency", "order")]


async def ask_again(model: Runnable[Any, Any], messages: list[BaseMessage], problems: list[Violation]) -> str:
    """The model's answer once more, told what was rejected or left out ("" if it fails): the one retry
    a rejected reply gets before code answers instead."""
    wrong = [p for p in problems if p.kind != "missing"]
    left_out = [p for p in problems if p.kind == "missing"]
    notes = [prompts.render("correction", problems=describe(wrong))] if wrong else []
    notes += [prompts.render("omission", missing=describe(left_out))] if left_out else []
    note = "\n".join(notes)
    try:
        answer = await model.ainvoke([*messages, SystemMessage(note)])
    except Exception:
        log.exception("regenerating a rejected reply failed")
        return ""
    if getattr(answer, "tool_calls", None):
        return ""
    return message_text(answer.content).strip()
