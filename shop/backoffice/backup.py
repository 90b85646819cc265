"""Backups of the whole shop, and restoring them into an empty (or named) database.

Format: one `.tar.gz` archive, readable with standard tools and no database at hand:

    manifest.json                format, version, database, time, counts per collection, media totals
    collections/<name>.jsonl     one document per line, MongoDB Extended JSON v2 in CANONICAL mode
    indexes/<name>.json          the collection's index definitions (except _id), canonical JSON
    media/<path>                 every file of the media folder (product images, uploads)

Why canonical Extended JSON: it spells out every BSON type (`$numberDecimal`, `$numberLong`,
`$numberInt`, `$numberDouble`, `$oid`, `$date`), so Decimal128 money, 32- vs 64-bit integers,
ObjectIds and dates come back exactly as they were; relaxed mode would turn numbers into JSON
numbers and lose the distinction. Documents are read WITHOUT the shop's Decimal codec (the raw BSON
types are what we want to keep) and re-encoded unchanged; the round-trip test compares raw BSON bytes.

Why a snapshot session: all collections are read at one point in time where the server supports it
(replica sets, Atlas, SecantusDB), so an order and its stock decrement are either both in the backup
or both not. A standalone mongod cannot, and we fall back to plain reads (documented).

Why restore refuses a non-empty database: restoring over a live shop would mix two histories. With
`force` every collection of the target is dropped first, so the result equals the backup exactly.
Archives are written to a temporary name and renamed when complete, so a crash never leaves a
truncated archive that looks like a backup, and retention never counts one. Restore creates every
collection's indexes before inserting its documents (see `restore_backup` for why).
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from bson import json_util
from bson.binary import UuidRepresentation
from bson.codec_options import CodecOptions, DatetimeConversion
from bson.json_util import JSONMode, JSONOptions
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.errors import ConfigurationError, OperationFailure

from shop.core.settings import Settings

log = logging.getLogger(__name__)

FORMAT = "aishop-backup"
VERSION = 1
SKIP_COLLECTIONS = frozenset({"job_locks"})
"""Transient state: a restored lock would block jobs of the restored shop until it expired."""
INSERT_BATCH = 1000
ARCHIVE_PATTERN = re.compile(r"^(?P<db>.+)-(?P<stamp>\d{8}-\d{6})Z\.tar\.gz$")

RAW_CODEC = CodecOptions(
    tz_aware=True,
    tzinfo=UTC,
    uuid_representation=UuidRepresentation.STANDARD,
    datetime_conversion=DatetimeConversion.DATETIME_AUTO,
)
"""Plain BSON types in and out (Decimal128 stays Decimal128, Int64 stays Int64); dates outside
Python's range come back as DatetimeMS instead of raising."""
JSON_OPTIONS: JSONOptions = JSONOptions(
    json_mode=JSONMode.CANONICAL,
    tz_aware=True,
    tzinfo=UTC,
    uuid_representation=UuidRepresentation.STANDARD,
    datetime_conversion=DatetimeConversion.DATETIME_AUTO,
)

Progress = Callable[[str], None]


class BackupError(RuntimeError):
    """A backup or restore that cannot go ahead; the message says what to do."""


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    seconds: float
    pruned: list[Path] = field(default_factory=list)

    @property
    def documents(self) -> int:
        return sum(c["documents"] for c in self.manifest["collections"].values())


@dataclass
class RestoreResult:
    database: str
    collections: dict[str, int]
    media_files: int
    seconds: float
    manifest: dict[str, Any]

    @property
    def documents(self) -> int:
        return sum(self.collections.values())


def raw_database(db: Database) -> Database:
    """The same database without the shop's Decimal codec: BSON types exactly as stored."""
    return db.client.get_database(db.name, codec_options=RAW_CODEC)


def archive_name(db_name: str, moment: datetime) -> str:
    return f"{db_name}-{moment.astimezone(UTC):%Y%m%d-%H%M%S}Z.tar.gz"


# --------------------------------------------------------------------------------------------------
# Backup
# --------------------------------------------------------------------------------------------------


@contextmanager
def _snapshot(db: Database) -> Iterator[ClientSession | None]:
    """A snapshot session when the server offers one (replica set, Atlas, SecantusDB), else None."""
    session: ClientSession | None = None
    names = _collections(db)
    try:
        session = db.client.start_session(snapshot=True)
        if names:
            db[names[0]].find_one({}, session=session)  # fails fast on servers without snapshot reads
    except (ConfigurationError, OperationFailure) as exc:
        log.info("no snapshot reads on this server (%s); the backup reads collections one by one", exc)
        if session is not None:
            session.end_session()
        session = None
    try:
        yield session
    finally:
        if session is not None:
            session.end_session()


def _collections(db: Database) -> list[str]:
    names = db.list_collection_names()
    return sorted(n for n in names if not n.startswith("system.") and n not in SKIP_COLLECTIONS)


def _index_specs(db: Database, name: str) -> list[dict[str, Any]]:
    specs = []
    for spec in db[name].list_indexes():
        spec = dict(spec)
        if spec.get("name") == "_id_":
            continue
        spec.pop("ns", None)
        spec.pop("v", None)
        specs.append(spec)
    return specs


def _media_files(media_dir: Path) -> list[Path]:
    if not media_dir.is_dir():
        return []
    return sorted(p for p in media_dir.rglob("*") if p.is_file() and not p.is_symlink())


def create_backup(
    db: Database,
    settings: Settings,
    *,
    output: Path | None = None,
    now: datetime | None = None,
    progress: Progress | None = None,
    prune: bool = True,
) -> BackupResult:
    """Write a complete backup archive; returns its path and manifest.

    Into BACKUP_DIR by default, pruned to the newest BACKUP_KEEP archives of this database
    afterwards. An explicit `output` (a file or a folder) is never pruned.
    """
    say = progress or (lambda _m: None)
    started = time.monotonic()
    moment = now or datetime.now(UTC)
    raw = raw_database(db)
    media_dir = settings.resolved_media_dir
    if output is not None and (output.is_dir() or not output.name.endswith(".tar.gz")):
        target_dir, target = output, output / archive_name(db.name, moment)
    elif output is not None:
        target_dir, target = output.parent, output
    else:
        target_dir = settings.resolved_backup_dir
        target = target_dir / archive_name(db.name, moment)
    target_dir.mkdir(parents=True, exist_ok=True)

    manifest: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "createdAt": moment.astimezone(UTC).isoformat(),
        "database": db.name,
        "shopName": settings.shop_name,
        "serverVersion": _server_version(db),
        "snapshot": False,
        "collections": {},
        "media": {"files": 0, "bytes": 0},
    }
    with tempfile.TemporaryDirectory(prefix="aishop-backup-", dir=target_dir) as tmp:
        work = Path(tmp)
        (work / "collections").mkdir()
        (work / "indexes").mkdir()
        with _snapshot(raw) as session:
            manifest["snapshot"] = session is not None
            for name in _collections(raw):
                count = _dump_collection(raw, name, work / "collections" / f"{name}.jsonl", session)
                specs = _index_specs(raw, name)
                (work / "indexes" / f"{name}.json").write_text(
                    json_util.dumps(specs, json_options=JSON_OPTIONS), encoding="utf-8"
                )
                manifest["collections"][name] = {"documents": count, "indexes": len(specs)}
                say(f"{name}: {count} documents")
        media = _media_files(media_dir)
        manifest["media"] = {"files": len(media), "bytes": sum(p.stat().st_size for p in media)}
        (work / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")

        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
            tar.add(work / "manifest.json", arcname="manifest.json")  # first: readable without unpacking all
            tar.add(work / "indexes", arcname="indexes")  # before the data: restore creates indexes first
            tar.add(work / "collections", arcname="collections")
            for path in media:
                tar.add(path, arcname=f"media/{path.relative_to(media_dir).as_posix()}", recursive=False)
        os.replace(partial, target)
    say(f"media: {manifest['media']['files']} files")
    pruned = prune_backups(target_dir, db.name, settings.backup_keep) if prune and output is None else []
    return BackupResult(target, manifest, time.monotonic() - started, pruned)


def _server_version(db: Database) -> str | None:
    try:
        return str(db.client.server_info().get("version"))
    except Exception:  # informative only; a backup must not fail over it
        return None


def _dump_collection(db: Database, name: str, path: Path, session: ClientSession | None) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as out:
        # Sorted by _id so two backups of the same data are identical files (easy to diff).
        for doc in db[name].find({}, session=session).sort("_id", 1):
            out.write(json_util.dumps(doc, json_options=JSON_OPTIONS))
            out.write("\n")
            count += 1
    return count


def list_backups(backup_dir: Path, db_name: str | None = None) -> list[Path]:
    """Complete archives, newest first (the timestamp in the name orders them)."""
    if not backup_dir.is_dir():
        return []
    found = []
    for path in backup_dir.iterdir():
        match = ARCHIVE_PATTERN.match(path.name)
        if match and path.is_file() and (db_name is None or match["db"] == db_name):
            found.append((match["stamp"], path))
    return [path for _stamp, path in sorted(found, reverse=True)]


def prune_backups(backup_dir: Path, db_name: str, keep: int) -> list[Path]:
    """Delete all but the newest `keep` archives of this database; other files are never touched."""
    doomed = list_backups(backup_dir, db_name)[max(1, keep) :]
    for path in doomed:
        path.unlink(missing_ok=True)
    return doomed


# --------------------------------------------------------------------------------------------------
# Restore
# --------------------------------------------------------------------------------------------------


def read_manifest(archive: Path) -> dict[str, Any]:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            member = tar.getmember("manifest.json")
            handle = tar.extractfile(member)
            assert handle is not None
            manifest = json.loads(handle.read().decode("utf-8"))
    except (OSError, KeyError, tarfile.TarError, json.JSONDecodeError) as exc:
        raise BackupError(f"{archive} is not a readable shop backup ({exc}).") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is not a shop backup (format {manifest.get('format')!r}).")
    if int(manifest.get("version", 0)) > VERSION:
        raise BackupError(f"{archive} was made by a newer version of the shop (format {manifest['version']}).")
    return manifest


def database_documents(db: Database) -> dict[str, int]:
    """Documents per collection, only collections that hold any (what "not empty" means for restore)."""
    counts = {}
    for name in db.list_collection_names():
        if name.startswith("system."):
            continue
        count = db[name].estimated_document_count()
        if count:
            counts[name] = count
    return counts


def _safe_member(name: str) -> PurePosixPath | None:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts:
        return None
    return path


def restore_backup(
    archive: Path,
    db: Database,
    settings: Settings,
    *,
    force: bool = False,
    restore_media: bool = True,
    media_dir: Path | None = None,
    progress: Progress | None = None,
) -> RestoreResult:
    """Restore an archive into `db` (empty, or emptied first with `force`) and the media folder."""
    say = progress or (lambda _m: None)
    started = time.monotonic()
    manifest = read_manifest(archive)
    raw = raw_database(db)
    existing = database_documents(raw)
    if existing and not force:
        summary = ", ".join(f"{n} {c}" for n, c in sorted(existing.items()))
        raise BackupError(
            f"Database {db.name!r} is not empty ({summary}). Restore into an empty database "
            "(--db NAME), or pass --force to replace everything in it."
        )
    if force:
        for name in raw.list_collection_names():
            if not name.startswith("system."):
                # SecantusDB drops big collections slowly but empties them fast.
                raw[name].delete_many({})
                raw.drop_collection(name)

    restored: dict[str, int] = {}
    media_files = 0
    target_media = media_dir or settings.resolved_media_dir
    # Pass 1: collections and their indexes BEFORE any document. SecantusDB builds an index over an
    # existing collection very slowly (116 s for the demo's 11k orders, measured) but maintains one
    # while inserting cheaply, so indexes first makes a restore several times faster.
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            path = _safe_member(member.name)
            if path is not None and member.isfile() and path.parts[0] == "indexes" and path.suffix == ".json":
                handle = tar.extractfile(member)
                assert handle is not None
                specs = json_util.loads(handle.read().decode("utf-8"), json_options=JSON_OPTIONS)
                if path.stem not in raw.list_collection_names():
                    raw.create_collection(path.stem)
                _create_indexes(raw, path.stem, specs)
    # Pass 2: documents and media.
    with tarfile.open(archive, "r:gz") as tar:
        for member in tar:
            path = _safe_member(member.name)
            if path is None or not member.isfile():
                continue
            if path.parts[0] == "collections" and path.suffix == ".jsonl":
                handle = tar.extractfile(member)
                assert handle is not None
                restored[path.stem] = _load_collection(raw, path.stem, handle)
                say(f"{path.stem}: {restored[path.stem]} documents")
            elif path.parts[0] == "media" and len(path.parts) > 1 and restore_media:
                handle = tar.extractfile(member)
                assert handle is not None
                target = target_media.joinpath(*path.parts[1:])
                target.parent.mkdir(parents=True, exist_ok=True)
                with target.open("wb") as out:
                    shutil.copyfileobj(handle, out)
                media_files += 1
    expected = {name: info["documents"] for name, info in manifest["collections"].items()}
    if restored != expected:
        raise BackupError(f"The restore does not match the archive's manifest: got {restored}, expected {expected}.")
    say(f"media: {media_files} files")
    from shop.core.db import ensure_indexes

    ensure_indexes(db)
    return RestoreResult(db.name, restored, media_files, time.monotonic() - started, manifest)


def _load_collection(db: Database, name: str, handle: IO[bytes]) -> int:
    if name not in db.list_collection_names():
        db.create_collection(name)  # also for empty collections: the restored shop has the same set
    batch: list[dict[str, Any]] = []
    count = 0
    for raw_line in handle:
        line = raw_line.strip()
        if not line:
            continue
        batch.append(json_util.loads(line.decode("utf-8"), json_options=JSON_OPTIONS))
        if len(batch) >= INSERT_BATCH:
            db[name].insert_many(batch, ordered=True, bypass_document_validation=True)
            count += len(batch)
            batch = []
    if batch:
        db[name].insert_many(batch, ordered=True, bypass_document_validation=True)
        count += len(batch)
    return count


def _create_indexes(db: Database, name: str, specs: list[dict[str, Any]]) -> None:
    for spec in specs:
        options = {k: v for k, v in spec.items() if k not in ("key", "v", "ns")}
        keys = list(spec["key"].items())
        try:
            db[name].create_index(keys, **options)
        except OperationFailure as exc:
            # An index this server cannot build (e.g. a text index on SecantusDB) must not lose the data.
            log.warning("index %s on %s not restored: %s", spec.get("name"), name, exc)


# --------------------------------------------------------------------------------------------------
# Vector index hook
# --------------------------------------------------------------------------------------------------


def rebuild_search_index(db: Database, settings: Settings, progress: Progress | None = None) -> str:
    """Re-embed the restored catalog into the vector index, so semantic search matches the data.

    The vector index is derived data (it is not in the archive): it is rebuilt from the products.
    Returns what happened, for the CLI.
    """
    from shop.catalog.snapshot import Catalog
    from shop.discovery.index_sync import ProductIndex, open_vector_store

    store = open_vector_store(settings)
    if store is None:
        return "skipped: semantic search is off (SEMANTIC_SEARCH=false)"
    catalog = Catalog(db, refresh_seconds=0)
    say = progress or (lambda _m: None)
    report = ProductIndex(store).rebuild(catalog, progress=lambda done, total: say(f"embedded {done}/{total}"))
    return f"rebuilt: {report.embedded} products embedded"
