"""Suppliers: name, email and lead time, in the `suppliers` collection.

Products keep naming their supplier in `products.supplier` (typed under Products, read by the
reorder advice, the CSV export and the owner's agent), so that name IS the reference: a supplier
record adds the email purchase orders are sent to and a lead time, matched by name case-insensitively
(`nameKey`, unique). A supplier that products name but that has no record yet is listed all the same,
ready to be completed. The reorder advice keeps the product's own `leadTimeDays` (a product may come
slower than the supplier's usual); a purchase order's expected date uses the supplier's lead time
when it is set, else the longest of its products'.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError
from pymongo.database import Database

from shop.core.activity import log_activity
from shop.core.errors import InvalidInput
from shop.core.validation import Email as EmailAddress

MAX_LEAD_TIME = 365
_email = TypeAdapter(EmailAddress)


@dataclass(frozen=True)
class Supplier:
    name: str
    email: str | None
    lead_time_days: int | None
    products: int
    """Active products naming this supplier."""
    stored: bool


def name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


def list_suppliers(db: Database) -> list[Supplier]:
    """Every stored supplier and every supplier name the active products carry, A-Z."""
    counts: dict[str, tuple[str, int]] = {}
    for doc in db.products.find({"deletedAt": None}, {"supplier": 1}):
        name = " ".join(str(doc.get("supplier") or "").split())
        if name:
            key = name_key(name)
            counts[key] = (counts.get(key, (name, 0))[0], counts.get(key, (name, 0))[1] + 1)
    stored = {doc["nameKey"]: doc for doc in db.suppliers.find({})}
    found = [
        Supplier(doc["name"], doc.get("email"), doc.get("leadTimeDays"), counts.get(key, ("", 0))[1], True)
        for key, doc in stored.items()
    ]
    found += [Supplier(name, None, None, n, False) for key, (name, n) in counts.items() if key not in stored]
    return sorted(found, key=lambda s: s.name.casefold())


def get_supplier(db: Database, name: str) -> Supplier | None:
    for supplier in list_suppliers(db):
        if name_key(supplier.name) == name_key(name):
            return supplier
    return None


def save_supplier(db: Database, *, name: Any, email: Any, lead_time_days: Any, owner: str) -> Supplier:
    """Create or update (matched by name) a supplier; blank email or lead time clears it."""
    clean = " ".join(str(name or "").split())
    if not clean or len(clean) > 100 or any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF for c in clean):
        raise InvalidInput("Enter the supplier's name (at most 100 characters).", field="name")
    address: str | None = None
    if str(email or "").strip():
        try:
            address = _email.validate_python(str(email).strip())
        except ValidationError as exc:
            raise InvalidInput("Enter a valid email address for the supplier.", field="email") from exc
    lead: int | None = None
    if str(lead_time_days or "").strip():
        try:
            lead = int(str(lead_time_days).strip())
        except ValueError as exc:
            raise InvalidInput("The lead time must be a whole number of days.", field="leadTimeDays") from exc
        if not 0 <= lead <= MAX_LEAD_TIME:
            raise InvalidInput(f"The lead time must be between 0 and {MAX_LEAD_TIME} days.", field="leadTimeDays")
    now = datetime.now(UTC)
    key = name_key(clean)
    before = db.suppliers.find_one({"nameKey": key})
    fields = {"name": before["name"] if before else clean, "email": address, "leadTimeDays": lead, "updatedAt": now}
    db.suppliers.update_one(
        {"nameKey": key}, {"$set": fields, "$setOnInsert": {"nameKey": key, "createdAt": now}}, upsert=True
    )
    log_activity(
        db,
        owner,
        "supplier.update" if before else "supplier.create",
        "supplier",
        fields["name"],
        {"email": before.get("email"), "leadTimeDays": before.get("leadTimeDays")} if before else None,
        {"email": address, "leadTimeDays": lead},
    )
    return get_supplier(db, clean) or Supplier(clean, address, lead, 0, True)
