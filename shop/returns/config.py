"""Where the returns code reads the shop's return windows and which categories take opened items back.

The windows (days after delivery) are the numbers docs/policies/returns.md states: 30 for an unopened
item, 14 to report a damaged or wrong one. They belong to the owner's commerce configuration
(`CommerceConfig.returns_unopened_days` / `returns_damaged_days`, shop.shipping, built in parallel
with this package). Until that is merged, `return_windows` answers with the same defaults; it is the
ONE place the returns code reads them, so the merge repoints this function and nothing else:

    def return_windows(config: CommerceConfig) -> ReturnWindows:
        return ReturnWindows(config.returns_unopened_days, config.returns_damaged_days)

Whether an opened item may come back is per category (`Category.opened_returns`, the categories file's
`openedReturns`), not a list of names in code: a bookshop says yes for books, the demo shop's coffee,
tea, food and creams say no for hygiene reasons. The default is no, because the policy text promises
returns of *unopened* items; a category that takes opened items back says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shop.catalog.categories import Category

UNOPENED_DAYS = 30
DAMAGED_DAYS = 14


@dataclass(frozen=True)
class ReturnWindows:
    unopened_days: int = UNOPENED_DAYS
    """Days after delivery within which an unopened item can be returned for a full refund."""
    damaged_days: int = DAMAGED_DAYS
    """Days after delivery within which a damaged or wrong item is replaced or refunded with shipping."""


def return_windows(config: Any = None) -> ReturnWindows:
    """The shop's return windows. `config` is the owner's CommerceConfig once shop.shipping is merged
    (read its `returns_unopened_days` / `returns_damaged_days`); until then the policy's defaults."""
    if config is not None and hasattr(config, "returns_unopened_days"):
        return ReturnWindows(int(config.returns_unopened_days), int(config.returns_damaged_days))
    return ReturnWindows()


@dataclass(frozen=True)
class CategoryRule:
    """What the returns policy needs to know about a product's category."""

    name: str
    opened_returns: bool = False


def category_rules(categories: tuple[Category, ...] | list[Category]) -> dict[str, CategoryRule]:
    return {c.slug: CategoryRule(c.name, c.opened_returns) for c in categories}
