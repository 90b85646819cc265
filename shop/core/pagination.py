"""One page of a listing. The storefront catalog and every admin list page the same way, so the
templates' pager reads the same fields everywhere."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pymongo import DESCENDING
from pymongo.collection import Collection

T = TypeVar("T")
U = TypeVar("U")


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

    def map(self, convert: Callable[[T], U]) -> Page[U]:
        """The same page with each item converted (a stored document into what the page shows)."""
        return Page([convert(item) for item in self.items], self.total, self.page, self.page_size)


def newest_page(
    collection: Collection,
    filters: dict[str, Any],
    page: int,
    page_size: int,
    *,
    projection: dict[str, Any] | None = None,
    by: str = "createdAt",
) -> Page[dict[str, Any]]:
    """One page of the documents matching `filters`, newest first by `by`, with how many match in all:
    the admin's lists (orders, reviews, messages, emails) and the activity log page this way."""
    total = collection.count_documents(filters)
    cursor = collection.find(filters, projection).sort(by, DESCENDING).skip((page - 1) * page_size).limit(page_size)
    return Page(list(cursor), total, page, page_size)
