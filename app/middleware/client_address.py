"""Who is asking, and may they: the client's address behind trusted proxies, and the admin's IP blocks.

Runs first on every request. It puts the client's address (shop.security.addresses.TrustedProxies:
X-Forwarded-For is believed only from TRUSTED_PROXIES) where every later part reads it: the ASGI
`client`, so `request.client.host` is the client for the routes, the sign-in lock and the logs, and
`request.state.client_ip`. Then a blocked address gets 403 on every route, the admin's sign-in too.

Plain ASGI like the session middleware: a look-up in memory per request. The blocks are read from
the database at most every IP_BLOCK_CACHE_SECONDS, in a worker thread, never on the event loop.
"""

from __future__ import annotations

import asyncio
import json

from starlette.types import ASGIApp, Receive, Scope, Send

BLOCKED_MESSAGE = "Access to this shop from your address has been blocked."
_BLOCKED_PAGE = (
    "<!doctype html><html lang=en><meta charset=utf-8><title>Access blocked</title>"
    f"<body style='font-family:system-ui,sans-serif;margin:3rem'><h1>Access blocked</h1><p>{BLOCKED_MESSAGE}</p>"
    "<p>If you think this is a mistake, please contact the shop by e-mail.</p></body></html>"
)


class ClientAddressMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        services = getattr(scope["app"].state, "services", None) if "app" in scope else None
        if scope["type"] not in ("http", "websocket") or services is None:
            await self.app(scope, receive, send)
            return
        security = services.security
        peer = scope.get("client")
        host = peer[0] if peer else None
        forwarded = None
        if security.proxies.networks:
            values = [v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"x-forwarded-for"]
            forwarded = ",".join(values) or None
        ip = security.proxies.client_ip(host, forwarded)
        if ip != host:
            scope["client"] = (ip, peer[1] if peer else 0)
        scope.setdefault("state", {})["client_ip"] = ip
        blocks = security.blocks
        if blocks.stale:
            await asyncio.to_thread(blocks.refresh)
        if blocks.blocked(ip) is None:
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":
            await send({"type": "websocket.close", "code": 1008})
            return
        if scope["path"].startswith("/api/"):
            body, content_type = json.dumps({"detail": BLOCKED_MESSAGE}).encode(), b"application/json"
        else:
            body, content_type = _BLOCKED_PAGE.encode(), b"text/html; charset=utf-8"
        headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 403, "headers": headers})
        await send({"type": "http.response.body", "body": body})
