"""A small OpenAI-compatible chat server for the embedded model (llama.cpp through llama-cpp-python).

Why our own server instead of ``llama_cpp.server``: its ``chatml-function-calling`` format drops
tool results, it answers 500 on assistant messages with null content (which every OpenAI client
sends after a tool call), and its tool calling cannot use the model's own Qwen2.5 format. The app
talks to this server through langchain-openai's ``ChatOpenAI`` exactly as it talks to a hosted
model, so nothing above this module knows the model is local.

How a turn is generated when tools are offered (``tool_choice`` auto):

1. The prompt is evaluated once and the model's first-token distribution is read. The probability
   mass on tokens that start a call (``<``, ``{``, a code fence) is the model's "call intent".
   Small models spread that intent over several spellings (``<tool_call>``, ``<tools>``, bare
   JSON), so the summed mass is a steadier signal than the single most likely token.
2. Intent >= ``call_threshold``: generation restarts from the cached prompt (no re-evaluation)
   under a GBNF grammar that only accepts ``<tool_call>{"name": <offered tool>, "arguments":
   {...}}</tool_call>``, greedily, so the call is always well-formed and names a real tool.
3. Otherwise the call-start tokens are masked for the first token and the reply is sampled
   without a grammar: plain text runs at full speed (a grammar over the 150k vocabulary costs on
   every token).

llama.cpp keeps one KV cache; a prompt that shares a prefix with the previous one only evaluates
the new suffix. To survive interleaved conversations (two customers, or customer and owner
prompts), a small LRU of KV snapshots is restored when it covers more of the new prompt than the
live cache does: re-reading a ~700-token system prompt costs 30+ s on one core, restoring ~0.1 s.

llama_cpp is imported lazily so that this module (and the app) import without the compiled
runtime; one worker thread owns the model because a ``Llama`` object is not thread safe.
"""

from __future__ import annotations

import asyncio
import codecs
import ctypes
import json
import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, ValidationError

from agent.local_llm.chat_format import (
    STOP_STRINGS,
    TOOL_CALL_OPEN,
    ChatFormatError,
    ToolPlan,
    arguments_grammar,
    call_head,
    parse_reply,
    plan_tools,
    render_prompt,
    tool_call_grammar,
    tool_name,
    untyped_arguments_grammar,
)

DEFAULT_MODEL_NAME = "qwen2.5-coder-1.5b-instruct"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EngineSettings:
    """Runtime knobs; the defaults are what measured best on the 2-core machines.

    One thread: with a second thread llama.cpp's per-layer barriers stall whenever the app, the
    database or the embedder takes a core, and generation collapsed to ~1 tok/s under load.
    """

    model_path: Path
    n_ctx: int = 4096
    n_threads: int = 1
    n_threads_batch: int = 2
    n_batch: int = 256
    default_max_tokens: int = 512
    default_temperature: float = 0.3
    call_threshold: float = 0.05
    state_cache_mb: int = 256
    model_name: str = DEFAULT_MODEL_NAME


@dataclass(frozen=True)
class GenerationRequest:
    """One chat turn, already rendered to a prompt."""

    prompt: str
    plan: ToolPlan
    max_tokens: int | None = None
    temperature: float | None = None
    top_p: float | None = None
    stop: tuple[str, ...] = ()
    seed: int | None = None
    max_calls: int = 1


@dataclass(frozen=True)
class TextDelta:
    """A piece of reply text, streamed as soon as it is certain not to be part of a stop string or a call."""

    text: str


@dataclass(frozen=True)
class Finished:
    """The end of a turn: the whole reply split into content and tool calls, with token counts."""

    content: str | None
    tool_calls: list[dict[str, Any]]
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    timings: dict[str, float] = field(default_factory=dict)


class ContextOverflowError(ValueError):
    """The prompt does not fit the context window; the agent must trim history (HTTP 400)."""


class _FirstTokenMask:
    """Logits processor that forbids call-start tokens for the first sampled token only.

    Used when the decision went to plain text, so the reply cannot drift into a malformed call.
    """

    def __init__(self, mask: Any) -> None:
        self.mask = mask
        self.used = False

    def __call__(self, _input_ids: Any, scores: Any) -> Any:
        if self.used:
            return scores
        self.used = True
        scores = scores.copy()
        scores[self.mask] = -float("inf")
        return scores


PROMPT_FAMILY_TOKENS = 256
"""Snapshots whose first tokens agree share a system prompt (the customer's, the owner's)."""


def eviction_victim(keys: list[tuple[int, ...]], family_tokens: int = PROMPT_FAMILY_TOKENS) -> tuple[int, ...]:
    """The snapshot to drop, least recently used first, but never the last one of its system prompt.

    Plain LRU let a morning of customer chats evict the owner's prompt, and the owner's next question
    waited 30 s for the model to read it again. `keys` is in LRU order (oldest first)."""
    families: dict[tuple[int, ...], int] = {}
    for key in keys:
        families[key[:family_tokens]] = families.get(key[:family_tokens], 0) + 1
    return next((key for key in keys if families[key[:family_tokens]] > 1), keys[0])


class LlamaEngine:
    """Owns the ``llama_cpp.Llama`` model; every method must run on the single worker thread."""

    def __init__(self, settings: EngineSettings) -> None:
        import llama_cpp  # lazy: the compiled runtime is only needed when the local model is used
        import numpy as np

        self._llama_cpp = llama_cpp
        self._np = np
        self.settings = settings
        self.llm = llama_cpp.Llama(
            model_path=str(settings.model_path),
            n_ctx=settings.n_ctx,
            n_threads=settings.n_threads,
            n_threads_batch=settings.n_threads_batch,
            n_batch=settings.n_batch,
            verbose=False,
        )
        llm = self.llm
        self.n_vocab = llm.n_vocab()
        self._eog = {llm.token_eos()}
        # Turn ends are single special tokens, caught by id: no text look-ahead needed for them, so
        # short replies still stream token by token.
        for special in STOP_STRINGS:
            ids = llm.tokenize(special.encode(), add_bos=False, special=True)
            if len(ids) == 1:
                self._eog.add(ids[0])
        self._call_start = self._call_start_mask()
        self._grammars: dict[str, Any] = {}
        self._states: OrderedDict[tuple[int, ...], bytes] = OrderedDict()
        self._states_bytes = 0

    # -- tokens ------------------------------------------------------------------------------

    def _call_start_mask(self) -> Any:
        """Boolean mask over the vocabulary: tokens whose text opens a tool call.

        Built once at start (~1 s over 150k tokens): ``<`` covers ``<tool_call>`` and the
        ``<tools>`` slip the Coder model makes; ``{`` and a fence cover bare JSON calls.
        """
        np = self._np
        mask = np.zeros(self.n_vocab, dtype=bool)
        for token in range(self.n_vocab):
            piece = self.llm.detokenize([token], special=True).decode("utf-8", errors="ignore").lstrip()
            if piece.startswith(("<", "{", "```")) and token not in self._eog:
                mask[token] = True
        return mask

    def tokenize(self, prompt: str) -> list[int]:
        """Tokenize a rendered prompt; special tokens (<|im_start|> ...) are parsed as such."""
        return self.llm.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)

    def grammar_is_valid(self, text: str) -> bool:
        """Parse a GBNF grammar with llama.cpp itself.

        llama-cpp-python only parses a grammar when the sampler is built, and a grammar llama.cpp
        rejects becomes a NULL sampler in the chain (a crash), so every grammar is checked first.
        """
        lc = self._llama_cpp
        sampler = lc.llama_sampler_init_grammar(lc.llama_model_get_vocab(self.llm.model), text.encode(), b"root")
        if not sampler:
            return False
        lc.llama_sampler_free(sampler)
        return True

    def _arguments_grammar(self, tool: dict[str, Any]) -> Any:
        """The (cached) grammar of one forced tool's arguments; the untyped call grammar if it is invalid."""
        key = "args:" + json.dumps(tool, sort_keys=True)
        grammar = self._grammars.get(key)
        if grammar is None:
            text = arguments_grammar(tool)
            if not self.grammar_is_valid(text):
                text = untyped_arguments_grammar()
            grammar = self._llama_cpp.LlamaGrammar.from_string(text, verbose=False)
            if len(self._grammars) > 32:
                self._grammars.clear()
            self._grammars[key] = grammar
        return grammar

    def _grammar(self, tools: list[dict[str, Any]], max_calls: int) -> Any:
        """The (cached) call grammar; falls back to untyped arguments if a schema yields a bad grammar."""
        key = json.dumps([tools, max_calls], sort_keys=True)
        grammar = self._grammars.get(key)
        if grammar is None:
            text = tool_call_grammar(tools, max_calls=max_calls)
            if not self.grammar_is_valid(text):
                text = tool_call_grammar(tools, max_calls=max_calls, typed_arguments=False)
            grammar = self._llama_cpp.LlamaGrammar.from_string(text, verbose=False)
            if len(self._grammars) > 32:
                self._grammars.clear()
            self._grammars[key] = grammar
        return grammar

    # -- KV snapshots ------------------------------------------------------------------------

    @staticmethod
    def _common_prefix(a: Any, b: list[int]) -> int:
        n = 0
        for x, y in zip(a, b, strict=False):
            if x != y:
                break
            n += 1
        return n

    def _restore_best_state(self, tokens: list[int]) -> None:
        """Load the snapshot sharing the longest prefix with ``tokens`` if it beats the live cache by 16+ tokens."""
        if not self._states:
            return
        live = self._common_prefix(self.llm.input_ids[: self.llm.n_tokens].tolist(), tokens)
        best_key, best = None, live
        for key in self._states:
            # A partial match is fine: generate() drops the snapshot's cells past the shared prefix.
            n = self._common_prefix(key, tokens)
            if n > best:
                best_key, best = key, n
        if best_key is None or best - live < 16:
            return
        data = self._states[best_key]
        self._states.move_to_end(best_key)
        lc = self._llama_cpp
        buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        if lc.llama_state_set_data(self.llm.ctx, buf, len(data)) != len(data):
            self.llm.reset()
            return
        self.llm.input_ids[: len(best_key)] = best_key
        self.llm.n_tokens = len(best_key)
        # The restored logits are not those of the new prompt: make generate() re-decode one token.
        self.llm._requires_eval = True

    def _remember_state(self) -> None:
        """Snapshot the live KV cache (only the used cells: ~28 KB per token for this model)."""
        budget = self.settings.state_cache_mb * 1024 * 1024
        n = self.llm.n_tokens
        if budget <= 0 or n < 64:
            return
        key = tuple(int(t) for t in self.llm.input_ids[:n])
        lc = self._llama_cpp
        size = lc.llama_state_get_size(self.llm.ctx)
        buf = (ctypes.c_uint8 * size)()
        written = lc.llama_state_get_data(self.llm.ctx, buf, size)
        data = ctypes.string_at(buf, written)
        # A snapshot that extends an older one replaces it: the longer one serves both prompts.
        for old in [k for k in self._states if len(k) <= n and key[: len(k)] == k]:
            self._states_bytes -= len(self._states.pop(old))
        self._states[key] = data
        self._states_bytes += len(data)
        while self._states_bytes > budget and len(self._states) > 1:
            self._states_bytes -= len(self._states.pop(eviction_victim(list(self._states))))

    # -- generation --------------------------------------------------------------------------

    def _call_intent(self, tokens: list[int]) -> float:
        """Evaluate the prompt and return the first-token probability mass on call-start tokens."""
        np = self._np
        gen = self.llm.generate(tokens, temp=0.0, top_k=1)
        next(gen)
        gen.close()
        logits = np.ctypeslib.as_array(self._llama_cpp.llama_get_logits_ith(self.llm.ctx, -1), shape=(self.n_vocab,))
        logits = logits.astype(np.float64)
        probs = np.exp(logits - logits.max())
        return float(probs[self._call_start].sum() / probs.sum())

    def run(self, req: GenerationRequest, cancel: threading.Event) -> Iterator[TextDelta | Finished]:
        """Generate one assistant turn, yielding text deltas and finally a ``Finished``."""
        llm = self.llm
        started = time.perf_counter()
        plan = req.plan
        head = ""
        if plan.required and len(plan.callable_tools) == 1:
            head = call_head(plan.callable_tools[0])  # read with the prompt, not written token by token
        tokens = self.tokenize(req.prompt + head)
        n_ctx = self.settings.n_ctx
        if len(tokens) >= n_ctx - 8:
            raise ContextOverflowError(f"prompt is {len(tokens)} tokens; the context window is {n_ctx}")
        max_new = min(req.max_tokens or self.settings.default_max_tokens, n_ctx - len(tokens))
        temperature = self.settings.default_temperature if req.temperature is None else req.temperature
        if req.seed is not None:
            llm.set_seed(req.seed)
        self._restore_best_state(tokens)
        cached = self._common_prefix(llm.input_ids[: llm.n_tokens].tolist(), tokens)

        mode, intent = "text", None
        if plan.callable_tools:
            if plan.required:
                mode = "call"
            else:
                intent = self._call_intent(tokens)
                mode = "call" if intent >= self.settings.call_threshold else "text"
        decided = time.perf_counter()

        if mode == "call":
            # Greedy: the choice to call is made; argument values only get worse with sampling.
            grammar = (
                self._arguments_grammar(plan.callable_tools[0])
                if head
                else self._grammar(plan.callable_tools, req.max_calls)
            )
            gen = llm.generate(tokens, temp=0.0, top_k=1, grammar=grammar)
        else:
            processors = None
            if plan.prompt_tools:
                processors = self._llama_cpp.LogitsProcessorList([_FirstTokenMask(self._call_start)])
            gen = llm.generate(
                tokens,
                temp=temperature,
                top_p=1.0 if req.top_p is None else req.top_p,
                top_k=40,
                min_p=0.05,
                repeat_penalty=1.0,
                logits_processor=processors,
            )

        stops = tuple(s for s in (*STOP_STRINGS, *req.stop) if s)
        # Hold back only as much text as a client stop string could span.
        hold = max((len(s) for s in req.stop if s), default=1) - 1
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        text, emitted, n_out = "", 0, 0
        finish = "length"
        streaming = mode == "text"
        first_token_at = None
        try:
            for token in gen:
                if first_token_at is None:
                    first_token_at = time.perf_counter()
                if cancel.is_set():
                    finish = "cancelled"
                    break
                if token in self._eog:
                    finish = "stop"
                    break
                n_out += 1
                text += decoder.decode(llm.detokenize([token], special=True))
                cut = min((i for i in (text.find(s) for s in stops) if i >= 0), default=-1)
                if cut >= 0:
                    text, finish = text[:cut], "stop"
                    break
                if streaming and plan.prompt_tools and TOOL_CALL_OPEN in text:
                    streaming = False  # the model started a call mid-text: buffer it for the parser
                if streaming:
                    safe = len(text) - hold
                    if plan.prompt_tools:
                        lt = text.rfind("<", emitted)
                        if lt >= 0 and TOOL_CALL_OPEN.startswith(text[lt : lt + len(TOOL_CALL_OPEN)]):
                            safe = min(safe, lt)
                    if safe > emitted:
                        yield TextDelta(text[emitted:safe])
                        emitted = safe
                if n_out >= max_new:
                    break
        finally:
            gen.close()
        text = head + text + decoder.decode(b"", final=True)

        names = [tool_name(t) for t in plan.callable_tools] if plan.callable_tools else None
        parsed = parse_reply(text, names)
        if mode == "text" and not parsed.tool_calls:
            # Flush what was held back (stop-string look-ahead, a suspected call that did not parse),
            # up to where the parser cut the content; strip like the parser does.
            target = text
            if names is not None and TOOL_CALL_OPEN in text:
                target = text[: text.index(TOOL_CALL_OPEN)]
            rest = target[emitted:].rstrip() if target.strip() else ""
            if rest:
                yield TextDelta(rest)
        if parsed.tool_calls:
            finish = "tool_calls"
        elif mode == "call" and max_new > 1:  # (a warm-up reads the prompt and writes one token)
            logger.warning("a forced call did not parse (%s after %d tokens): %r", finish, n_out, text[-400:])
        self._remember_state()
        done = time.perf_counter()
        yield Finished(
            content=parsed.content,
            tool_calls=parsed.tool_calls,
            finish_reason="stop" if finish == "cancelled" else finish,
            prompt_tokens=len(tokens),
            completion_tokens=n_out,
            timings={
                "decide_s": round(decided - started, 3),
                "first_token_s": round((first_token_at or done) - started, 3),
                "total_s": round(done - started, 3),
                "call_intent": -1.0 if intent is None else round(intent, 4),
            },
        )
        logger.info(
            "prompt %d tokens (%d cached), %d generated (%s); first token %.2f s, total %.2f s",
            len(tokens),
            cached,
            n_out,
            mode,
            (first_token_at or done) - started,
            done - started,
        )


# ------------------------------------------------------------------------------------------------
# HTTP layer
# ------------------------------------------------------------------------------------------------


class ChatCompletionRequest(BaseModel):
    """The subset of OpenAI's chat request that we honour; unknown fields are ignored, as OpenAI-compatible servers do."""

    model_config = ConfigDict(extra="ignore")

    model: str | None = None
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] | None = None
    tool_choice: Any = None
    parallel_tool_calls: bool | None = None
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    max_completion_tokens: int | None = None
    stop: str | list[str] | None = None
    stream: bool = False
    stream_options: dict[str, Any] | None = None
    seed: int | None = None
    n: int | None = None


def build_generation_request(body: ChatCompletionRequest) -> GenerationRequest:
    """Validate and render an OpenAI request; raises ChatFormatError for anything we cannot honour."""
    if body.n not in (None, 1):
        raise ChatFormatError("n > 1 is not supported")
    plan = plan_tools(body.tools, body.tool_choice)
    stop = (body.stop,) if isinstance(body.stop, str) else tuple(body.stop or ())
    return GenerationRequest(
        prompt=render_prompt(body.messages, plan.prompt_tools or None),
        plan=plan,
        max_tokens=body.max_completion_tokens or body.max_tokens,
        temperature=body.temperature,
        top_p=body.top_p,
        stop=stop,
        seed=body.seed,
        max_calls=4 if body.parallel_tool_calls else 1,
    )


def _error(status: int, message: str, kind: str = "invalid_request_error") -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": kind, "param": None, "code": None}}, status_code=status)


_END = object()


class EngineRunner:
    """Runs engine turns on one worker thread and hands their events to the event loop.

    A queue per request plus a cancel flag: when a streaming client disconnects, the flag stops
    generation at the next token instead of holding the model until max_tokens.
    """

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="local-llm")

    async def events(self, req: GenerationRequest) -> AsyncIterator[TextDelta | Finished]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()
        cancel = threading.Event()

        def put(item: Any) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the loop is gone (shutdown): nobody is listening
                cancel.set()

        def work() -> None:
            try:
                if cancel.is_set():
                    return
                for event in self.engine.run(req, cancel):
                    put(event)
            except Exception as exc:
                put(exc)
            finally:
                put(_END)

        loop.run_in_executor(self.executor, work)
        try:
            while (item := await queue.get()) is not _END:
                if isinstance(item, Exception):
                    raise item
                yield item
        finally:
            cancel.set()


def create_app(engine: Any, model_name: str = DEFAULT_MODEL_NAME) -> FastAPI:
    """The FastAPI app: /health, /v1/models and /v1/chat/completions (JSON and SSE).

    ``engine`` is anything with ``run(GenerationRequest, threading.Event)``; tests can pass a fake.
    """
    app = FastAPI(title="AI Shop local LLM", docs_url=None, redoc_url=None)
    runner = EngineRunner(engine)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok", "model": model_name}

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        return {"object": "list", "data": [{"id": model_name, "object": "model", "created": 0, "owned_by": "local"}]}

    @app.post("/v1/chat/completions", response_model=None)
    async def chat_completions(request: Request) -> JSONResponse | StreamingResponse:
        try:
            body = ChatCompletionRequest.model_validate(await request.json())
            gen_req = build_generation_request(body)
        except (ValidationError, ChatFormatError, json.JSONDecodeError) as exc:
            return _error(400, str(exc))
        completion_id = "chatcmpl-" + uuid.uuid4().hex[:24]
        created = int(time.time())
        if body.stream:
            include_usage = bool((body.stream_options or {}).get("include_usage"))
            return StreamingResponse(
                _sse(runner, gen_req, completion_id, created, model_name, include_usage),
                media_type="text/event-stream",
                headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
            )
        content_parts: list[str] = []
        finished: Finished | None = None
        try:
            async for event in runner.events(gen_req):
                if isinstance(event, Finished):
                    finished = event
                else:
                    content_parts.append(event.text)
        except ContextOverflowError as exc:
            return _error(400, str(exc), "context_length_exceeded")
        except ChatFormatError as exc:
            return _error(400, str(exc))
        except Exception as exc:  # an engine failure must reach the client in OpenAI's error shape
            logger.exception("local LLM generation failed")
            return _error(500, f"local model failed: {exc}", "server_error")
        if finished is None:
            return _error(500, "generation ended without a result", "server_error")
        message: dict[str, Any] = {"role": "assistant", "content": finished.content}
        if finished.tool_calls:
            message["tool_calls"] = finished.tool_calls
        return JSONResponse(
            {
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": model_name,
                "choices": [
                    {"index": 0, "message": message, "finish_reason": finished.finish_reason, "logprobs": None}
                ],
                "usage": _usage(finished),
                "timings": finished.timings,
            }
        )

    return app


def _usage(f: Finished) -> dict[str, int]:
    return {
        "prompt_tokens": f.prompt_tokens,
        "completion_tokens": f.completion_tokens,
        "total_tokens": f.prompt_tokens + f.completion_tokens,
    }


async def _sse(
    runner: EngineRunner, req: GenerationRequest, cid: str, created: int, model: str, include_usage: bool
) -> AsyncIterator[str]:
    """OpenAI's chunk stream: role, content deltas or one tool_calls delta, finish_reason, [usage], [DONE]."""

    def chunk(delta: dict[str, Any], finish: str | None = None) -> str:
        payload = {
            "id": cid,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
        }
        return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    try:
        async for event in runner.events(req):
            if isinstance(event, TextDelta):
                yield chunk({"content": event.text})
                continue
            if event.tool_calls:
                calls = [{"index": i, **call} for i, call in enumerate(event.tool_calls)]
                yield chunk({"tool_calls": calls})
            yield chunk({}, event.finish_reason)
            if include_usage:
                usage = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model}
                usage |= {"choices": [], "usage": _usage(event)}
                yield f"data: {json.dumps(usage)}\n\n"
    except ContextOverflowError as exc:
        yield f"data: {json.dumps({'error': {'message': str(exc), 'type': 'context_length_exceeded'}})}\n\n"
    except Exception as exc:  # headers are sent already: report in-band, as OpenAI does
        logger.exception("local LLM generation failed")
        yield f"data: {json.dumps({'error': {'message': f'local model failed: {exc}', 'type': 'server_error'}})}\n\n"
    yield "data: [DONE]\n\n"


def serve(settings: EngineSettings, host: str = "127.0.0.1", port: int = 8765) -> None:
    """Load the model and serve until interrupted (blocking)."""
    import uvicorn

    engine = LlamaEngine(settings)
    uvicorn.run(create_app(engine, settings.model_name), host=host, port=port, log_level="warning")
