"""The understanding stage's model call: the `understand` tool, forced, filled under its schema.

Why a forced tool call: the local server turns a forced call into a grammar over the schema (so the
model can only write the request's keys and this shop's enum values), and a hosted model gets the
same function definition with `tool_choice` naming it; the same code runs against both. The wording
call after it continues the very same prompt (system prompt, history, message, the call, the data),
so the local model's cache covers everything but the data: a turn prefills only the new message and
the data, never the ~1,500-token system prompt and schema again.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage

from agent import prompts
from agent.understanding.request import TOOL_NAME, CustomerRequest, parse_request, tool_schema
from agent.understanding.vocabulary import Vocabulary

log = logging.getLogger(__name__)
UNDERSTAND_MAX_TOKENS = 160
"""Enough for a request with two items and a full address (~90 tokens measured); a cap keeps a
runaway string from costing the customer a minute."""


WORDING_MAX_TOKENS = 90
"""A reply of 1-2 sentences is 30-70 tokens. The wording is most of a slow turn: on the 2-core machine
the model writes ~13 tokens a second, and the slowest turns of a dev run (15-18 s) were product answers
of 70-100 tokens, their last sentences re-telling the description. A reply cut by the cap ends at its
last whole sentence (`whole_sentences`)."""
_SENTENCE_END = re.compile(r"[.!?…。](?:[\"'”»)\]]*)(?=\s|$)")


def whole_sentences(text: str) -> str:
    """`text` up to its last whole sentence: a reply the token cap stopped mid-sentence ("... and
    would") ends where its last sentence did; a text with no sentence end is kept as it is."""
    text = text.rstrip()
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    if not ends or ends[-1] == len(text):
        return text
    return text[: ends[-1]]


def understanding_messages(
    system_prompt: str, history: list[BaseMessage], note: str, message: str
) -> list[BaseMessage]:
    """The prompt of the stage: fixed prefix, then the conversation, the note, the message."""
    return [SystemMessage(system_prompt), *history, *([SystemMessage(note)] if note else []), HumanMessage(message)]


async def understand(
    model: BaseChatModel, vocabulary: Vocabulary, messages: list[BaseMessage]
) -> tuple[CustomerRequest, AIMessage]:
    """The typed request of the last message, and the model's call (kept for the wording call)."""
    schema = tool_schema(vocabulary)
    bound = model.bind_tools([schema], tool_choice=TOOL_NAME).bind(max_tokens=UNDERSTAND_MAX_TOKENS, temperature=0)
    answer = await bound.ainvoke(messages)
    assert isinstance(answer, AIMessage)
    calls = [c for c in answer.tool_calls if c.get("name") == TOOL_NAME]
    args: dict[str, Any] = dict(calls[0].get("args") or {}) if calls else {}
    if not calls:
        log.warning("the model did not fill the request: %r", answer.content)
    return parse_request(args, vocabulary), answer


async def fill_details(
    model: BaseChatModel, vocabulary: Vocabulary, messages: list[BaseMessage], missing: list[str]
) -> CustomerRequest | None:
    """The request once more, told which details it left out (`missing`: "name", "address"), or None.

    Why a second call: with an email in the message, the 1.5B model left out a name and an address the
    same message gave ("Me llamo Lucía Fernández, mi correo es …, la dirección es 310 Pine Street, …")
    and the customer was asked for them again. Told what is missing, it copies them. The prompt is the
    first call's (same prompt, same tool) and a note, so the local model's cache covers all but the note;
    it runs only when a message with an email lacks a name or an address, and the caller checks what it
    gives against the customer's words like any other request. The note follows the message as a
    system line: after the first call and a tool result the model answered with the intent alone."""
    note = prompts.render("details", missing=" and ".join(missing))
    schema = tool_schema(vocabulary)
    bound = model.bind_tools([schema], tool_choice=TOOL_NAME).bind(max_tokens=UNDERSTAND_MAX_TOKENS, temperature=0)
    answer = await bound.ainvoke([*messages, SystemMessage(note)])
    calls = [c for c in getattr(answer, "tool_calls", None) or [] if c.get("name") == TOOL_NAME]
    return parse_request(dict(calls[0].get("args") or {}), vocabulary) if calls else None


def wording_model(model: BaseChatModel, vocabulary: Vocabulary) -> Any:
    """The model for the reply: the same tool shown (the prompt prefix stays identical), none callable."""
    return model.bind_tools([tool_schema(vocabulary)], tool_choice="none").bind(max_tokens=WORDING_MAX_TOKENS)
