from __future__ import annotations

from typing import Any

from pydantic import SecretStr
from pymongo.database import Database

from shop.core.settings import Settings
from shop.messaging.contact import ContactRequest, submit_contact
from shop.messaging.mail import Email, Mailer
from tests.support.http_stub import http_stub

MESSAGE = Email(["ada@example.com"], "Hello", "plain text", "<p>html</p>", "test")


def test_without_a_key_mail_is_kept_in_the_outbox(db: Database, settings: Settings) -> None:
    mailer = Mailer(db, settings, background=False)
    outbox_id = mailer.send(MESSAGE)
    doc = db.outbox.find_one({"_id": outbox_id})
    assert doc["status"] == "stored" and doc["provider"] == "outbox"
    assert doc["to"] == ["ada@example.com"] and doc["html"] == "<p>html</p>"


def test_with_a_key_mail_goes_through_resend(db: Database, settings: Settings) -> None:
    with http_stub({("POST", "/emails"): (200, {"id": "re_123"})}) as stub:
        resend_settings = settings.model_copy(
            update={"resend_api_key": SecretStr("re_test_key"), "resend_base_url": stub.url}
        )
        outbox_id = Mailer(db, resend_settings, background=False).send(MESSAGE)

    assert len(stub.requests) == 1
    sent = stub.requests[0]
    assert sent.headers["authorization"] == "Bearer re_test_key"
    assert sent.headers["idempotency-key"] == f"outbox-{outbox_id}"
    body = sent.json()
    assert body["to"] == ["ada@example.com"] and body["subject"] == "Hello"
    assert body["text"] == "plain text" and body["from"] == settings.mail_from
    doc = db.outbox.find_one({"_id": outbox_id})
    assert doc["status"] == "sent" and doc["providerId"] == "re_123" and doc["provider"] == "resend"


def test_failed_delivery_is_kept_and_retried(db: Database, settings: Settings) -> None:
    answers: list[tuple[int, dict[str, Any]]] = [
        (500, {"statusCode": 500, "name": "application_error", "message": "boom"}),
        (200, {"id": "re_456"}),
    ]
    with http_stub({("POST", "/emails"): lambda _request: answers.pop(0)}) as stub:
        resend_settings = settings.model_copy(
            update={"resend_api_key": SecretStr("re_test_key"), "resend_base_url": stub.url}
        )
        mailer = Mailer(db, resend_settings, background=False)
        outbox_id = mailer.send(MESSAGE)
        failed = db.outbox.find_one({"_id": outbox_id})
        assert failed["status"] == "failed" and failed["attempts"] == 1 and "boom" in failed["error"]

        assert mailer.retry_pending() == 1
    assert len(stub.requests) == 2
    delivered = db.outbox.find_one({"_id": outbox_id})
    assert delivered["status"] == "sent" and delivered["providerId"] == "re_456"


def test_contact_message_is_stored_and_sent_to_the_owner(db: Database, settings: Settings) -> None:
    mailer = Mailer(db, settings, background=False)
    request = ContactRequest(
        name="Eve",
        email="eve@example.com",
        subject="Wholesale?",
        message="<script>alert(1)</script> Do you sell 5 kg bags?",
    )
    message_id = submit_contact(db, mailer, settings, request)
    stored = db.contact_messages.find_one({"_id": message_id})
    assert stored["subject"] == "Wholesale?" and stored["handled"] is False
    mail = db.outbox.find_one({"kind": "contact_notification"})
    assert mail["to"] == [settings.owner_email]
    assert "<script>" not in mail["html"] and "&lt;script&gt;" in mail["html"]
    assert "Do you sell 5 kg bags?" in mail["text"]
