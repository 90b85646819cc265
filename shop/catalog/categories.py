"""The shop's categories: per-shop data in the `categories` collection, one document per category.

Why data and not code: the same code runs any kind of shop (docs/cloning.md). A coffee shop has
coffee, tea, pantry and beauty shelves; a bookshop has fiction, children's books and cookbooks. The
slugs, display names, order and the words customers use for each (which the search reads to turn
"novels under $20" into a fiction filter) therefore live with the shop's other data, and are backed
up and restored with it. The demo shop's are in demo/data/categories.json.

A document (the JSON file uses the same keys, without `_id` and `updatedAt`):

    {"_id": "tea", "name": "Tea", "description": "Loose-leaf teas.", "position": 2,
     "icon": "leaf", "colours": ["#e3efe9", "#2e5e4e"],
     "words": ["tea", "teas"], "phrases": [], "occasionWords": ["tea", "teas"],
     "notHints": ["tea tree", "kettle"], "updatedAt": <datetime>}

The slug is the `_id`: products refer to it, URLs carry it (?category=tea), and the database keeps it
unique without another index. Nobody reads this collection per request: the catalog snapshot
(shop.catalog.snapshot.Catalog) holds the categories beside the products and re-reads them on each
refresh, so every process sees an edit within `refresh_seconds`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError
from pymongo import UpdateOne
from pymongo.database import Database

from shop.core.validation import line

log = logging.getLogger(__name__)

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Colour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]
Vocabulary = tuple[Annotated[str, Field(min_length=1, max_length=60)], ...]
CONTEXT_KEY = "categories"
"""Validation-context key under which a model with a category field finds the shop's category slugs."""


class Category(BaseModel):
    """One of the shop's categories, with the words its customers use for it.

    The four vocabulary lists feed the search's query understanding (shop.discovery.query), which
    sets a category filter only when the words clearly ask for one shelf; a wrong filter hides good
    products silently, a missed one only ranks them a bit lower. Entries are plain words or phrases,
    matched as whole words after lower-casing and removing accents; list plurals as their own entries.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)

    slug: Annotated[str, Field(pattern=SLUG, max_length=40)]
    name: line(60)  # type: ignore[valid-type]
    description: line(300, min_length=0) = ""  # type: ignore[valid-type]
    position: int = 0
    """Order in the navigation, the filters and the reports (then by slug)."""
    icon: Annotated[str, Field(pattern=r"^[a-z0-9-]{0,40}$")] = ""
    """Which drawing templates/macros.html `category_icon` shows (and the category tile's tint in
    static/css/shop.css); an unknown or empty key gets a neutral one."""
    colours: tuple[Colour, Colour] | None = None
    """Background and ink of the picture generated for a product added without one."""
    words: Vocabulary = ()
    """Words that name the category ("tea", "teas"): a query naming one category's words, and no
    other category's, is filtered to it."""
    phrases: Vocabulary = ()
    """Phrases that name the category even next to another category's word: "green tea hand cream"
    is a cream, so "hand cream" is one of the beauty shelf's phrases."""
    occasion_words: Vocabulary = ()
    """Words that, after "for", "with" or "to go with (my)", name an occasion rather than the product
    wanted: "biscuits for my tea" asks for biscuits, so it gets no category."""
    not_hints: Vocabulary = ()
    """Words and phrases naming another kind of product, near which no category word is a hint
    ("coffee syrup", "ice cream", "tea tree"). They count for the whole query, whichever category
    lists them; a category lists those that borrow its words or that sit on its shelf."""

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Category:
        values = {key: value for key, value in doc.items() if key not in ("_id", "updatedAt")}
        return cls.model_validate({**values, "slug": doc["_id"]})

    def to_doc(self) -> dict[str, Any]:
        doc = self.model_dump(by_alias=True, exclude={"slug"})
        doc["_id"] = self.slug
        if doc["colours"] is not None:
            doc["colours"] = list(doc["colours"])
        for key in ("words", "phrases", "occasionWords", "notHints"):
            doc[key] = list(doc[key])
        return doc


def name_from_slug(slug: str) -> str:
    """A display name for a category the shop has not described ("gift-boxes" -> "Gift Boxes")."""
    return slug.replace("-", " ").title()


def ordered(categories: Iterable[Category]) -> tuple[Category, ...]:
    return tuple(sorted(categories, key=lambda c: (c.position, c.slug)))


# --------------------------------------------------------------------------------------------------
# Storage
# --------------------------------------------------------------------------------------------------


def load_categories(path: Path) -> list[Category]:
    """The categories in a JSON file (a list of category objects, keys as in the collection)."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(raw, list):
        raise ValueError(f"{path}: expected a JSON list of categories")
    categories = [Category.model_validate(item) for item in raw]
    slugs = [c.slug for c in categories]
    if len(set(slugs)) != len(slugs):
        raise ValueError(f"{path}: a category slug is listed twice")
    return categories


def save_categories(db: Database, categories: Iterable[Category]) -> int:
    """Create or replace these categories (by slug); others are left as they are. Returns how many.

    Every write stamps `updatedAt`, so the catalog snapshots of every process pick the change up.
    """
    now = datetime.now(UTC)
    writes = [
        UpdateOne({"_id": category.slug}, {"$set": {**category.to_doc(), "updatedAt": now}}, upsert=True)
        for category in categories
    ]
    if writes:
        db.categories.bulk_write(writes, ordered=False)
    return len(writes)


def read_categories(db: Database) -> tuple[Category, ...]:
    """The shop's categories in display order."""
    return ordered(Category.from_doc(doc) for doc in db.categories.find({}))


def ensure_categories(db: Database) -> int:
    """Give a shop that predates categories-as-data its categories; returns how many were created.

    Run at start-up (ShopServices.build). A database seeded or filled before categories moved into
    the database has products but no `categories` collection; its categories are derived from the
    distinct categories of its products (deleted ones too: order history and reports still name
    them), named after their slugs and recognised in searches by the slug's own words. The owner can
    then rename and describe them. A shop with categories, or without products, is left alone, so this
    costs one small read per start. Upserts by slug: two processes starting together agree.
    """
    if db.categories.find_one({}, {"_id": 1}) is not None:
        return 0
    if db.products.find_one({}, {"_id": 1}) is None:
        return 0
    derived = []
    for position, slug in enumerate(sorted(s for s in db.products.distinct("category") if isinstance(s, str))):
        try:
            derived.append(
                Category(slug=slug, name=name_from_slug(slug), position=position, words=tuple(slug.split("-")))
            )
        except ValueError:
            log.warning("products have the category %r, which cannot be a category slug; left out", slug)
    count = save_categories(db, derived)
    if count:
        log.info("derived %d categories from the products: %s", count, ", ".join(c.slug for c in derived))
    return count


# --------------------------------------------------------------------------------------------------
# Validation of a category field against the shop's categories
# --------------------------------------------------------------------------------------------------


def category_context(categories: Iterable[Category]) -> dict[str, tuple[str, ...]]:
    """The validation context with the shop's category slugs, for `Model.model_validate(..., context=)`."""
    return {CONTEXT_KEY: tuple(category.slug for category in categories)}


def check_category(value: str | None, info: ValidationInfo, *, required: bool) -> str | None:
    """A field validator's body: `value` must be one of the shop's categories from the context.

    The message is the one the fixed list of categories gave ("must be one of 'coffee', 'tea' ...").
    `required`: a model that is never built without the shop's categories (product input: a product
    under an unknown category would be on no shelf) fails loudly when the caller forgot them; a
    listing query built by code may go without (an unknown category only lists nothing).
    """
    known: Sequence[str] | None = (info.context or {}).get(CONTEXT_KEY)
    if known is None:
        if required:
            raise RuntimeError(f"{info.field_name} was validated without the shop's categories")
        return value
    if value is not None and value not in known:
        raise PydanticCustomError("literal_error", "Input should be {expected}", {"expected": _one_of(known)})
    return value


def _one_of(slugs: Sequence[str]) -> str:
    quoted = [repr(slug) for slug in slugs]
    if not quoted:
        return "a category (the shop has none yet)"
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
