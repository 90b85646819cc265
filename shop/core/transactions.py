"""One way to run a multi-document write as a MongoDB transaction.

The admin's writes that touch more than one document (product + inventory + activity log, an order's
status + returned stock) and the order batches all go through `with_transaction`, so each is
all-or-nothing on real MongoDB and on SecantusDB alike, with the same read and write concerns, and
none waits long for a database that is gone.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pymongo
from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

T = TypeVar("T")

TRANSACTION_SECONDS = 3.5
"""The most one transaction may take, its retries included.

pymongo retries a transaction that failed transiently for up to 120 s, and a database that is down
fails every attempt transiently: an order hung ~125 s after kill -9 of the embedded database. Within
this bound a conflict is still retried and a database that restarts quickly still takes the write;
past it the caller gets pymongo's ExecutionTimeout (a 503). A batch of 32 orders commits in a few
hundred milliseconds on SecantusDB, so the bound leaves a healthy database ample room."""


def with_transaction(session: ClientSession, work: Callable[[ClientSession], T]) -> T:
    """Run `work(session)` in a transaction of `session`, retried on transient conflicts within
    TRANSACTION_SECONDS; `work` must compute everything from what it reads inside the session."""
    with pymongo.timeout(TRANSACTION_SECONDS):
        return session.with_transaction(
            work, read_concern=ReadConcern("snapshot"), write_concern=WriteConcern("majority")
        )


def run_transaction(db: Database, work: Callable[[ClientSession], T]) -> T:
    """`with_transaction` in a session of its own."""
    with db.client.start_session() as session:
        return with_transaction(session, work)
