"""An app served by uvicorn on a free local port in a thread, for the tests that need a real socket
(headless Chromium, concurrent streaming clients): one way to start it, wait for it and stop it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from app.embedded_mongo import free_port


@contextmanager
def serving(app: Any) -> Iterator[str]:
    """The app's base URL while the block runs (up to 10 s to start, 10 s to stop)."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
