"""Purchase-order drafts: the reorder advice turned into a CSV a supplier can read.

Why drafts are not stored: the owner reviews the suggested quantities, edits them and downloads the
file in one sitting; the numbers are recomputed from current stock every time, so a stored draft would
only go stale. The export is logged in the activity log by the route (who exported what, when).

Why one CSV with a supplier column by default, and one file per supplier on request: the owner
who emails each supplier wants per-supplier files; the owner who keeps a purchasing sheet wants one.
Each supplier's order gets a reference (PO-YYYYMMDD-SUPPLIER) to quote in emails and on delivery.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from bson import ObjectId
from pymongo.database import Database

from shop.catalog.snapshot import stock_code
from shop.core.errors import InvalidInput
from shop.core.settings import Settings
from shop.core.spreadsheets import safe_cell
from shop.core.text import slugify, tokenize
from shop.core.validation import is_object_id
from shop.inventory.stock import InventoryRow, inventory_rows

MAX_QUANTITY = 100_000
NO_SUPPLIER = "(no supplier)"


@dataclass
class DraftLine:
    """A product the owner may order: the suggestion and the facts that justify it."""

    row: InventoryRow
    suggested: int
    selected: bool


@dataclass
class PurchaseLine:
    product_id: str
    sku: str
    """The product's stock code (its SKU, else its slug): what the supplier's file names it by."""
    name: str
    quantity: int
    lead_time_days: int
    expected_by: date


@dataclass
class PurchaseOrder:
    reference: str
    supplier: str
    created: date
    lines: list[PurchaseLine] = field(default_factory=list)

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)


def supplier_key(name: str) -> str:
    """ASCII upper-case token for references and file names: "Montaña Café Co." -> "MONTANA-CAFE-CO"."""
    return slugify(name, max_length=40).upper() or "SUPPLIER"


def supplier_names(db: Database) -> list[str]:
    """The suppliers of the active products, A-Z.

    Suppliers live on the products (`supplier`, a name typed under Products): there is no suppliers
    collection, so the shop's suppliers are exactly the names its products carry (19 in the demo shop).
    """
    names = {str(doc.get("supplier") or "").strip() for doc in db.products.find({"deletedAt": None}, {"supplier": 1})}
    return sorted((name for name in names if name), key=str.lower)


def match_suppliers(names: list[str], text: str) -> list[str]:
    """The suppliers `text` names: the one whose name it is (case and accents ignored), else every
    supplier whose name holds all of its words ("fernwood" -> Fernwood Roasters; "coffee" -> the two
    with Coffee in their names, for the caller to ask which). Empty: no supplier by that name."""
    words = tokenize(text)
    if not words:
        return []
    exact = [name for name in names if tokenize(name) == words]
    if exact:
        return exact
    return [name for name in names if set(words) <= set(tokenize(name))]


def draft_lines(db: Database, settings: Settings, *, include_all: bool = False) -> list[DraftLine]:
    """Products to consider, grouped by supplier: those needing a reorder (pre-selected) or low, or
    with `include_all` every product (for an order the advice did not ask for)."""
    lines = []
    for row in inventory_rows(db, settings):
        wanted = row.needs_reorder or row.low
        if not (wanted or include_all):
            continue
        suggested = row.suggested_quantity
        lines.append(DraftLine(row=row, suggested=suggested, selected=row.needs_reorder and suggested > 0))
    lines.sort(key=lambda line: ((line.row.supplier or NO_SUPPLIER).lower(), line.row.name.lower()))
    return lines


def parse_quantities(picks: Mapping[str, str]) -> dict[str, int]:
    """Form quantities (product id -> text) to whole numbers; blank or 0 drops the line."""
    chosen: dict[str, int] = {}
    for product_id, text in picks.items():
        if not is_object_id(product_id):
            raise InvalidInput("The order names an unknown product.", field="quantity")
        value = str(text).strip()
        if not value:
            continue
        try:
            quantity = int(value)
        except ValueError as exc:
            raise InvalidInput("Quantities must be whole numbers.", field="quantity") from exc
        if not 0 <= quantity <= MAX_QUANTITY:
            raise InvalidInput(f"Quantities must be between 0 and {MAX_QUANTITY:,}.", field="quantity")
        if quantity:
            chosen[product_id] = quantity
    return chosen


def build_purchase_orders(
    db: Database, quantities: Mapping[str, int], *, supplier: str | None = None, today: date | None = None
) -> list[PurchaseOrder]:
    """One purchase order per supplier from chosen quantities (product id -> units).

    Product facts (name, supplier, lead time) are read from the database, never from the form, so
    an edited page cannot put a wrong supplier on the file.
    """
    day = today or datetime.now(UTC).date()
    ids = [ObjectId(pid) for pid in quantities]
    products = {
        str(p["_id"]): p
        for p in db.products.find(
            {"_id": {"$in": ids}, "deletedAt": None}, {"slug": 1, "sku": 1, "name": 1, "supplier": 1, "leadTimeDays": 1}
        )
    }
    missing = set(quantities) - set(products)
    if missing:
        raise InvalidInput("Some products on the order no longer exist; reload the draft.", field="quantity")
    orders: dict[str, PurchaseOrder] = {}
    for pid, quantity in quantities.items():
        doc = products[pid]
        name = doc.get("supplier") or NO_SUPPLIER
        if supplier is not None and name != supplier:
            continue
        order = orders.get(name)
        if order is None:
            order = orders[name] = PurchaseOrder(f"PO-{day:%Y%m%d}-{supplier_key(name)}", name, day)
        lead = int(doc.get("leadTimeDays") or 7)
        code = stock_code(doc.get("sku"), doc.get("slug", ""))
        order.lines.append(PurchaseLine(pid, code, doc.get("name", ""), quantity, lead, day + timedelta(days=lead)))
    for order in orders.values():
        order.lines.sort(key=lambda line: line.name.lower())
    return sorted(orders.values(), key=lambda o: o.supplier.lower())


CSV_COLUMNS = ["po_reference", "supplier", "sku", "product", "quantity", "lead_time_days", "expected_by", "product_id"]


def purchase_orders_csv(orders: list[PurchaseOrder]) -> str:
    """The supplier's file: one row per line, the supplier in a column (one or many suppliers)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for order in orders:
        for line in order.lines:
            writer.writerow(
                [
                    order.reference,
                    safe_cell(order.supplier),
                    safe_cell(line.sku),  # the owner types a SKU: "=..." must not become a formula
                    safe_cell(line.name),
                    line.quantity,
                    line.lead_time_days,
                    line.expected_by.isoformat(),
                    line.product_id,
                ]
            )
    return buffer.getvalue()


def csv_filename(orders: list[PurchaseOrder], today: date | None = None) -> str:
    day = today or datetime.now(UTC).date()
    if len(orders) == 1:
        return f"{orders[0].reference}.csv"
    return f"purchase-orders-{day:%Y%m%d}.csv"
