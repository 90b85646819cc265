"""The turn queue with real asyncio tasks: one turn at a time, one place per client, clients served in
turn (a flood from one never puts the others behind all of it), and every waiting client told its
place as the line moves."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from agent.turn_queue import ClientBusy, TurnQueue, position_text


async def settle() -> None:
    """Let every ready task run until it blocks again."""
    for _ in range(10):
        await asyncio.sleep(0)


class Client:
    """A client task that joins, records the positions it is told, runs its turn until `finish`, and
    gives its place back (also when cancelled), the way the chat route does."""

    def __init__(self, queue: TurnQueue, key: str, log: list[str]) -> None:
        self.queue = queue
        self.key = key
        self.log = log
        self.positions: list[int] = []
        self.finish = asyncio.Event()
        self.ticket = queue.join(key)
        self.task = asyncio.create_task(self.run())

    async def run(self) -> None:
        try:
            async for position in self.queue.wait(self.ticket):
                self.positions.append(position)
            self.log.append(self.key)
            await self.finish.wait()
        finally:
            self.queue.release(self.ticket)


def test_one_turn_at_a_time_and_each_waiting_client_hears_its_place() -> None:
    async def scenario() -> None:
        queue = TurnQueue(slots=1)
        log: list[str] = []
        a = Client(queue, "a", log)
        await settle()
        b = Client(queue, "b", log)
        c = Client(queue, "c", log)
        await settle()
        assert log == ["a"] and queue.running == 1 and queue.waiting == 2
        assert a.positions == [] and b.positions == [1] and c.positions == [2]

        a.finish.set()
        await settle()
        assert log == ["a", "b"] and c.positions == [2, 1]
        b.finish.set()
        await settle()
        assert log == ["a", "b", "c"] and c.positions == [2, 1]
        c.finish.set()
        await asyncio.gather(a.task, b.task, c.task)
        assert queue.running == 0 and queue.waiting == 0

    asyncio.run(scenario())


def test_a_client_holds_one_place_waiting_or_running() -> None:
    async def scenario() -> None:
        queue = TurnQueue(slots=1)
        log: list[str] = []
        a, b = (Client(queue, key, log) for key in "ab")
        await settle()
        with pytest.raises(ClientBusy):
            queue.join("a")  # running
        with pytest.raises(ClientBusy):
            queue.join("b")  # waiting
        assert queue.waiting == 1 and queue.busy("b")
        a.finish.set()
        await settle()
        again = Client(queue, "a", log)  # a's next message, now that its answer is done
        await settle()
        assert again.positions == [1]  # behind b, who waited while a's turn ran
        b.finish.set()
        again.finish.set()
        await asyncio.gather(a.task, b.task, again.task)

    asyncio.run(scenario())


def test_a_flooding_client_never_makes_the_others_wait_behind_all_its_messages() -> None:
    """Three clients send 4 messages each as fast as they can (a refused message is retried); the
    turns come round-robin, so nobody waits for more than one turn of each other client."""

    async def scenario() -> None:
        queue = TurnQueue(slots=1)
        served: list[str] = []
        refused: dict[str, int] = {"a": 0, "b": 0, "c": 0}

        async def client(key: str, messages: int) -> None:
            sent = 0
            while sent < messages:
                try:
                    ticket = queue.join(key)
                except ClientBusy:
                    refused[key] += 1
                    await asyncio.sleep(0)
                    continue
                try:
                    async for _ in queue.wait(ticket):
                        pass
                    served.append(key)
                    await asyncio.sleep(0.001)  # the model writing
                finally:
                    queue.release(ticket)
                sent += 1

        # The flooder also tries to send again while its turn runs (refused, not queued).
        async def impatient() -> None:
            for _ in range(20):
                if queue.busy("a"):
                    with pytest.raises(ClientBusy):
                        queue.join("a")
                    refused["a"] += 1
                await asyncio.sleep(0.0005)

        await asyncio.gather(client("a", 4), client("b", 4), client("c", 4), impatient())
        assert served == ["a", "b", "c"] * 4
        assert refused["a"] > 0

    asyncio.run(scenario())


def test_a_client_that_leaves_the_line_moves_the_others_up() -> None:
    async def scenario() -> None:
        queue = TurnQueue(slots=1)
        log: list[str] = []
        a, b, c = (Client(queue, key, log) for key in "abc")
        await settle()
        assert c.positions == [2]
        b.task.cancel()  # the visitor closed the tab while waiting
        await settle()
        assert c.positions == [2, 1] and not queue.busy("b")
        a.finish.set()
        c.finish.set()
        await asyncio.gather(a.task, c.task)
        assert log == ["a", "c"]

    asyncio.run(scenario())


def test_more_slots_run_more_turns_at_once() -> None:
    async def scenario() -> None:
        queue = TurnQueue(slots=2)
        log: list[str] = []
        clients = [Client(queue, key, log) for key in "abc"]
        await settle()
        assert log == ["a", "b"] and clients[2].positions == [1]
        clients[1].finish.set()
        await settle()
        assert log == ["a", "b", "c"]
        for one in clients:
            one.finish.set()
        await asyncio.gather(*(one.task for one in clients))

    asyncio.run(scenario())


def test_a_quiet_wait_repeats_the_position() -> None:
    async def scenario() -> None:
        queue = TurnQueue(slots=1)
        first = queue.join("a")
        second = queue.join("b")
        told: list[int] = []

        async def listen() -> Any:
            async for position in queue.wait(second, heartbeat=0.02):
                told.append(position)

        task = asyncio.create_task(listen())
        await asyncio.sleep(0.07)
        queue.release(first)
        await task
        assert told[:3] == [1, 1, 1] and second.granted
        queue.release(second)

    asyncio.run(scenario())


def test_position_text() -> None:
    assert "next" in position_text(1)
    assert "number 3 in line" in position_text(3)
    with pytest.raises(ValueError):
        TurnQueue(slots=0)


def test_an_address_holds_at_most_its_share_of_places() -> None:
    """Conversations from one address (e.g. API calls that each start a new one) take at most
    `per_group` places; the place given back, the address may join again. Other addresses are not
    affected, and a queue without a share lets any number in."""
    from agent.turn_queue import SHARE_MESSAGE, OverShare

    queue = TurnQueue(slots=1, per_group=2)
    first = queue.join("c1", "203.0.113.1")
    queue.join("c2", "203.0.113.1")
    assert queue.over_share("203.0.113.1")
    with pytest.raises(OverShare) as refused:
        queue.join("c3", "203.0.113.1")
    assert refused.value.message == SHARE_MESSAGE and isinstance(refused.value, ClientBusy)
    queue.join("d1", "198.51.100.1")
    queue.release(first)
    assert not queue.over_share("203.0.113.1")
    queue.join("c3", "203.0.113.1")
    unlimited = TurnQueue(slots=1)
    for n in range(5):
        unlimited.join(f"k{n}", "203.0.113.1")
    assert unlimited.waiting == 4
