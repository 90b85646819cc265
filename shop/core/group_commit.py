"""Group commit: concurrent callers share one write instead of queueing for one each.

A database that runs transactions one at a time (SecantusDB does) caps orders per second at one over
the cost of a transaction, however many requests wait. Most of that cost is per command, not per
document, so the requests that arrive while one transaction runs are written together by the next.

Leader and followers, with no thread of its own: a caller that finds nobody writing becomes the
leader and writes the batch it finds queued (its own item first); callers arriving meanwhile queue
and wait. When its batch is written the leader wakes them, hands the lead to the first caller still
queued and returns; so no caller writes more than one batch for others, and a caller alone is written
at once, without waiting for company.

One caller's bad item must not fail the others it happened to arrive with (a customer name holding a
lone UTF-16 surrogate cannot be encoded for the database: before this, 33 of 36 honest orders sent at
the same moment failed with it). A batch that raises is written again in halves, and a half that
raises in halves again, down to the item that fails alone: with one bad item among 32 that is 11
writes (one by one would take 33), and the bad item's caller alone gets the exception. An error that would fail
any batch (the database gone) is given to every caller at once instead (`split_on`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def _always(_: Exception) -> bool:
    return True


class _Waiter(Generic[T, R]):
    __slots__ = ("done", "error", "item", "lead", "result", "settled", "wake")

    def __init__(self, item: T) -> None:
        self.item = item
        self.result: R | None = None
        self.error: BaseException | None = None
        self.wake = threading.Event()
        self.lead = False
        self.done = False
        self.settled = False  # given its result or its error


class GroupCommit(Generic[T, R]):
    """Runs `write_batch(items) -> results` (one result per item, in order) for batches of callers.

    `write_batch` should return an item's failure as that item's outcome. If it raises, it must have
    written nothing (one transaction, aborted), since the batch is then written again in halves until
    the items that fail alone are found: each of their callers gets its own exception, the others
    their results. `split_on(exc)` says whether splitting is worth it: False for errors no smaller
    batch would escape (the database unreachable). That error goes at once to every caller of the
    batch and to every caller still queued: each later batch would only meet it again, one batch's
    wait after the other (with 3 batches queued behind a dead database, the last caller would wait
    three timeouts instead of one).
    """

    def __init__(
        self,
        write_batch: Callable[[Sequence[T]], Sequence[R]],
        *,
        max_batch: int = 64,
        split_on: Callable[[Exception], bool] = _always,
    ) -> None:
        self._write_batch = write_batch
        self._max_batch = max_batch
        self._split_on = split_on
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
            shared = self._write(batch)
            if shared is not None:
                with self._lock:
                    queued, self._queue = self._queue, []
                for waiter in queued:
                    waiter.error, waiter.settled = shared, True
                batch = batch + queued
        except BaseException as exc:  # KeyboardInterrupt and the like: nobody's batch is finished
            for waiter in batch:
                if not waiter.settled:
                    waiter.error = exc
            raise
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

    def _write(self, batch: list[_Waiter[T, R]]) -> Exception | None:
        """Give each waiter of `batch` its result or its error, splitting the batch while it raises;
        returns an error `split_on` refused (one every later batch would meet too), else None."""
        try:
            results = self._write_batch([waiter.item for waiter in batch])
        except Exception as exc:
            shared = not self._split_on(exc)
            if len(batch) == 1 or shared:
                for waiter in batch:
                    waiter.error, waiter.settled = exc, True
                return exc if shared else None
            half = len(batch) // 2
            first = self._write(batch[:half])
            if first is not None:
                for waiter in batch[half:]:
                    waiter.error, waiter.settled = first, True
                return first
            return self._write(batch[half:])
        if len(results) != len(batch):  # written, so never written again: a bug for every caller
            error = RuntimeError(f"write_batch returned {len(results)} results for {len(batch)} items")
            for waiter in batch:
                waiter.error, waiter.settled = error, True
            return None
        for waiter, result in zip(batch, results, strict=True):
            waiter.result, waiter.settled = result, True
        return None
