"""Security headers on every response: what a browser may load, run and share for our pages.

The policy is strict because the pages allow it: every script is a file under static/js (no inline
script, no inline event handler, no eval: htmx runs with allowEval off, templates/_htmx_config.html),
every style is a file under static/css. A route with a reason to differ sets its own
Content-Security-Policy, which is kept (the admin's e-mail preview: e-mails carry inline styles).

Plain ASGI rather than BaseHTTPMiddleware, like the session middleware: the header block is built
once and appended to each response start, a few microseconds a request, and a streamed answer (the
chat's Server-Sent Events) passes through untouched.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # Product pictures are uploads (/media) or any https:// address the owner gives (Cloudinary,
        # a supplier's picture); data: is the inline SVG icon and the CSS's select arrow.
        "img-src 'self' data: https:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        # Forms post to the shop only. A payment provider reached by a form's redirect must be added here.
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
"""The policy of every page; no 'unsafe-inline' and no 'unsafe-eval' anywhere."""

EMAIL_PREVIEW_POLICY = CONTENT_SECURITY_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'")
"""The admin's e-mail preview (app/routes/admin/inbox.py): e-mails carry inline styles."""

PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
)
"""Browser features the shop never uses, refused to it and to anything it embeds. Only features
Chromium knows: an unknown one is logged as a console error on every page."""

HSTS = "max-age=31536000; includeSubDomains"
"""A year of HTTPS only, sent only when the shop says it is behind HTTPS (COOKIE_SECURE)."""


class SecurityHeadersMiddleware:
    """Adds the headers above to every HTTP response that does not set them itself."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        headers = [
            (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
            (b"x-frame-options", b"DENY"),  # frame-ancestors for browsers that predate CSP 2
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
            (b"permissions-policy", PERMISSIONS_POLICY.encode()),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        if hsts:
            headers.append((b"strict-transport-security", HSTS.encode()))
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", ())}
                message["headers"] = [
                    *message.get("headers", ()),
                    *(header for header in self.headers if header[0] not in present),
                ]
            await send(message)

        await self.app(scope, receive, send_with_headers)
