"""The owner's product management: the admin listing, create, edit, delete, bulk changes, and the
CSV import's writes (reading and planning the file: shop.catalog.product_csv).

Every write sets `updatedAt` (the catalog snapshot follows the database by that field) and then calls
`catalog.invalidate()`, so the storefront, its cached listings and the vector index (a listener of the
catalog) see the change on the next request. Stock lives twice, in products.stock and in
inventory.stockLevel; both change in one transaction, and a stock edit is applied as a difference
(`$inc`) so sales made while the owner had the form open are not overwritten.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from bson import ObjectId
from pydantic import Field
from pymongo import ReturnDocument
from pymongo.client_session import ClientSession
from pymongo.database import Database

from shop.catalog.media import LocalMedia
from shop.catalog.product_csv import CsvImportError, CsvRowError, ImportResult, export_csv, parse_csv, plan_import
from shop.catalog.product_input import (
    EDITABLE,
    MAX_PRICE,
    MAX_STOCK,
    UNSET_VARIANT_FIELDS,
    VARIANT_EDITABLE,
    ProductInput,
    product_form_values,
    validate_product,
    variant_name,
    variant_slug,
)
from shop.catalog.snapshot import Catalog, ListingQuery, Product
from shop.core.activity import changed_fields, log_activity
from shop.core.errors import Conflict, InvalidInput, NotFound
from shop.core.location_stock import default_location_guard
from shop.core.money import to_money
from shop.core.pagination import Page
from shop.core.settings import Settings
from shop.core.text import normalize
from shop.core.transactions import run_transaction
from shop.core.validation import parse_object_id

MAX_BULK = 500
NO_SUCH_PRODUCT = "That product does not exist."
SAME_OPTIONS = "a variant with these options exists"
VARIANT_COPIES = (
    "category",
    "description",
    "tags",
    "attributes",
    "imageUrl",
    "supplier",
    "leadTimeDays",
    "weightGrams",
)
"""VARIANTS: what a new variant copies from its main product (editable afterwards on its own form)."""


class ProductListQuery(ListingQuery):
    """Filters, sort and page of the admin's product list (deleted products included on request)."""

    stock: Literal["in", "low", "out"] | None = None
    status: Literal["active", "deleted"] = "active"
    featured: Literal["yes", "no"] | None = None
    sort: Literal["name", "price_asc", "price_desc", "stock_asc", "stock_desc", "updated"] = "name"
    page: int = Field(default=1, ge=1, le=10000)
    page_size: int = Field(default=50, ge=1, le=200)


ADMIN_SORTS: list[tuple[str, str]] = [
    ("name", "Name A-Z"),
    ("price_asc", "Price: low to high"),
    ("price_desc", "Price: high to low"),
    ("stock_asc", "Stock: lowest first"),
    ("stock_desc", "Stock: highest first"),
    ("updated", "Recently changed"),
]


def _snapshot(doc: dict[str, Any]) -> dict[str, Any]:
    """What the activity log records of a product."""
    snapshot = {key: doc.get(key) for key in EDITABLE if key in doc}
    # VARIANTS: only when set, so products without variants log as before
    snapshot |= {key: doc[key] for key in (*VARIANT_EDITABLE, "variantOf") if doc.get(key)}
    return snapshot | {"deletedAt": doc.get("deletedAt")}


def stored_value(doc: dict[str, Any], key: str) -> Any:
    """A field as stored, where a product from before variants (no `sku`, no `options`) has the empty value."""
    return doc.get(key, UNSET_VARIANT_FIELDS.get(key))


class ProductAdmin:
    def __init__(self, db: Database, catalog: Catalog, settings: Settings) -> None:
        self.db = db
        self.catalog = catalog
        self.settings = settings

    # --- reads ------------------------------------------------------------------------------
    def list(self, query: ProductListQuery) -> Page[Product]:
        """Listing from the catalog snapshot (deleted products from the database: they are few)."""
        if query.status == "deleted":
            deleted = self.db.products.find({"deletedAt": {"$ne": None}})
            items = [Product.from_doc(doc, category_name=self._category_name(doc)) for doc in deleted]
        else:
            items = list(self.catalog.all())
        items = [p for p in items if _admin_matches(p, query, self.settings.low_stock_threshold)]
        items = _admin_sorted(items, query.sort)
        start = (query.page - 1) * query.page_size
        return Page(items[start : start + query.page_size], len(items), query.page, query.page_size)

    def get(self, product_id: str) -> dict[str, Any]:
        """The stored document (not the snapshot): the edit form must start from the latest values."""
        doc = self.db.products.find_one({"_id": parse_object_id(product_id, or_raise=NotFound(NO_SUCH_PRODUCT))})
        if doc is None:
            raise NotFound(NO_SUCH_PRODUCT)
        return doc

    # --- single product writes ---------------------------------------------------------------
    def create(self, data: ProductInput, *, owner: str) -> dict[str, Any]:
        """A new product; with `variantOf` a new variant of that main product (see create_variant)."""
        fields = data.fields() | {"imageUrl": data.imageUrl}
        if data.variantOf is not None:
            main = self._main_of(data.variantOf)
            fields |= self._variant_fields(main, data.options, None)
        self._check_slug_free(fields["slug"], None)
        self._check_sku_free(fields.get("sku", ""), None)
        if not fields["imageUrl"]:
            fields["imageUrl"] = self._placeholder(fields)
        return self._write(lambda session: self._insert(session, fields, data.stock, owner, "product.create"))

    def create_variant(
        self,
        main_id: str,
        *,
        options: dict[str, str] | str,
        price: Any,
        stock: Any = 0,
        sku: str = "",
        owner: str,
    ) -> dict[str, Any]:
        """VARIANTS: a new member of `main_id`'s family. It copies the main product's category,
        description, tags, attributes, image, supplier, lead time and weight; its price, stock and SKU
        are its own; its name and slug follow from the main product's and the options."""
        main = self._main_of(main_id)
        values = product_form_values(main) | {"price": price, "stock": stock, "sku": sku, "options": options}
        values |= {"variantOf": str(main["_id"]), "featured": False}
        data = validate_product(values, self.catalog.all_categories())
        fields = data.fields() | {key: main[key] for key in VARIANT_COPIES if key in main}
        fields |= self._variant_fields(main, data.options, None)
        taken = self.db.products.find_one({"slug": fields["slug"], "variantOf": main["_id"]}, {"name": 1})
        if taken is not None:  # deleted (an active one failed the options check): slugs stay reserved
            raise InvalidInput(f"a deleted variant has these options ({taken['name']}): restore it.", field="options")
        self._check_slug_free(fields["slug"], None)
        self._check_sku_free(fields["sku"], None)
        return self._write(lambda session: self._insert(session, fields, data.stock, owner, "product.create_variant"))

    def variants(self, product_id: str) -> list[dict[str, Any]]:
        """VARIANTS: the stored variants of a main product (deleted ones too), cheapest first."""
        oid = parse_object_id(product_id, or_raise=NotFound(NO_SUCH_PRODUCT))
        docs = list(self.db.products.find({"variantOf": oid}))
        return sorted(docs, key=lambda d: (d.get("deletedAt") is not None, Decimal(d["price"]), d["name"]))

    def update(
        self, product_id: str, data: ProductInput, *, owner: str, stock_seen: int | None = None
    ) -> dict[str, Any]:
        """Apply the form. Stock changes by (submitted - `stock_seen`), the value the form was opened
        with, so units sold meanwhile stay sold; without `stock_seen` the submitted stock is absolute.

        A variant's name and slug follow its main product's and its options; a main product's new
        name or slug is carried to its variants in the same transaction."""
        oid = parse_object_id(product_id, or_raise=NotFound(NO_SUCH_PRODUCT))
        stored = self.get(product_id)
        fields = data.fields()
        if data.imageUrl:
            fields["imageUrl"] = data.imageUrl
        if data.variantOf is not None and data.variantOf != str(stored.get("variantOf") or ""):
            raise InvalidInput("A variant cannot move to another product.", field="variantOf")
        if stored.get("variantOf") is not None:
            main = self._main_of(str(stored["variantOf"]), any_state=True)
            fields |= self._variant_fields(main, fields.get("options", stored.get("options") or {}), oid)
        elif "options" in fields:
            self._check_options_free(oid, fields["options"], oid)
        self._check_slug_free(fields["slug"], oid)
        self._check_sku_free(fields.get("sku", ""), oid)
        followers = self._followers(stored, fields)

        def work(session: ClientSession) -> dict[str, Any]:
            before = self.db.products.find_one({"_id": oid}, session=session)
            if before is None:
                raise NotFound(NO_SUCH_PRODUCT)
            base = before["stock"] if stock_seen is None else stock_seen
            delta = data.stock - base
            after = self._apply(session, before, fields, delta, owner, "product.update")
            for variant, follow in followers:
                self._apply(session, variant, follow, 0, owner, "product.update")
            return after

        after = self._write(work)
        return after

    def delete(self, product_id: str, *, owner: str) -> None:
        """Soft delete: the product leaves the shop, but past orders and the activity log still name it."""
        self._set_deleted(product_id, True, owner)

    def restore(self, product_id: str, *, owner: str) -> None:
        self._set_deleted(product_id, False, owner)

    def _set_deleted(self, product_id: str, deleted: bool, owner: str) -> None:
        """VARIANTS: a main product's variants go and come back with it: deleting stamps them with the
        main's `deletedAt`, and restoring brings back those with that same stamp (a variant the owner
        deleted on its own before stays deleted)."""
        oid = parse_object_id(product_id, or_raise=NotFound(NO_SUCH_PRODUCT))
        now = datetime.now(UTC)

        def mark(session: ClientSession, doc: dict[str, Any], value: datetime | None) -> None:
            self.db.products.update_one(
                {"_id": doc["_id"]}, {"$set": {"deletedAt": value, "updatedAt": now}}, session=session
            )
            action = "product.delete" if value is not None else "product.restore"
            before, after = {"deletedAt": doc.get("deletedAt")}, {"deletedAt": value}
            log_activity(self.db, owner, action, "product", doc["_id"], before, after, session=session)

        def work(session: ClientSession) -> None:
            before = self.db.products.find_one({"_id": oid}, session=session)
            if before is None:
                raise NotFound(NO_SUCH_PRODUCT)
            if (before.get("deletedAt") is not None) == deleted:
                return
            family = [before]
            if before.get("variantOf") is None:
                stamp = None if deleted else before.get("deletedAt")
                family += list(self.db.products.find({"variantOf": oid, "deletedAt": stamp}, session=session))
            for doc in family:
                if not deleted:
                    self._check_restorable(doc, session)
                mark(session, doc, now if deleted else None)

        self._write(work)

    # --- bulk actions ------------------------------------------------------------------------
    def bulk_price(
        self, product_ids: Iterable[str], *, mode: Literal["percent", "amount"], value: Decimal, owner: str
    ) -> int:
        """Raise or lower prices by a percentage or an amount; one price out of range refuses them all."""
        if not value.is_finite() or abs(value) > (Decimal(1000) if mode == "percent" else MAX_PRICE):
            raise InvalidInput("That change is out of range.", field="value")
        if mode == "percent" and value <= Decimal(-100):
            raise InvalidInput("A price cannot drop by 100% or more.", field="value")

        def new_price(price: Decimal) -> Decimal:
            if mode == "percent":
                return to_money(price * (Decimal(100) + value) / Decimal(100))
            return to_money(price + value)

        def change(doc: dict[str, Any]) -> tuple[dict[str, Any], int]:
            price = new_price(Decimal(doc["price"]))
            if price < Decimal("0.01") or price > MAX_PRICE:
                raise InvalidInput(
                    f"{doc['name']} would cost {price}, which is out of range; no price was changed.", field="value"
                )
            return {"price": price}, 0

        return self._bulk(product_ids, change, "product.bulk_price", owner)

    def bulk_category(self, product_ids: Iterable[str], *, category: str, owner: str) -> int:
        if self.catalog.category(category) is None:
            raise InvalidInput("Choose one of the shop's categories.", field="category")
        return self._bulk(product_ids, lambda doc: ({"category": category}, 0), "product.bulk_category", owner)

    def bulk_stock(self, product_ids: Iterable[str], *, delta: int, owner: str) -> int:
        """Add (or remove, with a negative number) units; a product that would go below 0 refuses them all."""
        if delta == 0 or abs(delta) > MAX_STOCK:
            raise InvalidInput("Enter a non-zero number of units.", field="value")

        def change(doc: dict[str, Any]) -> tuple[dict[str, Any], int]:
            if doc["stock"] + delta < 0:
                raise InvalidInput(
                    f"{doc['name']} has only {doc['stock']} in stock; no stock was changed.", field="value"
                )
            return {}, delta

        return self._bulk(product_ids, change, "product.bulk_stock", owner)

    def _bulk(self, product_ids: Iterable[str], change: Any, action: str, owner: str) -> int:
        oids = list(dict.fromkeys(parse_object_id(pid, or_raise=NotFound(NO_SUCH_PRODUCT)) for pid in product_ids))
        if not oids:
            raise InvalidInput("Select at least one product.", field="ids")
        if len(oids) > MAX_BULK:
            raise InvalidInput(f"Select at most {MAX_BULK} products at a time.", field="ids")

        def work(session: ClientSession) -> int:
            changed = 0
            for oid in sorted(oids):
                doc = self.db.products.find_one({"_id": oid, "deletedAt": None}, session=session)
                if doc is None:
                    raise NotFound("One of the selected products no longer exists; nothing was changed.")
                fields, delta = change(doc)
                after = self._apply(session, doc, fields, delta, owner, action)
                changed += after is not doc
            return changed

        return self._write(work)

    # --- CSV ---------------------------------------------------------------------------------
    def export_csv(self) -> str:
        """Every product that is not deleted, in the import format (shop.catalog.product_csv)."""
        return export_csv(self.db.products.find({"deletedAt": None}).sort("slug", 1))

    def import_csv(self, data: bytes, *, owner: str) -> ImportResult:
        """Create or update products from a CSV file, all or nothing.

        Rows are matched by `id` when given, else by `slug`; a row for an existing product changes only
        the columns the file has. Every row is validated before anything is written, and every problem
        is reported with its line number; then all writes happen in one transaction.
        """
        rows = parse_csv(data)
        plans, errors = plan_import(rows, self.db.products.find({}), self.catalog.all_categories())
        if errors:
            raise CsvImportError(errors)
        result = ImportResult(unchanged=sum(1 for plan in plans if plan.kind == "unchanged"))
        for plan in plans:
            if plan.kind == "create" and not plan.fields["imageUrl"]:
                plan.fields["imageUrl"] = self._placeholder(plan.fields)

        # VARIANTS: a main product's new name or slug is carried to its variants (read before the transaction)
        followers = {
            plan.product_id: self._followers(stored, plan.fields)
            for plan in plans
            if plan.kind == "update" and ("name" in plan.fields or "slug" in plan.fields)
            if (stored := self.db.products.find_one({"_id": plan.product_id})) is not None
        }

        def work(session: ClientSession) -> ImportResult:
            done = ImportResult(unchanged=result.unchanged)
            for plan in plans:
                if plan.kind == "create":
                    self._insert(session, plan.fields, plan.stock or 0, owner, "product.import")
                    done.created += 1
                elif plan.kind == "update":
                    before = self.db.products.find_one({"_id": plan.product_id}, session=session)
                    if before is None:
                        raise CsvImportError([CsvRowError(plan.line, "the product was deleted meanwhile")])
                    delta = 0 if plan.stock is None else plan.stock - before["stock"]
                    self._apply(session, before, plan.fields, delta, owner, "product.import")
                    for variant, follow in followers.get(plan.product_id, []):  # VARIANTS: names follow
                        self._apply(session, variant, follow, 0, owner, "product.import")
                    done.updated += 1
            return done

        if not any(plan.kind != "unchanged" for plan in plans):
            return result
        return self._write(work)

    # --- shared write path -------------------------------------------------------------------
    def _insert(
        self, session: ClientSession, fields: dict[str, Any], stock: int, owner: str, action: str
    ) -> dict[str, Any]:
        """A new product with its inventory row, logged."""
        now = datetime.now(UTC)
        doc: dict[str, Any] = {
            "_id": ObjectId(),
            **fields,
            "stock": stock,
            "rating": 0.0,
            "reviewCount": 0,
            "createdAt": now,
            "updatedAt": now,
            "deletedAt": None,
        }
        self.db.products.insert_one(doc, session=session)
        self.db.inventory.insert_one(self._inventory_doc(doc["_id"], stock, now), session=session)
        log_activity(self.db, owner, action, "product", doc["_id"], None, _snapshot(doc), session=session)
        return doc

    def _apply(
        self,
        session: ClientSession,
        before: dict[str, Any],
        fields: dict[str, Any],
        stock_delta: int,
        owner: str,
        action: str,
    ) -> dict[str, Any]:
        """Write changed fields and a stock difference to the product (and its inventory row) and log it.
        Returns `before` itself when nothing changed."""
        changes = {k: v for k, v in fields.items() if stored_value(before, k) != v}
        if not changes and stock_delta == 0:
            return before
        now = datetime.now(UTC)
        update: dict[str, Any] = {"$set": {**changes, "updatedAt": now}}
        query: dict[str, Any] = {"_id": before["_id"]}
        if stock_delta:
            update["$inc"] = {"stock": stock_delta}
            if stock_delta < 0:
                query["stock"] = {"$gte": -stock_delta}
                # LOCATIONS (issue 14): the form's stock is the default location's; units held at the
                # other locations (shop.inventory.locations) cannot be removed here.
                query.update(default_location_guard(before, -stock_delta))
        after = self.db.products.find_one_and_update(
            query, update, return_document=ReturnDocument.AFTER, session=session
        )
        if after is None:
            raise Conflict(
                f"{before['name']} has fewer units in stock (at its default location) than that change removes;"
                " nothing was saved."
            )
        if stock_delta:
            self._sync_inventory(session, after["_id"], after["stock"], stock_delta, now)
        old, new = changed_fields(_snapshot(before), _snapshot(after))
        log_activity(self.db, owner, action, "product", after["_id"], old, new, session=session)
        return after

    def _sync_inventory(self, session: ClientSession, oid: ObjectId, stock: int, delta: int, now: datetime) -> None:
        fields: dict[str, Any] = {
            "stockLevel": stock,
            "restockAlert": stock <= self.settings.low_stock_threshold,
            "updatedAt": now,
        }
        if delta > 0:
            fields["lastRestocked"] = now
        self.db.inventory.update_one(
            {"productId": oid},
            {"$set": fields, "$setOnInsert": {"predictedDemand": None}},
            upsert=True,
            session=session,
        )

    def _inventory_doc(self, oid: ObjectId, stock: int, now: datetime) -> dict[str, Any]:
        return {
            "productId": oid,
            "stockLevel": stock,
            "lastRestocked": now,
            "predictedDemand": None,
            "restockAlert": stock <= self.settings.low_stock_threshold,
        }

    def _placeholder(self, fields: dict[str, Any]) -> str:
        category = self.catalog.category(fields["category"])
        return LocalMedia(self.settings.resolved_media_dir).save_placeholder(
            slug=fields["slug"], name=fields["name"], colours=category.colours if category else None
        )

    def _category_name(self, doc: dict[str, Any]) -> str | None:
        category = self.catalog.category(doc.get("category"))
        return category.name if category else None

    # --- variants ----------------------------------------------------------------------------
    def _main_of(self, main_id: str, *, any_state: bool = False) -> dict[str, Any]:
        """The main product a variant belongs to: it exists, is not deleted (unless `any_state`), and is
        not itself a variant (one level)."""
        oid = parse_object_id(
            main_id, or_raise=InvalidInput("Choose the product this is a variant of.", field="variantOf")
        )
        main = self.db.products.find_one({"_id": oid})
        if main is None or (main.get("deletedAt") is not None and not any_state):
            raise InvalidInput("The product this should be a variant of does not exist.", field="variantOf")
        if main.get("variantOf") is not None:
            raise InvalidInput(
                f"{main['name']} is itself a variant; add the variant to {main['name'].split(' (')[0]}.",
                field="variantOf",
            )
        return main

    def _variant_fields(self, main: dict[str, Any], options: dict[str, str], oid: ObjectId | None) -> dict[str, Any]:
        """A variant's name, slug, link and options, once its options are checked against the family."""
        if not options:
            raise InvalidInput("A variant needs at least one option, like size=1 kg.", field="options")
        self._check_options_free(main["_id"], options, oid)
        return {
            "name": variant_name(main, options),
            "slug": variant_slug(main, options),
            "variantOf": main["_id"],
            "options": options,
        }

    def _check_options_free(
        self, main_id: ObjectId, options: dict[str, str], oid: ObjectId | None, session: ClientSession | None = None
    ) -> None:
        """Within a family (main and active variants) no two members have the same options."""
        if not options:
            return
        family = {"$or": [{"_id": main_id}, {"variantOf": main_id}], "deletedAt": None}
        members = self.db.products.find(family, session=session)
        wanted = {k.casefold(): v.casefold() for k, v in options.items()}
        for member in members:
            if member["_id"] == oid:
                continue
            theirs = {str(k).casefold(): str(v).casefold() for k, v in (member.get("options") or {}).items()}
            if theirs == wanted:
                raise InvalidInput(f"{SAME_OPTIONS} ({member['name']}).", field="options")

    def _followers(self, stored: dict[str, Any], fields: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """A main product's variants with their new names and slugs when the main's name or slug changes."""
        if stored.get("variantOf") is not None:
            return []
        if (
            fields.get("name", stored["name"]) == stored["name"]
            and fields.get("slug", stored["slug"]) == stored["slug"]
        ):
            return []
        main = stored | {"name": fields.get("name", stored["name"]), "slug": fields.get("slug", stored["slug"])}
        followers = []
        for variant in self.db.products.find({"variantOf": stored["_id"]}):
            options = variant.get("options") or {}
            follow = {"name": variant_name(main, options), "slug": variant_slug(main, options)}
            self._check_slug_free(follow["slug"], variant["_id"])
            followers.append((variant, follow))
        return followers

    def _check_restorable(self, doc: dict[str, Any], session: ClientSession) -> None:
        """A product comes back only if no active product took its SKU or (a variant) its options meanwhile."""
        try:
            self._check_sku_free(doc.get("sku") or "", doc["_id"], session)
            if doc.get("variantOf") is not None:
                self._check_options_free(doc["variantOf"], doc.get("options") or {}, doc["_id"], session)
        except InvalidInput as exc:
            raise Conflict(f"{doc['name']} cannot be restored: {exc.message[0].lower()}{exc.message[1:]}") from None

    def _check_sku_free(self, sku: str, product_id: ObjectId | None, session: ClientSession | None = None) -> None:
        """A SKU, when set, names one active product."""
        if not sku:
            return
        for other in self.db.products.find({"sku": sku, "deletedAt": None}, {"_id": 1, "name": 1}, session=session):
            if other["_id"] != product_id:
                raise InvalidInput(f"The SKU {sku!r} is already used by {other['name']}.", field="sku")

    def _check_slug_free(self, slug: str, product_id: ObjectId | None) -> None:
        other = self.db.products.find_one({"slug": slug}, {"_id": 1, "name": 1, "deletedAt": 1})
        if other is not None and other["_id"] != product_id:
            deleted = " (a deleted product)" if other.get("deletedAt") is not None else ""
            raise InvalidInput(f"The web address {slug!r} is already used by {other['name']}{deleted}.", field="slug")

    def _write(self, work: Any) -> Any:
        try:
            return run_transaction(self.db, work)
        finally:
            self.catalog.invalidate()


def _admin_matches(product: Product, query: ProductListQuery, low: int) -> bool:
    if query.category and product.category != query.category:
        return False
    if query.stock == "out" and product.stock > 0:
        return False
    if query.stock == "low" and not 0 < product.stock <= low:
        return False
    if query.stock == "in" and product.stock <= 0:
        return False
    if query.featured is not None and product.featured != (query.featured == "yes"):
        return False
    if query.q:
        needle = normalize(query.q.strip())
        haystack = normalize(
            " ".join([product.name, product.slug, product.sku, product.supplier, product.id, *product.tags])
        )
        return all(word in haystack for word in needle.split())
    return True


def _admin_sorted(items: list[Product], sort: str) -> list[Product]:
    if sort == "price_asc":
        return sorted(items, key=lambda p: (p.price, normalize(p.name)))
    if sort == "price_desc":
        return sorted(items, key=lambda p: (-p.price, normalize(p.name)))
    if sort == "stock_asc":
        return sorted(items, key=lambda p: (p.stock, normalize(p.name)))
    if sort == "stock_desc":
        return sorted(items, key=lambda p: (-p.stock, normalize(p.name)))
    if sort == "updated":
        return sorted(items, key=lambda p: p.updated_at, reverse=True)
    return sorted(items, key=lambda p: normalize(p.name))
