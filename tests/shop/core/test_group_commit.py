from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

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


def _batched_callers(group: GroupCommit[int, int], items: list[int], hold: threading.Event) -> dict[int, object]:
    """Submit `items` from one thread each while the first caller's batch is held, so all the others
    queue up and are written as one batch; each item's result, or the exception its caller got."""
    outcomes: dict[int, object] = {}

    def caller(item: int) -> None:
        try:
            outcomes[item] = group.submit(item)
        except Exception as exc:
            outcomes[item] = exc

    first = threading.Thread(target=caller, args=(items[0],))
    first.start()
    assert hold.wait(5), "the first caller never started writing"
    others = [threading.Thread(target=caller, args=(item,)) for item in items[1:]]
    for thread in others:
        thread.start()
    deadline = time.monotonic() + 5
    while len(group._queue) < len(others) and time.monotonic() < deadline:
        time.sleep(0.001)
    hold.clear()  # let the first batch finish: the others are queued behind it
    for thread in [first, *others]:
        thread.join(10)
    assert not any(thread.is_alive() for thread in [first, *others]), "a caller was never woken"
    return outcomes


def _held_writer(bad: set[int], batches: list[list[int]], hold: threading.Event) -> Any:
    """A write that raises for any batch holding a bad item; its first batch waits until `hold` is cleared."""

    def write(items: Sequence[int]) -> list[int]:
        if not batches:
            hold.set()
            while hold.is_set():
                time.sleep(0.001)
        batches.append(list(items))
        if bad & set(items):
            raise ValueError(f"cannot store {sorted(bad & set(items))}")
        return [item * 10 for item in items]

    return write


def test_a_bad_item_fails_only_its_own_caller_and_the_batch_is_split_in_halves() -> None:
    batches: list[list[int]] = []
    hold = threading.Event()
    group: GroupCommit[int, int] = GroupCommit(_held_writer({23}, batches, hold), max_batch=64)

    outcomes = _batched_callers(group, list(range(1, 34)), hold)  # 1 alone, then 2..33 together

    assert isinstance(outcomes[23], ValueError) and "23" in str(outcomes[23])
    assert {item: result for item, result in outcomes.items() if item != 23} == {
        item: item * 10 for item in range(1, 34) if item != 23
    }
    written = [item for batch in batches for item in batch if 23 not in batch]
    assert sorted(written) == [item for item in range(1, 34) if item != 23]  # each good item written once
    assert batches[1] == list(range(2, 34))  # the 32 queued callers shared one batch, which failed
    assert len(batches) == 1 + 1 + 2 * 5  # then halves: 16+16, 8+8, 4+4, 2+2, 1+1 (not 32 one by one)


def test_an_error_not_worth_splitting_fails_the_whole_batch_at_once() -> None:
    batches: list[list[int]] = []
    hold = threading.Event()
    group: GroupCommit[int, int] = GroupCommit(
        _held_writer({5}, batches, hold), split_on=lambda exc: not isinstance(exc, ValueError)
    )

    outcomes = _batched_callers(group, list(range(1, 11)), hold)

    assert outcomes[1] == 10
    assert all(isinstance(outcomes[item], ValueError) for item in range(2, 11))
    assert len(batches) == 2  # no retries


def test_a_wrong_number_of_results_is_never_written_again() -> None:
    calls: list[list[int]] = []

    def write(items: Sequence[int]) -> list[int]:
        calls.append(list(items))
        return []

    group: GroupCommit[int, int] = GroupCommit(write)
    with pytest.raises(RuntimeError, match="0 results for 1 items"):
        group.submit(1)
    assert calls == [[1]]


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
        write, max_batch=2, split_on=lambda exc: not isinstance(exc, ConnectionError)
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
