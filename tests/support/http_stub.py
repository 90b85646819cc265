"""A tiny local HTTP server standing in for a provider's API (Resend, Cloudinary) in tests.

The real SDK code paths run unchanged; only the address they call is this server on 127.0.0.1.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class StubServer:
    url: str
    requests: list[Recorded] = field(default_factory=list)
    # (method, path) -> (status, json body); a callable gets the request and returns (status, body).
    routes: dict[tuple[str, str], Any] = field(default_factory=dict)


@contextmanager
def http_stub(routes: dict[tuple[str, str], Any]) -> Iterator[StubServer]:
    stub = StubServer(url="", routes=dict(routes))

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            record = Recorded(
                self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length)
            )
            stub.requests.append(record)
            route = stub.routes.get((self.command, self.path.split("?")[0]))
            if route is None:
                status, body = 404, {"message": "no such route in stub"}
            elif isinstance(route, Callable):  # type: ignore[arg-type]
                status, body = route(record)
            else:
                status, body = route
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_DELETE = _handle

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
