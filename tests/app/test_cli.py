"""`python -m app create-owner` and the first owner made by `make run` on an empty shop."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from pymongo.database import Database

from app.cli import ensure_first_owner, main
from app.embedded_mongo import EmbeddedMongo
from shop.backoffice.owners import authenticate, get_owner
from shop.core.settings import Settings, get_settings


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


def test_several_workers_share_a_chroma_server_on_the_shops_folder(settings: Settings) -> None:
    """`run --workers N` must never let two processes open one Chroma folder: the parent serves it."""
    import httpx

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
