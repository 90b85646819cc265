"""The owner's product management: create, edit, delete, bulk changes and CSV import/export.

Every write sets `updatedAt` (the catalog snapshot follows the database by that field) and then calls
`catalog.invalidate()`, so the storefront, its cached listings and the vector index (a listener of the
catalog) see the change on the next request. Stock lives twice, in products.stock and in
inventory.stockLevel; both change in one transaction, and a stock edit is applied as a difference
(`$inc`) so sales made while the owner had the form open are not overwritten.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from bson import ObjectId
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pymongo import ReturnDocument
from pymongo.client_session import ClientSession
from pymongo.database import Database

from shop.catalog.categories import Category, category_context, check_category
from shop.catalog.media import LocalMedia
from shop.catalog.snapshot import Catalog, Product
from shop.core.activity import changed_fields, log_activity
from shop.core.errors import Conflict, InvalidInput, NotFound
from shop.core.money import to_money
from shop.core.pagination import Page
from shop.core.settings import Settings
from shop.core.spreadsheets import safe_cell, unescape_cell
from shop.core.text import normalize, slugify
from shop.core.transactions import run_transaction
from shop.core.validation import describe_errors, line, paragraph, parse_object_id, reject_bool

MAX_PRICE = Decimal("100000.00")
MAX_STOCK = 1_000_000
MAX_BULK = 500
MAX_CSV_BYTES = 2 * 1024 * 1024
MAX_CSV_ROWS = 5000
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
NO_SUCH_PRODUCT = "That product does not exist."
ATTRIBUTE_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9 _-]{0,39}$")

# The fields an owner edits; the order is the CSV's column order after `id`.
EDITABLE = (
    "slug",
    "name",
    "category",
    "price",
    "stock",
    "featured",
    "tags",
    "attributes",
    "supplier",
    "leadTimeDays",
    "imageUrl",
    "description",
)
CSV_COLUMNS = ("id", *EDITABLE)


def _price(value: Any) -> Decimal:
    """A shelf price: a plain number with at most 2 decimals ("$12.50" is accepted, "12.505" is not)."""
    if isinstance(value, float):
        raise ValueError("must be an exact amount, not a float")
    if isinstance(value, str):
        value = value.strip().removeprefix("$").replace(",", "").strip()
        if not value:
            raise ValueError("is required")
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError("must be a number like 12.50") from None
    if not amount.is_finite():
        raise ValueError("must be a number like 12.50")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError("must have at most 2 decimals")
    if amount < Decimal("0.01"):
        raise ValueError("must be at least 0.01")
    if amount > MAX_PRICE:
        raise ValueError(f"must be at most {MAX_PRICE}")
    return to_money(amount)


def _int_text(value: Any) -> Any:
    value = reject_bool(value)
    if isinstance(value, str):
        value = value.strip()
        if not re.fullmatch(r"[+-]?\d{1,9}", value):
            raise ValueError("must be a whole number")
        return int(value)
    return value


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "y", "on", "x"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("", "0", "false", "no", "n", "off"):
        return False
    raise ValueError("must be yes or no")


def parse_tags(value: Any) -> list[str]:
    """Tags from a list or from "a, b, c" (form field, CSV cell): trimmed, lowercase, no duplicates."""
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple):
        raise ValueError("must be a list of tags")
    tags: list[str] = []
    for item in value:
        if not isinstance(item, str):
            raise ValueError("must be a list of tags")
        tag = item.strip().lower()
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def parse_attributes(value: Any) -> dict[str, str]:
    """Attributes from a dict or from "key: value" pairs, one per line or separated by ";"."""
    if isinstance(value, dict):
        return {str(k).strip(): v for k, v in value.items()}
    if not isinstance(value, str):
        raise ValueError("must be key: value pairs")
    attributes: dict[str, str] = {}
    for part in re.split(r"[;\n]", value.replace("\r\n", "\n")):
        if not part.strip():
            continue
        key, sep, text = part.partition(":")
        if not sep:
            raise ValueError(f'"{part.strip()[:40]}" is not a "key: value" pair')
        attributes[key.strip()] = text.strip()
    return attributes


def format_attributes(attributes: dict[str, str], separator: str = "\n") -> str:
    return separator.join(f"{key}: {value}" for key, value in attributes.items())


Tag = line(40)
Price = Annotated[Decimal, BeforeValidator(_price)]
Stock = Annotated[int, BeforeValidator(_int_text), Field(ge=0, le=MAX_STOCK)]
Flag = Annotated[bool, BeforeValidator(_flag)]


class ProductInput(BaseModel):
    """A product as the owner submits it, from the form, a CSV row or the agent; ids never included."""

    model_config = ConfigDict(extra="forbid")

    name: line(120)  # type: ignore[valid-type]
    slug: line(80, min_length=0) = ""  # type: ignore[valid-type]
    description: paragraph(2000)  # type: ignore[valid-type]
    category: line(40)  # type: ignore[valid-type]
    price: Price
    stock: Stock = 0
    featured: Flag = False
    tags: Annotated[list[Tag], BeforeValidator(parse_tags), Field(max_length=20)] = Field(default_factory=list)
    attributes: Annotated[dict[str, line(200, min_length=0)], BeforeValidator(parse_attributes)] = Field(  # type: ignore[valid-type]
        default_factory=dict
    )
    supplier: line(120, min_length=0) = ""  # type: ignore[valid-type]
    leadTimeDays: Annotated[int, BeforeValidator(_int_text), Field(ge=0, le=365)] = 7
    imageUrl: line(500, min_length=0) = ""  # type: ignore[valid-type]

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str, info: ValidationInfo) -> str | None:
        return check_category(value, info, required=True)

    @field_validator("slug")
    @classmethod
    def _slug(cls, value: str) -> str:
        value = value.strip().lower()
        if value and not SLUG_PATTERN.match(value):
            raise ValueError("may contain only lowercase letters, digits and single dashes")
        return value

    @field_validator("attributes")
    @classmethod
    def _attribute_keys(cls, value: dict[str, str]) -> dict[str, str]:
        if len(value) > 30:
            raise ValueError("at most 30 attributes")
        for key in value:
            # Keys become MongoDB field names: no "$" prefix, no dots, nothing surprising.
            if not ATTRIBUTE_KEY.match(key):
                raise ValueError(f'"{key[:40]}" is not a valid attribute name (letters, digits, spaces, - and _)')
        return value

    @field_validator("imageUrl")
    @classmethod
    def _image_url(cls, value: str) -> str:
        if value and not (value.startswith("/media/") or value.startswith("https://")):
            raise ValueError("must be an uploaded image (/media/...) or an https:// address")
        return value

    def resolved_slug(self) -> str:
        slug = self.slug or slugify(self.name)
        if not slug:
            raise InvalidInput("The name needs some letters or digits to make a web address from.", field="slug")
        return slug

    def fields(self) -> dict[str, Any]:
        """The document fields this input sets (stock is handled separately, see ProductAdmin)."""
        return {
            "slug": self.resolved_slug(),
            "name": self.name,
            "description": self.description,
            "category": self.category,
            "price": self.price,
            "featured": self.featured,
            "tags": self.tags,
            "attributes": self.attributes,
            "supplier": self.supplier,
            "leadTimeDays": self.leadTimeDays,
        }


def validate_product(values: dict[str, Any], categories: Iterable[Category]) -> ProductInput:
    """ProductInput, or InvalidInput whose `errors` maps each field to a message; the category must be
    one of the shop's `categories`."""
    try:
        return ProductInput.model_validate(values, context=category_context(categories))
    except ValidationError as exc:
        errors: dict[str, str] = {}
        # "tags.1" and "attributes.origin" are shown next to their form field ("tags", "attributes").
        for key, message in describe_errors(list(exc.errors())).items():
            errors.setdefault(key.split(".", 1)[0], message)
        raise ProductInvalid(errors) from None


class ProductInvalid(InvalidInput):
    def __init__(self, errors: dict[str, str]) -> None:
        summary = "; ".join(f"{key} {message}" for key, message in errors.items())
        super().__init__(f"Please check: {summary}.", field=next(iter(errors), None))
        self.errors = errors


@dataclass(frozen=True)
class CsvRowError:
    line: int
    message: str


class CsvImportError(InvalidInput):
    """The file was refused as a whole; `errors` lists every problem with its line number."""

    def __init__(self, errors: list[CsvRowError]) -> None:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(f"Nothing was imported. Line {first.line}: {first.message}{more}", field="file")
        self.errors = errors


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


class ProductListQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    q: line(100, min_length=0) | None = None  # type: ignore[valid-type]
    category: line(40) | None = None  # type: ignore[valid-type]
    stock: Literal["in", "low", "out"] | None = None
    status: Literal["active", "deleted"] = "active"
    featured: Literal["yes", "no"] | None = None
    sort: Literal["name", "price_asc", "price_desc", "stock_asc", "stock_desc", "updated"] = "name"
    page: int = Field(default=1, ge=1, le=10000)
    page_size: int = Field(default=50, ge=1, le=200)

    @field_validator("category")
    @classmethod
    def _known_category(cls, value: str | None, info: ValidationInfo) -> str | None:
        return check_category(value, info, required=False)


def validate_list_query(values: dict[str, Any], categories: Iterable[Category]) -> ProductListQuery:
    """The admin listing's filters from the URL, the category checked against the shop's categories."""
    return ProductListQuery.model_validate(values, context=category_context(categories))


ADMIN_SORTS: list[tuple[str, str]] = [
    ("name", "Name A-Z"),
    ("price_asc", "Price: low to high"),
    ("price_desc", "Price: high to low"),
    ("stock_asc", "Stock: lowest first"),
    ("stock_desc", "Stock: highest first"),
    ("updated", "Recently changed"),
]


def product_form_values(doc: dict[str, Any]) -> dict[str, Any]:
    """A product document as the edit form shows it (texts, not lists and dicts)."""
    return {
        "name": doc.get("name", ""),
        "slug": doc.get("slug", ""),
        "description": doc.get("description", ""),
        "category": doc.get("category", ""),
        "price": f"{Decimal(doc['price']):.2f}" if doc.get("price") is not None else "",
        "stock": str(doc.get("stock", 0)),
        "featured": bool(doc.get("featured")),
        "tags": ", ".join(doc.get("tags") or []),
        "attributes": format_attributes(doc.get("attributes") or {}),
        "supplier": doc.get("supplier", ""),
        "leadTimeDays": str(doc.get("leadTimeDays", 7)),
        "imageUrl": doc.get("imageUrl", ""),
    }


def _snapshot(doc: dict[str, Any]) -> dict[str, Any]:
    """What the activity log records of a product."""
    return {key: doc.get(key) for key in EDITABLE if key in doc} | {"deletedAt": doc.get("deletedAt")}


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
        fields = data.fields()
        self._check_slug_free(fields["slug"], None)
        now = datetime.now(UTC)
        doc: dict[str, Any] = {
            "_id": ObjectId(),
            **fields,
            "stock": data.stock,
            "imageUrl": data.imageUrl,
            "rating": 0.0,
            "reviewCount": 0,
            "createdAt": now,
            "updatedAt": now,
            "deletedAt": None,
        }
        if not doc["imageUrl"]:
            doc["imageUrl"] = self._placeholder(doc)

        def work(session: ClientSession) -> None:
            self.db.products.insert_one(doc, session=session)
            self.db.inventory.insert_one(self._inventory_doc(doc["_id"], data.stock, now), session=session)
            log_activity(self.db, owner, "product.create", "product", doc["_id"], None, _snapshot(doc), session=session)

        self._write(work)
        return doc

    def update(
        self, product_id: str, data: ProductInput, *, owner: str, stock_seen: int | None = None
    ) -> dict[str, Any]:
        """Apply the form. Stock changes by (submitted - `stock_seen`), the value the form was opened
        with, so units sold meanwhile stay sold; without `stock_seen` the submitted stock is absolute."""
        oid = parse_object_id(product_id, or_raise=NotFound(NO_SUCH_PRODUCT))
        fields = data.fields()
        if data.imageUrl:
            fields["imageUrl"] = data.imageUrl
        self._check_slug_free(fields["slug"], oid)

        def work(session: ClientSession) -> dict[str, Any]:
            before = self.db.products.find_one({"_id": oid}, session=session)
            if before is None:
                raise NotFound(NO_SUCH_PRODUCT)
            base = before["stock"] if stock_seen is None else stock_seen
            delta = data.stock - base
            after = self._apply(session, before, fields, delta, owner, "product.update")
            return after

        after = self._write(work)
        return after

    def delete(self, product_id: str, *, owner: str) -> None:
        """Soft delete: the product leaves the shop, but past orders and the activity log still name it."""
        self._set_deleted(product_id, True, owner)

    def restore(self, product_id: str, *, owner: str) -> None:
        self._set_deleted(product_id, False, owner)

    def _set_deleted(self, product_id: str, deleted: bool, owner: str) -> None:
        oid = parse_object_id(product_id, or_raise=NotFound(NO_SUCH_PRODUCT))
        now = datetime.now(UTC)

        def work(session: ClientSession) -> None:
            before = self.db.products.find_one({"_id": oid}, session=session)
            if before is None:
                raise NotFound(NO_SUCH_PRODUCT)
            if (before.get("deletedAt") is not None) == deleted:
                return
            value = now if deleted else None
            self.db.products.update_one({"_id": oid}, {"$set": {"deletedAt": value, "updatedAt": now}}, session=session)
            action = "product.delete" if deleted else "product.restore"
            log_activity(
                self.db,
                owner,
                action,
                "product",
                oid,
                {"deletedAt": before.get("deletedAt")},
                {"deletedAt": value},
                session=session,
            )

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
        """Every product that is not deleted, in the import format (a round trip changes nothing)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        for doc in self.db.products.find({"deletedAt": None}).sort("slug", 1):
            values = product_form_values(doc)
            row = [str(doc["_id"])]
            for column in EDITABLE:
                if column == "attributes":
                    row.append(format_attributes(doc.get("attributes") or {}, "; "))
                elif column == "featured":
                    row.append("yes" if doc.get("featured") else "no")
                else:
                    row.append(str(values[column]))
            writer.writerow([safe_cell(cell) for cell in row])
        return out.getvalue()

    def import_csv(self, data: bytes, *, owner: str) -> ImportResult:
        """Create or update products from a CSV file, all or nothing.

        Rows are matched by `id` when given, else by `slug`; a row for an existing product changes only
        the columns the file has. Every row is validated before anything is written, and every problem
        is reported with its line number; then all writes happen in one transaction.
        """
        rows = self._parse_csv(data)
        plans, errors = self._plan_import(rows)
        if errors:
            raise CsvImportError(errors)
        result = ImportResult(unchanged=sum(1 for plan in plans if plan.kind == "unchanged"))
        for plan in plans:
            if plan.kind == "create" and not plan.fields["imageUrl"]:
                plan.fields["imageUrl"] = self._placeholder(plan.fields)

        def work(session: ClientSession) -> ImportResult:
            done = ImportResult(unchanged=result.unchanged)
            for plan in plans:
                if plan.kind == "create":
                    now = datetime.now(UTC)
                    doc = {**plan.fields, "_id": ObjectId(), "rating": 0.0, "reviewCount": 0}
                    doc.update({"createdAt": now, "updatedAt": now, "deletedAt": None})
                    doc["stock"] = plan.stock
                    self.db.products.insert_one(doc, session=session)
                    self.db.inventory.insert_one(self._inventory_doc(doc["_id"], plan.stock, now), session=session)
                    log_activity(
                        self.db, owner, "product.import", "product", doc["_id"], None, _snapshot(doc), session=session
                    )
                    done.created += 1
                elif plan.kind == "update":
                    before = self.db.products.find_one({"_id": plan.product_id}, session=session)
                    if before is None:
                        raise CsvImportError([CsvRowError(plan.line, "the product was deleted meanwhile")])
                    delta = 0 if plan.stock is None else plan.stock - before["stock"]
                    self._apply(session, before, plan.fields, delta, owner, "product.import")
                    done.updated += 1
            return done

        if not any(plan.kind != "unchanged" for plan in plans):
            return result
        return self._write(work)

    def _parse_csv(self, data: bytes) -> list[tuple[int, dict[str, str]]]:
        if len(data) > MAX_CSV_BYTES:
            raise CsvImportError([CsvRowError(1, f"the file is larger than {MAX_CSV_BYTES // (1024 * 1024)} MB")])
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line_no = data[: exc.start].count(b"\n") + 1
            raise CsvImportError([CsvRowError(line_no, "the file is not UTF-8 text (save it as CSV UTF-8)")]) from None
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            header = next(reader)
        except StopIteration:
            raise CsvImportError([CsvRowError(1, "the file is empty")]) from None
        except csv.Error as exc:
            raise CsvImportError([CsvRowError(1, f"not a valid CSV file ({exc})")]) from None
        columns = [name.strip() for name in header]
        unknown = [name for name in columns if name not in CSV_COLUMNS]
        if unknown:
            raise CsvImportError(
                [CsvRowError(1, f"unknown column {unknown[0]!r}; the columns are {', '.join(CSV_COLUMNS)}")]
            )
        duplicates = {name for name in columns if columns.count(name) > 1}
        if duplicates:
            raise CsvImportError([CsvRowError(1, f"the column {sorted(duplicates)[0]!r} appears twice")])
        if "id" not in columns and "slug" not in columns and "name" not in columns:
            raise CsvImportError([CsvRowError(1, "the file needs an id, slug or name column")])
        rows: list[tuple[int, dict[str, str]]] = []
        previous = reader.line_num
        try:
            for cells in reader:
                start, previous = previous + 1, reader.line_num
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) != len(columns):
                    rows.append((start, {"__error__": f"has {len(cells)} cells but the header has {len(columns)}"}))
                    continue
                rows.append((start, {name: unescape_cell(cell) for name, cell in zip(columns, cells, strict=True)}))
                if len(rows) > MAX_CSV_ROWS:
                    raise CsvImportError([CsvRowError(start, f"a file may have at most {MAX_CSV_ROWS} rows")])
        except csv.Error as exc:
            raise CsvImportError([CsvRowError(reader.line_num, f"not valid CSV ({exc})")]) from None
        if not rows:
            raise CsvImportError([CsvRowError(2, "the file has a header but no products")])
        return rows

    def _plan_import(self, rows: list[tuple[int, dict[str, str]]]) -> tuple[list[_ImportPlan], list[CsvRowError]]:
        existing = {doc["_id"]: doc for doc in self.db.products.find({})}
        by_slug = {doc["slug"]: doc for doc in existing.values()}
        plans: list[_ImportPlan] = []
        errors: list[CsvRowError] = []
        seen_slugs: dict[str, int] = {}
        seen_ids: dict[ObjectId, int] = {}
        for line_no, row in rows:
            if "__error__" in row:
                errors.append(CsvRowError(line_no, row["__error__"]))
                continue
            try:
                plan = self._plan_row(line_no, row, existing, by_slug)
            except ProductInvalid as exc:
                errors.append(CsvRowError(line_no, "; ".join(f"{k} {m}" for k, m in exc.errors.items())))
                continue
            except InvalidInput as exc:
                errors.append(CsvRowError(line_no, exc.message))
                continue
            slug = plan.fields.get("slug") or plan.slug
            if slug in seen_slugs:
                errors.append(CsvRowError(line_no, f"the slug {slug!r} is also on line {seen_slugs[slug]}"))
                continue
            seen_slugs[slug] = line_no
            if plan.product_id is not None:
                if plan.product_id in seen_ids:
                    errors.append(CsvRowError(line_no, f"this product is also on line {seen_ids[plan.product_id]}"))
                    continue
                seen_ids[plan.product_id] = line_no
            plans.append(plan)
        return plans, errors

    def _plan_row(
        self,
        line_no: int,
        row: dict[str, str],
        existing: dict[ObjectId, dict[str, Any]],
        by_slug: dict[str, dict[str, Any]],
    ) -> _ImportPlan:
        target: dict[str, Any] | None = None
        raw_id = row.get("id", "").strip()
        if raw_id:
            not_an_id = InvalidInput(f"id {raw_id[:30]!r} is not a product id")
            target = existing.get(parse_object_id(raw_id, or_raise=not_an_id))
            if target is None:
                raise InvalidInput(f"no product has the id {raw_id}")
        slug = (row.get("slug") or "").strip().lower() or slugify(row.get("name", ""))
        if target is None and slug in by_slug:
            target = by_slug[slug]
        values = {k: v for k, v in row.items() if k != "id"}
        if target is not None and target.get("deletedAt") is not None:
            raise InvalidInput(f"the product {target['slug']!r} is deleted; restore it in the admin first")
        if target is None:
            values.setdefault("slug", slug)
            if not values.get("stock", "").strip():
                values["stock"] = "0"
            data = validate_product(values, self.catalog.all_categories())
            fields = data.fields() | {"imageUrl": data.imageUrl}
            return _ImportPlan("create", line_no, None, fields["slug"], fields, data.stock)
        # An update: start from the stored product, overlay the file's columns, validate the whole.
        current = product_form_values(target)
        stock_given = "stock" in values and values["stock"].strip() != ""
        merged = {**current, **{k: v for k, v in values.items() if k != "stock" or stock_given}}
        data = validate_product(merged, self.catalog.all_categories())
        fields = data.fields() | {"imageUrl": data.imageUrl}
        owner_of_slug = by_slug.get(fields["slug"])
        if owner_of_slug is not None and owner_of_slug["_id"] != target["_id"]:
            raise InvalidInput(f"the slug {fields['slug']!r} belongs to another product ({owner_of_slug['name']})")
        changed = {k: v for k, v in fields.items() if target.get(k) != v}
        stock = data.stock if stock_given and data.stock != target.get("stock") else None
        kind = "update" if changed or stock is not None else "unchanged"
        return _ImportPlan(kind, line_no, target["_id"], fields["slug"], changed, stock)

    # --- shared write path -------------------------------------------------------------------
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
        changes = {k: v for k, v in fields.items() if before.get(k) != v}
        if not changes and stock_delta == 0:
            return before
        now = datetime.now(UTC)
        update: dict[str, Any] = {"$set": {**changes, "updatedAt": now}}
        query: dict[str, Any] = {"_id": before["_id"]}
        if stock_delta:
            update["$inc"] = {"stock": stock_delta}
            if stock_delta < 0:
                query["stock"] = {"$gte": -stock_delta}
        after = self.db.products.find_one_and_update(
            query, update, return_document=ReturnDocument.AFTER, session=session
        )
        if after is None:
            raise Conflict(f"{before['name']} has fewer units in stock than that change removes; nothing was saved.")
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


@dataclass
class _ImportPlan:
    kind: Literal["create", "update", "unchanged"]
    line: int
    product_id: ObjectId | None
    slug: str
    fields: dict[str, Any] = field(default_factory=dict)
    stock: int | None = None


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
        haystack = normalize(" ".join([product.name, product.slug, product.supplier, product.id, *product.tags]))
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
