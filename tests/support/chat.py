"""Driving a ChatAgent turn by turn from a synchronous test, the way one customer's browser would."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from shop.conversations.store import new_key

if TYPE_CHECKING:
    # Only for the annotations: importing the agent pulls in LangChain (~3.5 s), which a test run
    # that never chats should not pay for.
    from agent.service import ChatAgent, TurnOutcome


class Chat:
    """One customer's conversation (a session id that is also the cart), for readable tests."""

    def __init__(self, agent: ChatAgent, *, role: str = "customer", channel: str = "web") -> None:
        self.agent = agent
        self.key = new_key()
        self.role = role
        self.channel = channel
        self.events: list[dict[str, Any]] = []

    def say(self, message: str = "", **kwargs: Any) -> TurnOutcome:
        async def run() -> TurnOutcome:
            self.events = []
            outcome = None
            async for event in self.agent.stream(
                role=self.role,
                conversation_key=self.key,
                channel=self.channel,
                cart_id=self.key if self.role == "customer" else None,
                message=message,
                **kwargs,
            ):
                self.events.append(event)
                if event["type"] == "done":
                    outcome = event["outcome"]
            assert outcome is not None
            return outcome

        return asyncio.run(run())

    @property
    def streamed(self) -> str:
        return "".join(e["text"] for e in self.events if e["type"] == "token")
