"""Visitor ids the server issued: a random part and its HMAC tag, so a made-up id is refused.

Why: the visitor id keys the cart, the chat, the reviews and the per-visitor limits. The session
cookie accepted any 32 characters, so a client could choose its id (a fresh one per request to slip
under every per-visitor limit, or a guessed one). Now an id is 16 random bytes and the first 8 bytes
of their HMAC-SHA256, base64url: still 32 characters (the cookie, the cart id and the conversation
key keep their form), and only the holder of the key can make one. Forging a tag takes 2^64 tries.

The key: SESSION_SECRET when set, else 32 random bytes generated on the first start and kept in the
database (`app_secrets`), so every process of the shop shares it and a restart keeps visitors' carts.
Read once per process, on the first request.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import re
import secrets
import threading

from bson.binary import Binary
from pydantic import SecretStr
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

SECRETS = "app_secrets"
KEY_ID = "visitor-ids"
ID_LENGTH = 32
_RANDOM = 16
_TAG = 8
_CONTEXT = b"aishop visitor id\x00"
_FORM = re.compile(r"^[A-Za-z0-9_-]{32}$")


class VisitorIds:
    """Issues and checks visitor ids with the shop's key."""

    def __init__(self, db: Database, secret: SecretStr | None = None) -> None:
        self.db = db
        self.secret = secret
        self._key: bytes | None = None
        self._lock = threading.Lock()

    def key(self) -> bytes:
        if self._key is None:
            with self._lock:
                if self._key is None:
                    self._key = self._load_key()
        return self._key

    def _load_key(self) -> bytes:
        if self.secret is not None and self.secret.get_secret_value():
            return hashlib.sha256(self.secret.get_secret_value().encode()).digest()
        collection = self.db[SECRETS]
        doc = collection.find_one({"_id": KEY_ID})
        if doc is None:
            with contextlib.suppress(DuplicateKeyError):  # another process made it first: use theirs
                collection.insert_one({"_id": KEY_ID, "key": Binary(secrets.token_bytes(32))})
            doc = collection.find_one({"_id": KEY_ID})
        assert doc is not None
        return bytes(doc["key"])

    def _tag(self, random_part: bytes) -> bytes:
        return hmac.new(self.key(), _CONTEXT + random_part, hashlib.sha256).digest()[:_TAG]

    def new(self) -> str:
        random_part = secrets.token_bytes(_RANDOM)
        return base64.urlsafe_b64encode(random_part + self._tag(random_part)).decode()

    def valid(self, value: str) -> bool:
        """Whether `value` is an id this shop issued (constant time in the tag)."""
        if not _FORM.match(value):
            return False
        try:
            raw = base64.urlsafe_b64decode(value)
        except (binascii.Error, ValueError):
            return False
        if len(raw) != _RANDOM + _TAG:
            return False
        return hmac.compare_digest(raw[_RANDOM:], self._tag(raw[:_RANDOM]))
