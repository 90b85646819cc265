"""The chat widget in headless Chromium: open it, get a streamed answer with cards, add to cart from a
card, confirm an order with the button, and find the conversation again on the next page. The header
badge follows what the chat does to the cart, a product in the cart shows "In cart" instead of another
Add button, and product names on the cards wrap at words, at a phone's width and the widget's."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from langchain_core.messages import AIMessage

from agent.service import ChatAgent
from agent.turn_queue import TurnQueue
from shop.conversations.store import ChatMessage, Conversation
from tests.support.live_server import serving
from tests.support.scripted_model import ScriptedChatModel, understood

pytestmark = pytest.mark.browser

ADDRESS = "5 Oak Road, Springfield"


@pytest.fixture
def chat_server(services: Any, settings: Any) -> Iterator[tuple[str, ScriptedChatModel]]:
    from app.main import create_app

    app = create_app(settings, services)
    model = ScriptedChatModel(
        script=[
            understood("product", items=[{"product": "Ethiopia Yirgacheffe"}]),
            "The Ethiopia Yirgacheffe ($14.50) is floral and bright.",
            understood("checkout", name="Ann Lee", email="ann@example.com", address=ADDRESS),
        ]
    )
    app.state.chat_agent = ChatAgent(services, model=model)
    with serving(app) as url:
        yield url, model


def open_page(
    browser: Any, url: str, viewport: tuple[int, int] = (1280, 900), cookies: list[dict[str, str]] | None = None
) -> tuple[Any, Any]:
    """A fresh browser context (its own session, so its own cart) and a page on `url`."""
    width, height = viewport
    context = browser.new_context(viewport={"width": width, "height": height})
    if cookies:
        context.add_cookies(cookies)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(url)
    return context, page


def ask(page: Any, message: str) -> None:
    """Open the widget and send `message` the way a customer does: typed, then Enter."""
    page.get_by_role("button", name="Ask our assistant").click()
    page.get_by_label("Message to the assistant").fill(message)
    page.keyboard.press("Enter")


def test_chat_widget_end_to_end(browser: Any, chat_server: Any, items: Any, services: Any) -> None:
    url, _ = chat_server
    context, page = open_page(browser, url + "/")
    ask(page, "Is the Ethiopia Yirgacheffe a floral coffee?")
    reply = page.locator(".chat-msg--assistant").last
    reply.get_by_text("is floral and bright").wait_for()
    card = reply.locator(".chat-card").first
    assert "Ethiopia Yirgacheffe" in card.inner_text() and "$14.50" in card.inner_text()
    card.get_by_role("button", name="Add to cart").click()
    page.locator("#cart-count", has_text="1").wait_for()
    card.get_by_text("In cart").wait_for()  # the card's own button turned into the in-cart state
    assert not card.get_by_role("button", name="Add to cart").is_visible()
    assert card.get_by_role("link", name="View cart").get_attribute("href") == "/cart"

    page.get_by_label("Message to the assistant").fill(
        f"I'm Ann Lee, ann@example.com, {ADDRESS}. Please place the order."
    )
    page.get_by_role("button", name="Send").click()
    summary = page.locator(".chat-action").last
    summary.wait_for()
    assert "$14.50" in summary.inner_text() and ADDRESS in summary.inner_text()
    summary.get_by_role("button", name="Place order").click()
    page.get_by_text("is placed").wait_for()
    orders = list(services.db.orders.find({}))
    assert len(orders) == 1 and orders[0]["email"] == "ann@example.com"
    assert [(line["name"], line["quantity"]) for line in orders[0]["products"]] == [("Ethiopia Yirgacheffe", 1)]
    page.locator("#cart-count", has_text="0").wait_for()  # the order emptied the cart

    page.goto(url + "/products")  # the panel stays open and the conversation is still there
    page.locator(".chat-msg--assistant", has_text="is placed").wait_for()
    assert page.get_by_role("log", name="Conversation").is_visible()
    context.close()


# --------------------------------------------------------------------------------------------------
# The header badge and the in-cart state when the chat itself changes the cart
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def served(services: Any, settings: Any) -> Iterator[tuple[str, Any]]:
    """A live server whose chat model each test scripts (app.state.chat_agent)."""
    from app.main import create_app

    app = create_app(settings, services)
    with serving(app) as url:
        yield url, app


def test_a_cart_change_by_the_chat_updates_the_badge_and_the_cards(
    browser: Any, served: Any, items: Any, services: Any
) -> None:
    url, app = served
    app.state.chat_agent = ChatAgent(
        services,
        model=ScriptedChatModel(script=[understood("add", items=[{"product": "Ethiopia Yirgacheffe", "qty": 2}])]),
    )
    context, page = open_page(browser, url + "/about")
    assert page.locator("#cart-count").inner_text() == "0"
    ask(page, "two Ethiopia Yirgacheffe please")
    page.locator("#cart-count", has_text="2").wait_for()  # without reloading the page
    card = page.locator(".chat-msg--assistant").last.locator(".chat-card", has_text="Ethiopia Yirgacheffe")
    card.get_by_text("In cart").wait_for()
    assert not card.get_by_role("button", name="Add to cart").is_visible()

    page.reload()  # the history renders the same state
    card = page.locator(".chat-card", has_text="Ethiopia Yirgacheffe").last
    card.get_by_text("In cart").wait_for()
    assert not card.get_by_role("button", name="Add to cart").is_visible()
    assert page.locator("#cart-count").inner_text() == "2"

    # Emptied on the cart page: the card offers Add again after the next load.
    page.goto(url + "/cart")
    services.carts.clear(context.cookies()[0]["value"])
    page.goto(url + "/about")
    card = page.locator(".chat-card", has_text="Ethiopia Yirgacheffe").last
    card.get_by_role("button", name="Add to cart").wait_for()
    assert not card.get_by_text("In cart").is_visible()
    context.close()


# --------------------------------------------------------------------------------------------------
# Product names wrap at words on the cards
# --------------------------------------------------------------------------------------------------

LONG_NAME = "Organic Highland Breakfast Blend with Wildflower Honey, Cardamom and Cinnamon"
ONE_LONG_WORD = "Supercalifragilisticexpialidociouslyaromaticespressoroast"

MEASURE = """(el) => {
  const text = el.firstChild;
  const words = [];
  const pattern = /\\S+/g;
  let m;
  while ((m = pattern.exec(text.data))) {
    const range = document.createRange();
    range.setStart(text, m.index);
    range.setEnd(text, m.index + m[0].length);
    const tops = new Set(Array.from(range.getClientRects()).filter((r) => r.width > 0).map((r) => Math.round(r.top)));
    words.push({ word: m[0], lines: tops.size, width: range.getBoundingClientRect().width });
  }
  const box = el.getBoundingClientRect();
  const card = el.closest(".chat-card").getBoundingClientRect();
  const bubble = el.closest(".chat-msg").getBoundingClientRect();
  return {
    words: words,
    width: box.width,
    height: box.height,
    lineHeight: parseFloat(getComputedStyle(el).lineHeight),
    cardWidth: card.width,
    overflows: box.right > card.right + 0.5 || card.right > bubble.right + 0.5 || el.scrollWidth > el.clientWidth + 1,
  };
}"""


@pytest.mark.parametrize("viewport", [(320, 640), (375, 700), (1280, 900)], ids=["320px", "375px", "widget"])
def test_card_names_wrap_at_words_never_letter_by_letter(
    browser: Any, served: Any, services: Any, product_factory: Any, viewport: tuple[int, int]
) -> None:
    url, _ = served
    long_name = product_factory(name=LONG_NAME, slug="long-name", price=Decimal("12.00"))
    long_word = product_factory(name=ONE_LONG_WORD, slug="long-word", price=Decimal("9.00"), stock=0)
    services.catalog.invalidate()
    key = services.security.visitor_ids.new()  # a visitor id the shop issued (made-up ones are replaced)
    conversation = Conversation(key=key, role="customer", channel="web", cart_id=key)
    now = datetime.now(UTC)
    services.conversations.save(
        conversation,
        [
            ChatMessage("user", "something long", now),
            ChatMessage("assistant", "Here you are.", now, products=[str(long_name["_id"]), str(long_word["_id"])]),
        ],
    )
    context, page = open_page(browser, url + "/about", viewport, [{"name": "aishop_sid", "value": key, "url": url}])
    page.get_by_role("button", name="Ask our assistant").click()
    names = page.locator(".chat-card__name")
    names.first.wait_for()
    assert names.count() == 2

    first = names.nth(0).evaluate(MEASURE)
    assert [w["word"] for w in first["words"]] == LONG_NAME.split()
    assert all(w["lines"] == 1 for w in first["words"]), first  # no word split across lines
    longest = max(w["width"] for w in first["words"])
    assert first["width"] >= longest - 0.5, first
    lines = round(first["height"] / first["lineHeight"])
    assert lines < len(first["words"]), first  # words share lines: not one word (or letter) per line
    assert not first["overflows"] and first["width"] >= first["cardWidth"] / 2, first

    # A single word longer than the card is the one case that breaks inside a word, and then it
    # fills whole lines instead of sticking out of the card.
    second = names.nth(1).evaluate(MEASURE)
    assert not second["overflows"], second
    lines = round(second["height"] / second["lineHeight"])
    assert second["width"] >= second["cardWidth"] / 2 and lines <= 4, second
    context.close()


# --------------------------------------------------------------------------------------------------
# The line in front of the model
# --------------------------------------------------------------------------------------------------


def test_a_waiting_customer_sees_the_place_in_line_then_the_answer(
    browser: Any, served: Any, services: Any, items: Any
) -> None:
    url, app = served
    app.state.turn_queue = TurnQueue(slots=1)
    other_started, other_may_finish = threading.Event(), threading.Event()

    def slow_answer(messages: Any) -> AIMessage:
        other_started.set()
        assert other_may_finish.wait(20)
        return understood("greeting")

    model = ScriptedChatModel(script=[slow_answer, understood("greeting")])
    app.state.chat_agent = ChatAgent(services, model=model)

    def other_customer() -> None:  # another visitor whose answer is being written
        with httpx.Client(base_url=url, timeout=30) as other:
            other.post("/chat/stream", json={"message": "hi from someone else"})

    other = threading.Thread(target=other_customer, daemon=True)
    other.start()
    assert other_started.wait(15)

    context, page = open_page(browser, url + "/about")
    ask(page, "hi")
    reply = page.locator(".chat-msg--assistant").last
    reply.locator(".chat-msg__status", has_text="You are next in line").wait_for()
    assert "chat-msg--waiting" in (reply.get_attribute("class") or "")

    other_may_finish.set()
    reply.get_by_text("I can help you find products").wait_for()  # the greeting code writes
    assert "chat-msg--waiting" not in (reply.get_attribute("class") or "")
    other.join(10)
    context.close()
