"""Fixtures for tool tests: the agent tests' small catalog and a ToolContext like the agent builds."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from shop.conversations.store import Conversation, new_key
from shop.services import ShopServices
from tests.agent.conftest import items  # noqa: F401 - fixture
from tools.context import ToolContext


@pytest.fixture
def make_ctx(services: ShopServices) -> Callable[..., ToolContext]:
    def make(role: str = "customer") -> ToolContext:
        key = new_key()
        conversation = Conversation(key=key, role=role, channel="web", cart_id=key)  # type: ignore[arg-type]
        return ToolContext(services, role, conversation, cart_id=key if role == "customer" else None)  # type: ignore[arg-type]

    return make


@pytest.fixture
def ctx(make_ctx: Callable[..., ToolContext]) -> ToolContext:
    return make_ctx()
