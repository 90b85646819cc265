"""Jinja2 set-up and the one `render` every page goes through, so each page gets the same globals."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from shop.money import format_money
from shop.settings import PROJECT_ROOT, get_settings

templates = Jinja2Templates(directory=str(PROJECT_ROOT / "templates"))
templates.env.filters["money"] = lambda amount: format_money(amount, get_settings().currency_symbol)
templates.env.globals["settings"] = get_settings()


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def canonical(request: Request, path: str | None = None) -> str:
    settings = request.app.state.services.settings
    return settings.base_url.rstrip("/") + (path if path is not None else request.url.path)


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    services = request.app.state.services
    session_id = getattr(request.state, "session_id", None)
    page: dict[str, Any] = {
        "settings": services.settings,
        "cart_count": services.carts.count(session_id) if session_id else 0,
        # Product cards show a pressed heart for products on the visitor's wishlist.
        "wishlist_ids": services.wishlist.ids(session_id) if session_id else frozenset(),
        "categories": services.catalog.categories(),
        "canonical_url": canonical(request),
    }
    page.update(context or {})
    return templates.TemplateResponse(request, template, page, status_code=status_code)
