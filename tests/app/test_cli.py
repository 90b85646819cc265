"""`python -m app create-owner`, the first owner made by `make run` on an empty shop, and `run` stopping
whole (app and database) within SHUTDOWN_SECONDS of SIGTERM."""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from pymongo.database import Database

from app.cli import SHUTDOWN_SECONDS, ensure_first_owner, main
from app.embedded_mongo import EmbeddedMongo, free_port
from shop.backoffice.owners import authenticate, get_owner
from shop.core.settings import Settings, get_settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli_env(mongo_server: EmbeddedMongo, db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    monkeypatch.setenv("MONGODB_URI", mongo_server.uri)
    monkeypatch.setenv("MONGODB_DB", db.name)
    get_settings.cache_clear()
    yield db
    get_settings.cache_clear()


def _password(output: str) -> str:
    match = re.search(r"password:\s+(\S+)", output)
    assert match, output
    return match.group(1)


def test_create_owner_prints_a_generated_password_once(cli_env: Database, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["create-owner", "--email", "Boss@Example.com"]) == 0
    output = capsys.readouterr().out
    password = _password(output)
    assert len(password) >= 20 and "/admin/login" in output
    stored = cli_env.owners.find_one({"email": "boss@example.com"})
    assert password not in str(stored)
    assert authenticate(cli_env, "boss@example.com", password, client="cli-test").email == "boss@example.com"

    assert main(["create-owner", "--email", "boss@example.com"]) == 1
    assert "already exists" in capsys.readouterr().err


def test_password_from_stdin_and_reset(
    cli_env: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("a long chosen password\n"))
    assert main(["create-owner", "--email", "me@example.com", "--password-stdin"]) == 0
    output = capsys.readouterr().out
    assert "a long chosen password" not in output
    assert authenticate(cli_env, "me@example.com", "a long chosen password", client="t")

    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["create-owner", "--email", "x@example.com", "--password-stdin"]) == 1
    assert "at least 12 characters" in capsys.readouterr().err

    assert main(["create-owner", "--email", "me@example.com", "--reset"]) == 0
    new_password = _password(capsys.readouterr().out)
    assert authenticate(cli_env, "me@example.com", new_password, client="t2")


def test_first_start_creates_the_owner_once(
    db: Database, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    ensure_first_owner(db, settings, "http://127.0.0.1:8000/admin/login")
    output = capsys.readouterr().out
    assert "http://127.0.0.1:8000/admin/login" in output and settings.owner_email in output
    password = _password(output)
    assert get_owner(db, settings.owner_email) is not None
    assert authenticate(db, settings.owner_email, password, client="t").email == settings.owner_email
    ensure_first_owner(db, settings, "http://127.0.0.1:8000/admin/login")
    assert capsys.readouterr().out == ""
    assert db.owners.count_documents({}) == 1


# --- `python -m app run` stops whole and in time -------------------------------------------------


@contextmanager
def running_shop(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, int]]:
    """`python -m app run` as `make run` starts it, on free ports with an empty shop of its own:
    (the process, its HTTP port, its database's pid) once /healthz answers 200."""
    port = free_port()
    env = dict(
        os.environ,
        DATA_DIR=str(tmp_path / "var"),
        PORT=str(port),
        EMBEDDED_DB_PORT=str(free_port()),
        SEED_DEMO="false",
        SEMANTIC_SEARCH="false",
        SCHEDULER_ENABLED="false",
        OPENAI_BASE_URL=f"http://127.0.0.1:{free_port()}/v1",  # no local model
    )
    env.pop("MONGODB_URI", None)
    log = (tmp_path / "shop.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "app", "run"], cwd=ROOT, env=env, stdout=log, stderr=log)
    database_pid = None
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "shop.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "shop.log").read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        database_pid = next(pid for pid in _children(process.pid) if b"secantusd" in _cmdline(pid))
        yield process, port, database_pid
    finally:
        for pid in (database_pid,):
            if pid is not None and _alive(pid):
                os.kill(pid, signal.SIGKILL)
        if process.poll() is None:
            process.kill()
        process.wait()
        log.close()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _stopped_within(process: subprocess.Popen[bytes], database_pid: int, signum: int) -> tuple[float, int]:
    """Send `signum`; seconds until the shop and its database are both gone, and the shop's exit code."""
    started = time.monotonic()
    process.send_signal(signum)
    process.wait(30)
    while _alive(database_pid) and time.monotonic() - started < 30:
        time.sleep(0.05)
    return time.monotonic() - started, process.returncode


def test_sigterm_stops_the_shop_and_its_database_within_10_s(tmp_path: Path) -> None:
    with running_shop(tmp_path) as (process, _port, database_pid):
        seconds, code = _stopped_within(process, database_pid, signal.SIGTERM)
        assert seconds < SHUTDOWN_SECONDS and not _alive(database_pid)
        assert code == 128 + signal.SIGTERM  # the clean path, not the watchdog's exit 1
        assert "Stopping the embedded database" in (tmp_path / "shop.log").read_text()


def test_sigterm_stops_the_shop_even_with_a_request_stuck_on_a_frozen_database(tmp_path: Path) -> None:
    """The database stopped answering without closing its connections (SIGSTOP): a request waits on it
    and so does the shop's own shutdown; the deadline ends it all within SHUTDOWN_SECONDS anyway."""
    with running_shop(tmp_path) as (process, port, database_pid):
        os.kill(database_pid, signal.SIGSTOP)
        stuck = threading.Thread(
            target=lambda: httpx.get(f"http://127.0.0.1:{port}/api/orders/12345678?email=a@example.com", timeout=60),
            daemon=True,
        )
        stuck.start()
        time.sleep(0.5)
        seconds, _code = _stopped_within(process, database_pid, signal.SIGTERM)
        assert seconds < SHUTDOWN_SECONDS and not _alive(database_pid)


def test_prepare_seeds_and_creates_the_owner_once(
    cli_env: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`prepare` runs once before compose's replicas start: a second run (a restart) changes nothing."""
    monkeypatch.setenv("DEMO_PRODUCTS", "3")
    monkeypatch.setenv("OWNER_EMAIL", "owner@shop.example")
    monkeypatch.setenv("BASE_URL", "https://shop.example/")
    get_settings.cache_clear()
    assert main(["prepare"]) == 0
    output = capsys.readouterr().out
    assert "https://shop.example/admin/login" in output
    assert authenticate(cli_env, "owner@shop.example", _password(output), client="t").email == "owner@shop.example"
    products = cli_env.products.count_documents({})
    assert cli_env.products.count_documents({"variantOf": None}) == 3  # DEMO_PRODUCTS, besides their variants

    assert main(["prepare"]) == 0
    again = capsys.readouterr().out
    assert "password:" not in again
    assert cli_env.products.count_documents({}) == products
    assert cli_env.owners.count_documents({}) == 1


def test_prepare_names_a_bad_owner_email(
    cli_env: Database, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A deployment's one-off step must fail with the setting to fix, not a traceback."""
    monkeypatch.setenv("SEED_DEMO", "false")
    monkeypatch.setenv("OWNER_EMAIL", "not-an-address")
    get_settings.cache_clear()
    assert main(["prepare"]) == 1
    assert "OWNER_EMAIL='not-an-address'" in capsys.readouterr().out
    assert cli_env.owners.count_documents({}) == 0


def test_several_workers_share_a_chroma_server_on_the_shops_folder(settings: Settings) -> None:
    """`run --workers N` must never let two processes open one Chroma folder: the parent serves it."""
    from app.cli import build_parser, shared_vector_index

    assert build_parser().parse_args(["run", "--workers", "2"]).workers == 2
    with pytest.raises(SystemExit):
        build_parser().parse_args(["run", "--workers", "0"])
    with shared_vector_index(settings, 1) as one:
        assert one.chroma_url is None  # one process keeps its own folder
    with shared_vector_index(settings.model_copy(update={"chroma_url": "http://chroma:8000"}), 2) as given:
        assert given.chroma_url == "http://chroma:8000"  # the operator's server is used as it is
    with shared_vector_index(settings, 2) as shared:
        assert shared.chroma_url is not None
        assert httpx.get(f"{shared.chroma_url}/api/v2/heartbeat").status_code == 200
        assert (settings.data_dir / "chroma").is_dir()
    with pytest.raises(httpx.HTTPError):  # stopped with the block
        httpx.get(f"{shared.chroma_url}/api/v2/heartbeat", timeout=2)
