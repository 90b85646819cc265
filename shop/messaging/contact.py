"""Contact form messages: stored first (the owner's inbox in the admin), then emailed to the owner."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from bson import ObjectId
from pydantic import BaseModel, ConfigDict
from pymongo.database import Database

from shop.core.settings import Settings
from shop.core.validation import Email as EmailAddress
from shop.core.validation import line, paragraph
from shop.messaging.mail import Email, Mailer, render

log = logging.getLogger(__name__)


class ContactRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: line(100)  # type: ignore[valid-type]
    email: EmailAddress
    subject: line(150)  # type: ignore[valid-type]
    message: paragraph(5000, min_length=5)  # type: ignore[valid-type]


def submit_contact(db: Database, mailer: Mailer, settings: Settings, request: ContactRequest) -> ObjectId:
    doc = {**request.model_dump(), "createdAt": datetime.now(UTC), "handled": False}
    message_id = db.contact_messages.insert_one(doc).inserted_id
    try:
        text, html = render("contact_notification", message=doc, settings=settings)
        mailer.send(
            Email([settings.owner_email], f"Contact form: {request.subject}", text, html, "contact_notification")
        )
    except Exception:  # the message is stored and visible in the admin inbox even if mail fails
        log.exception("could not queue the contact notification for %s", message_id)
    return message_id
