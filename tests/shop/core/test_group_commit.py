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
