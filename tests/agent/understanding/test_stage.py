"""The stage's model call: the `understand` tool forced, short and deterministic; its arguments parsed."""

from __future__ import annotations

import asyncio

from langchain_core.messages import HumanMessage, SystemMessage

from agent.understanding.request import CustomerRequest, Item
from agent.understanding.stage import UNDERSTAND_MAX_TOKENS, understand, understanding_messages, wording_model
from agent.understanding.vocabulary import Vocabulary
from tests.support.scripted_model import UNDERSTAND, ScriptedChatModel, call, understood

VOCABULARY = Vocabulary(categories=("tea",), category_names={"tea": "Tea"}, filters=("origin=japan",), policies=())


def test_the_prompt_is_prefix_history_note_message() -> None:
    history = [HumanMessage("hi"), SystemMessage("x")]
    messages = understanding_messages("PROMPT", history, "Just shown: #1 Sencha (9.00)", "two of those")
    assert [m.content for m in messages] == ["PROMPT", "hi", "x", "Just shown: #1 Sencha (9.00)", "two of those"]
    assert len(understanding_messages("PROMPT", [], "", "hi")) == 2  # no empty note


def test_understand_forces_the_call_and_parses_it() -> None:
    model = ScriptedChatModel(script=[understood("add", items=[{"product": "#1", "qty": 2}], filters=["x=y"])])
    request, answer = asyncio.run(understand(model, VOCABULARY, [HumanMessage("two of those")]))
    assert request == CustomerRequest(intent="add", items=[Item("#1", 2)])
    assert answer.tool_calls[0]["name"] == UNDERSTAND
    assert model.bound == [{"tools": [UNDERSTAND], "tool_choice": UNDERSTAND}]
    assert model.bindings == [{"max_tokens": UNDERSTAND_MAX_TOKENS, "temperature": 0}]


def test_text_or_another_tool_instead_of_the_request_is_other() -> None:
    for step in ("Sure, here you go!", call("place_order", name="X")):
        model = ScriptedChatModel(script=[step])
        request, _ = asyncio.run(understand(model, VOCABULARY, [HumanMessage("hmm")]))
        assert request == CustomerRequest(intent="other")


def test_the_wording_model_shows_the_same_tool_but_cannot_call_it() -> None:
    model = ScriptedChatModel()
    wording_model(model, VOCABULARY)
    assert model.bound == [{"tools": [UNDERSTAND], "tool_choice": "none"}]
