"""A chat model that plays a script, for deterministic agent tests and the overhead benchmark.

Each model call takes the next entry of the script: an AIMessage (possibly with tool calls), a string,
or a function of the messages the model was given (to answer with what a tool just returned). It
streams like a real model (content word by word, then the tool calls) and supports `bind_tools` (tools
as LangChain tools or as OpenAI-style dict schemas) and `.bind(max_tokens=..., temperature=...)`, so
the real customer turn, the owner's agent graph, the tools and the database run unchanged around it.

A customer turn calls the model first to fill the `understand` request (`understood(...)` scripts that
call), then, only when code did not write the reply itself, a second time to word the answer.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, Field

UNDERSTAND = "understand"
"""agent.understanding.request.TOOL_NAME (not imported: this helper must not pull in the agent)."""
Step = AIMessage | str | Callable[[list[BaseMessage]], AIMessage | str]
_ids = itertools.count()


def call(tool: str, /, **args: Any) -> AIMessage:
    """An assistant message that calls one tool."""
    return AIMessage("", tool_calls=[{"name": tool, "args": args, "id": f"call_{next(_ids)}"}])


def understood(intent: str, /, **fields: Any) -> AIMessage:
    """The understanding stage's answer: one `understand` call whose arguments are the request, e.g.
    `understood("add", items=[{"product": "#2", "qty": 2}])`. The reply's language is not the model's
    to say (code reads it from the message): a test wanting Spanish sends a Spanish message."""
    if "lang" in fields:
        raise TypeError("the request has no lang: write the customer's message in that language")
    return call(UNDERSTAND, intent=intent, **fields)


def last_tool_result(messages: Sequence[BaseMessage]) -> str:
    for message in reversed(messages):
        if isinstance(message, ToolMessage):
            return str(message.content)
    return ""


class ScriptedChatModel(BaseChatModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    script: list[Any] = Field(default_factory=list)
    prompts: list[list[BaseMessage]] = Field(default_factory=list)
    """Every message list the model was called with, for assertions."""
    bound: list[dict[str, Any]] = Field(default_factory=list)
    """Every bind_tools call: tool names and tool_choice."""
    bindings: list[dict[str, Any]] = Field(default_factory=list)
    """Every .bind() call's keyword arguments (max_tokens, temperature...)."""
    repeat_last: bool = False
    """Keep playing the last entry when the script runs out (for step-limit tests)."""

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def bind_tools(self, tools: Sequence[Any], *, tool_choice: Any = None, **kwargs: Any) -> ScriptedChatModel:  # type: ignore[override]
        names = [
            getattr(t, "name", None) or (t.get("function", {}).get("name") if isinstance(t, dict) else str(t))
            for t in tools
        ]
        self.bound.append({"tools": names, "tool_choice": tool_choice})
        return self

    def bind(self, **kwargs: Any) -> Any:
        self.bindings.append(dict(kwargs))
        return super().bind(**kwargs)

    def _next(self, messages: list[BaseMessage]) -> AIMessage:
        self.prompts.append(list(messages))
        if not self.script:
            raise AssertionError("the scripted model was called more often than scripted")
        step = self.script[0] if (self.repeat_last and len(self.script) == 1) else self.script.pop(0)
        if callable(step) and not isinstance(step, AIMessage):
            step = step(messages)
        if isinstance(step, str):
            return AIMessage(step)
        # Fresh ids each time so a repeated step is a new call.
        calls = [{**c, "id": f"call_{next(_ids)}"} for c in step.tool_calls]
        return AIMessage(step.content, tool_calls=calls)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._next(messages))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        message = self._next(messages)
        text = str(message.content)
        if text:
            pieces = text.split(" ")
            limit = kwargs.get("max_tokens")  # a word stands for a token: the cap stops the text as a server's does
            cut = limit is not None and len(pieces) > limit
            pieces = pieces[:limit] if cut else pieces
            for i, piece in enumerate(pieces):
                token = piece + (" " if i < len(pieces) - 1 else "")
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=token))
                if run_manager:
                    run_manager.on_llm_new_token(token, chunk=chunk)
                yield chunk
            if cut:
                yield ChatGenerationChunk(
                    message=AIMessageChunk(content=""), generation_info={"finish_reason": "length"}
                )
        if message.tool_calls:
            chunks = [
                {"name": c["name"], "args": json.dumps(c["args"]), "id": c["id"], "index": i, "type": "tool_call_chunk"}
                for i, c in enumerate(message.tool_calls)
            ]
            chunk = ChatGenerationChunk(message=AIMessageChunk(content="", tool_call_chunks=chunks))
            if run_manager:
                run_manager.on_llm_new_token("", chunk=chunk)
            yield chunk
