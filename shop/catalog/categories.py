"""The shop's categories: per-shop data in the `categories` collection, one document per category.

Why data and not code: the same code runs any kind of shop (docs/cloning.md). A coffee shop has
coffee, tea, pantry and beauty shelves; a bookshop has fiction, children's books and cookbooks. The
slugs, display names, order and the words customers use for each (which the search reads to turn
"novels under $20" into a fiction filter) therefore live with the shop's other data, and are backed
up and restored with it. The demo shop's are in demo/data/categories.json; an owner makes and edits
a shop's in the admin or imports a file of them (shop.catalog.category_admin).

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

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError
from pymongo import UpdateOne
from pymongo.database import Database

from shop.core.validation import describe_errors, line

log = logging.getLogger(__name__)

SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
Colour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]
MAX_WORD_LENGTH = 60
MAX_WORDS = 200
"""Entries per vocabulary list: the demo's longest (beauty's phrases) has 86; a list that long is a
pasted text, not words, and every search reads every list."""
Vocabulary = Annotated[
    tuple[Annotated[str, Field(min_length=1, max_length=MAX_WORD_LENGTH)], ...], Field(max_length=MAX_WORDS)
]
VOCABULARY_KEYS = ("words", "phrases", "occasionWords", "notHints")
"""The keys of a category's search vocabulary lists, as the file and the collection name them."""
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
    # --- returns (issue 14, RETURNS: shop/returns/config.py) ---
    opened_returns: bool = False
    """Whether an opened item of this category can be returned (within the unopened window). No by
    default: the returns policy promises returns of unopened items, and food, tea, coffee and creams
    cannot come back opened for hygiene reasons; a bookshop sets it for its books."""

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Category:
        values = {key: value for key, value in doc.items() if key not in ("_id", "updatedAt")}
        return cls.model_validate({**values, "slug": doc["_id"]})

    def to_doc(self) -> dict[str, Any]:
        doc = self.model_dump(by_alias=True, exclude={"slug"})
        doc["_id"] = self.slug
        if doc["colours"] is not None:
            doc["colours"] = list(doc["colours"])
        for key in VOCABULARY_KEYS:
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


class CategoryFileError(ValueError):
    """A categories file that cannot be used, with every problem found in it, one a line."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        super().__init__(f"{path}: " + "\n  ".join(problems))
        self.problems = problems


def load_categories(path: Path) -> list[Category]:
    """The categories in a JSON file (a list of category objects, keys as in the collection).

    The whole file is checked before anything uses it, and every problem is reported with the
    category it belongs to, so an owner fixes a file in one go rather than one error per attempt.
    """
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CategoryFileError(path, [f"cannot be read: {exc}"]) from None
    except json.JSONDecodeError as exc:
        raise CategoryFileError(path, [f"is not valid JSON: {exc}"]) from None
    if not isinstance(raw, list):
        raise CategoryFileError(path, ["expected a JSON list of categories: [{...}, {...}]"])
    categories: list[Category] = []
    problems: list[str] = []
    for number, item in enumerate(raw, start=1):
        label = f"category {number}" + (f" ({item['slug']!r})" if isinstance(item, dict) and "slug" in item else "")
        if not isinstance(item, dict):
            problems.append(f"{label}: expected an object with a slug and a name")
            continue
        try:
            categories.append(Category.model_validate(item))
        except ValidationError as exc:
            problems += [f"{label}: {key} {message}" for key, message in describe_category_errors(exc).items()]
    slugs = [c.slug for c in categories]
    problems += [f"the slug {slug!r} is listed twice" for slug in sorted({s for s in slugs if slugs.count(s) > 1})]
    if problems:
        raise CategoryFileError(path, problems)
    return categories


def dump_categories(categories: Iterable[Category]) -> str:
    """The JSON file `load_categories` reads (demo/data/categories.json is one), in display order."""
    items = [category.model_dump(mode="json", by_alias=True) for category in ordered(categories)]
    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"


def describe_category_errors(exc: ValidationError) -> dict[str, str]:
    """{key: message} for a category that failed validation, keyed as in the file and the admin's form.

    Reads like pydantic's messages elsewhere in the shop, with the rules a person has to know about
    spelled out: what a slug may contain, that an unknown key is a typo, how long the lists may be.
    """
    messages: dict[str, str] = {}
    for error in exc.errors():
        location = error.get("loc") or ("request",)
        key = str(location[0])
        if key not in messages:
            messages[key] = _category_message(error, key, in_list=len(location) > 1)
    return messages


def _category_message(error: Any, key: str, *, in_list: bool) -> str:
    kind = error.get("type")
    if kind == "extra_forbidden":
        known = ", ".join(field.alias or name for name, field in Category.model_fields.items())
        return f"is not a category key (the keys are {known})"
    if key == "colours":
        return 'must be two colours written like ["#f3e6d8", "#7a3f22"] (background, ink)'
    if kind == "string_pattern_mismatch":
        if error.get("input") == "":
            return "is required"
        return "may hold only lowercase letters, digits and single hyphens, like gift-boxes"
    if key in VOCABULARY_KEYS:
        if kind == "tuple_type":
            return 'must be a list, like ["novel", "novels"]'
        if in_list:
            return f"entries must be text of 1 to {MAX_WORD_LENGTH} characters"
        if kind == "too_long":
            return f"may hold at most {MAX_WORDS} entries"
    return next(iter(describe_errors([error]).values()))


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
