"""The database a command works on, as settings passed on rather than written to the environment.

`running_database` is for the shop's own commands (run, seed): it starts the embedded server when
MONGODB_URI is unset, under a supervisor that restarts it if it dies, and yields the settings that
point at it (`supervised_database` also yields the supervisor, which `run` shows in /healthz); `connected_database` connects to the
settings' database; `command_database` is for the owner's commands, which attach to the embedded server
of a shop that is already running instead of starting a second one on the same files. One module that
both CLIs import, so neither imports the other.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from pymongo.database import Database

from shop.core.settings import Settings

if TYPE_CHECKING:
    from app.embedded_mongo import Supervisor


@contextmanager
def supervised_database(settings: Settings) -> Iterator[tuple[Settings, Supervisor | None]]:
    """The settings to run with, and the embedded database's supervisor (None with MONGODB_URI).

    The settings are as given when MONGODB_URI names a database, else with the address of the
    embedded one, started for the duration of the block and restarted whenever it dies. Pass them on
    to whatever connects (nothing is written to the environment, so two shops in one process keep
    their own databases)."""
    if settings.mongodb_uri:
        yield settings, None
        return
    from app.embedded_mongo import EmbeddedMongo, Supervisor

    supervisor = Supervisor(EmbeddedMongo(settings.embedded_db_dir, settings.embedded_db_port))
    started = time.monotonic()
    uri = supervisor.start()
    print(
        f"Embedded database (SecantusDB) ready on 127.0.0.1:{supervisor.server.port} "
        f"in {time.monotonic() - started:.1f} s"
    )
    try:
        yield settings.model_copy(update={"mongodb_uri": uri}), supervisor
    finally:
        print("Stopping the embedded database ...")
        supervisor.stop()


@contextmanager
def running_database(settings: Settings) -> Iterator[Settings]:
    """`supervised_database`'s settings alone, for commands that do not look at the supervisor."""
    with supervised_database(settings) as (running, _supervisor):
        yield running


@contextmanager
def connected_database(settings: Settings) -> Iterator[Database]:
    """The settings' database, answering and indexed, connected for the duration of the block."""
    from shop.core import db as shop_db

    if not settings.mongodb_uri:
        raise ValueError("connected_database needs settings with MONGODB_URI (see running_database)")
    client = shop_db.connect(settings.mongodb_uri)
    try:
        database = shop_db.database(client, settings.mongodb_db)
        database.command("ping")
        shop_db.ensure_indexes(database)
        yield database
    finally:
        client.close()


@contextmanager
def command_database(settings: Settings, name: str | None = None) -> Iterator[tuple[Settings, Database]]:
    """The settings to run with (MONGODB_URI filled in) and the shop's database (or `name` on the same
    server), attaching to a running embedded one."""
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
                yield settings.model_copy(update={"mongodb_uri": uri}), database
            finally:
                client.close()
            return
    with running_database(settings) as settings, connected_database(settings) as database:
        yield settings, (database if name is None else shop_db.database(database.client, name))
