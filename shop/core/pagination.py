"""One page of a listing. The storefront catalog and every admin list page the same way, so the
templates' pager reads the same fields everywhere."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        """At least one, so an empty listing still reads "page 1 of 1"."""
        return max(1, math.ceil(self.total / self.page_size))
