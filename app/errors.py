"""One place that turns every failure into a clear 4xx/5xx a person understands, never a stack trace.

JSON clients (paths under /api) get {"detail": message, "errors": {field: message}}; HTMX requests get a
small flash fragment; everyone else gets the friendly error page.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from pymongo.errors import PyMongoError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.templating import is_htmx, render, templates
from shop.core.db import unavailable
from shop.core.errors import ShopError
from shop.core.validation import describe_errors

log = logging.getLogger(__name__)

DEFAULT_MESSAGES = {
    400: "The request could not be understood.",
    404: "We could not find that page.",
    405: "That action is not allowed here.",
    413: "That request is too large.",
    422: "Some of the information sent is not valid.",
    429: "Too many requests; please slow down and try again.",
    500: "Something went wrong on our side. Please try again in a moment.",
    503: "The shop is temporarily unavailable. Please try again in a moment.",
}


DATABASE_DOWN = "The shop's database is not answering right now. Please try again in a few seconds."
RETRY_AFTER_SECONDS = 5
"""What a client is told to wait while the database is down: the embedded one is back within 3-6 s of
dying (app/embedded_mongo.py Supervisor)."""


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/healthz"


def error_response(request: Request, status_code: int, message: str, errors: dict[str, str] | None = None) -> Response:
    if wants_json(request):
        body: dict[str, Any] = {"detail": message}
        if errors:
            body["errors"] = errors
        return JSONResponse(body, status_code=status_code)
    context = {"status_code": status_code, "message": message, "errors": errors or {}}
    if is_htmx(request):
        response = templates.TemplateResponse(
            request, "_flash.html", {**context, "error": True}, status_code=status_code
        )
        # Show the message even though the request failed (htmx does not swap 4xx by default).
        response.headers["HX-Retarget"] = "#flash"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    try:
        return render(request, "pages/error.html", context, status_code=status_code)
    except Exception:  # the error page itself must never fail (e.g. the database is down)
        log.exception("error page failed")
        return Response(message, status_code=status_code, media_type="text/plain")


def validation_summary(errors: dict[str, str]) -> str:
    if "request" in errors and len(errors) == 1:
        return errors["request"]
    parts = [f"{field} {message}" for field, message in errors.items()]
    return "Please check: " + "; ".join(parts) + "."


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ShopError)
    async def shop_error(request: Request, exc: ShopError) -> Response:
        errors = {exc.field: exc.message} if exc.field else None
        return error_response(request, exc.status_code, exc.message, errors)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> Response:
        raw = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in raw):
            return error_response(request, 400, "The request body is not valid JSON.")
        errors = describe_errors(raw)
        return error_response(request, 422, validation_summary(errors), errors)

    @app.exception_handler(ValidationError)
    async def invalid_values(request: Request, exc: ValidationError) -> Response:
        """Input validated inside a route (e.g. catalog filters from the URL) gets the same answer."""
        errors = describe_errors(list(exc.errors()))
        return error_response(request, 422, validation_summary(errors), errors)

    @app.exception_handler(PyMongoError)
    async def database_error(request: Request, exc: PyMongoError) -> Response:
        """A database that does not answer gets a 503 with Retry-After, within the few seconds the
        client waits for it (shop/core/db.py), and one log line rather than a stack trace per request."""
        if not unavailable(exc):
            log.exception("database error on %s %s", request.method, request.url.path)
            return error_response(request, 503, DEFAULT_MESSAGES[503])
        log.warning("database unavailable on %s %s (%s)", request.method, request.url.path, type(exc).__name__)
        response = error_response(request, 503, DATABASE_DOWN)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        # Starlette's own details ("Not Found") are terse; ours are sentences worth showing.
        default_phrase = HTTPStatus(exc.status_code).phrase if exc.status_code in HTTPStatus._value2member_map_ else ""
        message = exc.detail if isinstance(exc.detail, str) and exc.detail != default_phrase else None
        response = error_response(request, exc.status_code, message or DEFAULT_MESSAGES.get(exc.status_code, "Error"))
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        if isinstance(exc, PyMongoError):
            return error_response(request, 503, DEFAULT_MESSAGES[503])
        return error_response(request, 500, DEFAULT_MESSAGES[500])
