"""`python -m app forecast | backup | restore | init` against the real test database server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.database import Database

from app.cli import main
from app.embedded_mongo import EmbeddedMongo
from shop.backoffice import backup
from shop.core.settings import Settings, get_settings
from tests.support.databases import drop_test_database


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch, mongo_server: EmbeddedMongo, db: Database, tmp_path: Path
) -> Iterator[Path]:
    """Environment as an operator would set it, pointing at the test server and database."""
    data_dir = tmp_path / "cli-var"
    monkeypatch.chdir(tmp_path)  # no stray .env from the project folder
    monkeypatch.setenv("MONGODB_URI", mongo_server.uri)
    monkeypatch.setenv("MONGODB_DB", db.name)
    monkeypatch.setenv("DATA_DIR", str(data_dir))
    monkeypatch.setenv("SEMANTIC_SEARCH", "false")
    monkeypatch.setenv("SEED_DEMO", "false")
    get_settings.cache_clear()
    yield data_dir
    get_settings.cache_clear()


def test_forecast_command(
    cli_env: Path, db: Database, product_factory: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    product_factory(stock=1)
    product_factory(stock=100)

    assert main(["forecast"]) == 0

    out = capsys.readouterr().out
    assert "Forecasting" in out and "Forecast 2 products" in out
    assert "Low-stock email sent" in out
    assert db.jobs.find_one({"name": "forecast"})["status"] == "ok"
    assert db.inventory.count_documents({"predictedDemand.model": "Zero"}) == 2


def test_backup_and_restore_commands(
    cli_env: Path,
    db: Database,
    mongo_client: MongoClient,
    product_factory: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    product_factory(name="Kept Product")

    assert main(["backup"]) == 0
    archives = backup.list_backups(cli_env / "backups")
    assert len(archives) == 1
    assert db.jobs.find_one({"name": "backup"})["archive"] == archives[0].name
    assert main(["backup", "--list"]) == 0
    assert archives[0].name in capsys.readouterr().out

    # Into the same (non-empty) database: refused without --force.
    assert main(["restore", str(archives[0])]) == 1
    assert "not empty" in capsys.readouterr().err

    target = f"{db.name}_clone"
    try:
        assert main(["restore", str(archives[0]), "--db", target, "--no-media"]) == 0
        out = capsys.readouterr().out
        assert f"into {target!r}" in out
        clone = mongo_client[target]
        assert clone.products.find_one({})["name"] == "Kept Product"
    finally:
        drop_test_database(mongo_client, target)

    db.products.delete_many({})
    assert main(["restore", str(archives[0]), "--force", "--no-reindex"]) == 0
    assert db.products.find_one({})["name"] == "Kept Product"


def test_init_writes_a_separate_shop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.chdir(tmp_path)
    env = tmp_path / ".env"

    code = main(
        [
            "init",
            "--shop-name",
            'Green "Leaf" Tea',
            "--owner-email",
            "leaf@example.com",
            "--port",
            "8101",
            "--embedded-db-port",
            "27101",
            "--data-dir",
            "var-green",
            "--env-file",
            str(env),
            "--yes",
        ]
    )

    assert code == 0
    text = env.read_text(encoding="utf-8")
    assert "RESEND_API_KEY=\n" in text and "MONGODB_URI=\n" in text
    assert env.stat().st_mode & 0o777 == 0o600
    settings = Settings(_env_file=env)  # type: ignore[call-arg]
    assert settings.shop_name == 'Green "Leaf" Tea'
    assert settings.mongodb_db == "green_leaf_tea"
    assert settings.owner_email == "leaf@example.com"
    assert settings.mail_from == 'Green "Leaf" Tea <leaf@example.com>'
    assert (settings.port, settings.embedded_db_port) == (8101, 27101)
    assert settings.data_dir == Path("var-green")
    assert settings.base_url == "http://127.0.0.1:8101"
    assert settings.seed_demo is False
    assert settings.mongodb_uri is None and settings.resend_api_key is None
    assert settings.backup_keep == 7 and settings.shop_timezone == "UTC"

    # Never overwrite without --force; with it, the old file is kept.
    assert main(["init", "--owner-email", "x@example.com", "--env-file", str(env), "--yes"]) == 1
    assert main(["init", "--owner-email", "x@example.com", "--env-file", str(env), "--yes", "--force"]) == 0
    assert (tmp_path / ".env.bak").read_text(encoding="utf-8") == text


def test_init_refuses_bad_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    env = str(tmp_path / ".env")
    assert main(["init", "--env-file", env, "--yes"]) == 1  # no owner email
    assert main(["init", "--owner-email", "nope", "--env-file", env, "--yes"]) == 1
    args = ["init", "--owner-email", "a@example.com", "--port", "8200", "--embedded-db-port", "8200"]
    assert main([*args, "--env-file", env, "--yes"]) == 1
    assert not Path(env).exists()
