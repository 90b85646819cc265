"""Limits on what one request may send, checked before any route sees it.

Measured before it existed: a 100 MB JSON body was read whole, JSON nested a few thousand levels deep
answered 500 on /chat/stream and /chat/confirm (Python's parser runs out of stack: RecursionError,
which no route expects), and a lone UTF-16 surrogate in a customer's name reached the order batch and
failed the 32 orders written with it.

- Size: a body may hold at most `max_body` bytes (1 MB: the largest form or JSON body the shop takes
  is a product description or a chat message), or `max_upload` for the admin's multipart uploads (a
  product image may be 5 MB, a CSV 2 MB: shop.catalog.media, shop.catalog.product_csv; the margin
  lets a slightly larger file reach the form, which names the limit beside its field). Bytes are
  counted as they stream, so a missing or false Content-Length gains nothing; a declared length over
  the limit is refused before anything is read. Too large: 413.
- JSON bodies (and bodies without a content type, which FastAPI reads as JSON) are read here, at most
  `max_body` bytes, parsed once and walked without recursion: deeper than `max_json_depth` levels
  (32; the shop's deepest body has 3) is 422, as is any key or string the database cannot store (a
  NUL or a lone surrogate: shop.core.validation.unstorable), named by its field. A body that is not
  JSON is passed on untouched, for the route to answer as it always has.
- Form bodies, query strings and the path are decoded as the app will decode them and checked the
  same way (a NUL arrives as %00; invalid UTF-8 becomes U+FFFD there, which is storable). Multipart
  text fields are left to the routes' validators (shop.core.validation), which refuse the same text:
  the parts are files, which may hold any byte.

Plain ASGI rather than BaseHTTPMiddleware, like VisitorSessionMiddleware (app/main.py): it runs on
every request, and this way costs microseconds instead of an extra task per request. The answers are
the app's own error answers (app/errors.py): JSON under /api, a flash for htmx, the error page else.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import error_response, validation_summary
from shop.catalog.media import MAX_IMAGE_BYTES
from shop.catalog.product_csv import MAX_CSV_BYTES
from shop.core.validation import UNSTORABLE, unstorable

MB = 1024 * 1024
MAX_BODY_BYTES = 1 * MB
MAX_UPLOAD_BYTES = max(MAX_IMAGE_BYTES, MAX_CSV_BYTES) + 1 * MB
MAX_JSON_DEPTH = 32
UPLOAD_PREFIX = "/admin/"
"""Multipart bodies under this prefix (the admin's product image and CSV forms) may be `max_upload`."""

_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_FIELD_NAME_LIMIT = 80  # a field named in an error message: keys may be as long as the body


class _TooLarge(Exception):
    pass


class RequestLimitsMiddleware:
    """Refuses what no route should have to handle (see the module docstring): 413 for a body over its
    limit, 422 for JSON nested too deeply or any text the database cannot store."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_body: int = MAX_BODY_BYTES,
        max_upload: int = MAX_UPLOAD_BYTES,
        max_json_depth: int = MAX_JSON_DEPTH,
    ) -> None:
        self.app = app
        self.max_body = max_body
        self.max_upload = max_upload
        self.max_json_depth = max_json_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = _url_problem(scope)
        if problem is not None:
            await _refuse(scope, receive, send, 422, problem)
            return
        headers = Headers(scope=scope)
        content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        limit = self.max_upload if _is_upload(scope["path"], content_type) else self.max_body
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(scope, receive, send, 413, {"request": _too_large(limit)})
            return
        inspect = _json(content_type) or content_type == "application/x-www-form-urlencoded"
        if scope["method"] in _BODY_METHODS and inspect:
            try:
                body = await _read_body(receive, limit)
            except _TooLarge:
                await _refuse(scope, receive, send, 413, {"request": _too_large(limit)})
                return
            if body is None:  # the client went away
                return
            if content_type == "application/x-www-form-urlencoded":
                problem = _fields_problem(_form_fields(body))
            else:
                problem = self._json_problem(body)
            if problem is not None:
                await _refuse(scope, receive, send, 422, problem)
                return
            await self.app(scope, _replay(body, receive), send)
            return
        await self._counted(scope, receive, send, limit)

    async def _counted(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        """Pass the body on as it streams, counting: past `limit` the reader gets a 413 HTTPException,
        which FastAPI passes through its body parsing to the app's error handler."""
        size = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal size
            message = await receive()
            if message["type"] == "http.request":
                size += len(message.get("body", b""))
                if size > limit:
                    raise HTTPException(413, detail=_too_large(limit))
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except HTTPException as exc:  # read outside a route (nothing turned it into an answer)
            if exc.status_code != 413 or started:
                raise
            await _refuse(scope, receive, send, 413, {"request": _too_large(limit)})

    def _json_problem(self, body: bytes) -> dict[str, str] | None:
        if not body.strip():
            return None
        try:
            value = json.loads(body)
        except RecursionError:
            return {"request": _too_deep(self.max_json_depth)}
        except ValueError:
            return None  # not JSON (or not text): the route answers it as before
        return _value_problem(value, self.max_json_depth)


def _is_upload(path: str, content_type: str) -> bool:
    return content_type == "multipart/form-data" and path.startswith(UPLOAD_PREFIX)


def _json(content_type: str) -> bool:
    """JSON as FastAPI reads it: application/json, application/*+json, or no content type at all."""
    return content_type in ("", "application/json") or (
        content_type.startswith("application/") and content_type.endswith("+json")
    )


async def _read_body(receive: Receive, limit: int) -> bytes | None:
    """The whole body (None if the client disconnected); _TooLarge past `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _TooLarge
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the app the body already read, then waits on the client as before."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _form_fields(body: bytes) -> list[tuple[str, str]]:
    """An url-encoded form's fields, decoded as Starlette decodes them (invalid UTF-8 replaced)."""
    return parse_qsl(body.decode("latin-1"), keep_blank_values=True, encoding="utf-8", errors="replace")


def _url_problem(scope: Scope) -> dict[str, str] | None:
    if unstorable(scope.get("path", "")):
        return {"request": "The web address contains a character that is not allowed (a null character)."}
    query = scope.get("query_string", b"")
    if not query:
        return None
    return _fields_problem(_form_fields(query))


def _fields_problem(fields: list[tuple[str, str]]) -> dict[str, str] | None:
    for name, value in fields:
        if unstorable(name) or unstorable(value):
            return {_field_name(name): UNSTORABLE}
    return None


def _value_problem(value: Any, max_depth: int) -> dict[str, str] | None:
    """The first place in a parsed JSON value that is nested too deeply or holds unstorable text.

    Walked with a stack, not recursion: the point is to survive what would exhaust the stack."""
    stack: list[tuple[Any, int, tuple[Any, ...]]] = [(value, 0, ())]
    while stack:
        node, depth, where = stack.pop()
        if isinstance(node, str):
            if unstorable(node):
                return {_json_field(where): UNSTORABLE}
            continue
        if not isinstance(node, dict | list):
            continue
        depth += 1
        if depth > max_depth:
            return {"request": _too_deep(max_depth)}
        children: Iterator[tuple[Any, Any]] = iter(node.items()) if isinstance(node, dict) else enumerate(node)
        for key, child in children:
            if isinstance(key, str) and unstorable(key):
                return {_json_field(where): f"has a field name that {UNSTORABLE}"}
            stack.append((child, depth, (where, key)))
    return None


def _json_field(where: tuple[Any, ...]) -> str:
    """The dotted name of a place in a JSON value ("items.0.productId"), from its (parent, key) chain."""
    parts: list[str] = []
    while where:
        where, key = where
        parts.append(str(key))
    return _field_name(".".join(reversed(parts)))


def _field_name(name: str) -> str:
    if not name or unstorable(name):
        return "request"
    return name if len(name) <= _FIELD_NAME_LIMIT else name[:_FIELD_NAME_LIMIT] + "…"


def _too_large(limit: int) -> str:
    return f"That request is too large: at most {limit / MB:g} MB may be sent at once."


def _too_deep(depth: int) -> str:
    return f"The request is nested too deeply: at most {depth} levels of objects and lists are accepted."


async def _refuse(scope: Scope, receive: Receive, send: Send, status_code: int, errors: dict[str, str]) -> None:
    """The app's own error answer (app/errors.py) for `errors`, sent before the app saw the request."""
    message = errors["request"] if list(errors) == ["request"] else validation_summary(errors)
    shown = None if list(errors) == ["request"] else errors
    response = error_response(Request(scope, receive), status_code, message, shown)
    if status_code == 413:
        response.headers["Connection"] = "close"  # the rest of the body is not read
    await response(scope, receive, send)
