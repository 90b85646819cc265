"""The owner's activity log: who changed what, when, and what it looked like before and after.

Every admin write calls `log_activity`, inside the write's own transaction when it has one, so an entry
exists exactly when the change does: a crash can neither leave a change unlogged nor log a change that
was rolled back. Values are stored as BSON (Decimal stays Decimal128) so the log shows what the shop
stored, not a lossy rendering of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo.client_session import ClientSession
from pymongo.database import Database

from shop.core.pagination import newest_page

# Long texts (descriptions, review bodies) are cut in the log; the log is for "what changed", and a
# 100 kB description edited ten times should not make the collection balloon.
MAX_TEXT = 2000


def _compact(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return value[:MAX_TEXT] + "…"
    if isinstance(value, dict):
        return {str(k): _compact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_compact(v) for v in value]
    return value


def log_activity(
    db: Database,
    owner_email: str,
    action: str,
    entity: str,
    entity_id: Any,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    session: ClientSession | None = None,
) -> ObjectId:
    """Append one entry. `action` is a dotted verb ("product.update"), `entity` the collection's noun."""
    doc = {
        "at": datetime.now(UTC),
        "owner": owner_email,
        "action": action,
        "entity": entity,
        "entityId": str(entity_id) if entity_id is not None else None,
        "before": _compact(before) if before is not None else None,
        "after": _compact(after) if after is not None else None,
    }
    return db.activity_log.insert_one(doc, session=session).inserted_id


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that differ, so a log entry for a price change reads as a price change."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


@dataclass(frozen=True)
class ActivityEntry:
    id: str
    at: datetime
    owner: str
    action: str
    entity: str
    entity_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> ActivityEntry:
        return cls(
            id=str(doc["_id"]),
            at=doc["at"],
            owner=doc.get("owner", ""),
            action=doc.get("action", ""),
            entity=doc.get("entity", ""),
            entity_id=doc.get("entityId"),
            before=doc.get("before"),
            after=doc.get("after"),
        )


def recent_activity(
    db: Database,
    *,
    entity: str | None = None,
    entity_id: str | None = None,
    owner: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> tuple[list[ActivityEntry], int]:
    """Newest first, optionally for one entity (the history shown on a product or order page)."""
    query: dict[str, Any] = {}
    if entity:
        query["entity"] = entity
    if entity_id:
        query["entityId"] = entity_id
    if owner:
        query["owner"] = owner
    found = newest_page(db.activity_log, query, page, page_size, by="at")
    return [ActivityEntry.from_doc(doc) for doc in found.items], found.total
