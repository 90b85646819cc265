"""Conversations live in MongoDB: they survive a new agent (a restart), replay the note and the
request each answer came from, and are trimmed in steps with a summary written by code."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from langchain_core.messages import AIMessage, HumanMessage, SystemMessage, ToolMessage

from agent.memory import ANSWER_CHARS, prompt_history
from agent.service import ChatAgent
from shop.conversations.store import ChatMessage, Conversation
from tests.support.scripted_model import UNDERSTAND, ScriptedChatModel, understood

FIND_COFFEE = understood("find", query="floral light roast coffee", category="coffee")


def test_history_survives_a_restart(items: Any, make_agent: Any, chat: Any, services: Any) -> None:
    agent, _ = make_agent(understood("greeting"))
    c = chat(agent)
    first = c.say("hi, I am Zoe")
    doc = services.db.conversation_history.find_one({"_id": c.key})
    assert [m["role"] for m in doc["messages"]] == ["user", "assistant"] and doc["channel"] == "web"

    restarted = ScriptedChatModel(script=[understood("greeting")])
    c.agent = ChatAgent(services, model=restarted)
    c.say("what is my name?")
    texts = [m.content for m in restarted.prompts[0]]
    assert "hi, I am Zoe" in texts and first.reply in texts


def test_history_replays_the_note_and_the_request(items: Any, make_agent: Any, chat: Any, services: Any) -> None:
    """The next prompt extends the one the model read: the note before the message, the request it
    wrote after it, then the answer."""
    agent, model = make_agent(
        FIND_COFFEE,
        understood("add", items=[{"product": "#1", "qty": 1}]),
        understood("greeting"),
    )
    c = chat(agent)
    c.say("floral light roast coffee")
    added = c.say("add the first one")
    c.say("thanks")
    prompt = model.prompts[-1]
    note = next(i for i, m in enumerate(prompt) if isinstance(m, SystemMessage) and m.content.startswith("Just shown"))
    assert prompt[note + 1] == HumanMessage("add the first one")
    replayed = prompt[note + 2]
    assert isinstance(replayed, AIMessage) and replayed.tool_calls[0]["name"] == UNDERSTAND
    assert replayed.tool_calls[0]["args"] == {"intent": "add", "items": [{"product": "#1", "qty": 1}]}
    assert isinstance(prompt[note + 3], ToolMessage) and isinstance(prompt[note + 4], AIMessage)
    # The answer comes back as its first paragraph only (the cart reaches the model in the note).
    first_paragraph = added.reply.split("\n\n")[0]
    assert first_paragraph.startswith("Added 1 × Ethiopia Yirgacheffe") and first_paragraph != added.reply
    assert prompt[note + 4].content == first_paragraph and "Subtotal" not in prompt[note + 4].content
    stored = services.db.conversation_history.find_one({"_id": c.key})["messages"]
    assert json.loads(stored[3]["context"])["intent"] == "add"


def test_refs_persist_between_turns(items: Any, make_agent: Any, chat: Any, services: Any) -> None:
    agent, _ = make_agent(FIND_COFFEE, understood("add", items=[{"product": "#1"}]))
    c = chat(agent)
    c.say("floral light roast coffee")
    refs = services.db.conversation_history.find_one({"_id": c.key})["refs"]
    assert refs["P1"] == str(items["yirga"]["_id"])
    c.agent = ChatAgent(services, model=agent.model)  # a restart between the turns
    out = c.say("add the first one")
    assert "Ethiopia Yirgacheffe" in out.reply
    assert services.carts.quantities(c.key) == {str(items["yirga"]["_id"]): 1}
    assert services.db.conversation_history.find_one({"_id": c.key})["refs"]["P1"] == refs["P1"]


def test_long_histories_are_trimmed_in_steps_with_a_summary(
    items: Any, make_agent: Any, chat: Any, services: Any
) -> None:
    turns = services.settings.chat_history_turns  # 6
    agent, model = make_agent(FIND_COFFEE, *[understood("greeting")] * (turns + 3))
    c = chat(agent)
    c.say("floral light roast coffee")
    for i in range(turns):
        c.say(f"small talk {i}")
    doc = services.db.conversation_history.find_one({"_id": c.key})
    assert doc["windowStart"] > 0 and "P1 Ethiopia Yirgacheffe" in doc["summary"]
    c.say("and now?")
    prompt = model.prompts[-1]
    assert isinstance(prompt[1], SystemMessage) and "Earlier in this conversation" in prompt[1].content
    humans = [m.content for m in prompt if isinstance(m, HumanMessage)]
    assert "floral light roast coffee" not in humans and humans[-1] == "and now?"
    assert len(humans) <= turns
    # Between two cuts a prompt only grows: the previous prompt is a prefix of the next one, which is
    # what lets the local model reuse its cache.
    c.say("still there?")
    before = [m.content for m in model.prompts[-2]]
    after = [m.content for m in model.prompts[-1]]
    assert after[: len(before)] == before


def test_a_long_answer_is_replayed_as_its_first_paragraph_cut_at_a_word() -> None:
    """Every token of history is read again on each turn: an earlier answer costs at most ANSWER_CHARS."""
    now = datetime.now(UTC)
    long = " ".join(["Our Ethiopia Yirgacheffe is a floral light roast"] * 10) + "\n\nSecond paragraph."
    convo = Conversation(key="k", role="customer", channel="web", cart_id=None)
    convo.messages = [ChatMessage("user", "tell me", now, 0), ChatMessage("assistant", long, now, 1)]
    convo.next_n = 2
    replayed = prompt_history(convo)[-1]
    assert isinstance(replayed, AIMessage) and len(replayed.content) <= ANSWER_CHARS
    assert replayed.content.endswith("…") and "Second paragraph" not in replayed.content
    assert long.startswith(replayed.content[:-1]) and long[len(replayed.content) - 1] == " "  # cut at a word
    short = "Added 1 × Earl Grey Supreme.\n\nYour cart:\n- 1 × Earl Grey Supreme"
    convo.messages[1] = ChatMessage("assistant", short, now, 1)
    assert prompt_history(convo)[-1].content == "Added 1 × Earl Grey Supreme."
