"""Visitor ids: only the server can make one; the key is generated once and shared through the database."""

from __future__ import annotations

import base64

from pydantic import SecretStr
from pymongo.database import Database

from shop.security.visitor_ids import SECRETS, VisitorIds


def test_an_issued_id_is_valid_and_has_the_cookies_form(db: Database) -> None:
    ids = VisitorIds(db)
    value = ids.new()
    assert len(value) == 32 and ids.valid(value)
    assert ids.new() != value


def test_made_up_and_tampered_ids_are_refused(db: Database) -> None:
    ids = VisitorIds(db)
    value = ids.new()
    raw = bytearray(base64.urlsafe_b64decode(value))
    raw[0] ^= 1
    tampered = base64.urlsafe_b64encode(bytes(raw)).decode()
    for bad in (tampered, "A" * 32, value[:31], value + "A", "", "!" * 32, "é" * 32):
        assert not ids.valid(bad), bad


def test_the_key_is_made_once_and_every_process_shares_it(db: Database) -> None:
    first, second = VisitorIds(db), VisitorIds(db)
    value = first.new()
    assert second.valid(value)
    assert db[SECRETS].count_documents({}) == 1


def test_a_configured_secret_is_used_instead_and_other_keys_ids_are_refused(db: Database) -> None:
    configured = VisitorIds(db, SecretStr("a long secret from the settings"))
    stored = VisitorIds(db)
    assert not stored.valid(configured.new())
    assert not configured.valid(stored.new())
    assert VisitorIds(db, SecretStr("a long secret from the settings")).valid(configured.new())
