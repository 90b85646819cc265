"""Databases a test makes besides its own `db`, and how each is removed afterwards.

SecantusDB drops a large collection slowly (~6 ms per document) but empties it fast, so a database is
emptied collection by collection before it is dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from pymongo import MongoClient

from shop.core.db import database
from shop.core.settings import Settings
from shop.services import ShopServices


def drop_test_database(client: MongoClient, name: str) -> None:
    for collection in client[name].list_collection_names():
        client[name][collection].delete_many({})
    client.drop_database(name)


@contextmanager
def another_shop(client: MongoClient, settings: Settings) -> Iterator[ShopServices]:
    """A second shop in this process, on the database its `settings` name (dropped afterwards)."""
    services = ShopServices.build(database(client, settings.mongodb_db), settings, background_mail=False)
    try:
        yield services
    finally:
        services.close()
        drop_test_database(client, settings.mongodb_db)
