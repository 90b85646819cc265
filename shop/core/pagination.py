"""One page of a listing. The storefront catalog and every admin list page the same way, so the
templates' pager reads the same fields everywhere."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field
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


class ListQuery(BaseModel):
    """The page of an admin list (orders, reviews, messages, emails) that its URL asks for; each list
    adds its filters. Unknown parameters are ignored, so an old bookmark still opens the list."""

    model_config = ConfigDict(extra="ignore")

    page: int = Field(default=1, ge=1, le=100000)
    page_size: int = Field(default=50, ge=1, le=200)


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
