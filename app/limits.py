"""The request limits over HTTP (shop/security/limits.py counts): who the client is, and the 429.

Routes call `check_limit` (sync routes) or `await check_limit_async` (async ones: the count is a
database write, which must not run on the event loop) before the write they limit. Orders are the
exception: `order_limit` plans the hit and the order's own transaction counts it (one write less per
order on the checkout path; see shop.security.limits.TransactionCounts). Over the limit
they get `RateLimited`; a page that shows its own form catches it and shows the sentence in the form
(`limited_page`), anything else is answered here: JSON for the API, the toast for htmx, the error
page otherwise, always with Retry-After.
"""

from __future__ import annotations

import asyncio

from fastapi import FastAPI, Request
from fastapi.responses import Response

from app.errors import error_response
from shop.security.limits import Action, Hit, RateLimited
from shop.services import ShopServices


def client_ip(request: Request) -> str:
    """The client's address as ClientAddressMiddleware computed it (trusted proxies honoured)."""
    ip = getattr(request.state, "client_ip", None)
    if ip:
        return str(ip)
    return request.client.host if request.client else "unknown"


def check_limit(request: Request, services: ShopServices, action: Action, *, visitor: str | None) -> None:
    """Count one `action` for this visitor and this client address; RateLimited when over."""
    services.security.limits.hit(action, visitor=visitor, ip=client_ip(request))


def order_limit(request: Request, services: ShopServices, *, visitor: str | None) -> Hit | None:
    """This client's order limits, for `Checkout.place(limit=...)` to count in the order transaction;
    RateLimited at once when a window is already known full."""
    return services.security.limits.plan("orders", visitor=visitor, ip=client_ip(request))


async def check_limit_async(request: Request, services: ShopServices, action: Action, *, visitor: str | None) -> None:
    await asyncio.to_thread(check_limit, request, services, action, visitor=visitor)


def with_retry_after(response: Response, exc: RateLimited) -> Response:
    response.headers.update(exc.headers)
    return response


def install_limit_errors(app: FastAPI) -> None:
    @app.exception_handler(RateLimited)
    async def rate_limited(request: Request, exc: RateLimited) -> Response:
        return with_retry_after(error_response(request, 429, exc.message), exc)
