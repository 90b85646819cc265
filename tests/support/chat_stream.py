"""The chat routes' server-sent events, read back in a test, and a scripted model put behind them.

Shared by the tests of the storefront widget's routes and of the JSON/SSE endpoints, which read the
same stream the same way."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from agent.service import ChatAgent
from tests.support.scripted_model import ScriptedChatModel


def use_script(client: TestClient, services: Any, *script: Any) -> ScriptedChatModel:
    """Answer the app's chat turns from `script` (replies and tool calls, in order)."""
    model = ScriptedChatModel(script=list(script))
    client.app.state.chat_agent = ChatAgent(services, model=model)  # type: ignore[attr-defined]
    return model


def events(response: Any) -> list[tuple[str, dict[str, Any]]]:
    """(event name, data) for every event of a streamed response, in order."""
    out = []
    for block in response.text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        out.append((lines["event"], json.loads(lines["data"])))
    return out


def done(response: Any) -> dict[str, Any]:
    """The data of the stream's last event, after checking it is a successful stream that ends in done."""
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    kind, data = events(response)[-1]
    assert kind == "done", data
    return data
