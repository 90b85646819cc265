"""Backup and restore time for the demo shop, with a byte-for-byte check of the result.

Run: `.venv/bin/python bench/backup.py` (add `--products 2000` for a bigger catalog).

It starts its own embedded database in a temporary folder (never touching var/), seeds the demo
shop (products, inventory, customers, reviews, ~11k orders, images), then times: the backup, a
restore into an empty second database, and a restore with --force over the original. Every
document of the restored databases is compared to the original as raw BSON bytes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument
from pymongo.database import Database

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.embedded_mongo import EmbeddedMongo
from demo.seed import seed_demo_shop
from shop.backoffice import backup
from shop.core.db import connect, database, ensure_indexes
from shop.core.settings import Settings


def raw_documents(db: Database) -> dict[str, list[bytes]]:
    handle = db.client.get_database(db.name, codec_options=CodecOptions(document_class=RawBSONDocument))
    return {
        name: [doc.raw for doc in handle[name].find({}).sort("_id", 1)]
        for name in sorted(handle.list_collection_names())
        if name not in backup.SKIP_COLLECTIONS
    }


def run(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=160)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="backup-bench-") as tmp, EmbeddedMongo(Path(tmp) / "db") as server:
        client = connect(server.uri)
        try:
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                mongodb_uri=server.uri,
                mongodb_db="bench_shop",
                data_dir=Path(tmp) / "var",
                seed_demo=False,
            )
            db = database(client, settings.mongodb_db)
            ensure_indexes(db)
            started = time.monotonic()
            counts = seed_demo_shop(db, settings.resolved_media_dir, n_products=args.products)
            print(f"Seeded the demo shop in {time.monotonic() - started:.1f} s: {counts}")
            original = raw_documents(db)
            documents = sum(len(docs) for docs in original.values())

            result = backup.create_backup(db, settings)
            size = result.path.stat().st_size
            print(
                f"Backup:  {result.seconds:5.1f} s  {documents} documents + {result.manifest['media']['files']} media "
                f"files -> {size / 1024 / 1024:.2f} MB ({result.path.name}, snapshot={result.manifest['snapshot']})"
            )

            empty = database(client, "bench_restored")
            restored = backup.restore_backup(result.path, empty, settings, media_dir=Path(tmp) / "media-restored")
            same = raw_documents(empty) == original
            print(
                f"Restore: {restored.seconds:5.1f} s  into an empty database "
                f"({restored.documents / restored.seconds:.0f} documents/s); identical: {same}"
            )

            forced = backup.restore_backup(result.path, db, settings, force=True)
            same_forced = raw_documents(db) == original
            print(f"Restore: {forced.seconds:5.1f} s  with --force over the original; identical: {same_forced}")
            return 0 if same and same_forced else 1
        finally:
            client.close()


if __name__ == "__main__":
    raise SystemExit(run())
