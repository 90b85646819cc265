"""gzip for text answers, made once for the pages the app keeps, per request for the others.

Lighthouse measured ~160 KiB a page sent uncompressed (issue 13); a storefront page is 30-100 KB of
HTML that gzip makes 6-10 times smaller (a 70 KB listing: 7 KB). Compressing costs CPU though (a
44 KB product page at level 6: ~0.8 ms, a 70 KB listing ~2 ms on this 2-core machine under load),
and pages' p95 must stay under 50 ms under bench/load.py, so:

- pages the app stores for reuse (app.templating.PageCache: listings, home, product pages, the
  product list API) are stored as `Precompressed` bodies, gzipped once when they are built, and sent
  as they are by `stored_response`: compression costs nothing per request;
- static files carry their own gzip, made once (app.static_files);
- everything else (a cart, a search fragment, an admin page) is compressed here per request when it
  is text, at least MIN_SIZE bytes and arrives in one piece.

A streamed answer (the chat's Server-Sent Events, more_body=True) is never held back to compress
it: it passes through as it comes. No brotli: the package is not installed, gzip takes most of
the gain, and every browser accepts it.
"""

from __future__ import annotations

import gzip

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MIN_SIZE = 1024
"""Below ~1 KB the gzip header and the CPU cost more than the bytes saved."""

LEVEL = 6
"""gzip level of pages, stored or not. Measured on a 44 KB product page: 0.8 ms -> 6.9 KB; level 9
saves under 1% more at 2.8x the CPU, which pre-rendering 2,000 product pages at start-up would pay."""

_COMPRESSIBLE = (
    "text/html",
    "text/css",
    "text/plain",
    "text/javascript",
    "text/xml",
    "text/csv",
    "application/json",
    "application/javascript",
    "application/xml",
    "application/manifest+json",
    "image/svg+xml",
)


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding value allows gzip (`gzip;q=0` refuses it, `*` allows it)."""
    for part in accept_encoding.lower().split(","):
        name, _, params = part.partition(";")
        if name.strip() not in ("gzip", "*"):
            continue
        quality = params.strip()
        if quality.startswith("q="):
            try:
                return float(quality[2:]) > 0
            except ValueError:
                return False
        return True
    return False


def is_compressible(content_type: str) -> bool:
    return content_type.split(";", 1)[0].strip().lower() in _COMPRESSIBLE


def add_vary(headers: MutableHeaders) -> None:
    vary = headers.get("vary")
    if vary is None:
        headers["vary"] = "Accept-Encoding"
    elif "accept-encoding" not in vary.lower():
        headers["vary"] = f"{vary}, Accept-Encoding"


class Precompressed(bytes):
    """A body kept for reuse, with its gzip encoding made once (None when too small to gain).

    A bytes subclass, so the caches and callers that hold bodies keep treating it as bytes."""

    gzipped: bytes | None

    def __new__(cls, body: bytes) -> Precompressed:
        stored = super().__new__(cls, body)
        stored.gzipped = gzip.compress(body, LEVEL, mtime=0) if len(body) >= MIN_SIZE else None
        return stored


def stored_response(request: Request, body: bytes, media_type: str = "text/html") -> Response:
    """The answer for a stored body: its gzip made in advance when the client takes gzip (the
    middleware then leaves it alone), else the body itself (which the middleware then compresses
    if it is a plain bytes body)."""
    gzipped = getattr(body, "gzipped", None)
    if gzipped is not None and accepts_gzip(request.headers.get("accept-encoding", "")):
        return Response(gzipped, media_type=media_type, headers={"content-encoding": "gzip", "vary": "Accept-Encoding"})
    response = Response(body, media_type=media_type)
    if gzipped is not None:
        response.headers["vary"] = "Accept-Encoding"
    return response


class CompressionMiddleware:
    """gzip for whole text answers of at least MIN_SIZE bytes that are not encoded already."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        accepted = accepts_gzip(Headers(scope=scope).get("accept-encoding", ""))
        start: Message | None = None  # held until the body shows whether it comes in one piece

        async def compressing_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", ()))
                headers = MutableHeaders(raw=message["headers"])
                if (
                    message["status"] >= 200
                    and message["status"] not in (204, 206, 304)
                    and "content-encoding" not in headers
                    and "content-range" not in headers
                    and is_compressible(headers.get("content-type", ""))
                ):
                    add_vary(headers)  # an uncompressed copy must not be served from a cache to gzip clients
                    if accepted:
                        start = message
                        return
                await send(message)
                return
            if start is None:
                await send(message)
                return
            held, start = start, None
            body = message.get("body", b"")
            if message["type"] != "http.response.body" or message.get("more_body") or len(body) < MIN_SIZE:
                await send(held)  # a stream, or too small: as it is
                await send(message)
                return
            compressed = gzip.compress(body, LEVEL, mtime=0)
            headers = MutableHeaders(raw=held["headers"])
            headers["content-encoding"] = "gzip"
            headers["content-length"] = str(len(compressed))
            if "etag" in headers and not headers["etag"].startswith("W/"):
                headers["etag"] = "W/" + headers["etag"]  # the same file, another byte sequence
            if "accept-ranges" in headers:
                del headers["accept-ranges"]  # ranges would address the encoded bytes
            await send(held)
            await send({**message, "body": compressed})

        await self.app(scope, receive, compressing_send)
