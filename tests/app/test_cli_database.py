"""`running_database` hands its settings on instead of writing the process environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.cli_database import command_database, connected_database, running_database
from app.embedded_mongo import EmbeddedMongo, free_port, port_in_use
from shop.core.settings import Settings, get_settings


def test_a_configured_database_is_used_as_it_is(mongo_server: EmbeddedMongo) -> None:
    settings = Settings(_env_file=None, mongodb_uri=mongo_server.uri)  # type: ignore[call-arg]
    with running_database(settings) as running:
        assert running is settings


def test_the_embedded_database_comes_back_in_the_settings_not_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no stray .env from the project folder
    monkeypatch.delenv("MONGODB_URI", raising=False)
    configured = Settings(  # type: ignore[call-arg]
        _env_file=None, data_dir=tmp_path / "var", embedded_db_port=free_port(), mongodb_db="embedded_test"
    )
    environment = dict(os.environ)
    process_settings = get_settings()

    with running_database(configured) as settings:
        assert settings.mongodb_uri == f"mongodb://127.0.0.1:{configured.embedded_db_port}/?directConnection=true"
        assert configured.mongodb_uri is None  # the given settings are left as they were
        assert dict(os.environ) == environment
        assert get_settings() is process_settings  # its cache was not cleared either
        with connected_database(settings) as db:
            db.notes.insert_one({"text": "kept"})
        # A command started meanwhile (the shop is running) attaches to the same server.
        with command_database(configured) as (attached, db):
            assert attached.mongodb_uri == settings.mongodb_uri
            assert db.name == "embedded_test" and db.notes.find_one({})["text"] == "kept"

    assert not port_in_use(configured.embedded_db_port)
    assert dict(os.environ) == environment
