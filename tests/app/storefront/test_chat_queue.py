"""Three customers chatting at once against a live server and a model that answers one turn at a time:
each gets its turn in order, the waiting ones hear their place in line as it moves, and a customer who
sends again before the answer gets a 429 instead of a second place. The model is the scripted one,
held at a gate per turn so the test decides when each answer is written."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from agent.service import ChatAgent
from agent.turn_queue import TurnQueue
from tests.support.live_server import serving
from tests.support.scripted_model import ScriptedChatModel, understood


class Gates:
    """One gate per model call, opened by the test; the model (in LangChain's worker thread) waits."""

    def __init__(self, count: int) -> None:
        self.gates = [threading.Event() for _ in range(count)]
        self.started = [threading.Event() for _ in range(count)]

    def step(self, n: int, reply: Any) -> Callable[[Any], Any]:
        def answer(messages: Any) -> Any:
            self.started[n].set()
            assert self.gates[n].wait(20), f"gate {n} never opened"
            return reply

        return answer


@pytest.fixture
def server(services: Any, settings: Any) -> Iterator[tuple[str, Any]]:
    from app.main import create_app

    app = create_app(settings, services)
    app.state.turn_queue = TurnQueue(slots=1)
    with serving(app) as url:
        yield url, app


WORDED = understood("policy", policy="How to reach us")
"""A request the model then words (a policy question asked in French, so it is translated): each turn
is two model calls, the request (held at the turn's gate) and the answer."""
ASK = "comment vous joindre ?"
"""The question each customer asks, in French (code reads the language from the message)."""


def use_gated_model(app: Any, services: Any, gates: Gates, replies: list[str]) -> None:
    script = [step for n, reply in enumerate(replies) for step in (gates.step(n, WORDED), reply)]
    app.state.chat_agent = ChatAgent(services, model=ScriptedChatModel(script=script))


class Customer:
    """A browser: its own cookie (session), one streamed message at a time, the events it received."""

    def __init__(self, url: str) -> None:
        self.http = httpx.AsyncClient(base_url=url, timeout=30)
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.task: asyncio.Task[None] | None = None

    async def open(self) -> None:
        await self.http.get("/about")  # the session cookie

    def send(self, message: str) -> None:
        self.task = asyncio.create_task(self._stream(message))

    async def _stream(self, message: str) -> None:
        async with self.http.stream("POST", "/chat/stream", json={"message": message}) as response:
            assert response.status_code == 200
            buffer = ""
            async for chunk in response.aiter_text():
                buffer += chunk
                while "\n\n" in buffer:
                    block, buffer = buffer.split("\n\n", 1)
                    fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
                    self.events.append((fields["event"], json.loads(fields["data"])))

    @property
    def positions(self) -> list[int]:
        return [data["position"] for kind, data in self.events if kind == "status" and "position" in data]

    @property
    def reply(self) -> str | None:
        return next((data["reply"] for kind, data in self.events if kind == "done"), None)


async def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 15
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


def test_three_customers_take_turns_and_hear_their_place(server: Any, services: Any, items: Any) -> None:
    url, app = server
    gates = Gates(3)
    use_gated_model(app, services, gates, ["Hello Ann!", "Hello Bob!", "Hello Cy!"])
    queue: TurnQueue = app.state.turn_queue

    async def scenario() -> None:
        ann, bob, cy = Customer(url), Customer(url), Customer(url)
        for one in (ann, bob, cy):
            await one.open()
        ann.send(f"bonjour, je suis Ann, {ASK}")
        await until(gates.started[0].is_set, "Ann's turn to reach the model")
        bob.send(f"bonjour, je suis Bob, {ASK}")
        await until(lambda: bob.positions == [1], "Bob to hear he is next")
        cy.send(f"bonjour, je suis Cy, {ASK}")
        await until(lambda: cy.positions == [2], "Cy to hear she is number 2")
        assert queue.running == 1 and queue.waiting == 2
        texts = [data["text"] for kind, data in cy.events if kind == "status"]
        assert "number 2 in line" in texts[0]

        # Bob sends again before his answer: refused with a sentence, not a second place.
        again = await bob.http.post("/chat/stream", json={"message": "hello??"})
        assert again.status_code == 429 and "wait for the answer" in again.json()["detail"]
        assert queue.waiting == 2

        gates.gates[0].set()
        await until(lambda: ann.reply is not None, "Ann's answer")
        await until(gates.started[1].is_set, "Bob's turn to reach the model")
        await until(lambda: cy.positions == [2, 1], "Cy to move up")
        assert bob.positions == [1, 0] and ann.positions == []
        assert not gates.started[2].is_set()

        gates.gates[1].set()
        gates.gates[2].set()
        await asyncio.gather(*(one.task for one in (ann, bob, cy) if one.task))
        assert (ann.reply, bob.reply, cy.reply) == ("Hello Ann!", "Hello Bob!", "Hello Cy!")
        assert cy.positions == [2, 1, 0]
        assert queue.running == 0 and queue.waiting == 0
        for one in (ann, bob, cy):
            await one.http.aclose()

    asyncio.run(scenario())


def test_the_api_waits_in_the_same_line_and_refuses_a_second_call_of_a_busy_session(
    server: Any, services: Any, items: Any
) -> None:
    url, app = server
    gates = Gates(3)
    use_gated_model(app, services, gates, ["Welcome!", "Sure.", "Hello there!"])
    gates.gates[0].set()
    queue: TurnQueue = app.state.turn_queue

    async def scenario() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=30) as http:
            first = await http.post("/api/chat", json={"message": f"bonjour, {ASK}"})
            assert first.status_code == 200, first.text
            key = first.json()["session_id"]

            widget = Customer(url)
            await widget.open()
            widget.send(f"salut, {ASK}")  # a storefront customer holds the model
            await until(gates.started[1].is_set, "the widget's turn to reach the model")

            api_call = asyncio.create_task(
                http.post("/api/chat", json={"message": f"et vous, {ASK}", "session_id": key})
            )
            await until(lambda: queue.waiting == 1, "the API call to wait in line")
            second = await http.post("/api/chat", json={"message": "hello??", "session_id": key})
            assert second.status_code == 429 and second.headers["retry-after"] == "5"
            assert "wait for the answer" in second.json()["detail"]

            gates.gates[1].set()
            gates.gates[2].set()
            answered = await api_call
            assert answered.status_code == 200 and answered.json()["reply"] == "Hello there!"
            assert widget.task is not None
            await widget.task
            assert widget.reply == "Sure."
            await widget.http.aclose()

    asyncio.run(scenario())


def test_the_line_is_sized_by_the_settings(client: Any, services: Any, settings: Any) -> None:
    """One turn at a time for the embedded model unless CHAT_CONCURRENT_TURNS says otherwise."""
    assert settings.llm_is_local and settings.chat_turn_slots == 1
    assert settings.model_copy(update={"openai_api_key": "sk-test"}).chat_turn_slots == 4
    assert settings.model_copy(update={"chat_concurrent_turns": 3}).chat_turn_slots == 3
    client.app.state.chat_agent = ChatAgent(services, model=ScriptedChatModel(script=["Hello!"]))
    assert client.post("/chat/stream", json={"message": "hi"}).status_code == 200
    assert client.app.state.turn_queue.slots == 1 and client.app.state.turn_queue.running == 0
