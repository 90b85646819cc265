"""Backup -> wipe -> restore gives back every document byte for byte, indexes and media included."""

from __future__ import annotations

import json
import tarfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from bson import Binary, Decimal128, Int64, ObjectId, Regex
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument
from pymongo import MongoClient
from pymongo.database import Database

from shop.backoffice import backup
from shop.core.db import database, ensure_indexes
from shop.core.settings import Settings
from tests.support.databases import drop_test_database

RAW = CodecOptions(document_class=RawBSONDocument)


def raw_dump(db: Database) -> dict[str, list[bytes]]:
    """Every document of every collection as its exact BSON bytes, in _id order."""
    handle = db.client.get_database(db.name, codec_options=RAW)
    return {
        name: [doc.raw for doc in handle[name].find({}).sort("_id", 1)]
        for name in sorted(handle.list_collection_names())
        if name not in backup.SKIP_COLLECTIONS
    }


def index_dump(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    out = {}
    for name in sorted(db.list_collection_names()):
        specs = []
        for spec in db[name].list_indexes():
            spec = dict(spec)
            spec.pop("v", None)
            spec.pop("ns", None)
            specs.append(tuple(sorted((k, str(v)) for k, v in spec.items())))
        out[name] = sorted(specs)
    return out


def media_dump(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def wipe(db: Database) -> None:
    for name in db.list_collection_names():
        db[name].delete_many({})
        db.drop_collection(name)


@pytest.fixture
def shop_data(db: Database, settings: Settings, product_factory: Any) -> dict[str, Any]:
    """A little of everything the shop stores, and BSON types that must survive a round trip."""
    ensure_indexes(db)
    product = product_factory(price=Decimal("12.34"), attributes={"origin": "Ethiopia", "roast": "light"})
    product_factory(deletedAt=datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC))
    now = datetime(2025, 6, 2, 9, 30, 15, 123000, tzinfo=UTC)
    db.orders.insert_one(
        {
            "_id": "ORD-ABCDEFGH",
            "customerName": "Zoë Ölund",
            "email": "zoe@example.com",
            "address": "Straße 1\n12345 Berlin",
            "products": [
                {"productId": product["_id"], "name": product["name"], "quantity": 2, "unitPrice": Decimal("12.34")},
            ],
            "totalAmount": Decimal("24.68"),
            "status": "pending",
            "sessionId": None,
            "createdAt": now,
            "updatedAt": now,
        }
    )
    db.types.insert_many(
        [
            {
                "_id": 1,
                "int32": 7,
                "int64": Int64(7),
                "big": Int64(2**40),
                "double": 7.0,
                "negzero": -0.0,
                "decimal": Decimal128("0.10"),
                "decimal_exp": Decimal128("1.000E+3"),
                "bytes": Binary(b"\x00\x01\xff"),
                "uuid": Binary.from_uuid(uuid.UUID("12345678-1234-5678-1234-567812345678")),
                "regex": Regex("^caf[eé]", "i"),
                "nested": {"list": [1, "two", {"three": 3.5}], "empty": {}},
                "when": now,
                "none": None,
                "flag": True,
            },
            {"_id": ObjectId(), "order": "keys", "stay": "in", "their": "order"},
        ]
    )
    # The cart is dated today: its TTL index (30 days) let the server's TTL monitor delete a cart dated
    # `now` in the middle of a test, which then found the source database changed.
    today = datetime.now(UTC).replace(microsecond=0)
    db.carts.insert_one(
        {"_id": "session-1", "items": [{"productId": product["_id"], "quantity": 1}], "updatedAt": today}
    )
    db.create_collection("empty_one")
    db.types.create_index([("int32", 1), ("double", -1)], name="custom", sparse=True)
    media = settings.resolved_media_dir
    (media / "products").mkdir(parents=True, exist_ok=True)
    (media / "products" / "beans.svg").write_text("<svg/>", encoding="utf-8")
    (media / "uploads" / "2025").mkdir(parents=True, exist_ok=True)
    (media / "uploads" / "2025" / "photo.bin").write_bytes(bytes(range(256)) * 8)
    return {"product": product}


@pytest.fixture
def other_db(mongo_client: MongoClient, db: Database) -> Iterator[Database]:
    target = database(mongo_client, f"{db.name}_restored")
    yield target
    drop_test_database(mongo_client, target.name)


def test_round_trip_restores_every_document_exactly(db: Database, settings: Settings, shop_data: Any) -> None:
    before = raw_dump(db)
    indexes = index_dump(db)
    media = media_dump(settings.resolved_media_dir)

    result = backup.create_backup(db, settings)

    assert result.path.parent == settings.resolved_backup_dir
    assert result.path.name.startswith(f"{db.name}-") and result.path.name.endswith("Z.tar.gz")
    order_indexes = len(list(db.orders.list_indexes())) - 1  # all but _id
    assert result.manifest["collections"]["orders"] == {"documents": 1, "indexes": order_indexes}
    assert result.manifest["collections"]["empty_one"]["documents"] == 0
    assert result.manifest["media"]["files"] == 2
    assert result.manifest["snapshot"] is True  # SecantusDB offers snapshot reads

    wipe(db)
    for path in settings.resolved_media_dir.rglob("*"):
        if path.is_file():
            path.unlink()
    assert raw_dump(db) == {}

    restored = backup.restore_backup(result.path, db, settings)

    assert restored.collections == {name: len(docs) for name, docs in before.items()}
    assert raw_dump(db) == before  # byte-equal BSON: types, values and key order
    assert index_dump(db) == indexes
    assert media_dump(settings.resolved_media_dir) == media
    order = db.orders.find_one({"_id": "ORD-ABCDEFGH"})
    assert order["totalAmount"] == Decimal("24.68") and isinstance(order["totalAmount"], Decimal)
    assert order["createdAt"] == datetime(2025, 6, 2, 9, 30, 15, 123000, tzinfo=UTC)


def test_archive_is_canonical_extended_json(db: Database, settings: Settings, shop_data: Any) -> None:
    result = backup.create_backup(db, settings)
    with tarfile.open(result.path, "r:gz") as tar:
        assert tar.getnames()[0] == "manifest.json"
        handle = tar.extractfile("collections/types.jsonl")
        assert handle is not None
        first = json.loads(handle.readline())
    assert first["decimal"] == {"$numberDecimal": "0.10"}
    assert first["int32"] == {"$numberInt": "7"}
    assert first["int64"] == {"$numberLong": "7"}
    assert first["double"] == {"$numberDouble": "7.0"}
    assert first["when"] == {"$date": {"$numberLong": "1748856615123"}}


def test_restore_refuses_a_non_empty_database(db: Database, settings: Settings, shop_data: Any) -> None:
    result = backup.create_backup(db, settings)
    db.orders.insert_one({"_id": "ORD-NEWONE00", "status": "pending"})

    with pytest.raises(backup.BackupError, match="not empty"):
        backup.restore_backup(result.path, db, settings)
    assert db.orders.count_documents({}) == 2  # nothing touched

    backup.restore_backup(result.path, db, settings, force=True)
    assert [o["_id"] for o in db.orders.find({})] == ["ORD-ABCDEFGH"]


def test_restore_into_another_database_leaves_the_source_alone(
    db: Database, other_db: Database, settings: Settings, shop_data: Any, tmp_path: Path
) -> None:
    before = raw_dump(db)
    result = backup.create_backup(db, settings)

    backup.restore_backup(result.path, other_db, settings, media_dir=tmp_path / "other-media")

    assert raw_dump(other_db) == before
    assert raw_dump(db) == before
    assert (tmp_path / "other-media" / "products" / "beans.svg").read_text(encoding="utf-8") == "<svg/>"


def test_retention_keeps_the_newest(db: Database, settings: Settings, product_factory: Any) -> None:
    settings.backup_keep = 2
    start = datetime(2025, 6, 1, tzinfo=UTC)
    made = [backup.create_backup(db, settings, now=start + timedelta(hours=i)) for i in range(4)]
    stranger = settings.resolved_backup_dir / "notes.txt"
    stranger.write_text("keep me", encoding="utf-8")

    kept = backup.list_backups(settings.resolved_backup_dir)

    assert kept == [made[3].path, made[2].path]
    assert [p.name for p in made[3].pruned] == [made[1].path.name]
    assert stranger.exists()
    assert not list(settings.resolved_backup_dir.glob("*.partial"))


def test_output_elsewhere_is_never_pruned(db: Database, settings: Settings, tmp_path: Path) -> None:
    settings.backup_keep = 1
    outside = tmp_path / "usb"
    outside.mkdir()
    first = backup.create_backup(db, settings, output=outside, now=datetime(2025, 1, 1, tzinfo=UTC))
    second = backup.create_backup(db, settings, output=outside, now=datetime(2025, 1, 2, tzinfo=UTC))
    assert first.path.exists() and second.path.exists() and not second.pruned


def test_not_a_backup(tmp_path: Path, db: Database, settings: Settings) -> None:
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"not a tar")
    with pytest.raises(backup.BackupError, match="not a readable shop backup"):
        backup.restore_backup(bogus, db, settings)


def test_job_locks_are_not_backed_up(db: Database, settings: Settings) -> None:
    db.job_locks.insert_one({"_id": "forecast", "holder": "x", "expiresAt": datetime.now(UTC)})
    result = backup.create_backup(db, settings)
    assert "job_locks" not in result.manifest["collections"]
