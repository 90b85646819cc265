"""gzip: pages and API answers compress, stored pages are compressed once, streams are never held."""

from __future__ import annotations

import asyncio
import gzip
from decimal import Decimal
from typing import Any

import httpx
from fastapi.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from app.middleware.compression import CompressionMiddleware, Precompressed, accepts_gzip

GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}


def raw_get(client: TestClient, url: str, headers: dict[str, str]) -> tuple[httpx.Headers, bytes]:
    """The answer's headers and its bytes as sent (httpx would decode them)."""
    with client.stream("GET", url, headers=headers) as response:
        return response.headers, b"".join(response.iter_raw())


def test_accept_encoding_is_read_with_its_weights() -> None:
    assert accepts_gzip("gzip, deflate, br") and accepts_gzip("br;q=1.0, gzip;q=0.8") and accepts_gzip("*")
    assert not accepts_gzip("") and not accepts_gzip("identity") and not accepts_gzip("gzip;q=0")
    assert not accepts_gzip("br, gzip;q=0.0") and not accepts_gzip("gzip;q=nonsense")


def test_pages_compress_for_clients_that_take_gzip(client: TestClient, product_factory: Any) -> None:
    for n in range(6):
        product_factory(name=f"House Blend {n}", price=Decimal("9.00"))
    plain_headers, plain = raw_get(client, "/products", IDENTITY)
    assert "content-encoding" not in plain_headers and plain_headers["vary"] == "Accept-Encoding"
    headers, packed = raw_get(client, "/products", GZIP)
    assert headers["content-encoding"] == "gzip" and headers["vary"] == "Accept-Encoding"
    assert int(headers["content-length"]) == len(packed) < len(plain) / 4
    assert gzip.decompress(packed) == plain
    # A stored page is sent as it was compressed once: the same bytes for the next visitor.
    assert raw_get(client, "/products", GZIP)[1] == packed

    headers, api = raw_get(client, "/api/products", GZIP)
    assert headers["content-encoding"] == "gzip" and b"House Blend" in gzip.decompress(api)
    # Pages the app does not store (the cart) are compressed per request.
    headers, cart = raw_get(client, "/cart", GZIP)
    assert headers["content-encoding"] == "gzip" and b"<html" in gzip.decompress(cart)


def test_small_answers_stay_as_they_are(client: TestClient) -> None:
    headers, health = raw_get(client, "/healthz", GZIP)
    assert len(health) < 1024 and "content-encoding" not in headers


def test_a_stored_body_is_compressed_once_and_only_when_worth_it() -> None:
    page = Precompressed(b"<p>" + b"tea " * 400 + b"</p>")
    assert page == b"<p>" + b"tea " * 400 + b"</p>" and isinstance(page, bytes)
    assert page.gzipped is not None and gzip.decompress(page.gzipped) == page
    assert Precompressed(b"<p>short</p>").gzipped is None


def run(app: Any, headers: list[tuple[bytes, bytes]]) -> list[Message]:
    """Drive an ASGI app once and return the messages it sent, as a server would see them."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "GET", "path": "/", "headers": headers, "query_string": b""}
    asyncio.run(CompressionMiddleware(app)(scope, receive, send))
    return sent


def test_a_stream_passes_through_as_it_comes() -> None:
    """The chat's Server-Sent Events: each event reaches the client before the next is written."""
    seen_before_next: list[int] = []
    forwarded: list[Message] = []

    async def streaming_app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        for n in range(3):
            await send({"type": "http.response.body", "body": b"event %d " % n * 200, "more_body": True})
            seen_before_next.append(len(forwarded))
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def main() -> None:
        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Message) -> None:
            forwarded.append(message)

        scope = {"type": "http", "method": "GET", "path": "/", "headers": [(b"accept-encoding", b"gzip")]}
        await CompressionMiddleware(streaming_app)(scope, receive, send)

    asyncio.run(main())
    assert seen_before_next == [2, 3, 4]  # start + each chunk forwarded at once
    assert all("content-encoding" not in dict(m.get("headers", [])) for m in forwarded)
    assert forwarded[1]["body"].startswith(b"event 0")


def test_event_streams_and_encoded_answers_are_left_alone() -> None:
    body = b"data: " + b"x" * 4000 + b"\n\n"

    def app_sending(content_type: bytes, extra: list[tuple[bytes, bytes]] | None = None) -> Any:
        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            headers = [(b"content-type", content_type), *(extra or [])]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": body, "more_body": False})

        return app

    for app in (
        app_sending(b"text/event-stream"),
        app_sending(b"image/png"),
        app_sending(b"text/html", [(b"content-encoding", b"gzip")]),
    ):
        sent = run(app, [(b"accept-encoding", b"gzip")])
        assert sent[1]["body"] == body
    compressed = run(app_sending(b"text/html", [(b"etag", b'"abc"')]), [(b"accept-encoding", b"gzip")])
    headers = dict(compressed[0]["headers"])
    assert headers[b"content-encoding"] == b"gzip" and headers[b"etag"] == b'W/"abc"'
    assert gzip.decompress(compressed[1]["body"]) == body
