"""Group commit: concurrent callers share one write instead of queueing for one each.

A database that runs transactions one at a time (SecantusDB does) caps orders per second at one over
the cost of a transaction, however many requests wait. Most of that cost is per command, not per
document, so the requests that arrive while one transaction runs are written together by the next.

Leader and followers, with no thread of its own: a caller that finds nobody writing becomes the
leader and writes the batch it finds queued (its own item first); callers arriving meanwhile queue
and wait. When its batch is written the leader wakes them, hands the lead to the first caller still
queued and returns; so no caller writes more than one batch for others, and a caller alone is written
at once, without waiting for company.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class _Waiter(Generic[T, R]):
    __slots__ = ("done", "error", "item", "lead", "result", "wake")

    def __init__(self, item: T) -> None:
        self.item = item
        self.result: R | None = None
        self.error: BaseException | None = None
        self.wake = threading.Event()
        self.lead = False
        self.done = False


class GroupCommit(Generic[T, R]):
    """Runs `write_batch(items) -> results` (one result per item, in order) for batches of callers.

    `write_batch` must not raise for one item's failure: it returns that item's outcome instead. If it
    raises anyway, every caller of the batch gets the exception. An exception `shared_failure` accepts
    (the database is down) also goes at once to every caller still queued: each later batch would only
    meet it again, one batch's wait after the other (with 3 batches queued behind a dead database,
    the last caller would wait three timeouts instead of one).
    """

    def __init__(
        self,
        write_batch: Callable[[Sequence[T]], Sequence[R]],
        *,
        max_batch: int = 64,
        shared_failure: Callable[[BaseException], bool] | None = None,
    ) -> None:
        self._write_batch = write_batch
        self._max_batch = max_batch
        self._shared_failure = shared_failure
        self._lock = threading.Lock()
        self._queue: list[_Waiter[T, R]] = []
        self._leading = False

    def submit(self, item: T) -> R:
        """Write `item` with whatever else is queued; returns its result once it is written."""
        me: _Waiter[T, R] = _Waiter(item)
        with self._lock:
            self._queue.append(me)
            if not self._leading:
                self._leading = me.lead = True
        if not me.lead:
            me.wake.wait()
        if not me.done:  # woken (or started) as the leader: write the queue's head, me among it
            self._lead()
        if me.error is not None:
            raise me.error
        return me.result  # type: ignore[return-value]

    def _lead(self) -> None:
        with self._lock:
            batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch :]
        try:
            results = self._write_batch([waiter.item for waiter in batch])
            if len(results) != len(batch):
                raise RuntimeError(f"write_batch returned {len(results)} results for {len(batch)} items")
            for waiter, result in zip(batch, results, strict=True):
                waiter.result = result
        except BaseException as exc:
            if self._shared_failure is not None and self._shared_failure(exc):
                with self._lock:
                    batch, self._queue = batch + self._queue, []
            for waiter in batch:
                waiter.error = exc
        finally:
            with self._lock:
                for waiter in batch:
                    waiter.done = True
                    waiter.wake.set()
                if self._queue:
                    successor = self._queue[0]
                    successor.lead = True
                    successor.wake.set()
                else:
                    self._leading = False
