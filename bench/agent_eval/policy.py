"""Facts read from the shop's policy files, so policy answers are checked against the text the owner wrote.

Why read them instead of writing "30 days" into the checks: the owner edits docs/policies/*.md (a
return window, a delivery time); a bench with the numbers baked in would then fail a correct assistant
and pass a stale one. Each fact is found by a pattern in the section it belongs to; when the text no
longer says it in a recognisable way, `PolicyFacts.load` raises, naming the fact, instead of checking
against a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

DAY_WORDS = r"(?:working |business )?(?:days?|días?|dias?|jours?|tage?n?|werktage?n?|giorni|giorno|dí?as? (?:hábiles|úteis|laborables))"


class PolicyFactsError(ValueError):
    """A policy file no longer states a fact the bench checks answers against."""


def _sections(directory: Path) -> dict[str, str]:
    """Map "file/Section title" to the section text, for every `## ` section of every policy file."""
    out: dict[str, str] = {}
    for path in sorted(directory.glob("*.md")):
        title = None
        lines: list[str] = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("## "):
                if title is not None:
                    out[f"{path.stem}/{title}"] = "\n".join(lines)
                title, lines = line[3:].strip(), []
            elif title is not None:
                lines.append(line)
        if title is not None:
            out[f"{path.stem}/{title}"] = "\n".join(lines)
    return out


@dataclass(frozen=True)
class PolicyFacts:
    return_days: int
    """Unopened items: returned within this many days."""
    opened_returnable: bool
    """Whether opened food, tea and coffee can be returned (the demo shop: no, unless damaged)."""
    damaged_days: int
    """Damaged or wrong items: report within this many days."""
    refund_days: int
    """Refunds reach the original payment method within this many (working) days."""
    delivery_days: tuple[int, int]
    """Standard delivery: this range of working days."""
    free_shipping: bool
    """Shipping is free on every order (the costs section says free and names no price)."""
    day_numbers: frozenset[int]
    """Every number of days any policy states (an answer may quote no other)."""
    text: str

    @classmethod
    def load(cls, directory: Path) -> PolicyFacts:
        sections = _sections(directory)
        text = "\n".join(sections.values())

        def section(file: str, *words: str) -> str:
            for key, body in sections.items():
                name, title = key.split("/", 1)
                if name == file and all(w in title.lower() for w in words):
                    return body
            raise PolicyFactsError(f"no section {' '.join(words)!r} in {file}.md")

        def number(pattern: str, body: str, fact: str) -> re.Match[str]:
            match = re.search(pattern, body, re.IGNORECASE)
            if match is None:
                raise PolicyFactsError(f"the policy text no longer states {fact}")
            return match

        returning = section("returns", "return")
        return_days = int(number(r"unopened[^.]*?within (\d+) days", returning, "the return window").group(1))
        opened = re.search(r"opened[^.]*cannot be returned", returning, re.IGNORECASE) is None
        damaged = section("returns", "damaged")
        damaged_days = int(number(r"within (\d+) days", damaged, "when to report damage").group(1))
        refund_days = int(
            number(r"within (\d+) (?:working )?days", section("returns", "refund"), "refund time").group(1)
        )
        where = section("shipping", "long")
        low, high = number(r"(\d+)\s*[-–]\s*(\d+) working days", where, "the delivery time").groups()
        costs = section("shipping", "cost")
        # Free on every order only when the costs section names no price ("$5.95, free on orders of
        # $50.00 or more" is a paid rate with a threshold: issue 14's shipping rates).
        free = re.search(r"\bfree\b", costs, re.IGNORECASE) is not None and re.search(r"\$\s?\d", costs) is None
        # Both ends of a range count ("Express delivery takes 1-2 working days" states 1 as well as 2).
        stated = re.findall(r"(\d+)(?:\s*[-–]\s*(\d+))?\s+(?:working )?days", text)
        days = {int(n) for pair in stated for n in pair if n} | {int(low), int(high)}
        return cls(return_days, opened, damaged_days, refund_days, (int(low), int(high)), free, frozenset(days), text)

    def days_quoted(self, reply: str) -> list[int]:
        """Numbers of days a reply states ("30 days", "14 días", "2-5 Werktage": 2 and 5)."""
        found: list[int] = []
        for match in re.finditer(
            rf"(\d+)(?:\s*(?:-|–|to|a|à|bis|e|y|al?)\s*(\d+))?\s+{DAY_WORDS}", reply, re.IGNORECASE
        ):
            found.extend(int(g) for g in match.groups() if g)
        return found

    def states_range(self, reply: str) -> bool:
        """The reply gives the delivery time: "2-5", "2 to 5", "2 a 5", "2 à 5", "2 bis 5", "da 2 a 5"."""
        low, high = self.delivery_days
        return (
            re.search(rf"\b{low}\s*(?:-|–|to|a|à|bis|e|y|al|and|und|et)\s*{high}\b", reply, re.IGNORECASE) is not None
        )
