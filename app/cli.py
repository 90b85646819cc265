"""Command line: `python -m app run | seed | create-owner | reindex` (and the owner jobs of app.owner_cli).

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

from app import owner_cli
from app.cli_database import command_database, connected_database, running_database
from app.logs import configure_logging
from shop.core.settings import Settings, get_settings

log = logging.getLogger("app")


def seed_if_empty(database: Database, settings: Settings) -> None:
    if not settings.seed_demo or database.products.estimated_document_count() > 0:
        return
    seed(database, settings, settings.demo_products)


def seed(database: Database, settings: Settings, products: int) -> None:
    from demo.seed import seed_demo_shop

    started = time.monotonic()
    print(f"Seeding the demo shop ({products} products, 12 months of orders) ...")
    counts = seed_demo_shop(database, settings.resolved_media_dir, n_products=products, progress=print)
    summary = ", ".join(f"{value} {key}" for key, value in counts.items())
    print(f"Demo shop ready in {time.monotonic() - started:.1f} s: {summary}")


def ensure_first_owner(database: Database, settings: Settings, login_url: str) -> None:
    """On the very first start there is no way into the admin yet: create the owner account with a
    generated password and show it once (only its argon2 hash is stored, so it cannot be shown again)."""
    from shop.backoffice.owners import create_owner, generate_password, owner_exists

    if owner_exists(database):
        return
    password = generate_password()
    create_owner(database, settings.owner_email, password)
    print(_owner_banner("Owner account created", settings.owner_email, password, login_url))


def _owner_banner(title: str, email: str, password: str, login_url: str) -> str:
    lines = [
        title,
        f"  sign in at: {login_url}",
        f"  email:      {email}",
        f"  password:   {password}",
        "This password is shown only once; store it in a password manager.",
        "A new one: python -m app create-owner --email EMAIL --reset",
    ]
    width = max(len(line) for line in lines)
    rule = "=" * width
    return "\n".join([rule, *lines, rule])


def cmd_create_owner(args: argparse.Namespace) -> int:
    """`create-owner --email EMAIL [--password-stdin] [--reset]`: a new owner account, or with --reset a
    new password for an existing one (which also signs out its sessions)."""
    from shop.backoffice.owners import create_owner, generate_password, set_password
    from shop.core.errors import ShopError

    generated = not args.password_stdin
    password = generate_password() if generated else sys.stdin.readline().rstrip("\r\n")
    with command_database(get_settings()) as (settings, database):
        try:
            if args.reset:
                owner = set_password(database, args.email, password)
            else:
                owner = create_owner(database, args.email, password)
        except ShopError as exc:
            hint = " Use --reset to set a new password." if "already exists" in exc.message else ""
            print(f"error: {exc.message}{hint}", file=sys.stderr)
            return 1
    login_url = settings.base_url.rstrip("/") + "/admin/login"
    title = "Password reset" if args.reset else "Owner account created"
    if generated:
        print(_owner_banner(title, owner.email, password, login_url))
    else:
        print(f"{title}: {owner.email}. Sign in at {login_url}")
    return 0


def cmd_reindex(args: argparse.Namespace) -> int:
    """`reindex [--changed-only]`: embed the catalog into the vector index again, with a progress bar.

    A full rebuild after changing the embedding model or what a product's document contains; the
    shop also syncs (re-embeds only what changed) at every start, so this is rarely needed. With
    the default local Chroma folder, stop the shop first: two processes must not write one folder.
    """
    from tqdm import tqdm

    from shop.discovery.index_sync import open_vector_store
    from shop.services import ShopServices

    settings = get_settings()
    store = open_vector_store(settings)
    if store is None:
        print("Semantic search is off (SEMANTIC_SEARCH=false): there is no vector index to build.")
        return 1
    with command_database(settings) as (settings, database):
        services = ShopServices.build(database, settings, background_mail=False, vector_store=store)
        try:
            assert services.product_index is not None
            products = services.catalog.all()
            started = time.monotonic()
            store.embedding.warm_up()
            print(f"Embedding model ready in {time.monotonic() - started:.1f} s")
            with tqdm(total=len(products), unit="product", desc="Embedding") as bar:

                def progress(done: int, total: int) -> None:
                    bar.total = total
                    bar.update(done - bar.n)

                started = time.monotonic()
                if args.changed_only:
                    report = services.product_index.sync(services.catalog, progress=progress)
                else:
                    report = services.product_index.rebuild(services.catalog, progress=progress)
                elapsed = time.monotonic() - started
        finally:
            services.close()
    rate = f"{report.embedded / elapsed:.0f} products/s" if report.embedded and elapsed > 0 else "nothing embedded"
    print(
        f"Indexed {len(products)} products in {elapsed:.1f} s ({rate}): {report.embedded} embedded, "
        f"{report.metadata_updated} metadata updated, {report.unchanged} unchanged, {report.deleted} removed"
    )
    return 0


def _exit_on_sigterm() -> None:
    """uvicorn re-raises SIGTERM after its graceful shutdown; with the default handler that would kill
    the process before `running_database` stops the database. Turning it into SystemExit lets the
    clean-up run, exactly as for Ctrl-C."""

    def handler(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def cmd_run(args: argparse.Namespace) -> int:
    import uvicorn

    from app.main import create_app

    _exit_on_sigterm()
    configured = get_settings()
    host = args.host or configured.host
    port = args.port or configured.port
    with (
        running_database(configured) as settings,
        connected_database(settings) as database,
        running_local_llm(settings),
    ):
        seed_if_empty(database, settings)
        ensure_first_owner(database, settings, f"http://{host}:{port}/admin/login")
        print(f"{settings.shop_name} is open on http://{host}:{port}  (Ctrl-C to stop)")
        # log_config=None: uvicorn's records go through our handler (LOG_FORMAT) instead of its own.
        uvicorn.run(create_app(settings), host=host, port=port, log_level="warning", log_config=None)
    return 0


@contextmanager
def running_local_llm(settings: Settings) -> Iterator[None]:
    """The embedded chat model beside the shop, unless a hosted endpoint is configured."""
    from app.embedded_llm import EmbeddedLLM

    if not settings.llm_is_local:
        yield
        return
    if not EmbeddedLLM.available():
        print("Chat: llama-cpp-python is not installed, so the embedded model cannot run (`make install` builds it).")
        yield
        return
    llm = EmbeddedLLM(settings.data_dir / "models", settings.local_llm_port, settings.data_dir / "llm.log")
    if llm.start():
        print(f"Chat: the embedded model is starting on 127.0.0.1:{settings.local_llm_port} (log: {llm.log_path})")
    else:
        print(f"Chat: port {settings.local_llm_port} is taken; using the model server already running there.")
    try:
        yield
    finally:
        llm.stop()


def cmd_seed(args: argparse.Namespace) -> int:
    with running_database(get_settings()) as settings, connected_database(settings) as database:
        if database.products.estimated_document_count() > 0 and not args.reset:
            print("The database already holds products. Use `seed --reset` to wipe it and seed the demo shop again.")
            return 1
        if args.reset:
            for name in database.list_collection_names():
                database.drop_collection(name)
            from shop.core.db import ensure_indexes

            ensure_indexes(database)
        seed(database, settings, args.products or settings.demo_products)
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
    owner_cmd = sub.add_parser("create-owner", help="create a shop owner account (prints a generated password)")
    owner_cmd.add_argument("--email", required=True, help="the owner's email address (the login name)")
    owner_cmd.add_argument(
        "--password-stdin", action="store_true", help="read the password from the first line of stdin"
    )
    owner_cmd.add_argument("--reset", action="store_true", help="set a new password for an existing owner")
    owner_cmd.set_defaults(func=cmd_create_owner)
    reindex_cmd = sub.add_parser("reindex", help="rebuild the product vector index (semantic search)")
    reindex_cmd.add_argument(
        "--changed-only", action="store_true", help="embed only new or changed products (what start-up does)"
    )
    reindex_cmd.set_defaults(func=cmd_reindex)
    owner_cli.add_commands(sub)  # forecast, backup, restore, init, categories
    return parser


def main(argv: list[str] | None = None) -> int:
    # Before anything imports torch: offline model loading, and OpenMP threads that sleep instead of
    # spinning (spinning made a 15 ms query embedding take ~480 ms under load on 2 cores).
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    configure_logging(get_settings().log_format)  # LOG_FORMAT: text (default) or json, with request ids
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
