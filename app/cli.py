"""Command line: `python -m app run | seed`.

`run` is what `make run` calls: it starts the embedded database when MONGODB_URI is unset, seeds the
demo shop into an empty database, serves the app, and on Ctrl-C stops the app first and the database
last, so no acknowledged write is cut off.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from pymongo.database import Database

from shop.settings import Settings, get_settings

log = logging.getLogger("app")


@contextmanager
def running_database(settings: Settings) -> Iterator[Database]:
    """The configured MongoDB, or the embedded one started for the duration of the block."""
    from shop import db as shop_db

    embedded = None
    if not settings.mongodb_uri:
        from app.embedded_mongo import EmbeddedMongo

        embedded = EmbeddedMongo(settings.embedded_db_dir, settings.embedded_db_port)
        started = time.monotonic()
        uri = embedded.start()
        print(
            f"Embedded database (SecantusDB) ready on 127.0.0.1:{embedded.port} in {time.monotonic() - started:.1f} s"
        )
        os.environ["MONGODB_URI"] = uri
        get_settings.cache_clear()
    try:
        database = shop_db.get_db()
        database.command("ping")
        shop_db.ensure_indexes(database)
        yield database
    finally:
        shop_db.close_client()
        if embedded is not None:
            print("Stopping the embedded database ...")
            embedded.stop()


def seed_if_empty(database: Database, settings: Settings) -> None:
    if not settings.seed_demo or database.products.estimated_document_count() > 0:
        return
    seed(database, settings, settings.demo_products)


def seed(database: Database, settings: Settings, products: int) -> None:
    from shop.demo import seed_demo_shop

    started = time.monotonic()
    print(f"Seeding the demo shop ({products} products, 12 months of orders) ...")
    counts = seed_demo_shop(database, settings.resolved_media_dir, n_products=products, progress=print)
    summary = ", ".join(f"{value} {key}" for key, value in counts.items())
    print(f"Demo shop ready in {time.monotonic() - started:.1f} s: {summary}")


def _exit_on_sigterm() -> None:
    """uvicorn re-raises SIGTERM after its graceful shutdown; with the default handler that would kill
    the process before `running_database` stops the database. Turning it into SystemExit lets the
    clean-up run, exactly as for Ctrl-C."""

    def handler(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def cmd_run(args: argparse.Namespace) -> int:
    import uvicorn

    _exit_on_sigterm()
    settings = get_settings()
    host = args.host or settings.host
    port = args.port or settings.port
    with running_database(settings) as database:
        seed_if_empty(database, get_settings())
        print(f"{settings.shop_name} is open on http://{host}:{port}  (Ctrl-C to stop)")
        uvicorn.run("app.main:create_app", factory=True, host=host, port=port, log_level="warning")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    settings = get_settings()
    with running_database(settings) as database:
        if database.products.estimated_document_count() > 0 and not args.reset:
            print("The database already holds products. Use `seed --reset` to wipe it and seed the demo shop again.")
            return 1
        if args.reset:
            for name in database.list_collection_names():
                database.drop_collection(name)
            from shop.db import ensure_indexes

            ensure_indexes(database)
        seed(database, get_settings(), args.products or settings.demo_products)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app", description="AI Shop")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="start the database (embedded unless MONGODB_URI is set) and serve the shop")
    run.add_argument("--host")
    run.add_argument("--port", type=int)
    run.set_defaults(func=cmd_run)
    seed_cmd = sub.add_parser("seed", help="seed the demo shop into an empty database")
    seed_cmd.add_argument("--reset", action="store_true", help="drop every collection first")
    seed_cmd.add_argument("--products", type=int, help="number of demo products (default: DEMO_PRODUCTS)")
    seed_cmd.set_defaults(func=cmd_seed)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Before anything imports torch: offline model loading, and OpenMP threads that sleep instead of
    # spinning (spinning made a 15 ms query embedding take ~480 ms under load on 2 cores).
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from app.embedded_mongo import EmbeddedMongoError

        if isinstance(exc, EmbeddedMongoError):
            print(f"error: {exc}", file=sys.stderr)
            return 1
        raise
