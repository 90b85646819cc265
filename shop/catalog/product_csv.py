"""Products as a CSV file: the export, and the import's reading and planning (all or nothing).

The owner edits the catalogue in a spreadsheet: the export writes every product that is not deleted in
the import's format, so a round trip changes nothing; text that starts like a formula is escaped
(shop.core.spreadsheets) and read back unescaped. The import reads the whole file and plans every row
(create, update or unchanged) before anything is written; every problem is reported with its line
number and then nothing is imported. ProductAdmin.import_csv writes the plan in one transaction.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from bson import ObjectId

from shop.catalog.categories import Category
from shop.catalog.product_input import (
    EDITABLE,
    UNSET_VARIANT_FIELDS,
    format_attributes,
    product_form_values,
    validate_product,
    variant_name,
    variant_slug,
)
from shop.core.errors import InvalidFields, InvalidInput
from shop.core.spreadsheets import safe_cell, unescape_cell
from shop.core.text import slugify
from shop.core.validation import parse_object_id

MAX_CSV_BYTES = 2 * 1024 * 1024
MAX_CSV_ROWS = 5000
VARIANT_COLUMNS = ("sku", "variant_of", "options")
"""VARIANTS (issue 14): the owner's SKU, the main product's id for a variant, "size=1 kg; grind=ground"."""
CSV_COLUMNS = ("id", *EDITABLE, *VARIANT_COLUMNS)
Row = tuple[int, dict[str, str]]
"""A data row: its first line number in the file, and its cells by column."""


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


@dataclass
class ImportPlan:
    """What the import does with one row: `fields` are the values to set (for an update, only the
    changed ones), `stock` the new stock when the row sets it (a new product always has one)."""

    kind: Literal["create", "update", "unchanged"]
    line: int
    product_id: ObjectId | None
    slug: str
    fields: dict[str, Any] = field(default_factory=dict)
    stock: int | None = None


def export_csv(products: Iterable[dict[str, Any]]) -> str:
    """The products in the import format (a round trip changes nothing)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for doc in products:
        values = product_form_values(doc)
        row = [str(doc["_id"])]
        for column in EDITABLE:
            if column == "attributes":
                row.append(format_attributes(doc.get("attributes") or {}, "; "))
            elif column == "featured":
                row.append("yes" if doc.get("featured") else "no")
            else:
                row.append(str(values[column]))
        row += [values["sku"], str(doc.get("variantOf") or ""), values["options"]]
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()


def parse_csv(data: bytes) -> list[Row]:
    """The file's data rows; a problem with the file as a whole raises CsvImportError at once, a row
    with the wrong number of cells is kept as an error for plan_import to report beside the others."""
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
    rows: list[Row] = []
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


def plan_import(
    rows: list[Row], products: Iterable[dict[str, Any]], categories: Sequence[Category]
) -> tuple[list[ImportPlan], list[CsvRowError]]:
    """A plan per row against the stored `products` (deleted ones too: a row may not revive one),
    or the problems of every row that cannot be imported."""
    existing = {doc["_id"]: doc for doc in products}
    by_slug = {doc["slug"]: doc for doc in existing.values()}
    plans: list[ImportPlan] = []
    errors: list[CsvRowError] = []
    seen_slugs: dict[str, int] = {}
    seen_ids: dict[ObjectId, int] = {}
    families = _Families(existing.values())
    for line_no, row in rows:
        if "__error__" in row:
            errors.append(CsvRowError(line_no, row["__error__"]))
            continue
        try:
            plan = _plan_row(line_no, row, existing, by_slug, categories)
        except InvalidFields as exc:
            errors.append(CsvRowError(line_no, "; ".join(f"{k} {m}" for k, m in exc.errors.items())))
            continue
        except InvalidInput as exc:
            errors.append(CsvRowError(line_no, exc.message))
            continue
        slug = plan.fields.get("slug") or plan.slug
        if slug in seen_slugs:
            errors.append(CsvRowError(line_no, f"the slug {slug!r} is also on line {seen_slugs[slug]}"))
            continue
        problem = families.claim(plan, line_no)
        if problem:
            errors.append(CsvRowError(line_no, problem))
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
    line_no: int,
    row: dict[str, str],
    existing: dict[ObjectId, dict[str, Any]],
    by_slug: dict[str, dict[str, Any]],
    categories: Sequence[Category],
) -> ImportPlan:
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
    values = {k: v for k, v in row.items() if k not in ("id", "variant_of")}
    raw_main = row.get("variant_of", "").strip()
    if target is not None and target.get("deletedAt") is not None:
        raise InvalidInput(f"the product {target['slug']!r} is deleted; restore it in the admin first")
    if target is None:
        values.setdefault("slug", slug)
        if not values.get("stock", "").strip():
            values["stock"] = "0"
        data = validate_product(values | {"variantOf": raw_main or None}, categories)
        fields = data.fields() | {"imageUrl": data.imageUrl}
        if data.variantOf is not None:
            main = _main_of(data.variantOf, existing)
            if not data.options:
                raise InvalidInput("a variant needs options, like size=1 kg")
            fields |= {"variantOf": main["_id"], "name": variant_name(main, data.options)}
            fields["slug"] = variant_slug(main, data.options)
        return ImportPlan("create", line_no, None, fields["slug"], fields, data.stock)
    if "variant_of" in row and raw_main != str(target.get("variantOf") or ""):
        raise InvalidInput("variant_of cannot change (add a variant in the admin, or import it as a new row)")
    # An update: start from the stored product, overlay the file's columns, validate the whole.
    current = product_form_values(target)
    stock_given = "stock" in values and values["stock"].strip() != ""
    merged = {**current, **{k: v for k, v in values.items() if k != "stock" or stock_given}}
    data = validate_product(merged, categories)
    fields = data.fields() | {"imageUrl": data.imageUrl}
    if target.get("variantOf") is not None:
        main = existing.get(target["variantOf"])
        if main is not None:  # name and slug follow the main product's and the options
            if not data.options:
                raise InvalidInput("a variant needs options, like size=1 kg")
            fields |= {"name": variant_name(main, data.options), "slug": variant_slug(main, data.options)}
    owner_of_slug = by_slug.get(fields["slug"])
    if owner_of_slug is not None and owner_of_slug["_id"] != target["_id"]:
        raise InvalidInput(f"the slug {fields['slug']!r} belongs to another product ({owner_of_slug['name']})")
    changed = {k: v for k, v in fields.items() if target.get(k, UNSET_VARIANT_FIELDS.get(k)) != v}
    stock = data.stock if stock_given and data.stock != target.get("stock") else None
    kind = "update" if changed or stock is not None else "unchanged"
    return ImportPlan(kind, line_no, target["_id"], fields["slug"], changed, stock)


def _main_of(main_id: str, existing: dict[ObjectId, dict[str, Any]]) -> dict[str, Any]:
    main = existing.get(ObjectId(main_id))
    if main is None or main.get("deletedAt") is not None:
        raise InvalidInput(f"variant_of: no product has the id {main_id}")
    if main.get("variantOf") is not None:
        raise InvalidInput(f"variant_of: {main['name']} is itself a variant (one level only)")
    return main


class _Families:
    """VARIANTS: the file's rows against the shop's active products and each other: a SKU names one
    product, and within a family no two members have the same options."""

    def __init__(self, products: Iterable[dict[str, Any]]) -> None:
        self.stored = {doc["_id"]: doc for doc in products if doc.get("deletedAt") is None}
        self.skus: dict[str, tuple[ObjectId | None, str]] = {
            doc["sku"]: (doc["_id"], doc["name"]) for doc in self.stored.values() if doc.get("sku")
        }
        self.options: dict[tuple[ObjectId, frozenset[tuple[str, str]]], tuple[ObjectId | None, str]] = {}
        for doc in self.stored.values():
            if doc.get("options"):
                family = doc.get("variantOf") or doc["_id"]
                self.options[(family, _option_key(doc["options"]))] = (doc["_id"], doc["name"])

    def claim(self, plan: ImportPlan, line_no: int) -> str | None:
        """The problem with the row's SKU or options, or None (and they are taken for later rows)."""
        doc = self.stored.get(plan.product_id) if plan.product_id is not None else None
        merged = {**(doc or {}), **plan.fields}
        me = plan.product_id
        label = f"line {line_no}"
        sku = merged.get("sku") or ""
        if sku:
            holder = self.skus.get(sku)
            if holder is not None and (holder[0] is None or holder[0] != me):
                return f"the SKU {sku!r} is already used by {holder[1]}"
        options = merged.get("options") or UNSET_VARIANT_FIELDS["options"]
        family = merged.get("variantOf") or me
        key = (family, _option_key(options)) if options and family is not None else None
        if key is not None:
            holder = self.options.get(key)
            if holder is not None and (holder[0] is None or holder[0] != me):
                return f"a variant with these options exists ({holder[1]})"
        if sku:
            self.skus[sku] = (me, label)
        if key is not None:
            self.options[key] = (me, label)
        return None


def _option_key(options: dict[str, str]) -> frozenset[tuple[str, str]]:
    return frozenset((str(k).casefold(), str(v).casefold()) for k, v in options.items())
