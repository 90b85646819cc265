"""Command line: `python -m app run | prepare | seed | create-owner | reindex` (and the owner jobs of app.owner_cli).

`run` is what `make run` calls: it starts the embedded database when MONGODB_URI is unset (and
restarts it if it dies), seeds the demo shop into an empty database, serves the app, and on Ctrl-C or
SIGTERM stops the app first and the database last, so no acknowledged write is cut off, all within
SHUTDOWN_SECONDS.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from pymongo.database import Database

from app import owner_cli
from app.cli_database import command_database, connected_database, running_database, supervised_database
from app.logs import configure_logging
from shop.core.settings import Settings, get_settings

if TYPE_CHECKING:
    from app.embedded_llm import EmbeddedLLM

log = logging.getLogger("app")

SHUTDOWN_SECONDS = 10.0
"""Ctrl-C or SIGTERM to the whole shop gone (app, database, local model). Requests in flight get
GRACE_SECONDS to finish (a request waits at most ~3.5 s for a database that is down: shop/core/db.py,
shop/core/transactions.py), then the model and the database stop (1-3 s measured); ShutdownDeadline
ends whatever still runs. Before, a request stuck on a dead database kept the process alive for minutes."""
GRACE_SECONDS = 3.0
CHILD_STOP_SECONDS = 3.0


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


class ShutdownDeadline:
    """Ends the process FORCE_AFTER_SECONDS after the first stop signal, whatever still runs then.

    The clean path (uvicorn's graceful shutdown, the app's lifespan, the children stopped in turn)
    takes a few seconds; this is for what would hang it: a request thread stuck on a database that
    stopped answering (uvicorn leaves such threads running, and Python waits for them at exit), a
    child that ignores SIGTERM. At the deadline the children get SIGTERM, a second later SIGKILL, and
    the process exits with status 1: all gone within SHUTDOWN_SECONDS. Acknowledged writes are
    already on disk (--sync-on-commit), so even a killed database loses none.
    """

    FORCE_AFTER_SECONDS = SHUTDOWN_SECONDS - 3

    def __init__(self, children: Callable[[], list[subprocess.Popen[bytes] | None]]) -> None:
        self._children = children
        self._timer: threading.Timer | None = None

    def start(self) -> None:
        if self._timer is None:
            self._timer = threading.Timer(self.FORCE_AFTER_SECONDS, self._force)
            self._timer.daemon = True
            self._timer.start()

    def _force(self) -> None:
        try:
            log.error("the shop did not stop in %.0f s; ending it and its children now", self.FORCE_AFTER_SECONDS)
            running = [p for p in self._children() if p is not None and p.poll() is None]
            for process in running:
                process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 1.0
            for process in running:
                try:
                    process.wait(max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(1.0)
        finally:  # the process ends whatever happened above
            os._exit(1)


def _stop_on_signals(deadline: ShutdownDeadline) -> None:
    """uvicorn re-raises SIGTERM after its graceful shutdown; with the default handler that would kill
    the process before `running_database` stops the database. Turning it into SystemExit lets the
    clean-up run, exactly as for Ctrl-C (KeyboardInterrupt). Either signal arms the deadline, also
    when it comes before uvicorn serves (while seeding); while it serves, uvicorn's handlers do
    (`serve`)."""

    def handler(signum: int, frame: object) -> None:
        deadline.start()
        if signum == signal.SIGINT:
            raise KeyboardInterrupt
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def serve(app: object, host: str, port: int, deadline: ShutdownDeadline) -> None:
    """uvicorn.run, with a bounded graceful shutdown and the deadline armed by the first signal."""
    import uvicorn

    class Server(uvicorn.Server):
        def handle_exit(self, sig: int, frame: object) -> None:
            deadline.start()
            super().handle_exit(sig, frame)  # type: ignore[arg-type]

    config = uvicorn.Config(
        app,  # type: ignore[arg-type]
        host=host,
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=int(GRACE_SECONDS),
        # uvicorn would otherwise believe X-Forwarded-For from 127.0.0.1 (or FORWARDED_ALLOW_IPS) and a
        # client could pick its own address; TRUSTED_PROXIES decides instead
        # (shop/security/addresses.py, app/middleware/client_address.py).
        proxy_headers=False,
        log_config=None,  # uvicorn's records go through our handler (LOG_FORMAT) instead of its own
    )
    Server(config).run()


def cmd_run(args: argparse.Namespace) -> int:
    from app.main import create_app

    children: list[Callable[[], subprocess.Popen[bytes] | None]] = []
    deadline = ShutdownDeadline(lambda: [child() for child in children])
    _stop_on_signals(deadline)
    configured = get_settings()
    host = args.host or configured.host
    port = args.port or configured.port
    workers = args.workers or configured.web_concurrency
    with (
        supervised_database(configured) as (settings, supervisor),
        connected_database(settings) as database,
        running_local_llm(settings) as llm,
        shared_vector_index(settings, workers) as settings,
    ):
        if supervisor is not None:
            children.append(lambda: supervisor.server.process)
        if llm is not None:
            children.append(lambda: llm.process)
        seed_if_empty(database, settings)
        ensure_first_owner(database, settings, f"http://{host}:{port}/admin/login")
        processes = f" by {workers} processes" if workers > 1 else ""
        print(f"{settings.shop_name} is open on http://{host}:{port}{processes}  (Ctrl-C to stop)")
        if workers == 1:
            app = create_app(settings)
            app.state.database_supervisor = supervisor  # /healthz shows its state
            serve(app, host, port, deadline)
        else:
            run_workers(settings, host, port, workers)
    return 0


@contextmanager
def shared_vector_index(settings: Settings, workers: int) -> Iterator[Settings]:
    """The settings the workers run with: one process needs nothing more; several share a Chroma
    server (app.chroma_server), started here on the shop's folder when CHROMA_URL is unset, because
    two processes must never write one Chroma folder."""
    if workers == 1 or settings.chroma_url or not settings.semantic_search:
        yield settings
        return
    from app.chroma_server import running_chroma

    folder = settings.data_dir / "chroma"
    with running_chroma(folder, log_path=settings.data_dir / "chroma-server.log") as url:
        print(f"Vector index: a Chroma server on {url} serves {folder} to the {workers} processes")
        yield settings.model_copy(update={"chroma_url": url})


def run_workers(settings: Settings, host: str, port: int, workers: int) -> None:
    """`workers` uvicorn processes on one port (the kernel spreads connections among them), each
    building the app from the environment. The database, the Chroma server and the local model were
    started once, here in the parent; the workers find them through the variables set below. Each
    worker keeps its own caches, which follow the shared versions in the database (docs/deployment.md);
    the owner jobs run once across them (a lock in the database)."""
    import uvicorn

    assert settings.mongodb_uri is not None
    os.environ["MONGODB_URI"] = settings.mongodb_uri
    if settings.chroma_url:
        os.environ["CHROMA_URL"] = settings.chroma_url
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        timeout_graceful_shutdown=int(GRACE_SECONDS),
        proxy_headers=False,  # TRUSTED_PROXIES decides (see serve)
        log_config=None,  # LOG_FORMAT (see serve)
    )


@contextmanager
def running_local_llm(settings: Settings) -> Iterator[EmbeddedLLM | None]:
    """The embedded chat model beside the shop, unless a hosted endpoint is configured."""
    from app.embedded_llm import EmbeddedLLM

    if not settings.llm_is_local:
        yield None
        return
    if not EmbeddedLLM.available():
        print("Chat: llama-cpp-python is not installed, so the embedded model cannot run (`make install` builds it).")
        yield None
        return
    llm = EmbeddedLLM(settings.data_dir / "models", settings.local_llm_port, settings.data_dir / "llm.log")
    if llm.start():
        print(f"Chat: the embedded model is starting on 127.0.0.1:{settings.local_llm_port} (log: {llm.log_path})")
    else:
        print(f"Chat: port {settings.local_llm_port} is taken; using the model server already running there.")
    try:
        yield llm
    finally:
        llm.stop(CHILD_STOP_SECONDS)


def cmd_prepare(args: argparse.Namespace) -> int:
    """`prepare`: what `run` does before it serves (indexes, the demo seed on an empty database, the
    first owner account), then exit.

    Why a separate step: several app processes started at once (compose runs two replicas) would each
    find the database empty and seed it, and each create "the first owner". Deployments run `prepare`
    once before the replicas start; `run` then finds the work done.
    """
    from shop.core.errors import ShopError

    configured = get_settings()
    with running_database(configured) as settings, connected_database(settings) as database:
        seed_if_empty(database, settings)
        try:
            ensure_first_owner(database, settings, settings.base_url.rstrip("/") + "/admin/login")
        except ShopError as exc:  # e.g. an OWNER_EMAIL that is not an address: say which setting
            print(f"error: cannot create the owner account for OWNER_EMAIL={settings.owner_email!r}: {exc.message}")
            return 1
    print("Prepared: indexes in place, demo seed and owner account checked.")
    return 0


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
    run.add_argument("--workers", type=int, choices=range(1, 33), metavar="N", help="app processes (WEB_CONCURRENCY)")
    run.set_defaults(func=cmd_run)
    prepare_cmd = sub.add_parser(
        "prepare", help="create indexes, seed an empty database and the first owner, then exit (before replicas start)"
    )
    prepare_cmd.set_defaults(func=cmd_prepare)
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
