"""Every email the shop sends goes through here.

The message is first stored in the `outbox` collection (so nothing acknowledged is lost and the owner
can read every email in the admin), then delivered: through Resend when RESEND_API_KEY is set,
otherwise the outbox itself is the embedded default and the message stays there as "stored".
Delivery runs off the request path so a slow provider never slows a checkout; messages that failed are
retried at the next start.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pymongo.database import Database

from shop.core.money import format_money
from shop.core.settings import PROJECT_ROOT, Settings

log = logging.getLogger(__name__)

_templates = Environment(
    loader=FileSystemLoader(PROJECT_ROOT / "templates" / "emails"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_templates.filters["money"] = format_money
_resend_lock = threading.Lock()
MAX_ATTEMPTS = 5


@dataclass(frozen=True)
class Email:
    to: list[str]
    subject: str
    text: str
    html: str
    kind: str


def render(template: str, **context: Any) -> tuple[str, str]:
    """Render `<template>.txt` and `<template>.html` from templates/emails."""
    text = _templates.get_template(f"{template}.txt").render(**context)
    html = _templates.get_template(f"{template}.html").render(**context)
    return text, html


class Mailer:
    def __init__(self, db: Database, settings: Settings, *, background: bool = True) -> None:
        self.db = db
        self.settings = settings
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mail") if background else None

    @property
    def provider(self) -> str:
        return "resend" if self.settings.resend_api_key else "outbox"

    def send(self, email: Email) -> ObjectId:
        """Store the message, then deliver it (in the background unless constructed otherwise)."""
        outbox_id = self.db.outbox.insert_one(self.document(email)).inserted_id
        self.dispatch([outbox_id])
        return outbox_id

    def document(self, email: Email) -> dict[str, Any]:
        """The outbox entry for `email`, for a caller that stores it in its own transaction (an order
        and its confirmation are written together) and calls `dispatch` after the commit."""
        return {
            "to": email.to,
            "from": self.settings.mail_from,
            "subject": email.subject,
            "text": email.text,
            "html": email.html,
            "kind": email.kind,
            "provider": self.provider,
            "status": "queued" if self.provider != "outbox" else "stored",
            "attempts": 0,
            "createdAt": datetime.now(UTC),
        }

    def dispatch(self, outbox_ids: list[ObjectId]) -> None:
        """Deliver stored messages through the provider; with the outbox as provider they are there."""
        if self.provider == "outbox":
            return
        for outbox_id in outbox_ids:
            self._submit(outbox_id)

    def _submit(self, outbox_id: ObjectId) -> Future[None] | None:
        if self._executor is None:
            self.deliver(outbox_id)
            return None
        return self._executor.submit(self.deliver, outbox_id)

    def deliver(self, outbox_id: ObjectId) -> None:
        doc = self.db.outbox.find_one({"_id": outbox_id, "status": {"$in": ["queued", "failed"]}})
        if doc is None or self.provider == "outbox":
            return
        try:
            provider_id = self._send_resend(doc)
        except Exception as exc:  # the provider's SDK raises many kinds; all mean "try again later"
            log.warning("email %s not delivered: %s", outbox_id, exc)
            self.db.outbox.update_one(
                {"_id": outbox_id},
                {"$set": {"status": "failed", "error": str(exc)[:500]}, "$inc": {"attempts": 1}},
            )
            return
        self.db.outbox.update_one(
            {"_id": outbox_id},
            {
                "$set": {"status": "sent", "providerId": provider_id, "sentAt": datetime.now(UTC)},
                "$inc": {"attempts": 1},
            },
        )

    def _send_resend(self, doc: dict[str, Any]) -> str:
        import resend

        assert self.settings.resend_api_key is not None
        params: dict[str, Any] = {
            "from": doc["from"],
            "to": doc["to"],
            "subject": doc["subject"],
            "text": doc["text"],
            "html": doc["html"],
        }
        # The SDK keeps its key and address in module globals; the lock keeps two threads from
        # interleaving them, and the idempotency key keeps a retry from sending twice.
        with _resend_lock:
            resend.api_key = self.settings.resend_api_key.get_secret_value()
            resend.api_url = self.settings.resend_base_url.rstrip("/")
            response = resend.Emails.send(params, {"idempotency_key": f"outbox-{doc['_id']}"})
        return str(response["id"])

    def retry_pending(self) -> int:
        """Re-deliver messages a crash or a provider outage left undelivered."""
        if self.provider == "outbox":
            return 0
        pending = self.db.outbox.find(
            {"status": {"$in": ["queued", "failed"]}, "attempts": {"$lt": MAX_ATTEMPTS}}, {"_id": 1}
        )
        count = 0
        for doc in pending:
            self._submit(doc["_id"])
            count += 1
        return count

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
