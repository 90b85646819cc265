"""A Chroma server process beside the shop, for several app processes on one machine.

Chroma's local folder (PersistentClient) belongs to one process: two processes writing one folder
corrupt it. So `python -m app run --workers N` (N > 1) without CHROMA_URL serves the shop's folder
through chromadb's own server (`chroma run`, shipped with the chromadb package) and points every
worker at it; the multi-process test starts one the same way. Production runs its own Chroma server
and sets CHROMA_URL.
"""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from app.embedded_mongo import free_port

START_TIMEOUT = 60.0
"""The `chroma` command imports chromadb first: ~1 s on an idle machine, 10-30 s on a very busy one."""


class ChromaServerError(RuntimeError):
    pass


def chroma_executable() -> Path:
    """The `chroma` command installed beside this Python (the venv's bin)."""
    return Path(sys.executable).parent / "chroma"


@contextmanager
def running_chroma(path: Path, port: int | None = None, *, log_path: Path | None = None) -> Iterator[str]:
    """Serve the Chroma folder `path` on 127.0.0.1 for the duration of the block; yields its URL."""
    path.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    log_path = log_path or path.parent / "chroma-server.log"
    command = [str(chroma_executable()), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed command, no shell
            command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_chroma(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for_chroma(url: str, process: subprocess.Popen[bytes] | None = None, timeout: float = START_TIMEOUT) -> None:
    """Wait until the server at `url` answers its heartbeat (measured: ~0.3 s after the start)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise ChromaServerError(f"the Chroma server exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1) as response:  # noqa: S310 - http URL we built
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise ChromaServerError(f"the Chroma server at {url} did not answer within {timeout:.0f} s")
