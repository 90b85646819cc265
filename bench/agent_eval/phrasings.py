"""The message templates: per intent, at least five English phrasings in different styles and several in
es / fr / de / it / pt, written by hand to read like real customers (and owners). They are data, in
bench/agent_eval/data/phrasings.json (one list per intent), read and checked once at import the way
the demo reads its word lists (demo.vocabulary): a better sentence should not mean editing code.

Why templates with slots and not finished messages: the products, prices, caps, suppliers and
customers are drawn from the live catalog when the bench runs (see `scenarios`), so no rule in the
agent can name them; only the wording is fixed. A template is the unit of the dev / test split:
all conversations drawn from one template land on the same side, so tuning on dev never shows the
agent a test phrasing.

Styles: terse (a few words), typo (misspelt, lower case), polite (long and courteous), mixed (casual,
emoji, shorthand), buried (the request in the middle of unrelated chatter). A few templates follow a
flow of their own (a correction before the yes, a one-shot purchase, a missing address, a "not yet",
a lookup in two turns, someone else's order); their `variant` names it and is part of the id.

Slots: {what} a shelf ("green tea"), {need} a constraint ("decaf coffee"), {under} / {cap} a price cap,
{product} {a} {b} product names, {name} {email} {address} the customer's details, {order_id},
{other_email}, {supplier}. `params` say what the wording means (which ordinal, how many) so the checks
know what to expect; in the file they are the template's keys besides lang, style, variant and turns.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from demo.vocabulary import Vocabulary, VocabularyError


@dataclass(frozen=True)
class Phrasing:
    intent: str
    lang: str
    style: str
    turns: tuple[str, ...]
    params: dict[str, Any] = field(default_factory=dict, hash=False)
    variant: str = ""

    @property
    def id(self) -> str:
        """The template id (intent/lang/style[-variant]): the unit of the dev / test split."""
        return f"{self.intent}/{self.lang}/{self.style}" + (f"-{self.variant}" if self.variant else "")


CUSTOMER_INTENTS = (
    "find", "constraint", "reference", "follow-up", "multi-item", "compare", "sold-out", "policy", "haggle",
    "off-topic", "injection", "injection-planted", "order", "order-lookup",
)  # fmt: skip
OWNER_INTENTS = ("owner-reorder-supplier", "owner-runout", "owner-injection")
INTENTS = CUSTOMER_INTENTS + OWNER_INTENTS

DATA = "bench/agent_eval/data/phrasings.json"


def load_phrasings() -> tuple[Phrasing, ...]:
    """Every template in the file, intent by intent in INTENTS order; a wrong shape (an intent missing or
    unknown, a template without turns, a number where words belong) fails here, naming the entry."""
    path = Path(__file__).with_name("data") / "phrasings.json"
    vocabulary = Vocabulary(DATA, json.loads(path.read_text(encoding="utf-8")))
    unknown = set(vocabulary.content) - set(INTENTS)
    if unknown:
        raise VocabularyError(f"{DATA}: unknown intents {sorted(unknown)}")
    return tuple(phrasing for intent in INTENTS for phrasing in vocabulary.records(intent, _template(intent)))


def _template(intent: str) -> Callable[..., Phrasing]:
    """Builds one template of `intent` from its entry; keys other than lang, style, turns and variant are params."""

    def build(lang: str, style: str, turns: tuple[str, ...], variant: str = "", **params: Any) -> Phrasing:
        words = (lang, style, *turns) if isinstance(turns, tuple) and turns else ()
        if not words or not all(isinstance(word, str) and word for word in words) or not isinstance(variant, str):
            raise TypeError("lang, style and every turn must be non-empty strings, with at least one turn")
        return Phrasing(intent, lang, style, turns, params, variant)

    return build


PHRASINGS = load_phrasings()


def by_intent() -> dict[str, list[Phrasing]]:
    grouped: dict[str, list[Phrasing]] = {intent: [] for intent in INTENTS}
    for phrasing in PHRASINGS:
        grouped[phrasing.intent].append(phrasing)
    return grouped
