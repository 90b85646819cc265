"""Owner accounts: argon2 password hashes, server-side sessions and a login rate limit.

Sessions are random tokens kept in an HttpOnly cookie; the database stores only their SHA-256, so a
leaked database backup cannot be replayed as a login. Each session carries its own CSRF token. Failed
logins are counted per email and client address: five failures in fifteen minutes lock that pair out
for the rest of the window, which makes guessing a password by brute force hopeless while a shop owner
who mistypes twice is never bothered. The owner's own password change in the admin checks the current
password against the same count.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from bson import ObjectId
from pydantic import TypeAdapter, ValidationError
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from shop.core.activity import log_activity
from shop.core.errors import Conflict, InvalidFields, InvalidInput, ShopError
from shop.core.transactions import run_transaction
from shop.core.validation import Email

SESSION_LIFETIME = timedelta(hours=12)
MAX_FAILED_LOGINS = 5
FAILED_LOGIN_WINDOW = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024

_hasher = PasswordHasher()
# Verified against when the email is unknown, so a wrong email costs the same time as a wrong password
# and response times do not reveal which owner emails exist.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
_email_adapter: TypeAdapter[str] = TypeAdapter(Email)


class InvalidCredentials(ShopError):
    status_code = 401


class LoginThrottled(ShopError):
    status_code = 429

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Owner:
    id: str
    email: str
    created_at: datetime
    last_login_at: datetime | None = None

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Owner:
        return cls(str(doc["_id"]), doc["email"], doc["createdAt"], doc.get("lastLoginAt"))


@dataclass(frozen=True)
class OwnerSession:
    owner: Owner
    csrf_token: str
    expires_at: datetime


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_email(email: str) -> str:
    try:
        return _email_adapter.validate_python(email)
    except ValidationError as exc:
        raise InvalidInput("That is not a valid email address.", field="email") from exc


def generate_password() -> str:
    """20 URL-safe characters (120 random bits): printed once, pasted once, never guessed."""
    return secrets.token_urlsafe(15)


def _check_password(password: str, *, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"The password must be at least {MIN_PASSWORD_LENGTH} characters.", field=field)
    if len(password) > MAX_PASSWORD_LENGTH:
        raise InvalidInput("That password is too long.", field=field)


def owner_exists(db: Database) -> bool:
    return db.owners.find_one({}, {"_id": 1}) is not None


def get_owner(db: Database, email: str) -> Owner | None:
    doc = db.owners.find_one({"email": email.strip().lower()})
    return Owner.from_doc(doc) if doc else None


def create_owner(db: Database, email: str, password: str) -> Owner:
    address = normalize_email(email)
    _check_password(password)
    now = datetime.now(UTC)
    doc = {
        "_id": ObjectId(),
        "email": address,
        "passwordHash": _hasher.hash(password),
        "createdAt": now,
        "updatedAt": now,
        "lastLoginAt": None,
    }
    try:
        db.owners.insert_one(doc)
    except DuplicateKeyError:
        raise Conflict(f"An owner account for {address} already exists.", field="email") from None
    return Owner.from_doc(doc)


def set_password(db: Database, email: str, password: str) -> Owner:
    """Replace the password and sign out every session of the account (a reset means "lock others out").

    One transaction with its activity-log entry: a reset that left a stolen session signed in, or
    that the log does not show, would defeat its purpose.
    """
    _check_password(password)
    password_hash = _hasher.hash(password)

    def work(session: ClientSession) -> dict[str, Any] | None:
        doc = db.owners.find_one_and_update(
            {"email": normalize_email(email)},
            {"$set": {"passwordHash": password_hash, "updatedAt": datetime.now(UTC)}},
            session=session,
        )
        if doc is None:
            return None
        ended = db.owner_sessions.delete_many({"ownerId": doc["_id"]}, session=session).deleted_count
        after = {"via": "command line", "sessionsEnded": ended}
        log_activity(db, doc["email"], "owner.password_reset", "owner", doc["_id"], None, after, session=session)
        return doc

    doc = run_transaction(db, work)
    if doc is None:
        raise InvalidInput(f"There is no owner account for {email}.", field="email")
    return Owner.from_doc(doc)


def _now_ms() -> datetime:
    """Now, at the millisecond precision BSON stores, so a stored time compares equal to this one."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _throttle_key(email: str, client: str) -> str:
    return hashlib.sha256(f"{email.strip().lower()}|{client}".encode()).hexdigest()


def authenticate(db: Database, email: str, password: str, *, client: str) -> Owner:
    """The owner for these credentials, or InvalidCredentials / LoginThrottled."""
    doc = _checked_owner(db, email, password, client=client, attempts="sign-ins")
    if doc is None:
        raise InvalidCredentials("That email and password do not match an owner account.")
    update: dict[str, Any] = {"lastLoginAt": _now_ms()}
    if _hasher.check_needs_rehash(doc["passwordHash"]):
        update["passwordHash"] = _hasher.hash(password)
    db.owners.update_one({"_id": doc["_id"]}, {"$set": update})
    return Owner.from_doc({**doc, **update})


def _checked_owner(db: Database, email: str, password: str, *, client: str, attempts: str) -> dict[str, Any] | None:
    """The owner document if `password` is this email's, else None; LoginThrottled after too many misses.

    Signing in and the current-password check of a password change share one count per email and
    client address, so a stolen session cookie cannot guess the password through the change form
    any faster than through the sign-in page. The attempt is recorded before the password is checked
    and counted after, so a burst of parallel guesses cannot all slip under the limit while each one
    is still being verified.
    """
    now = _now_ms()
    key = _throttle_key(email, client)
    attempt_id = db.login_failures.insert_one(
        {"key": key, "at": now, "expiresAt": now + FAILED_LOGIN_WINDOW}
    ).inserted_id
    recent = sorted(
        doc["at"] for doc in db.login_failures.find({"key": key, "at": {"$gt": now - FAILED_LOGIN_WINDOW}}, {"at": 1})
    )
    if len(recent) > MAX_FAILED_LOGINS:
        # A refused attempt does not count itself: the lock lifts 15 minutes after the failures that
        # caused it, however often someone keeps knocking.
        db.login_failures.delete_one({"_id": attempt_id})
        others = list(recent)
        others.remove(now)
        unlock = others[len(others) - MAX_FAILED_LOGINS] + FAILED_LOGIN_WINDOW
        wait = max(1, math.ceil((unlock - now).total_seconds()))
        minutes = max(1, math.ceil(wait / 60))
        raise LoginThrottled(
            f"Too many failed {attempts} for this email from your address. Please wait {minutes} "
            f"minute{'s' if minutes != 1 else ''} and try again.",
            retry_after=wait,
        )
    doc = db.owners.find_one({"email": email.strip().lower()}) if len(email) <= 254 else None
    if not _verify(doc["passwordHash"] if doc else _DUMMY_HASH, password) or doc is None:
        return None
    db.login_failures.delete_many({"key": key})
    return doc


class PasswordChangeInvalid(InvalidFields):
    """Every problem of a password-change form at once, by field, so each shows under its own input."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors, message=" ".join(errors.values()))


def change_password(
    db: Database,
    owner: Owner,
    *,
    current_password: str,
    new_password: str,
    confirmation: str,
    client: str,
    keep_session: str,
) -> int:
    """The owner's own password change from the admin; returns how many other sessions were signed out.

    The current password proves it is the owner at the keyboard, not someone at a browser left
    signed in. Every other session of the account ends (a password is usually changed because
    someone else might know it) while `keep_session`, the cookie token of the request, stays signed
    in. The activity log records that the password changed and how many sessions ended, never the
    password or its hash; the new hash, the sign-outs and the log entry are one transaction.
    """
    errors: dict[str, str] = {}
    if _checked_owner(db, owner.email, current_password, client=client, attempts="password checks") is None:
        errors["current"] = "That is not your current password."
    try:
        _check_password(new_password, field="new")
    except InvalidInput as exc:
        errors["new"] = exc.message
    else:
        if new_password == current_password:
            errors["new"] = "Choose a password different from the current one."
    if confirmation != new_password:
        errors["confirmation"] = "The two new passwords do not match."
    if errors:
        raise PasswordChangeInvalid(errors)
    password_hash = _hasher.hash(new_password)
    owner_id = ObjectId(owner.id)

    def work(session: ClientSession) -> int:
        db.owners.update_one(
            {"_id": owner_id},
            {"$set": {"passwordHash": password_hash, "updatedAt": datetime.now(UTC)}},
            session=session,
        )
        ended = db.owner_sessions.delete_many(
            {"ownerId": owner_id, "_id": {"$ne": _token_hash(keep_session)}}, session=session
        ).deleted_count
        log_activity(
            db, owner.email, "owner.password", "owner", owner.id, None, {"otherSessionsEnded": ended}, session=session
        )
        return ended

    return run_transaction(db, work)


def _verify(password_hash: str, password: str) -> bool:
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_session(db: Database, owner: Owner, *, lifetime: timedelta = SESSION_LIFETIME) -> tuple[str, OwnerSession]:
    """A new session: returns the cookie token (shown once, stored only as a hash) and the session."""
    token = secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    expires = now + lifetime
    db.owner_sessions.insert_one(
        {
            "_id": _token_hash(token),
            "ownerId": ObjectId(owner.id),
            "csrf": csrf_token,
            "createdAt": now,
            "expiresAt": expires,
        }
    )
    return token, OwnerSession(owner, csrf_token, expires)


def get_session(db: Database, token: str) -> OwnerSession | None:
    """The live session for a cookie token; expired ones count as absent even before the TTL sweep."""
    if not token or len(token) > 128:
        return None
    doc = db.owner_sessions.find_one({"_id": _token_hash(token)})
    if doc is None or doc["expiresAt"] <= datetime.now(UTC):
        return None
    owner = db.owners.find_one({"_id": doc["ownerId"]})
    if owner is None:
        return None
    return OwnerSession(Owner.from_doc(owner), doc["csrf"], doc["expiresAt"])


def end_session(db: Database, token: str) -> None:
    if token:
        db.owner_sessions.delete_one({"_id": _token_hash(token)})


def csrf_matches(session: OwnerSession, submitted: str | None) -> bool:
    """Constant-time comparison, so the token cannot be learned one character at a time."""
    if not submitted:
        return False
    return secrets.compare_digest(session.csrf_token.encode(), submitted.encode())
