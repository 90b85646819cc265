"""Where the returns code reads the shop's return windows and which categories take opened items back.

The windows (days after delivery) are the numbers docs/policies/returns.md states: 30 for an unopened
item, 14 to report a damaged or wrong one. They belong to the owner's commerce configuration
(`CommerceConfig.returns_unopened_days` / `returns_damaged_days`, shop.shipping, edited on the admin's
Shipping & tax page); `return_windows` is the one place the returns code reads them, with the policy's
defaults for a service built without that configuration (tests of the policy alone).

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
    """The shop's return windows: the owner's CommerceConfig's, or the policy's defaults without one."""
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
