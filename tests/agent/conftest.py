"""Fixtures for agent tests: a small real catalog and ChatAgents driven by a scripted model."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from agent.service import ChatAgent, TurnOutcome
from app.embedded_mongo import free_port
from shop.conversations.store import new_key
from shop.services import ShopServices
from tests.app.admin.conftest import owner, owner_client  # noqa: F401 - fixtures for the owner chat tests
from tests.support.scripted_model import ScriptedChatModel


@pytest.fixture
def items(product_factory: Any) -> dict[str, dict[str, Any]]:
    """Six products across the shelves; chamomile is sold out, the hand cream nearly."""
    specs = {
        "yirga": ("Ethiopia Yirgacheffe", "coffee", "14.50", 12, "Floral light roast with jasmine and bergamot."),
        "espresso": ("House Espresso Roast", "coffee", "14.95", 30, "A chocolatey medium-dark espresso blend."),
        "earl": ("Earl Grey Supreme", "tea", "9.50", 20, "Black tea with bergamot oil and blue cornflowers."),
        "chamomile": ("Chamomile Dream", "tea", "7.25", 0, "Caffeine-free chamomile flowers for calm evenings."),
        "honey": ("Wildflower Honey", "food", "10.50", 15, "Runny wildflower honey from small beekeepers."),
        "cream": ("Rose Hand Cream", "beauty", "18.00", 3, "A rich hand cream with rose oil and shea butter."),
    }
    out = {}
    for key, (name, category, price, stock, description) in specs.items():
        slug = name.lower().replace(" ", "-")
        out[key] = product_factory(
            name=name,
            slug=slug,
            category=category,
            price=Decimal(price),
            stock=stock,
            description=description,
            tags=[category],
            attributes={},
        )
    return out


@pytest.fixture
def make_agent(services: ShopServices) -> Callable[..., tuple[ChatAgent, ScriptedChatModel]]:
    def make(*script: Any, repeat_last: bool = False) -> tuple[ChatAgent, ScriptedChatModel]:
        model = ScriptedChatModel(script=list(script), repeat_last=repeat_last)
        return ChatAgent(services, model=model), model

    return make


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


@pytest.fixture
def chat() -> Callable[..., Chat]:
    return Chat


ROOT = Path(__file__).resolve().parents[2]
# Shared with `make run` on purpose: the 1.1 GB join happens once per checkout, not once per test run.
MODEL_DIR = Path(os.environ.get("LOCAL_LLM_MODEL_DIR", ROOT / "var" / "models"))


@pytest.fixture(scope="module")
def model_path() -> Path:
    pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (compiled at install time)")
    from agent.local_llm.model import ensure_model

    return ensure_model(MODEL_DIR)


@pytest.fixture(scope="module")
def base_url(model_path: Path) -> Iterator[str]:
    """`python -m agent.local_llm` on a free port for the tests marked llm, stopped afterwards."""
    port = free_port()
    env = {**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}
    cmd = [sys.executable, "-m", "agent.local_llm", "--model-dir", str(MODEL_DIR), "--port", str(port)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert proc.poll() is None, f"server exited with {proc.returncode}"
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail("local LLM server did not come up in 180 s")
        yield f"{url}/v1"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
