"""The chat widget in headless Chromium: open it, get a streamed answer with cards, add to cart from a
card, confirm an order with the button, and find the conversation again on the next page."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from agent.service import ChatAgent
from app.embedded_mongo import free_port
from tests.support.scripted_model import ScriptedChatModel, call

pytestmark = pytest.mark.browser

ADDRESS = "5 Oak Road, Springfield"


@pytest.fixture
def chat_server(services: Any, settings: Any) -> Iterator[tuple[str, ScriptedChatModel]]:
    from app.main import create_app

    app = create_app(settings, services)
    model = ScriptedChatModel(
        script=[
            "The Ethiopia Yirgacheffe ($14.50) is floral and bright.",
            call("place_order", name="Ann Lee", email="ann@example.com", address=ADDRESS),
        ]
    )
    app.state.chat_agent = ChatAgent(services, model=model)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", model
    server.should_exit = True
    thread.join(10)


def test_chat_widget_end_to_end(browser: Any, chat_server: Any, items: Any, services: Any) -> None:
    url, _ = chat_server
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(url + "/")
    page.get_by_role("button", name="Ask our assistant").click()
    page.get_by_label("Message to the assistant").fill("Do you have a floral light roast coffee?")
    page.keyboard.press("Enter")
    reply = page.locator(".chat-msg--assistant").last
    reply.get_by_text("is floral and bright").wait_for()
    card = reply.locator(".chat-card").first
    assert "Ethiopia Yirgacheffe" in card.inner_text() and "$14.50" in card.inner_text()
    card.get_by_role("button", name="Add to cart").click()
    page.locator("#cart-count", has_text="1").wait_for()

    page.get_by_label("Message to the assistant").fill(
        f"I'm Ann Lee, ann@example.com, {ADDRESS}. Please place the order."
    )
    page.get_by_role("button", name="Send").click()
    summary = page.locator(".chat-action").last
    summary.wait_for()
    assert "$14.50" in summary.inner_text() and ADDRESS in summary.inner_text()
    summary.get_by_role("button", name="Place order").click()
    page.get_by_text("is placed").wait_for()
    assert services.db.orders.count_documents({}) == 1

    page.goto(url + "/products")  # the panel stays open and the conversation is still there
    page.locator(".chat-msg--assistant", has_text="is placed").wait_for()
    assert page.get_by_role("log", name="Conversation").is_visible()
    context.close()
