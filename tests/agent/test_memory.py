"""Conversations live in MongoDB: they survive a new agent (a restart) and are trimmed in steps."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import HumanMessage, SystemMessage

from agent.service import ChatAgent
from tests.support.scripted_model import ScriptedChatModel, call


def test_history_survives_a_restart(items: Any, make_agent: Any, chat: Any, services: Any) -> None:
    agent, _ = make_agent("Nice to meet you, Zoe!")
    c = chat(agent)
    c.say("hi, I am Zoe")
    doc = services.db.conversation_history.find_one({"_id": c.key})
    assert [m["role"] for m in doc["messages"]] == ["user", "assistant"] and doc["channel"] == "web"

    restarted = ScriptedChatModel(script=["You told me you are Zoe."])
    c.agent = ChatAgent(services, model=restarted)
    c.say("what is my name?")
    texts = [m.content for m in restarted.prompts[0]]
    assert "hi, I am Zoe" in texts and "Nice to meet you, Zoe!" in texts


def test_refs_persist_between_turns(items: Any, make_agent: Any, chat: Any, services: Any) -> None:
    agent, _ = make_agent("The Ethiopia Yirgacheffe is $14.50.", call("cart", action="add", product="P1"))
    c = chat(agent)
    c.say("floral light roast coffee")
    out = c.say("add the first one")
    assert "Ethiopia Yirgacheffe" in out.reply
    assert services.carts.quantities(c.key) == {str(items["yirga"]["_id"]): 1}


def test_long_histories_are_trimmed_in_steps_with_a_summary(
    items: Any, make_agent: Any, chat: Any, services: Any
) -> None:
    turns = services.settings.chat_history_turns  # 6
    agent, model = make_agent("The Ethiopia Yirgacheffe is $14.50.", *["ok"] * (turns + 3))
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
