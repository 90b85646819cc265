"""Unit tests of the local LLM's prompt template, tool-call parsing, grammar and HTTP layer: no model needed.

The HTTP tests run the real FastAPI app under uvicorn with a scripted engine in place of llama.cpp, and
talk to it through langchain-openai's ChatOpenAI, the client the agent uses.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from agent.local_llm.chat_format import (
    DEFAULT_SYSTEM,
    ChatFormatError,
    arguments_grammar,
    parse_reply,
    plan_tools,
    render_prompt,
    render_tool_call,
    tool_call_grammar,
)
from agent.local_llm.server import Finished, GenerationRequest, TextDelta, create_app, eviction_victim


def _tool(name: str, properties: dict[str, Any] | None = None, required: list[str] | None = None) -> dict[str, Any]:
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": f"{name} tool",
            "parameters": {"type": "object", "properties": properties or {}, "required": required or []},
        },
    }


SEARCH = _tool(
    "search_products",
    {
        "query": {"type": "string"},
        "category": {"type": "string", "enum": ["coffee", "tea"]},
        "max_price": {"anyOf": [{"type": "number"}, {"type": "null"}]},
    },
    ["query"],
)
CART = _tool("view_cart")
TOOLS = [SEARCH, CART]


# -- template ----------------------------------------------------------------------------------


def test_prompt_with_tools_puts_schemas_in_the_system_turn() -> None:
    prompt = render_prompt([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}], TOOLS)
    assert prompt.startswith("<|im_start|>system\nBe brief.\n\n# Tools\n")
    tools_block = prompt.split("<tools>\n", 1)[1].split("\n</tools>", 1)[0]
    assert [json.loads(line)["function"]["name"] for line in tools_block.splitlines()] == [
        "search_products",
        "view_cart",
    ]
    assert '<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call><|im_end|>\n' in prompt
    assert prompt.endswith("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n")


def test_prompt_without_system_uses_the_models_default() -> None:
    prompt = render_prompt([{"role": "user", "content": "hi"}])
    assert (
        prompt
        == f"<|im_start|>system\n{DEFAULT_SYSTEM}<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"
    )


def test_assistant_call_with_null_content_and_tool_results_render_like_training_data() -> None:
    messages = [
        {"role": "system", "content": "S"},
        {"role": "user", "content": "cart and coffee?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "a", "type": "function", "function": {"name": "view_cart", "arguments": "{}"}},
                {"id": "b", "type": "function", "function": {"name": "search_products", "arguments": '{"query":"é"}'}},
            ],
        },
        {"role": "tool", "tool_call_id": "a", "content": '{"items": []}'},
        {"role": "tool", "tool_call_id": "b", "content": [{"type": "text", "text": "[]"}]},
    ]
    prompt = render_prompt(messages, TOOLS)
    assert (
        "<|im_start|>assistant\n"
        '<tool_call>\n{"name": "view_cart", "arguments": {}}\n</tool_call>\n'
        '<tool_call>\n{"name": "search_products", "arguments": {"query": "é"}}\n</tool_call><|im_end|>\n'
        "<|im_start|>user\n<tool_response>\n" + '{"items": []}' + "\n</tool_response>\n"
        "<tool_response>\n[]\n</tool_response><|im_end|>\n<|im_start|>assistant\n"
    ) in prompt


def test_unsupported_messages_are_request_errors() -> None:
    with pytest.raises(ChatFormatError):
        render_prompt([{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}])
    with pytest.raises(ChatFormatError):
        render_prompt([{"role": "wizard", "content": "x"}])
    with pytest.raises(ChatFormatError):
        render_prompt([])


# -- parsing -----------------------------------------------------------------------------------


def test_parse_tagged_call() -> None:
    reply = parse_reply(
        '<tool_call>\n{"name": "search_products", "arguments": {"query": "decaf"}}\n</tool_call>', ["search_products"]
    )
    assert reply.content is None
    [call] = reply.tool_calls
    assert call["type"] == "function" and call["id"].startswith("call_")
    assert call["function"] == {"name": "search_products", "arguments": '{"query": "decaf"}'}


def test_parse_keeps_text_before_a_call_and_reads_several_calls() -> None:
    text = 'Let me look.\n<tool_call>\n{"name": "view_cart", "arguments": {}}\n</tool_call>\n<tool_call>\n{"name": "view_cart", "arguments": {}}'
    reply = parse_reply(text, ["view_cart"])
    assert reply.content == "Let me look."
    assert [c["function"]["name"] for c in reply.tool_calls] == ["view_cart", "view_cart"]


def test_parse_drops_unknown_tools_and_broken_json() -> None:
    assert parse_reply('<tool_call>{"name": "rm_rf", "arguments": {}}</tool_call>', ["view_cart"]).tool_calls == []
    assert parse_reply('<tool_call>{"name": "view_cart", "argu', ["view_cart"]).tool_calls == []


def test_parse_bare_and_fenced_json_calls_only_for_known_tools() -> None:
    bare = parse_reply('{"name": "view_cart", "arguments": {}}', ["view_cart"])
    assert bare.content is None and bare.tool_calls[0]["function"]["name"] == "view_cart"
    fenced = parse_reply('```json\n{"name": "view_cart", "arguments": "{}"}\n```', ["view_cart"])
    assert fenced.tool_calls[0]["function"]["arguments"] == "{}"
    assert parse_reply('{"name": "other", "arguments": {}}', ["view_cart"]).tool_calls == []


def test_no_tools_offered_means_plain_text_even_if_it_looks_like_a_call() -> None:
    text = '<tool_call>{"name": "view_cart", "arguments": {}}</tool_call>'
    assert parse_reply(f"  {text}\n", None).content == text


def test_rendered_call_parses_back_to_the_same_text() -> None:
    """The prompt's re-rendered call must equal what the grammar lets the model write (KV cache reuse)."""
    rendered = render_tool_call("search_products", '{"query":"decaf","max_price":9.5}')
    [call] = parse_reply(rendered, ["search_products"]).tool_calls
    assert render_tool_call("search_products", call["function"]["arguments"]) == rendered
    assert call["function"]["arguments"] == '{"query": "decaf", "max_price": 9.5}'


# -- tool_choice and grammar ----------------------------------------------------------------------


def test_tool_choice_mapping() -> None:
    assert plan_tools(TOOLS, None).callable_tools == TOOLS
    assert not plan_tools(TOOLS, "auto").required
    none = plan_tools(TOOLS, "none")
    assert none.prompt_tools == TOOLS and none.callable_tools == []
    assert plan_tools(TOOLS, "required").required
    named = plan_tools(TOOLS, {"type": "function", "function": {"name": "view_cart"}})
    assert named.required and named.callable_tools == [CART]
    assert plan_tools(None, None).prompt_tools == []
    with pytest.raises(ChatFormatError):
        plan_tools(TOOLS, {"type": "function", "function": {"name": "nope"}})
    with pytest.raises(ChatFormatError):
        plan_tools(None, "required")


def test_grammar_names_only_offered_tools_and_their_properties() -> None:
    grammar = tool_call_grammar(TOOLS)
    assert grammar.startswith("root ::= call\n")
    assert '\\"name\\": \\"search_products\\", \\"arguments\\": ' in grammar
    assert '"\\"category\\"" ": " args-search-products-category' in grammar
    assert '"\\"coffee\\"" | "\\"tea\\""' in grammar
    assert (
        'args-view-cart ::= "{}"' in grammar
    )  # no properties: exactly {} (an open object invited a copy of the schema)
    assert "{0,3}" in tool_call_grammar(TOOLS, max_calls=4)


def test_an_array_with_max_items_cannot_grow_past_it() -> None:
    tags = {"type": "array", "items": {"enum": ["a", "b"]}, "maxItems": 3}
    tool = {
        "type": "function",
        "function": {"name": "tag", "parameters": {"type": "object", "properties": {"tags": tags}}},
    }
    rule = next(line for line in arguments_grammar(tool).splitlines() if line.startswith("args-tag-tags ::="))
    # One item, then at most two more, each optional: no open repetition for the model to run away in.
    assert "*" not in rule and rule.count("args-tag-tags-item") == 3


# -- HTTP layer with a scripted engine, through ChatOpenAI ----------------------------------------


class ScriptedEngine:
    """Stands in for LlamaEngine: answers a call when a tool is callable, text otherwise."""

    def __init__(self) -> None:
        self.requests: list[GenerationRequest] = []

    def run(self, req: GenerationRequest, cancel: threading.Event) -> Iterator[TextDelta | Finished]:
        self.requests.append(req)
        if req.plan.callable_tools:
            reply = parse_reply(render_tool_call("view_cart", {}), ["view_cart"])
            yield Finished(None, reply.tool_calls, "tool_calls", 10, 5)
            return
        for piece in ("Hello", " there", "!"):
            yield TextDelta(piece)
        yield Finished("Hello there!", [], "stop", 10, 3)


@pytest.fixture(scope="module")
def scripted_server() -> Iterator[tuple[str, ScriptedEngine]]:
    engine = ScriptedEngine()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(engine), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started
    yield f"http://127.0.0.1:{port}/v1", engine
    server.should_exit = True
    thread.join(timeout=5)


def test_chat_openai_gets_text_and_streams_it(scripted_server: tuple[str, ScriptedEngine]) -> None:
    from langchain_openai import ChatOpenAI

    base_url, _ = scripted_server
    llm = ChatOpenAI(base_url=base_url, api_key="local", model="local", max_retries=0)
    assert llm.invoke("hi").content == "Hello there!"
    chunks = [c.content for c in llm.stream("hi")]
    assert "".join(chunks) == "Hello there!" and len([c for c in chunks if c]) == 3


def test_chat_openai_gets_tool_calls_plain_and_streamed(scripted_server: tuple[str, ScriptedEngine]) -> None:
    from langchain_core.messages import AIMessageChunk
    from langchain_openai import ChatOpenAI

    base_url, engine = scripted_server
    llm = ChatOpenAI(base_url=base_url, api_key="local", model="local", max_retries=0).bind_tools([CART])
    message = llm.invoke("what's in my cart?")
    assert [(c["name"], c["args"]) for c in message.tool_calls] == [("view_cart", {})]
    chunks = list(llm.stream("what's in my cart?"))
    merged = chunks[0]
    for chunk in chunks[1:]:
        merged += chunk
    assert isinstance(merged, AIMessageChunk)
    assert [(c["name"], c["args"]) for c in merged.tool_calls] == [("view_cart", {})]
    assert "<tools>" in engine.requests[-1].prompt


def test_bad_requests_are_400_in_openai_shape(scripted_server: tuple[str, ScriptedEngine]) -> None:
    base_url, _ = scripted_server
    response = httpx.post(f"{base_url}/chat/completions", json={"messages": [{"role": "wizard", "content": "x"}]})
    assert response.status_code == 400
    assert "wizard" in response.json()["error"]["message"]
    assert httpx.post(f"{base_url}/chat/completions", json={"nope": 1}).status_code == 400


def test_tool_choice_none_shows_the_tools_but_allows_no_call() -> None:
    """Earlier calls in the history only make sense with the tools shown, even when no new call is allowed."""
    from agent.local_llm.server import ChatCompletionRequest, build_generation_request

    req = build_generation_request(
        ChatCompletionRequest(messages=[{"role": "user", "content": "x"}], tools=[CART], tool_choice="none")
    )
    assert req.plan.prompt_tools == [CART] and req.plan.callable_tools == []
    assert "<tools>" in req.prompt and req.max_calls == 1


def test_the_cache_keeps_one_snapshot_per_system_prompt() -> None:
    owner, customer_a, customer_b = (1, 1, 9), (2, 2, 5), (2, 2, 7)  # families by the first 2 tokens
    assert eviction_victim([owner, customer_a, customer_b], family_tokens=2) == customer_a
    assert eviction_victim([customer_a, owner], family_tokens=2) == customer_a  # plain LRU otherwise
