"""Runs the embedded MongoDB-compatible server (SecantusDB) as a separate process, and keeps it running.

SecantusDB is GPL-2.0 and beta, so the shop never imports it: it is started here as its own server
process on 127.0.0.1 and spoken to over the wire like any MongoDB. Production sets MONGODB_URI and
never reaches this module.

`Supervisor` restarts the server when it dies (kill -9, a crash, the OOM killer) on the same port and
data folder; the app's pymongo client finds it again by itself (a dead server is marked unknown and
re-checked every 0.5 s while requests wait for it), so nothing in the app has to reconnect.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from pymongo import MongoClient
from pymongo.errors import PyMongoError

log = logging.getLogger(__name__)


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

    def start(self, timeout: float = 60.0, cancel: threading.Event | None = None) -> str:
        """Start the server and wait until it answers; `cancel` (set by another thread) gives up early."""
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
        log_file = self.log_path.open("ab")
        # A session of its own: Ctrl-C in the terminal reaches the app, which then stops the
        # database last, after in-flight requests have finished writing.
        self.process = subprocess.Popen(  # noqa: S603 - fixed command, no shell
            command,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
            preexec_fn=stop_with_parent,  # only calls prctl, safe between fork and exec
        )
        log_file.close()
        self._wait_ready(timeout, cancel)
        return self.uri

    def _wait_ready(self, timeout: float, cancel: threading.Event | None = None) -> None:
        deadline = time.monotonic() + timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            assert self.process is not None
            if cancel is not None and cancel.is_set():
                self.stop(timeout=5)
                raise EmbeddedMongoError("The embedded database start was cancelled.")
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


@dataclass(frozen=True)
class DatabaseStatus:
    """What the supervisor knows about the embedded database, for /healthz and the logs."""

    state: str  # "running", "restarting" (died, being started again) or "stopped"
    restarts: int
    last_exit_code: int | None  # -9: killed by SIGKILL
    down_seconds: float | None  # how long it has been down, while it is

    def to_json(self) -> dict[str, object]:
        return {
            "state": self.state,
            "restarts": self.restarts,
            "lastExitCode": self.last_exit_code,
            "downSeconds": None if self.down_seconds is None else round(self.down_seconds, 1),
        }


class Supervisor:
    """Keeps one EmbeddedMongo running: started again on the same port and data folder when it exits.

    A thread looks at the process every POLL_SECONDS; when it has exited without being asked to, the
    server is started again after a pause that grows with each restart that did not last
    STABLE_SECONDS (0.2 s, then 1, 2, 5, 10, 30 s), so a database that cannot start (a full disk, the
    port taken) is retried calmly instead of in a tight loop. The server runs with --sync-on-commit, so
    every acknowledged write is on disk when it dies, and WiredTiger recovers it at the next start.
    Measured on these 2 busy cores (bench/recovery.py): kill -9 to a database answering again in 3-6 s.

    The restarts are made by the supervisor's own thread, which lives until `stop`: Linux sends the
    parent-death signal (stop_with_parent) when the *thread* that forked the child ends.
    """

    BACKOFF_SECONDS: Sequence[float] = (0.2, 1.0, 2.0, 5.0, 10.0, 30.0)
    STABLE_SECONDS = 60.0
    POLL_SECONDS = 0.2

    def __init__(self, server: EmbeddedMongo, *, backoff_seconds: Sequence[float] | None = None) -> None:
        self.server = server
        self.backoff_seconds = tuple(backoff_seconds or self.BACKOFF_SECONDS)
        self._stopping = threading.Event()
        self._lock = threading.Lock()  # held while the server starts or stops
        self._thread: threading.Thread | None = None
        self._state = "stopped"
        self._restarts = 0
        self._last_exit_code: int | None = None
        self._down_since: float | None = None

    @property
    def uri(self) -> str:
        return self.server.uri

    @property
    def status(self) -> DatabaseStatus:
        down = None if self._down_since is None else time.monotonic() - self._down_since
        return DatabaseStatus(self._state, self._restarts, self._last_exit_code, down)

    def start(self, timeout: float = 60.0) -> str:
        with self._lock:
            uri = self.server.start(timeout)
            self._state = "running"
        self._thread = threading.Thread(target=self._watch, name="database-supervisor", daemon=True)
        self._thread.start()
        return uri

    def stop(self, timeout: float = 5.0) -> None:
        """Stop supervising, then stop the server (SIGTERM; SIGKILL after `timeout` seconds)."""
        self._stopping.set()
        with self._lock:  # a start in progress sees _stopping and gives up within 0.1 s
            self.server.stop(timeout)
            self._state = "stopped"
        if self._thread is not None:
            self._thread.join(timeout=2)

    def _watch(self) -> None:
        failures = 0  # restarts in a row that did not last STABLE_SECONDS
        up_since = time.monotonic()
        while not self._stopping.wait(self.POLL_SECONDS):
            process = self.server.process
            if process is not None and process.poll() is None:
                if failures and time.monotonic() - up_since >= self.STABLE_SECONDS:
                    failures = 0
                continue
            if self._down_since is None:
                self._down_since = time.monotonic()
                self._last_exit_code = None if process is None else process.returncode
                self._state = "restarting"
                log.error(
                    "the embedded database exited (code %s); restarting it on port %d",
                    self._last_exit_code,
                    self.server.port,
                )
            delay = self.backoff_seconds[min(failures, len(self.backoff_seconds) - 1)]
            failures += 1
            if self._stopping.wait(delay):
                return
            if self._restart():
                up_since = time.monotonic()

    def _restart(self) -> bool:
        with self._lock:
            if self._stopping.is_set():
                return False
            try:
                self.server.start(cancel=self._stopping)
            except EmbeddedMongoError as exc:
                log.error("the embedded database did not start again: %s", exc)
                return False
            down = time.monotonic() - (self._down_since or time.monotonic())
            self._restarts += 1
            self._state = "running"
            self._down_since = None
        log.warning("the embedded database is running again after %.1f s (restart %d)", down, self._restarts)
        return True
