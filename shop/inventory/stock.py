"""Stock insight for the owner: the inventory dashboard rows, low-stock thresholds and alerts.

Why live numbers on top of stored forecasts: the forecast job runs once a day (fitting models is the
expensive part), but stock moves with every order. So a row combines the job's demand figures
(`inventory.predictedDemand`) with the product's CURRENT stock: days of cover, the suggested order
quantity and "reorder now" are recomputed on every read from the stored order-up-to level, and the
dashboard never shows this morning's stock as if it were now.

Low-stock alerts: a product is low when `stock <= threshold`, the threshold being the product's own
`lowStockThreshold` when set, else the shop default (`LOW_STOCK_THRESHOLD`). The owner gets ONE
email per crossing: `inventory.lowStockNotified` is set with a conditional update that only one
caller can win (two processes checking at once still send one email), and it is cleared when the
stock is back above the threshold, which arms the alert for the next crossing.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal

from bson import ObjectId
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from shop.catalog.categories import name_from_slug, read_categories
from shop.core.db import find_in
from shop.core.errors import InvalidInput, NotFound
from shop.core.settings import Settings
from shop.core.validation import parse_object_id
from shop.inventory.forecasting.reorder import DEFAULT_REVIEW_DAYS, days_of_cover
from shop.messaging.mail import Email, Mailer, render

log = logging.getLogger(__name__)

MAX_THRESHOLD = 100_000
NO_SUCH_PRODUCT = "No such product."
StatusFilter = Literal["all", "low", "reorder", "out"]
SortKey = Literal["urgency", "name", "stock", "cover", "demand", "supplier"]
SORT_OPTIONS: list[tuple[str, str]] = [
    ("urgency", "Most urgent first"),
    ("cover", "Fewest days of cover"),
    ("demand", "Highest 30-day demand"),
    ("stock", "Lowest stock"),
    ("name", "Name A-Z"),
    ("supplier", "Supplier"),
]
STATUS_OPTIONS: list[tuple[str, str]] = [
    ("all", "All products"),
    ("low", "Low stock"),
    ("reorder", "Reorder now"),
    ("out", "Sold out"),
]


@dataclass
class InventoryRow:
    """One product on the dashboard; demand figures are None until the forecast job has run."""

    product_id: str
    slug: str
    name: str
    category: str
    supplier: str
    lead_time_days: int
    price: Decimal
    stock: int
    threshold_override: int | None
    threshold: int
    d7: float | None
    d30: float | None
    reorder_point: float | None
    safety_stock: float | None
    order_up_to: float | None
    model: str | None
    seller_class: str | None
    forecast_at: datetime | None
    restock_alert: bool
    notified: bool
    category_name: str

    @property
    def low(self) -> bool:
        return self.stock <= self.threshold

    @property
    def out_of_stock(self) -> bool:
        return self.stock <= 0

    @property
    def mean_daily(self) -> float | None:
        return None if self.d30 is None else self.d30 / 30

    @property
    def days_of_cover(self) -> float | None:
        """Current stock over forecast daily demand; None = no forecast, inf = no demand forecast."""
        if self.mean_daily is None:
            return None
        cover = days_of_cover(self.stock, self.mean_daily)
        return math.inf if cover is None else cover

    @property
    def needs_reorder(self) -> bool:
        return self.reorder_point is not None and self.stock <= self.reorder_point and self.suggested_quantity > 0

    @property
    def suggested_quantity(self) -> int:
        """Enough to bring stock up to the order-up-to level (reorder point + demand until the next review)."""
        if self.order_up_to is None:
            return 0
        return max(0, math.ceil(self.order_up_to - self.stock - 1e-9))

    @property
    def alert(self) -> bool:
        return self.low or self.needs_reorder


@dataclass
class InventorySummary:
    products: int
    low: int
    reorder: int
    out_of_stock: int
    stock_value: Decimal
    """Units on hand at retail price: what the shelf is worth, not what it cost."""
    forecast_at: datetime | None


def effective_threshold(override: Any, default: int) -> int:
    return default if override is None else int(override)


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def inventory_rows(
    db: Database, settings: Settings, *, product_ids: Iterable[ObjectId] | None = None
) -> list[InventoryRow]:
    """Every active product with its stored forecast, in name order."""
    names = ["slug", "name", "category", "supplier", "leadTimeDays", "price", "stock", "lowStockThreshold", "deletedAt"]
    fields = dict.fromkeys(names, 1)
    inventory_fields = {"productId": 1, "predictedDemand": 1, "restockAlert": 1, "lowStockNotified": 1}
    if product_ids is None:
        # The whole collections rather than a 2,000-id "$in" (shop.core.db.find_in); rows of deleted
        # products are simply not looked up.
        products = list(db.products.find({"deletedAt": None}, fields))
        inventory = db.inventory.find({}, inventory_fields)
    else:
        products = [p for p in find_in(db.products, "_id", list(product_ids), fields) if p.get("deletedAt") is None]
        inventory = find_in(db.inventory, "productId", [p["_id"] for p in products], inventory_fields)
    stored = {row["productId"]: row for row in inventory}
    category_names = {category.slug: category.name for category in read_categories(db)}
    rows = []
    for doc in products:
        inv = stored.get(doc["_id"], {})
        predicted = inv.get("predictedDemand") or {}
        override = doc.get("lowStockThreshold")
        order_up_to = predicted.get("orderUpTo")
        if order_up_to is None and predicted.get("reorderPoint") is not None and predicted.get("d30") is not None:
            # A forecast stored before orderUpTo existed: reorder point + demand over the review period.
            order_up_to = float(predicted["reorderPoint"]) + float(predicted["d30"]) / 30 * DEFAULT_REVIEW_DAYS
        rows.append(
            InventoryRow(
                product_id=str(doc["_id"]),
                slug=doc.get("slug", ""),
                name=doc.get("name", ""),
                category=doc.get("category", ""),
                supplier=doc.get("supplier") or "",
                lead_time_days=int(doc.get("leadTimeDays") or 7),
                price=Decimal(str(doc.get("price") or "0")),
                stock=int(doc.get("stock") or 0),
                threshold_override=None if override is None else int(override),
                threshold=effective_threshold(override, settings.low_stock_threshold),
                d7=_float(predicted.get("d7")),
                d30=_float(predicted.get("d30")),
                reorder_point=_float(predicted.get("reorderPoint")),
                safety_stock=_float(predicted.get("safetyStock")),
                order_up_to=_float(order_up_to),
                model=predicted.get("model"),
                seller_class=predicted.get("sellerClass"),
                forecast_at=predicted.get("at"),
                restock_alert=bool(inv.get("restockAlert")),
                notified=bool(inv.get("lowStockNotified")),
                category_name=category_names.get(doc.get("category", "")) or name_from_slug(doc.get("category", "")),
            )
        )
    rows.sort(key=lambda r: (r.name.lower(), r.product_id))
    return rows


def _cover_key(row: InventoryRow) -> float:
    cover = row.days_of_cover
    return math.inf if cover is None else cover


def filter_rows(
    rows: list[InventoryRow],
    *,
    q: str = "",
    category: str | None = None,
    supplier: str | None = None,
    status: StatusFilter = "all",
    sort: SortKey = "urgency",
) -> list[InventoryRow]:
    """The dashboard's filters and sort orders, applied in memory (a shop has thousands of rows at most)."""
    needle = q.strip().lower()
    picked = [
        r
        for r in rows
        if (not needle or needle in r.name.lower() or needle in r.slug)
        and (not category or r.category == category)
        and (not supplier or r.supplier == supplier)
        and (
            status == "all"
            or (status == "low" and r.low)
            or (status == "reorder" and r.needs_reorder)
            or (status == "out" and r.out_of_stock)
        )
    ]
    keys: dict[str, Any] = {
        "urgency": lambda r: (not r.out_of_stock, not r.alert, _cover_key(r), r.name.lower()),
        "cover": lambda r: (_cover_key(r), r.name.lower()),
        "demand": lambda r: (-(r.d30 or 0.0), r.name.lower()),
        "stock": lambda r: (r.stock, r.name.lower()),
        "name": lambda r: r.name.lower(),
        "supplier": lambda r: (r.supplier.lower(), r.name.lower()),
    }
    return sorted(picked, key=keys.get(sort, keys["urgency"]))


def summarize(rows: list[InventoryRow]) -> InventorySummary:
    stamps = [r.forecast_at for r in rows if r.forecast_at is not None]
    return InventorySummary(
        products=len(rows),
        low=sum(r.low for r in rows),
        reorder=sum(r.needs_reorder for r in rows),
        out_of_stock=sum(r.out_of_stock for r in rows),
        stock_value=sum((r.price * max(r.stock, 0) for r in rows), Decimal("0.00")),
        forecast_at=max(stamps) if stamps else None,
    )


def get_row(db: Database, settings: Settings, product_id: str | ObjectId) -> InventoryRow:
    rows = inventory_rows(db, settings, product_ids=[parse_object_id(product_id, or_raise=NotFound(NO_SUCH_PRODUCT))])
    if not rows:
        raise NotFound(NO_SUCH_PRODUCT)
    return rows[0]


def parse_threshold(value: str | int | None) -> int | None:
    """Form value -> override: blank means "use the shop default"; otherwise a whole number >= 0."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    try:
        number = int(text)
    except ValueError as exc:
        raise InvalidInput("The low-stock threshold must be a whole number.", field="lowStockThreshold") from exc
    if not 0 <= number <= MAX_THRESHOLD:
        raise InvalidInput(
            f"The low-stock threshold must be between 0 and {MAX_THRESHOLD:,}.", field="lowStockThreshold"
        )
    return number


def set_low_stock_threshold(
    db: Database, product_id: str | ObjectId, threshold: int | None
) -> tuple[int | None, int | None]:
    """Set (or with None, remove) a product's own threshold; returns (before, after) for the activity log.

    `updatedAt` moves so every process's catalog snapshot sees a changed product.
    """
    oid = parse_object_id(product_id, or_raise=NotFound(NO_SUCH_PRODUCT))
    update: dict[str, Any] = {"$set": {"updatedAt": datetime.now(UTC)}}
    if threshold is None:
        update["$unset"] = {"lowStockThreshold": ""}
    else:
        update["$set"]["lowStockThreshold"] = int(threshold)
    before = db.products.find_one_and_update({"_id": oid, "deletedAt": None}, update, {"lowStockThreshold": 1})
    if before is None:
        raise NotFound(NO_SUCH_PRODUCT)
    previous = before.get("lowStockThreshold")
    return (None if previous is None else int(previous)), threshold


# --------------------------------------------------------------------------------------------------
# Low-stock alerts
# --------------------------------------------------------------------------------------------------


@dataclass
class LowStockReport:
    checked: int
    notified: list[InventoryRow]
    """The rows the email was about (the dashboard's own rows: the email shows what the dashboard does)."""
    rearmed: int
    """Products back above their threshold, whose alert is armed again."""
    alert_flags_updated: int
    email_id: ObjectId | None


def check_low_stock(
    db: Database,
    settings: Settings,
    mailer: Mailer,
    *,
    product_ids: Iterable[ObjectId] | None = None,
    now: datetime | None = None,
) -> LowStockReport:
    """Email the owner about products that crossed their threshold since the last check, once each.

    Cheap enough to run after every stock change (`product_ids`: only the products that changed):
    one read of products and inventory, writes only for products whose state changed. It also
    keeps `inventory.restockAlert` true exactly when a product is low or at/below its reorder
    point, with the product's own threshold honoured.
    """
    moment = now or datetime.now(UTC)
    rows = inventory_rows(db, settings, product_ids=product_ids)
    crossed: list[InventoryRow] = []
    rearmed = 0
    flags = 0
    for row in rows:
        oid = ObjectId(row.product_id)
        if row.low and not row.notified:
            if _claim(db, oid, moment):
                crossed.append(row)
        elif not row.low and row.notified:
            result = db.inventory.update_one(
                {"productId": oid, "lowStockNotified": True},
                {"$set": {"lowStockNotified": False}, "$unset": {"lowStockNotifiedAt": ""}},
            )
            rearmed += result.modified_count
        if row.alert != row.restock_alert:
            db.inventory.update_one({"productId": oid}, {"$set": {"restockAlert": row.alert}})
            flags += 1
    email_id = None
    if crossed:
        try:
            email_id = mailer.send(low_stock_email(crossed, settings))
        except Exception:
            # Un-claim, so the next check tries again instead of the alert being lost.
            db.inventory.update_many(
                {"productId": {"$in": [ObjectId(row.product_id) for row in crossed]}},
                {"$set": {"lowStockNotified": False}, "$unset": {"lowStockNotifiedAt": ""}},
            )
            raise
        log.info("low-stock email for %d products", len(crossed))
    return LowStockReport(len(rows), crossed, rearmed, flags, email_id)


def _claim(db: Database, product_id: ObjectId, moment: datetime) -> bool:
    """Mark the crossing as notified; True only for the one caller whose update changed the flag."""
    try:
        result = db.inventory.update_one(
            {"productId": product_id, "lowStockNotified": {"$ne": True}},
            {
                "$set": {"lowStockNotified": True, "lowStockNotifiedAt": moment},
                "$setOnInsert": {"stockLevel": 0, "lastRestocked": None, "predictedDemand": None},
            },
            upsert=True,
        )
    except DuplicateKeyError:
        return False  # the row exists and is already notified (the upsert lost to the unique index)
    return result.modified_count == 1 or result.upserted_id is not None


def low_stock_email(items: list[InventoryRow], settings: Settings) -> Email:
    items = sorted(items, key=lambda i: (i.stock, i.name.lower()))
    if len(items) == 1:
        subject = f"Low stock: {items[0].name} ({items[0].stock} left)"
    else:
        subject = f"Low stock: {len(items)} products need attention"
    text, html = render(
        "low_stock",
        items=items,
        settings=settings,
        inventory_url=f"{settings.base_url.rstrip('/')}/admin/inventory",
    )
    return Email(to=[settings.owner_email], subject=subject, text=text, html=html, kind="low_stock")
