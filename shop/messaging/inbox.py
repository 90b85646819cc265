"""The owner's inbox (contact form messages) and outbox viewer (every email the shop sent).

Both collections are written elsewhere (shop.messaging.contact, shop.messaging.mail); here the owner reads them and marks
messages handled, which is an admin write like any other and goes to the activity log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field
from pymongo.client_session import ClientSession
from pymongo.database import Database

from shop.core.activity import log_activity
from shop.core.errors import NotFound
from shop.core.pagination import ListQuery, Page, newest_page
from shop.core.transactions import run_transaction
from shop.core.validation import parse_object_id

NO_SUCH_MESSAGE = "That message does not exist."
NO_SUCH_EMAIL = "That email does not exist."


class InboxQuery(ListQuery):
    show: Literal["open", "handled", "all"] = "open"
    page_size: int = Field(default=30, ge=1, le=200)


@dataclass(frozen=True)
class ContactMessage:
    id: str
    name: str
    email: str
    subject: str
    message: str
    created_at: datetime
    handled: bool
    handled_at: datetime | None = None
    handled_by: str | None = None

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> ContactMessage:
        return cls(
            id=str(doc["_id"]),
            name=doc.get("name", ""),
            email=doc.get("email", ""),
            subject=doc.get("subject", ""),
            message=doc.get("message", ""),
            created_at=doc["createdAt"],
            handled=bool(doc.get("handled")),
            handled_at=doc.get("handledAt"),
            handled_by=doc.get("handledBy"),
        )


def list_messages(db: Database, query: InboxQuery) -> Page[ContactMessage]:
    filters: dict[str, Any] = {}
    if query.show == "open":
        filters["handled"] = {"$ne": True}
    elif query.show == "handled":
        filters["handled"] = True
    return newest_page(db.contact_messages, filters, query.page, query.page_size).map(ContactMessage.from_doc)


def open_message_count(db: Database) -> int:
    return db.contact_messages.count_documents({"handled": {"$ne": True}})


def set_handled(db: Database, message_id: str, handled: bool, *, owner: str) -> ContactMessage:
    oid = parse_object_id(message_id, or_raise=NotFound(NO_SUCH_MESSAGE))

    def work(session: ClientSession) -> dict[str, Any]:
        doc = db.contact_messages.find_one({"_id": oid}, session=session)
        if doc is None:
            raise NotFound(NO_SUCH_MESSAGE)
        if bool(doc.get("handled")) == handled:
            return doc
        now = datetime.now(UTC)
        changes = {"handled": handled, "handledAt": now if handled else None, "handledBy": owner if handled else None}
        db.contact_messages.update_one({"_id": oid}, {"$set": changes}, session=session)
        log_activity(
            db,
            owner,
            "message.handled" if handled else "message.reopened",
            "contact_message",
            oid,
            {"handled": bool(doc.get("handled"))},
            {"handled": handled},
            session=session,
        )
        return {**doc, **changes}

    return ContactMessage.from_doc(run_transaction(db, work))


class OutboxQuery(ListQuery):
    status: Literal["stored", "queued", "sent", "failed"] | None = None
    kind: str | None = Field(default=None, pattern=r"^[a-z_]{1,40}$")
    to: str | None = Field(default=None, max_length=254, pattern=r"^[^$].*$")


@dataclass(frozen=True)
class OutboxEmail:
    id: str
    to: list[str]
    subject: str
    kind: str
    status: str
    provider: str
    provider_id: str | None
    created_at: datetime
    sent_at: datetime | None
    attempts: int
    error: str | None
    text: str
    html: str

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> OutboxEmail:
        return cls(
            id=str(doc["_id"]),
            to=list(doc.get("to") or []),
            subject=doc.get("subject", ""),
            kind=doc.get("kind", ""),
            status=doc.get("status", ""),
            provider=doc.get("provider", ""),
            provider_id=doc.get("providerId"),
            created_at=doc["createdAt"],
            sent_at=doc.get("sentAt"),
            attempts=int(doc.get("attempts") or 0),
            error=doc.get("error"),
            text=doc.get("text", ""),
            html=doc.get("html", ""),
        )


def list_outbox(db: Database, query: OutboxQuery) -> Page[OutboxEmail]:
    filters: dict[str, Any] = {}
    if query.status:
        filters["status"] = query.status
    if query.kind:
        filters["kind"] = query.kind
    if query.to:
        filters["to"] = query.to.strip().lower()
    found = newest_page(db.outbox, filters, query.page, query.page_size, projection={"html": 0})
    return found.map(OutboxEmail.from_doc)


def outbox_kinds(db: Database) -> list[str]:
    return sorted(k for k in db.outbox.distinct("kind") if isinstance(k, str))


def get_outbox_email(db: Database, email_id: str) -> OutboxEmail:
    doc = db.outbox.find_one({"_id": parse_object_id(email_id, or_raise=NotFound(NO_SUCH_EMAIL))})
    if doc is None:
        raise NotFound(NO_SUCH_EMAIL)
    return OutboxEmail.from_doc(doc)
