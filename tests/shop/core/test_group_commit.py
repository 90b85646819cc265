from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import pytest

from shop.core.group_commit import GroupCommit


def test_a_caller_alone_is_written_at_once() -> None:
    batches: list[list[int]] = []

    def write(items: Sequence[int]) -> list[int]:
        batches.append(list(items))
        return [item * 10 for item in items]

    group: GroupCommit[int, int] = GroupCommit(write)
    assert group.submit(1) == 10
    assert group.submit(2) == 20
    assert batches == [[1], [2]]


def test_concurrent_callers_share_batches_and_each_gets_its_own_result() -> None:
    batches: list[list[int]] = []
    writing = threading.Lock()

    def write(items: Sequence[int]) -> list[int]:
        assert writing.acquire(blocking=False), "two batches were written at once"
        try:
            batches.append(list(items))
            time.sleep(0.01)  # a transaction's time, during which others queue
            return [item * 10 for item in items]
        finally:
            writing.release()

    group: GroupCommit[int, int] = GroupCommit(write, max_batch=8)
    results: dict[int, int] = {}
    barrier = threading.Barrier(40)

    def caller(n: int) -> None:
        barrier.wait()
        for round_ in range(5):
            item = n * 100 + round_
            results[item] = group.submit(item)

    threads = [threading.Thread(target=caller, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads), "a caller was never woken"

    assert results == {item: item * 10 for item in results} and len(results) == 200
    written = [item for batch in batches for item in batch]
    assert sorted(written) == sorted(results)  # each item written exactly once
    assert max(len(batch) for batch in batches) == 8
    assert len(batches) < 100  # most callers shared a transaction


def test_a_failed_batch_fails_each_of_its_callers_and_the_next_batch_still_runs() -> None:
    def write(items: Sequence[int]) -> list[int]:
        if 13 in items:
            raise RuntimeError("database gone")
        return list(items)

    group: GroupCommit[int, int] = GroupCommit(write)
    with pytest.raises(RuntimeError, match="database gone"):
        group.submit(13)
    assert group.submit(14) == 14


def test_a_shared_failure_reaches_every_queued_caller_at_once() -> None:
    """A database that is down fails each batch after the same wait: the callers queued behind the
    failing batch get its error with it instead of waiting one more timeout per batch."""
    started = threading.Event()
    batches: list[list[int]] = []
    down = True

    def write(items: Sequence[int]) -> list[int]:
        batches.append(list(items))
        if not down:
            return [item * 10 for item in items]
        started.set()
        time.sleep(0.3)  # the wait for a database that does not answer
        raise ConnectionError("database down")

    group: GroupCommit[int, int] = GroupCommit(
        write, max_batch=2, shared_failure=lambda exc: isinstance(exc, ConnectionError)
    )
    seconds: dict[int, float] = {}

    def caller(n: int) -> None:
        begun = time.monotonic()
        with pytest.raises(ConnectionError):
            group.submit(n)
        seconds[n] = time.monotonic() - begun

    first = threading.Thread(target=caller, args=(0,))
    first.start()
    started.wait(5)
    queued = [threading.Thread(target=caller, args=(n,)) for n in range(1, 7)]  # three batches' worth
    for thread in queued:
        thread.start()
    for thread in [first, *queued]:
        thread.join(10)
    assert sorted(seconds) == list(range(7))
    assert batches == [[0]]  # nobody queued wrote a batch of their own
    assert max(seconds.values()) < 0.6  # one wait, not four

    down = False  # the database is back: the next caller leads and writes at once
    assert group.submit(7) == 70 and batches[-1] == [7]
