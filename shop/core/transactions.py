"""One way to run a multi-document write as a MongoDB transaction.

The admin's writes that touch more than one document (product + inventory + activity log, an order's
status + returned stock) all go through `run_transaction`, so each is all-or-nothing on real MongoDB
and on SecantusDB alike, with the same read and write concerns as the order transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pymongo.client_session import ClientSession
from pymongo.database import Database
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

T = TypeVar("T")


def run_transaction(db: Database, work: Callable[[ClientSession], T]) -> T:
    """Run `work(session)` in a transaction; pymongo retries it on transient conflicts, so `work` must
    compute everything from what it reads inside the session."""
    with db.client.start_session() as session:
        return session.with_transaction(
            work, read_concern=ReadConcern("snapshot"), write_concern=WriteConcern("majority")
        )
