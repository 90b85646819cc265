"""Do the owner's policy texts say what the shipping & tax configuration does?

The policy files (docs/policies/*.md, Settings.policies_dir) are what customers read and what the
assistant quotes; CommerceConfig is what checkout charges and what return decisions use. When the
owner changes one and not the other, a customer is promised "free over $50" and charged shipping at
$45. `policy_problems` compares them, one general check used by the test suite
(tests/shop/shipping/test_policy_numbers.py) and the admin's Shipping & tax page (a warning):

- every method of the home zone: its price ("<Name> shipping is $X" / "costs $X"), its free-over
  amount ("free on orders of $X or more") and its delivery days ("<Name> delivery takes N-M working
  days") must be stated, and each statement must match;
- every dollar amount in the shipping policy must be one the configuration holds;
- the return windows: each "unopened ... within N days" and "tell us within N days" (damage);
- tax: the payment policy says prices "include" sales tax exactly when `prices_include_tax`.
A fact the text no longer states in a recognisable way is a problem too (it is either gone, which
the customer should know, or reworded, and the check must be told).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from shop.shipping.config import CommerceConfig

POLICY_TOPICS = ("shipping", "returns", "payment", "privacy", "terms")
"""The policy pages the storefront shows (/policies/<topic>), in footer order."""

_AMOUNT = r"\$\s?(\d{1,6}(?:,\d{3})*(?:\.\d{2})?)"
_DAYS = r"(\d{1,3})\s*(?:-|–|to)\s*(\d{1,3}) working days"


def read_policies(directory: Path) -> dict[str, str]:
    """The policy files' texts by topic (file name without .md); missing ones are absent."""
    if not directory.is_dir():
        return {}
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(directory.glob("*.md"))}


def _amount(text: str) -> Decimal | None:
    try:
        return Decimal(text.replace(",", "")).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None


def _flat(text: str) -> str:
    """One line per paragraph, single spaces: a sentence broken over two lines still matches."""
    return re.sub(r"[ \t]*\n(?!\n)[ \t]*", " ", text)


@dataclass(frozen=True)
class Fact:
    """A number the configuration holds and a policy text states: `pattern` finds each statement
    (its groups are the numbers), `expected` gives the configuration's numbers in the same order."""

    topic: str
    what: str
    pattern: str
    expected: Callable[[CommerceConfig], tuple[Decimal, ...] | None]


def _facts(config: CommerceConfig) -> list[Fact]:
    facts: list[Fact] = []
    zone = config.home_zone
    for method in zone.methods if zone else []:
        name = re.escape(method.name)
        if method.price > 0:
            facts.append(
                Fact(
                    "shipping",
                    f"the {method.name} shipping rate",
                    rf"\b{name} shipping (?:is|costs) {_AMOUNT}",
                    lambda c, m=method: (m.price,),
                )
            )
        if method.free_over is not None:
            facts.append(
                Fact(
                    "shipping",
                    f"the free-shipping threshold of {method.name} shipping",
                    rf"\b{name} shipping(?:[^.]|\.\d)*?free on orders (?:of|over|above) {_AMOUNT}",
                    lambda c, m=method: (m.free_over,),
                )
            )
        days = method.delivery_days
        facts.append(
            Fact(
                "shipping",
                f"the delivery days of {method.name} shipping",
                rf"\b{name} delivery takes {_DAYS}",
                lambda c, d=days: (Decimal(d.min), Decimal(d.max)),
            )
        )
    facts.append(
        Fact(
            "returns",
            "the return window for unopened items",
            r"unopened[^.]*?within (\d{1,3}) days",
            lambda c: (Decimal(c.returns_unopened_days),),
        )
    )
    facts.append(
        Fact(
            "returns",
            "the time to report damaged or wrong items",
            r"tell us within (\d{1,3}) days",
            lambda c: (Decimal(c.returns_damaged_days),),
        )
    )
    return facts


def policy_problems(config: CommerceConfig, texts: dict[str, str]) -> list[str]:
    """Every way the policy texts and the configuration disagree, as sentences for the owner; [] if none."""
    problems: list[str] = []
    for fact in _facts(config):
        text = texts.get(fact.topic)
        if text is None:
            problems.append(f"There is no {fact.topic} policy file to state {fact.what}.")
            continue
        expected = fact.expected(config)
        found = list(re.finditer(fact.pattern, _flat(text), re.IGNORECASE))
        if not found:
            problems.append(f"The {fact.topic} policy does not state {fact.what} ({_say(expected)}).")
        for match in found:
            stated = tuple(_amount(group) for group in match.groups())
            if expected is not None and stated != tuple(e.quantize(Decimal("0.01")) for e in expected):
                problems.append(
                    f"The {fact.topic} policy says {match.group(0)!r}, but {fact.what} is {_say(expected)}."
                )
    problems.extend(_stray_amounts(config, texts.get("shipping", "")))
    problems.extend(_tax_statement(config, texts.get("payment")))
    return problems


def _say(numbers: Iterable[Decimal] | None) -> str:
    if numbers is None:
        return "not set"
    values = [str(int(n)) if n == n.to_integral_value() else f"{n:.2f}" for n in numbers]
    return "-".join(values)


def _stray_amounts(config: CommerceConfig, text: str) -> list[str]:
    """Any dollar amount in the shipping policy that no method of any zone has (price, per kg, free over)."""
    known = {
        amount.quantize(Decimal("0.01"))
        for zone in config.zones
        for method in zone.methods
        for amount in (method.price, method.per_kg, method.free_over)
        if amount is not None
    }
    stray = []
    for match in re.finditer(_AMOUNT, text):
        amount = _amount(match.group(1))
        if amount is not None and amount not in known:
            stray.append(f"The shipping policy mentions ${amount}, which is no rate or threshold of the configuration.")
    return stray


def _tax_statement(config: CommerceConfig, text: str | None) -> list[str]:
    if text is None:
        return ["There is no payment policy file to say how sales tax is charged."]
    flat = _flat(text)
    # "prices ... include ... tax" with no "not" between ("prices do not include sales tax" is the opposite)
    includes = re.search(r"prices(?:(?!\bnot\b)[^.])*\binclude\b[^.]*\btax\b", flat, re.IGNORECASE) is not None
    added = re.search(r"\btax\b[^.]*\badded\b", flat, re.IGNORECASE) is not None
    if config.prices_include_tax and not includes:
        return ["Prices are set to include tax, but the payment policy does not say that prices include tax."]
    if not config.prices_include_tax and (includes or not added):
        return ["Tax is added at checkout, but the payment policy does not say so (or says prices include it)."]
    return []
