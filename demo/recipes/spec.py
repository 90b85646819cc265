"""The generator's view of a product before it becomes a document, and the recipe that builds it."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ProductSpec:
    """A product as a recipe describes it; demo.products turns it into the stored document."""

    name: str
    category: str
    kind: str
    attributes: dict[str, str]
    tags: list[str]
    price: float
    size: int
    unit: str
    lead: list[str]  # always used (intro + tasting notes / texture)
    extras: list[str]  # optional, used in order to reach 2-4 sentences
    supplier_group: str
    label: str  # short word printed on the package drawing
    season: str | None = None
    slug: str = ""
    must: list[str] = field(default_factory=list)  # sentences a variant or decaf note requires


@dataclass(frozen=True)
class Recipe:
    """A product idea whose name is known up front; the costly, random details are built on demand."""

    name: str
    kind: str
    build: Callable[[random.Random], ProductSpec]


def bind(func: Callable[..., ProductSpec], *args: Any) -> Callable[[random.Random], ProductSpec]:
    """`func(rng, *args)` as a one-argument builder, for `Recipe.build`."""

    def build(rng: random.Random) -> ProductSpec:
        return func(rng, *args)

    return build
