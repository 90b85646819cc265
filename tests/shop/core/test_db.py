from __future__ import annotations

import socket
import time

import pytest
from pymongo import ASCENDING
from pymongo.database import Database
from pymongo.errors import OperationFailure, PyMongoError

from shop.core.db import (
    IN_CHUNK,
    INDEXES,
    OBSOLETE_INDEXES,
    connect,
    ensure_indexes,
    find_in,
    known_down,
    unavailable,
)
from shop.core.versions import SharedVersions


def test_ensure_indexes_creates_the_current_ones_and_drops_obsolete_ones(db: Database) -> None:
    db.products.create_index([("category", ASCENDING), ("price", ASCENDING)], name="category_price")
    ensure_indexes(db)
    ensure_indexes(db)  # a second start-up finds nothing to do
    names = set(db.products.index_information())
    assert {model.document["name"] for model in INDEXES["products"]} <= names
    assert not names & set(OBSOLETE_INDEXES["products"])


def test_find_in_misses_nothing_across_its_chunks(db: Database) -> None:
    db.find_in_probe.insert_many([{"n": n} for n in range(IN_CHUNK * 3)])
    wanted = [n for n in range(IN_CHUNK * 3) if n % 2 == 0] + [-1]  # more than a chunk, and one unknown

    found = list(find_in(db.find_in_probe, "n", wanted, {"n": 1, "_id": 0}))

    assert sorted(doc["n"] for doc in found) == wanted[:-1]
    assert list(find_in(db.find_in_probe, "n", [])) == []


def test_a_database_that_does_not_answer_fails_an_operation_within_seconds() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        uri = f"mongodb://127.0.0.1:{sock.getsockname()[1]}/?directConnection=true"
    client = connect(uri)
    try:
        started = time.monotonic()
        with pytest.raises(PyMongoError) as error:
            client.admin.command("ping")
        assert time.monotonic() - started < 3  # pymongo's default waits 30 s
        assert unavailable(error.value)
    finally:
        client.close()
    assert not unavailable(OperationFailure("bad query", code=2))


def test_cache_refreshes_keep_their_copy_at_once_once_the_database_is_known_down(db: Database) -> None:
    assert not known_down(db.client)  # the suite's own server answers
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        uri = f"mongodb://127.0.0.1:{sock.getsockname()[1]}/?directConnection=true"
    client = connect(uri, serverSelectionTimeoutMS=300, connect=False)
    try:
        assert not known_down(client)  # nothing has failed yet: a fresh process still reads
        versions = SharedVersions(client["down"], poll_seconds=0)
        with pytest.raises(PyMongoError):
            client.admin.command("ping")
        assert known_down(client)

        started = time.monotonic()
        assert versions.get("catalog") == 0
        assert time.monotonic() - started < 0.1  # waited up to 1 s before
    finally:
        client.close()


def test_client_options_in_the_uri_win_over_the_defaults() -> None:
    base = "mongodb://127.0.0.1:1/?directConnection=true"
    assert connect(base, connect=False).options.server_selection_timeout == 2.0
    assert connect(base + "&serverSelectionTimeoutMS=7000", connect=False).options.server_selection_timeout == 7.0
    assert connect(base + "&sockettimeoutms=1000", connect=False).options.pool_options.socket_timeout == 1.0
    assert connect(base, serverSelectionTimeoutMS=500, connect=False).options.server_selection_timeout == 0.5
