"""The owner's category management: create, edit, reorder and delete categories, and import a file.

A shop cloned for another client starts without categories (docs/cloning.md), and a product cannot be
created without one; this is how the owner makes them, from the admin (app/routes/admin/categories.py)
or from a file (`python -m app categories import`). Every write runs in one transaction with its
activity-log entry and stamps `updatedAt`; the catalog snapshot of every process re-reads the
categories on its next refresh, and this process's at once (`on_change`).

The slug is the category's `_id` and products refer to it, so it never changes once made: a category
under another slug is a new category, its products moved over in the product admin.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import ValidationError
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from shop.catalog.categories import VOCABULARY_KEYS, Category, describe_category_errors, ordered
from shop.core.activity import changed_fields, log_activity
from shop.core.errors import Conflict, InvalidFields, NotFound
from shop.core.transactions import run_transaction

ICONS: tuple[tuple[str, str], ...] = (
    ("", "Plain"),
    ("bean", "Bean"),
    ("leaf", "Leaf"),
    ("jar", "Jar"),
    ("pot", "Pot"),
)
"""The drawings templates/macros.html `category_icon` has, by key, as the admin offers them (the key
also picks the category tile's tint in static/css/shop.css). "Plain" is the neutral drawing any other
key gets."""

CATEGORY_FORM_KEYS = ("slug", "name", "description", "icon", "position", *VOCABULARY_KEYS, "openedReturns")
"""The admin's category form, named as the categories file's keys (`position` is the place from 1);
the vocabulary lists are comma-separated fields."""


@dataclass(frozen=True)
class CategoryRow:
    """A category as the admin lists it: with the number of products in the shop that are in it."""

    category: Category
    products: int
    place: int
    """1 for the first in the navigation."""


@dataclass(frozen=True)
class ImportResult:
    """The slugs of a file's categories by what the import did with them."""

    created: list[str]
    updated: list[str]
    unchanged: list[str]


def split_words(text: str) -> tuple[str, ...]:
    """A comma-separated field as vocabulary entries: trimmed, lower-cased (the search matches
    lower-cased words), without empty or repeated entries."""
    words = (word.strip().lower() for word in text.split(","))
    return tuple(dict.fromkeys(word for word in words if word))


def category_from_form(form: dict[str, str], *, slug: str, stored: Category | None = None) -> Category:
    """The category the admin's form describes; what the form does not show (colours, position) is
    kept from `stored`. Raises InvalidFields keyed by the form's field names."""
    values: dict[str, Any] = {
        "slug": slug,
        "name": form.get("name", ""),
        "description": form.get("description", ""),
        "icon": form.get("icon", "").strip(),
        **{key: split_words(form.get(key, "")) for key in VOCABULARY_KEYS},
        "opened_returns": form.get("openedReturns", "") in ("on", "true", "1"),  # RETURNS (issue 14)
    }
    if stored is not None:
        values |= {"colours": stored.colours, "position": stored.position}
    try:
        return Category.model_validate(values)
    except ValidationError as exc:
        raise InvalidFields(describe_category_errors(exc)) from None


def parse_place(text: str) -> int:
    """A place typed in the form ("1" = first; past the end is last); InvalidFields when it is not a
    whole number from 1 up."""
    try:
        place = int(text.strip())
    except ValueError:
        place = 0
    if place < 1:
        raise InvalidFields({"position": "must be a whole number from 1 (first) up"})
    return place


def _logged(category: Category) -> dict[str, Any]:
    """What the activity log records of a category."""
    doc = category.to_doc()
    del doc["_id"]
    return doc


class CategoryAdmin:
    def __init__(self, db: Database, *, on_change: Callable[[], None] = lambda: None) -> None:
        self.db = db
        self.on_change = on_change
        """Called after every write (the shop's catalog snapshot: `Catalog.invalidate`)."""

    # --- reads ------------------------------------------------------------------------------
    def list(self) -> list[CategoryRow]:
        """The categories in display order with their products in the shop (deleted ones not counted)."""
        counts = Counter(doc.get("category") for doc in self.db.products.find({"deletedAt": None}, {"category": 1}))
        return [
            CategoryRow(category, counts.get(category.slug, 0), place)
            for place, category in enumerate(self._read(), start=1)
        ]

    def row(self, slug: str) -> CategoryRow:
        """One category as the list shows it (the edit form's starting point: the stored values)."""
        found = next((row for row in self.list() if row.category.slug == slug), None)
        if found is None:
            raise NotFound("That category does not exist.")
        return found

    def _read(self, session: ClientSession | None = None) -> tuple[Category, ...]:
        return ordered(Category.from_doc(doc) for doc in self.db.categories.find({}, session=session))

    # --- writes -----------------------------------------------------------------------------
    def create(self, category: Category, *, owner: str) -> Category:
        """Add a category after the others (its position is the last's plus one)."""

        def work(session: ClientSession) -> Category:
            position = max((other.position for other in self._read(session)), default=0) + 1
            return self._insert(session, category.model_copy(update={"position": position}), owner)

        return self._write(work)

    def update(self, category: Category, *, owner: str, place: int | None = None) -> Category:
        """Save the edited category (by its slug); `place` (1 = first) also moves it there."""

        def work(session: ClientSession) -> Category:
            existing = list(self._read(session))
            slugs = [other.slug for other in existing]
            if category.slug not in slugs:
                raise NotFound("That category does not exist.")
            index = slugs.index(category.slug)
            after = category.model_copy(update={"position": existing[index].position})
            self._save(session, existing[index], after, owner, "category.update")
            existing[index] = after
            if place is not None:
                slugs.remove(after.slug)
                slugs.insert(min(place, len(existing)) - 1, after.slug)
                self._renumber(session, existing, slugs, owner)
            return after

        return self._write(work)

    def move(self, slug: str, direction: Literal["up", "down"], *, owner: str) -> None:
        """Swap the category with its neighbour in the navigation (nothing at either end)."""

        def work(session: ClientSession) -> None:
            existing = list(self._read(session))
            slugs = [category.slug for category in existing]
            if slug not in slugs:
                raise NotFound("That category does not exist.")
            index = slugs.index(slug)
            other = index - 1 if direction == "up" else index + 1
            if 0 <= other < len(slugs):
                slugs[index], slugs[other] = slugs[other], slugs[index]
                self._renumber(session, existing, slugs, owner)

        self._write(work)

    def delete(self, slug: str, *, owner: str) -> None:
        """Remove a category that no product in the shop is in (a product without a category would
        be on no shelf); deleted products may still name it, as past orders do."""

        def work(session: ClientSession) -> None:
            doc = self.db.categories.find_one({"_id": slug}, session=session)
            if doc is None:
                raise NotFound("That category does not exist.")
            category = Category.from_doc(doc)
            in_use = self.db.products.count_documents({"category": slug, "deletedAt": None}, session=session)
            if in_use:
                products = "1 product is" if in_use == 1 else f"{in_use} products are"
                raise Conflict(
                    f"{products} still in {category.name}: move them to another category or delete them first."
                )
            self.db.categories.delete_one({"_id": slug}, session=session)
            log_activity(self.db, owner, "category.delete", "category", slug, _logged(category), None, session=session)

        self._write(work)

    def import_categories(self, categories: Iterable[Category], *, owner: str) -> ImportResult:
        """Create or replace these categories by slug, all in one transaction; others stay as they are.

        The caller has checked the whole file (shop.catalog.categories.load_categories), so this
        either writes every category or, on a database error, none.
        """
        incoming = list(categories)

        def work(session: ClientSession) -> ImportResult:
            existing = {category.slug: category for category in self._read(session)}
            result = ImportResult([], [], [])
            for category in incoming:
                before = existing.get(category.slug)
                if before is None:
                    self._insert(session, category, owner)
                    result.created.append(category.slug)
                elif before == category:
                    result.unchanged.append(category.slug)
                else:
                    self._save(session, before, category, owner, "category.update")
                    result.updated.append(category.slug)
            return result

        return self._write(work)

    # --- helpers ----------------------------------------------------------------------------
    def _insert(self, session: ClientSession, category: Category, owner: str) -> Category:
        try:
            self.db.categories.insert_one({**category.to_doc(), "updatedAt": datetime.now(UTC)}, session=session)
        except DuplicateKeyError:  # the slug is the _id: the database keeps it unique, also between processes
            raise Conflict(
                f"There is already a category with the web address {category.slug!r}.", field="slug"
            ) from None
        log_activity(
            self.db, owner, "category.create", "category", category.slug, None, _logged(category), session=session
        )
        return category

    def _save(self, session: ClientSession, before: Category, after: Category, owner: str, action: str) -> None:
        if before == after:
            return
        self.db.categories.update_one(
            {"_id": after.slug}, {"$set": {**after.to_doc(), "updatedAt": datetime.now(UTC)}}, session=session
        )
        old, new = changed_fields(_logged(before), _logged(after))
        log_activity(self.db, owner, action, "category", after.slug, old, new, session=session)

    def _renumber(self, session: ClientSession, existing: list[Category], slugs: list[str], owner: str) -> None:
        """Give the categories positions 1, 2, 3 ... in the order of `slugs`, writing only those that move."""
        by_slug = {category.slug: category for category in existing}
        for position, slug in enumerate(slugs, start=1):
            before = by_slug[slug]
            if before.position != position:
                self._save(session, before, before.model_copy(update={"position": position}), owner, "category.move")

    def _write(self, work: Callable[[ClientSession], Any]) -> Any:
        try:
            return run_transaction(self.db, work)
        finally:
            self.on_change()
