"""The database a command works on: `running_database` for the shop's own commands (run, seed), which
starts the embedded server when MONGODB_URI is unset; `command_database` for the owner's commands,
which attach to the embedded server of a shop that is already running instead of starting a second
one on the same files.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from pymongo.database import Database

from shop.core.settings import Settings, get_settings


@contextmanager
def running_database(settings: Settings) -> Iterator[Database]:
    """The configured MongoDB, or the embedded one started for the duration of the block."""
    from shop.core import db as shop_db

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


@contextmanager
def command_database(settings: Settings, name: str | None = None) -> Iterator[Database]:
    """The shop's database (or `name` on the same server), attaching to a running embedded one."""
    from shop.core import db as shop_db

    if not settings.mongodb_uri:
        from app.embedded_mongo import port_in_use

        if port_in_use(settings.embedded_db_port):
            uri = f"mongodb://127.0.0.1:{settings.embedded_db_port}/?directConnection=true"
            client = shop_db.connect(uri)
            try:
                client.admin.command("ping")
            except Exception as exc:
                client.close()
                raise SystemExit(
                    f"error: port {settings.embedded_db_port} is in use but does not answer as a database ({exc})."
                ) from exc
            print(f"Using the running shop's database on 127.0.0.1:{settings.embedded_db_port}")
            try:
                database = shop_db.database(client, name or settings.mongodb_db)
                shop_db.ensure_indexes(database)
                yield database
            finally:
                client.close()
            return
    with running_database(settings) as database:
        yield database if name is None else shop_db.database(database.client, name)
