"""Input types shared by the pages, the JSON API and the agent's tools.

Everything a visitor sends passes through these before it can reach a query: ids are parsed into
ObjectIds, quantities are bounded integers (booleans refused), and text is trimmed, bounded and may not
start with "$" so an operator-looking value never reaches MongoDB even by accident.

Text the database cannot store is refused here, before it reaches a write, with a message a person
understands: a lone UTF-16 surrogate ("\\ud800", half of an emoji, which JSON can carry) cannot be
encoded as UTF-8 at all, and a NUL cuts a C string short. A surrogate that slipped through once
failed a transaction shared by 36 orders. `line`, `paragraph` and `Email` refuse both; `Text` is
for free text that allows any other character; app/middleware/request_limits.py checks every JSON
body, form body and query string of a request the same way (`unstorable`).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from bson import ObjectId
from pydantic import AfterValidator, BeforeValidator, Field

from shop.core.errors import ShopError

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE = "contains characters that cannot be saved (a null character or a broken emoji); please retype it"

MAX_QUANTITY = 99


def reject_bool(value: Any, message: str = "must be a whole number, not true/false") -> Any:
    """For a BeforeValidator on a whole-number field: pydantic would read true as 1, which no form,
    CSV cell or agent call means as a number, so a bool is refused with `message`."""
    if isinstance(value, bool):
        raise ValueError(message)
    return value


def unstorable(value: str) -> bool:
    """Whether `value` holds a character no database write can take: NUL or a lone surrogate."""
    return _UNSTORABLE.search(value) is not None


def storable(value: Any) -> Any:
    """For a validator on any text field: text the database cannot store is refused with UNSTORABLE."""
    if isinstance(value, str) and unstorable(value):
        raise ValueError(UNSTORABLE)
    return value


def clean_text(value: str, *, multiline: bool = False) -> str:
    storable(value)
    value = unicodedata.normalize("NFC", value).strip()
    if _CONTROL.search(value):
        raise ValueError("contains control characters")
    if not multiline and ("\n" in value or "\r" in value):
        raise ValueError("must be a single line")
    if value.startswith("$"):
        raise ValueError('must not start with "$"')
    return value


def _require_str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("must be text")
    return value


def _single_line(value: Any) -> str:
    return clean_text(_require_str(value))


def _multi_line(value: Any) -> str:
    return clean_text(_require_str(value).replace("\r\n", "\n"), multiline=True)


def is_object_id(value: Any) -> bool:
    """An ObjectId, or its text of 24 hex digits. (`ObjectId.is_valid` also accepts any 12-character
    string as 12 raw bytes, which no caller means: "decaf-sencha" is a slug, not an id.)"""
    if isinstance(value, ObjectId):
        return True
    return isinstance(value, str) and len(value) == 24 and ObjectId.is_valid(value)


def parse_object_id(value: Any, *, or_raise: ShopError | None = None) -> ObjectId:
    """The ObjectId of an id from a URL, a form, a file or the agent; when it is not one, `or_raise`
    (a lookup by a malformed id answers like one for an unknown id: NotFound), else ValueError."""
    if is_object_id(value):
        return ObjectId(value)
    if or_raise is not None:
        raise or_raise
    raise ValueError("is not a valid id")


Text = Annotated[str, AfterValidator(storable)]
"""Free text (a chat message, a password) that may hold any character the database can store."""

Quantity = Annotated[int, BeforeValidator(reject_bool), Field(ge=1, le=MAX_QUANTITY)]
# Ids travel as 24-hex strings (readable in JSON and OpenAPI); services turn them into ObjectIds.
ProductId = Annotated[str, BeforeValidator(_require_str), Field(pattern=r"^[0-9a-fA-F]{24}$")]


def line(max_length: int, min_length: int = 1) -> Any:
    """A trimmed single line of text with bounded length."""
    return Annotated[str, BeforeValidator(_single_line), Field(min_length=min_length, max_length=max_length)]


def paragraph(max_length: int, min_length: int = 1) -> Any:
    return Annotated[str, BeforeValidator(_multi_line), Field(min_length=min_length, max_length=max_length)]


def _email(value: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValueError("is not a valid email address") from exc


Email = Annotated[str, BeforeValidator(_single_line), Field(max_length=254), AfterValidator(_email)]


def describe_errors(errors: list[dict[str, Any]]) -> dict[str, str]:
    """Turn pydantic's error list into {field: message a person understands}.

    The first error per field wins: one clear message beats three overlapping ones.
    """
    described: dict[str, str] = {}
    for error in errors:
        location = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path", "form")]
        field = ".".join(location) or "request"
        if field in described:
            continue
        described[field] = _message(error)
    return described


def _message(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return "is required"
    if kind in ("too_short", "string_too_short"):
        minimum = ctx.get("min_length")
        return "is required" if minimum in (1, None) else f"must be at least {minimum} characters"
    if kind in ("too_long", "string_too_long"):
        return f"must be at most {ctx.get('max_length')} characters"
    if kind == "string_pattern_mismatch":
        return "has an invalid format"
    if kind in ("greater_than_equal", "greater_than"):
        return f"must be at least {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"must be at most {ctx.get('le', ctx.get('lt'))}"
    if kind.startswith("int_"):
        return "must be a whole number"
    if kind.startswith("decimal_") or kind.startswith("float_"):
        return "must be a number"
    if kind == "literal_error":
        return f"must be one of {ctx.get('expected')}"
    if kind in ("dict_type", "model_type"):
        return "must be an object"
    if kind == "list_type":
        return "must be a list"
    if kind == "extra_forbidden":
        return "is not an accepted field"
    if kind == "value_error":
        return str(error.get("msg", "is invalid")).removeprefix("Value error, ")
    return str(error.get("msg", "is invalid"))
