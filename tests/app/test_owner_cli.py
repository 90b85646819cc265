"""`python -m app forecast | backup | restore | init | categories` against the real test database server."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.database import Database

from app.cli import main
from app.embedded_mongo import EmbeddedMongo
from shop.backoffice import backup
from shop.catalog.categories import read_categories
from shop.core.settings import Settings, get_settings
from tests.support.databases import drop_test_database

ROOT = Path(__file__).resolve().parents[2]


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


# --- categories ----------------------------------------------------------------------------------

DEMO_CATEGORIES_FILE = ROOT / "demo" / "data" / "categories.json"


def _docs_example(tmp_path: Path) -> Path:
    """The bookshop's categories file shown in docs/cloning.md, so the documented example keeps working."""
    text = (ROOT / "docs" / "cloning.md").read_text(encoding="utf-8")
    match = re.search(r"```json\n(.*?)```", text, re.S)
    assert match, "docs/cloning.md shows a categories file"
    path = tmp_path / "bookshop.json"
    path.write_text(match.group(1), encoding="utf-8")
    return path


@pytest.fixture
def fresh_db(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, mongo_client: MongoClient, db: Database
) -> Iterator[Database]:
    """A second, empty database on the test server, as a newly initialised shop has; the CLI points at it."""
    name = f"{db.name}_fresh"
    monkeypatch.setenv("MONGODB_DB", name)
    get_settings.cache_clear()
    yield mongo_client[name]
    for collection in mongo_client[name].list_collection_names():
        mongo_client[name][collection].delete_many({})
    mongo_client.drop_database(name)


def test_categories_export_then_import_into_a_fresh_shop(
    cli_env: Path, fresh_db: Database, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    monkeypatch.setenv("MONGODB_DB", db.name)  # the test shop: the demo's categories
    get_settings.cache_clear()
    exported = tmp_path / "categories.json"
    assert main(["categories", "export", str(exported)]) == 0
    assert "Exported 4 categories" in capsys.readouterr().out
    assert exported.read_text(encoding="utf-8") == DEMO_CATEGORIES_FILE.read_text(encoding="utf-8")
    assert main(["categories", "export"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(exported.read_text(encoding="utf-8"))

    monkeypatch.setenv("MONGODB_DB", fresh_db.name)  # a shop just made with `init`: no categories
    get_settings.cache_clear()
    assert read_categories(fresh_db) == ()
    assert main(["categories", "import", str(exported)]) == 0
    assert "4 created, 0 updated, 0 unchanged" in capsys.readouterr().out
    assert read_categories(fresh_db) == read_categories(db)
    assert fresh_db.categories.find_one({"_id": "tea"})["updatedAt"] is not None
    entries = list(fresh_db.activity_log.find({"action": "category.create"}))
    assert len(entries) == 4 and {entry["owner"] for entry in entries} == {"command line"}

    # Again: matched by slug, so nothing is doubled; an edited file updates what it changes.
    assert main(["categories", "import", str(exported)]) == 0
    assert "0 created, 0 updated, 4 unchanged" in capsys.readouterr().out
    edited = json.loads(exported.read_text(encoding="utf-8"))
    edited[1]["name"] = "Loose-Leaf Tea"
    edited.append({"slug": "gift-boxes", "name": "Gift Boxes", "position": 5})
    exported.write_text(json.dumps(edited), encoding="utf-8")
    assert main(["categories", "import", str(exported)]) == 0
    out = capsys.readouterr().out
    assert "1 created, 1 updated, 3 unchanged" in out and "created: gift-boxes" in out and "updated: tea" in out
    assert [c.name for c in read_categories(fresh_db)][1] == "Loose-Leaf Tea"
    assert fresh_db.activity_log.find_one({"action": "category.update"})["after"] == {"name": "Loose-Leaf Tea"}


def test_the_documented_bookshop_file_imports(
    fresh_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["categories", "import", str(_docs_example(tmp_path))]) == 0
    assert "3 created" in capsys.readouterr().out
    assert [c.slug for c in read_categories(fresh_db)] == ["fiction", "childrens-books", "cookbooks"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[{"slug": "gifts", "name": "Gifts", "wrods": ["gift"]}]', "wrods is not a category key"),
        ('[{"slug": "Gift Boxes", "name": "Gifts"}]', "category 2 ('Gift Boxes'): slug may hold only lowercase"),
        ('[{"slug": "gifts", "name": "Gifts"}, {"slug": "gifts", "name": "More"}]', "'gifts' is listed twice"),
        ('[{"slug": "gifts", "name": ""}]', "name is required"),
        ('[{"slug": "gifts", "name": "Gifts", "words": "gift"}]', 'words must be a list, like ["novel", "novels"]'),
        ('[{"slug": "gifts", "name": "Gifts", "colours": ["#fff"]}]', "colours must be two colours"),
        ('{"slug": "gifts", "name": "Gifts"}', "expected a JSON list of categories"),
        ('[{"slug": "gifts", "name": "Gifts"},', "is not valid JSON"),
        (None, "cannot be read"),
    ],
)
def test_a_bad_categories_file_changes_nothing(
    fresh_db: Database, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    # A good category first: it must not be imported either, the whole file is checked before writing.
    good = '{"slug": "fiction", "name": "Fiction"}'
    path = tmp_path / "categories.json"
    if content is not None:
        path.write_text(content.replace("[", f"[{good}, ", 1) if content.startswith("[{") else content)
    assert main(["categories", "import", str(path)]) == 1
    err = capsys.readouterr().err
    assert message in err and "Nothing was imported." in err
    assert read_categories(fresh_db) == ()
    assert fresh_db.activity_log.count_documents({}) == 0
