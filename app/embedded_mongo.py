"""Runs the embedded MongoDB-compatible server (SecantusDB) as a separate process.

SecantusDB is GPL-2.0 and beta, so the shop never imports it: it is started here as its own server
process on 127.0.0.1 and spoken to over the wire like any MongoDB. Production sets MONGODB_URI and
never reaches this module.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

from pymongo import MongoClient
from pymongo.errors import PyMongoError


class EmbeddedMongoError(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _server_command() -> list[str]:
    script = Path(sys.executable).with_name("secantusd-py")
    if script.exists():
        return [str(script)]
    found = shutil.which("secantusd-py")
    if found:
        return [found]
    raise EmbeddedMongoError(
        "The embedded database (SecantusDB) is not installed. Run `make run`, which installs it, "
        "or set MONGODB_URI to use your own MongoDB."
    )


def stop_with_parent() -> None:
    """Ask Linux to SIGTERM the database if the shop's process dies without cleaning up (kill -9, OOM),
    so a crash never leaves an orphan holding the port and the data files."""
    if sys.platform != "linux":
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def terminate(process: subprocess.Popen[bytes] | None, timeout: float) -> None:
    """SIGTERM, so the server flushes and closes its files; SIGKILL only if it does not stop in time."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


class EmbeddedMongo:
    """Start/stop one SecantusDB server with its data under `data_dir`."""

    def __init__(self, data_dir: Path, port: int | None = None, *, cache_size: str = "256M") -> None:
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.cache_size = cache_size
        self.process: subprocess.Popen[bytes] | None = None
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}.log"

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true"

    def start(self, timeout: float = 60.0) -> str:
        if port_in_use(self.port):
            raise EmbeddedMongoError(
                f"Port {self.port} is already in use, so the embedded database cannot start. Is the shop "
                "already running? Stop it, or set EMBEDDED_DB_PORT to another port."
            )
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [
            *_server_command(),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--storage-path", str(self.data_dir),
            "--sync-on-commit",
            "--cache-size", self.cache_size,
            "--log-level", "WARNING",
        ]  # fmt: skip
        env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
        log = self.log_path.open("ab")
        # A session of its own: Ctrl-C in the terminal reaches the app, which then stops the
        # database last, after in-flight requests have finished writing.
        self.process = subprocess.Popen(  # noqa: S603 - fixed command, no shell
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
            preexec_fn=stop_with_parent,  # only calls prctl, safe between fork and exec
        )
        log.close()
        self._wait_ready(timeout)
        return self.uri

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise EmbeddedMongoError(
                    f"The embedded database exited with code {self.process.returncode}; see {self.log_path}"
                )
            try:
                with MongoClient(self.uri, serverSelectionTimeoutMS=500) as client:
                    client.admin.command("ping")
                return
            except PyMongoError as exc:
                last_error = exc
                time.sleep(0.1)
        self.stop()
        raise EmbeddedMongoError(f"The embedded database did not answer within {timeout:.0f} s: {last_error}")

    def stop(self, timeout: float = 20.0) -> None:
        process, self.process = self.process, None
        terminate(process, timeout)

    def __enter__(self) -> EmbeddedMongo:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
