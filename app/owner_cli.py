"""The owner's commands: `python -m app forecast | backup | restore | init | categories`.

Why they can run while the shop is up: with the embedded database already serving on
EMBEDDED_DB_PORT (the shop is running), a command connects to it instead of trying to start a second
server on the same files. Jobs take the same MongoDB lock as the in-app scheduler, so a forecast
typed by the owner and the nightly one never run at the same time.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Any

from pymongo.database import Database

from app.cli_database import command_database
from shop.core.settings import Settings, get_settings


def _mailer(database: Database, settings: Settings) -> Any:
    from shop.messaging.mail import Mailer

    return Mailer(database, settings, background=False)


# --------------------------------------------------------------------------------------------------
# forecast
# --------------------------------------------------------------------------------------------------


def cmd_forecast(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from shop.backoffice.owner_jobs import forecast_job

    with command_database(get_settings()) as (settings, database):
        total = database.products.count_documents({"deletedAt": None})
        mailer = _mailer(database, settings)
        with tqdm(total=total, unit="product", desc="Forecasting", disable=args.quiet, file=sys.stdout) as bar:
            outcome = forecast_job(database, settings, mailer, progress=bar.write, advance=bar.update)
        if outcome.error:
            print(f"error: the forecast failed: {outcome.error}", file=sys.stderr)
            return 1
        if not outcome.ran:
            print(f"Not run: {outcome.skipped_reason}.")
            return 1
        run = outcome.result
        summary = run.summary
        print(
            f"Forecast {summary.products} products in {summary.duration_seconds:.1f} s: "
            f"{summary.alerts} need attention; models {summary.by_model}"
        )
        if run.low_stock.notified:
            print(f"Low-stock email sent to {settings.owner_email} for {len(run.low_stock.notified)} products.")
    return 0


# --------------------------------------------------------------------------------------------------
# backup / restore
# --------------------------------------------------------------------------------------------------


def _size(path: Path) -> str:
    size = float(path.stat().st_size)
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} GB"


def cmd_backup(args: argparse.Namespace) -> int:
    from shop.backoffice import backup
    from shop.backoffice.owner_jobs import backup_job

    settings = get_settings()
    if args.list:
        found = backup.list_backups(settings.resolved_backup_dir)
        if not found:
            print(f"No backups in {settings.resolved_backup_dir}")
        for path in found:
            print(f"{path}  {_size(path)}")
        return 0
    with command_database(settings) as (settings, database):
        output = Path(args.output) if args.output else None
        outcome = backup_job(database, settings, output=output, progress=lambda m: print(f"  {m}"))
        if outcome.error:
            print(f"error: the backup failed: {outcome.error}", file=sys.stderr)
            return 1
        if not outcome.ran:
            print(f"Not run: {outcome.skipped_reason}; try again in a minute.", file=sys.stderr)
            return 1
        result = outcome.result
        print(
            f"Backup written: {result.path} ({_size(result.path)}, {result.documents} documents, "
            f"{result.manifest['media']['files']} media files) in {result.seconds:.1f} s"
        )
        for path in result.pruned:
            print(f"  removed old backup {path.name} (BACKUP_KEEP={settings.backup_keep})")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from shop.backoffice import backup

    archive = Path(args.archive)
    if not archive.is_file():
        print(f"error: {archive} does not exist.", file=sys.stderr)
        return 1
    try:
        manifest = backup.read_manifest(archive)
    except backup.BackupError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    documents = sum(c["documents"] for c in manifest["collections"].values())
    print(
        f"Archive of {manifest.get('shopName')!r} (database {manifest['database']!r}) from {manifest['createdAt']}: "
        f"{documents} documents, {manifest['media']['files']} media files"
    )
    settings = get_settings()
    target = args.db or settings.mongodb_db
    with command_database(settings, target) as (settings, database):
        try:
            result = backup.restore_backup(
                archive,
                database,
                settings,
                force=args.force,
                restore_media=not args.no_media,
                progress=lambda m: print(f"  {m}"),
            )
        except backup.BackupError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        print(f"Restored {result.documents} documents into {target!r} in {result.seconds:.1f} s")
        if target != settings.mongodb_db:
            print(
                f"Note: {target!r} is not this shop's database (MONGODB_DB={settings.mongodb_db}); its vector index "
                "is built when a shop configured with it starts."
            )
        elif not args.no_reindex:
            print("Rebuilding the search index from the restored catalog ...")
            print(f"  {backup.rebuild_search_index(database, settings, progress=lambda m: None)}")
        print("Restart the shop if it is running, so it reloads the restored catalog.")
    return 0


# --------------------------------------------------------------------------------------------------
# init
# --------------------------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    from app import init_env

    env_path = Path(args.env_file)
    if env_path.exists() and not args.force:
        print(f"error: {env_path} already exists. Pass --force to replace it (kept as {env_path.name}.bak).")
        return 1
    config = init_env.defaults(args.shop_name or "My Shop", env_path.resolve().parent)
    if args.db:
        config.mongodb_db = args.db
    if args.owner_email:
        config.owner_email = args.owner_email
    if args.port:
        config.port = args.port
    if args.embedded_db_port:
        config.embedded_db_port = args.embedded_db_port
    if args.data_dir:
        config.data_dir = args.data_dir
    config.seed_demo = args.demo
    if not args.yes and sys.stdin.isatty():

        def ask(label: str, default: str) -> str:
            answer = input(f"{label} [{default}]: ").strip()
            return answer or default

        config = init_env.interactive(config, ask)
    if not config.owner_email:
        print("error: the owner's email is needed (--owner-email).", file=sys.stderr)
        return 1
    warning = init_env.check_data_dir(Path(config.data_dir), config.mongodb_db)
    if warning:
        print(f"warning: {warning}")
    try:
        kept = init_env.write_env(config, env_path, force=args.force)
    except init_env.InitError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if kept:
        print(f"Kept the previous settings as {kept}")
    print(f"Wrote {env_path}: {config.shop_name!r}, database {config.mongodb_db!r}, data in {config.data_dir}/")
    print(f"  web {config.base_url}, embedded database port {config.embedded_db_port}, owner {config.owner_email}")
    print("  API keys (RESEND_API_KEY, CLOUDINARY_URL, ...) are blank: fill in the ones you use.")
    print("Next: `make run` (or `python -m app run`) in this folder.")
    return 0


# --------------------------------------------------------------------------------------------------
# categories
# --------------------------------------------------------------------------------------------------

CLI_OWNER = "command line"
"""Who the activity log names for a change made by a command (anyone with a shell on the server)."""


def cmd_categories_export(args: argparse.Namespace) -> int:
    """`categories export [FILE]`: the shop's categories as the JSON file `import` reads (stdout without FILE)."""
    from shop.catalog.categories import dump_categories, read_categories

    # The database's own messages go to stderr, so `categories export > file.json` holds only the file.
    with contextlib.redirect_stdout(sys.stderr), command_database(get_settings()) as (_, database):
        categories = read_categories(database)
    text = dump_categories(categories)
    if args.file is None:
        sys.stdout.write(text)
        return 0
    Path(args.file).write_text(text, encoding="utf-8")
    print(f"Exported {len(categories)} categories to {args.file}")
    return 0


def cmd_categories_import(args: argparse.Namespace) -> int:
    """`categories import FILE`: check the whole file, then create or update its categories by slug in
    one transaction. Categories the file does not name are left as they are."""
    from shop.catalog.categories import CategoryFileError, load_categories
    from shop.catalog.category_admin import CategoryAdmin

    try:
        categories = load_categories(Path(args.file))
    except CategoryFileError as exc:
        print(f"error: {exc}\nNothing was imported.", file=sys.stderr)
        return 1
    with command_database(get_settings()) as (_, database):
        result = CategoryAdmin(database).import_categories(categories, owner=CLI_OWNER)
    for label, slugs in (("created", result.created), ("updated", result.updated), ("unchanged", result.unchanged)):
        print(f"  {label}: {', '.join(slugs) if slugs else '-'}")
    print(
        f"Imported {args.file}: {len(result.created)} created, {len(result.updated)} updated, "
        f"{len(result.unchanged)} unchanged. A running shop shows them within a second."
    )
    return 0


# --------------------------------------------------------------------------------------------------
# wiring
# --------------------------------------------------------------------------------------------------


def add_commands(sub: Any) -> None:
    """Register the owner's commands on the CLI's subparsers."""
    forecast = sub.add_parser("forecast", help="refresh demand forecasts and reorder advice for every product")
    forecast.add_argument("--quiet", action="store_true", help="no progress bar")
    forecast.set_defaults(func=cmd_forecast)

    backup = sub.add_parser("backup", help="write a compressed backup of the database and media (BACKUP_DIR)")
    backup.add_argument("--output", help="file or folder to write to instead of BACKUP_DIR (never pruned)")
    backup.add_argument("--list", action="store_true", help="list the backups in BACKUP_DIR, newest first")
    backup.set_defaults(func=cmd_backup)

    restore = sub.add_parser("restore", help="restore a backup into an empty (or --force: emptied) database")
    restore.add_argument("archive", help="the .tar.gz written by `backup`")
    restore.add_argument("--db", help="database name to restore into (default: MONGODB_DB)")
    restore.add_argument("--force", action="store_true", help="replace everything in a non-empty database")
    restore.add_argument("--no-media", action="store_true", help="do not write media files")
    restore.add_argument("--no-reindex", action="store_true", help="do not rebuild the vector search index")
    restore.set_defaults(func=cmd_restore)

    init = sub.add_parser("init", help="write a .env for a new shop (a clone for another client)")
    init.add_argument("--shop-name")
    init.add_argument("--db", help="database name (default: from the shop name)")
    init.add_argument("--owner-email", help="the owner's (admin) email; receives alerts")
    init.add_argument("--port", type=int, help="web port (default: the first free from 8000)")
    init.add_argument("--embedded-db-port", type=int, help="embedded database port (default: first free from 27018)")
    init.add_argument("--data-dir", help="folder for the database, media and backups")
    init.add_argument("--demo", action="store_true", help="seed the demo products on first start")
    init.add_argument("--env-file", default=".env", help="where to write (default: .env)")
    init.add_argument("--force", action="store_true", help="replace an existing file (kept as .bak)")
    init.add_argument("--yes", action="store_true", help="do not ask; use the flags and defaults")
    init.set_defaults(func=cmd_init)

    categories = sub.add_parser("categories", help="export or import the shop's categories (a JSON file)")
    actions = categories.add_subparsers(dest="action", required=True)
    export = actions.add_parser("export", help="write the categories as JSON (to stdout without FILE)")
    export.add_argument("file", nargs="?", metavar="FILE")
    export.set_defaults(func=cmd_categories_export)
    load = actions.add_parser("import", help="create or update categories by slug from a JSON file")
    load.add_argument("file", metavar="FILE", help="a JSON list of categories, as `export` writes")
    load.set_defaults(func=cmd_categories_import)
