"""Qwen2.5 chat template with tools, tool-call parsing and the GBNF grammar for tool calls.

Pure Python on purpose: no llama_cpp import here, so the prompt format and the parsing can be unit
tested without the model and without the compiled runtime.

Why we render the template ourselves instead of using llama_cpp's chat handlers: its
``chatml-function-calling`` format drops tool results, and its server answers 500 on assistant
messages whose content is null (what every OpenAI client sends with tool calls). The format below
is the one Qwen2.5 (and Qwen2.5-Coder) was trained on: tool schemas inside ``<tools></tools>`` in
the system turn, calls as ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>`` in the
assistant turn, and results as ``<tool_response>`` blocks inside a user turn.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

DEFAULT_SYSTEM = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant."
IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
TOOL_CALL_OPEN = "<tool_call>"
TOOL_CALL_CLOSE = "</tool_call>"
# Strings that end an assistant turn; the GGUF's EOS is <|im_end|>, <|endoftext|> is a safety net.
STOP_STRINGS = (IM_END, "<|endoftext|>", IM_START)

_TOOLS_HEADER = (
    "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
    "You are provided with function signatures within <tools></tools> XML tags:\n<tools>"
)
_TOOLS_FOOTER = (
    "\n</tools>\n\nFor each function call, return a json object with function name and arguments within "
    '<tool_call></tool_call> XML tags:\n<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n'
    "</tool_call>"
)


class ChatFormatError(ValueError):
    """A request the template cannot render (answered as HTTP 400, never as a 500)."""


def content_text(content: Any) -> str:
    """Flatten OpenAI message content to text.

    Clients send ``None`` for assistant messages that only carry tool calls and lists of parts
    (``[{"type": "text", "text": ...}]``) for multi-part messages; both must render, not crash.
    """
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts: list[str] = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict) and part.get("type") in ("text", "input_text", "output_text"):
                parts.append(str(part.get("text", "")))
            elif isinstance(part, dict):
                raise ChatFormatError(f"unsupported content part type {part.get('type')!r} (text only)")
        return "".join(parts)
    raise ChatFormatError(f"unsupported message content of type {type(content).__name__}")


def dump_json(value: Any) -> str:
    """JSON with the separators the grammar forces, so a re-rendered call matches what was sampled.

    Matching text means matching tokens, which lets llama.cpp reuse the KV cache past an assistant
    tool call on the next turn instead of re-reading it.
    """
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _arguments_object(arguments: Any) -> Any:
    """OpenAI sends arguments as a JSON string; the model was trained on a JSON object."""
    if isinstance(arguments, str):
        try:
            return json.loads(arguments) if arguments.strip() else {}
        except json.JSONDecodeError:
            return arguments
    return arguments if arguments is not None else {}


def render_tool_call(name: str, arguments: Any) -> str:
    """One call exactly as the model writes it (and as the grammar forces it)."""
    return f'{TOOL_CALL_OPEN}\n{{"name": {dump_json(name)}, "arguments": {dump_json(_arguments_object(arguments))}}}\n{TOOL_CALL_CLOSE}'


def render_prompt(messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None) -> str:
    """Render an OpenAI ``messages`` list (+ ``tools``) to a Qwen2.5 prompt ending in an open assistant turn.

    Mirrors the Jinja template shipped in Qwen2.5's tokenizer_config, written in Python so that
    OpenAI-shaped messages (string arguments, null content, content parts) render the way the model
    was trained, and so it can be tested.
    """
    if not messages:
        raise ChatFormatError("messages must not be empty")
    out: list[str] = []
    first = messages[0]
    has_system = first.get("role") in ("system", "developer")
    system_text = content_text(first.get("content")) if has_system else DEFAULT_SYSTEM
    if tools:
        out.append(f"{IM_START}system\n{system_text}{_TOOLS_HEADER}")
        for tool in tools:
            out.append("\n" + json.dumps(tool, ensure_ascii=False))
        out.append(f"{_TOOLS_FOOTER}{IM_END}\n")
    else:
        out.append(f"{IM_START}system\n{system_text}{IM_END}\n")

    rest = messages[1:] if has_system else messages
    for i, message in enumerate(rest):
        role = message.get("role")
        if role in ("system", "developer"):
            # A later system message stays a system turn (the template does the same).
            out.append(f"{IM_START}system\n{content_text(message.get('content'))}{IM_END}\n")
        elif role == "user":
            out.append(f"{IM_START}user\n{content_text(message.get('content'))}{IM_END}\n")
        elif role == "assistant":
            text = content_text(message.get("content"))
            calls = message.get("tool_calls") or []
            if not calls:
                out.append(f"{IM_START}assistant\n{text}{IM_END}\n")
                continue
            out.append(f"{IM_START}assistant")
            if text:
                out.append("\n" + text)
            for call in calls:
                function = call.get("function", call)
                out.append("\n" + render_tool_call(str(function.get("name", "")), function.get("arguments")))
            out.append(f"{IM_END}\n")
        elif role in ("tool", "function"):
            # Consecutive tool results share one user turn, as in the original template.
            previous = rest[i - 1].get("role") if i > 0 else None
            following = rest[i + 1].get("role") if i + 1 < len(rest) else None
            if previous not in ("tool", "function"):
                out.append(f"{IM_START}user")
            out.append(f"\n<tool_response>\n{content_text(message.get('content'))}\n</tool_response>")
            if following not in ("tool", "function"):
                out.append(f"{IM_END}\n")
        else:
            raise ChatFormatError(f"unsupported message role {role!r}")
    out.append(f"{IM_START}assistant\n")
    return "".join(out)


# --------------------------------------------------------------------------------------------
# Tool selection (tool_choice) and parsing of the model's output
# --------------------------------------------------------------------------------------------


def tool_name(tool: dict[str, Any]) -> str:
    """Name of an OpenAI tool entry (``{"type": "function", "function": {"name": ...}}``)."""
    function = tool.get("function", tool)
    name = function.get("name")
    if not isinstance(name, str) or not name:
        raise ChatFormatError("every tool needs function.name")
    return name


@dataclass(frozen=True)
class ToolPlan:
    """What a request allows: which tools the prompt shows, which the grammar accepts, and whether a call is forced."""

    prompt_tools: list[dict[str, Any]] = field(default_factory=list)
    callable_tools: list[dict[str, Any]] = field(default_factory=list)
    required: bool = False


def plan_tools(tools: list[dict[str, Any]] | None, tool_choice: Any = None) -> ToolPlan:
    """Map OpenAI ``tool_choice`` onto the prompt and the grammar.

    ``none`` still shows the tools (the conversation may contain earlier calls) but forbids a call;
    ``required`` and a named function force a call, the latter to that one tool.
    """
    tools = [t for t in (tools or []) if t.get("type", "function") == "function"]
    if not tools:
        if tool_choice not in (None, "none", "auto"):
            raise ChatFormatError("tool_choice given without tools")
        return ToolPlan()
    for tool in tools:
        tool_name(tool)
    if tool_choice in (None, "auto"):
        return ToolPlan(tools, tools, required=False)
    if tool_choice == "none":
        return ToolPlan(tools, [], required=False)
    if tool_choice in ("required", "any"):
        return ToolPlan(tools, tools, required=True)
    if isinstance(tool_choice, dict):
        wanted = (tool_choice.get("function") or {}).get("name") or tool_choice.get("name")
        chosen = [t for t in tools if tool_name(t) == wanted]
        if not chosen:
            raise ChatFormatError(f"tool_choice names unknown tool {wanted!r}")
        return ToolPlan(tools, chosen, required=True)
    raise ChatFormatError(f"unsupported tool_choice {tool_choice!r}")


@dataclass(frozen=True)
class ParsedReply:
    """The model's turn split into OpenAI ``content`` and ``tool_calls``."""

    content: str | None
    tool_calls: list[dict[str, Any]]


def new_call_id() -> str:
    """OpenAI-style id; the model never sees it, but clients match tool results by it."""
    return "call_" + uuid.uuid4().hex[:24]


_CALL_RE = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)
_FENCE_RE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)


def _as_call(obj: Any, allowed: set[str] | None) -> dict[str, Any] | None:
    """Turn a decoded ``{"name", "arguments"}`` object into an OpenAI tool call, or None if it is not one."""
    if not isinstance(obj, dict) or not isinstance(obj.get("name"), str):
        return None
    if allowed is not None and obj["name"] not in allowed:
        return None
    arguments = obj.get("arguments", obj.get("parameters", {}))
    if isinstance(arguments, str):
        arguments = _arguments_object(arguments)
    if not isinstance(arguments, dict):
        return None
    return {
        "id": new_call_id(),
        "type": "function",
        "function": {"name": obj["name"], "arguments": dump_json(arguments)},
    }


def parse_reply(text: str, tool_names: list[str] | None = None) -> ParsedReply:
    """Split generated text into content and tool calls.

    The grammar makes well-formed ``<tool_call>`` blocks the normal case; the fallbacks (a bare or
    fenced ``{"name":..., "arguments":...}`` naming a known tool) exist because small models
    sometimes answer that way when a call was not grammar-forced, and a lost call is worse than a
    lenient parse. ``tool_names`` None means: no tools were offered, never parse calls.
    """
    if tool_names is None:
        return ParsedReply(text.strip() or None, [])
    allowed = set(tool_names)
    calls: list[dict[str, Any]] = []
    if TOOL_CALL_OPEN in text:
        for body in _CALL_RE.findall(text):
            try:
                call = _as_call(json.loads(body), allowed)
            except json.JSONDecodeError:
                call = None
            if call is not None:
                calls.append(call)
        content = text[: text.index(TOOL_CALL_OPEN)].strip()
        return ParsedReply(content or None, calls)
    stripped = text.strip()
    fenced = _FENCE_RE.match(stripped)
    candidate = fenced.group(1) if fenced else stripped
    if candidate.startswith("{") and candidate.endswith("}"):
        try:
            call = _as_call(json.loads(candidate), allowed)
        except json.JSONDecodeError:
            call = None
        if call is not None:
            return ParsedReply(None, [call])
    return ParsedReply(stripped or None, [])


# --------------------------------------------------------------------------------------------
# GBNF grammar for a tool call
# --------------------------------------------------------------------------------------------

_JSON_RULES = r"""
ws ::= [ ]?
string ::= "\"" ( [^"\\\x7F\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" [0-9a-fA-F]{4} ) ){0,400} "\""
integer ::= "-"? ( "0" | [1-9] [0-9]{0,15} )
number ::= integer ( "." [0-9]{1,15} )? ( [eE] [-+]? [0-9]{1,3} )?
boolean ::= "true" | "false"
null ::= "null"
value ::= object | array | string | number | boolean | null
object ::= "{" ws ( string ": " value ( ", " string ": " value )* )? ws "}"
array ::= "[" ws ( value ( ", " value )* )? ws "]"
""".strip()


def _gbnf_literal(text: str) -> str:
    """A GBNF string literal for ``text``."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"'


def _rule_id(text: str) -> str:
    """A GBNF-safe rule name (letters, digits, dashes)."""
    return re.sub(r"[^a-zA-Z0-9]+", "-", text).strip("-").lower() or "x"


class _GrammarBuilder:
    """Builds rules for argument values from the tools' JSON schemas.

    Deliberately small: types, enums/consts, arrays (with maxItems), anyOf/oneOf and nested objects. Property names
    and value types are constrained (what a 1.5B model gets wrong); required-ness and ordering are
    not, which keeps the grammar short and lets the tool's own validation report a missing field.
    """

    def __init__(self) -> None:
        self.rules: dict[str, str] = {}

    def add(self, name: str, body: str) -> str:
        base, n = name, 2
        while name in self.rules and self.rules[name] != body:
            name = f"{base}-{n}"
            n += 1
        self.rules[name] = body
        return name

    def value(self, schema: Any, name: str, depth: int = 0) -> str:
        if not isinstance(schema, dict) or depth > 6:
            return "value"
        if "const" in schema:
            return self.add(name, _gbnf_literal(json.dumps(schema["const"], ensure_ascii=False)))
        if "enum" in schema:
            options = " | ".join(_gbnf_literal(json.dumps(v, ensure_ascii=False)) for v in schema["enum"])
            return self.add(name, options or "null")
        for key in ("anyOf", "oneOf"):
            if key in schema:
                alts = [self.value(s, f"{name}-{i}", depth + 1) for i, s in enumerate(schema[key])]
                return self.add(name, " | ".join(alts))
        if "allOf" in schema and len(schema["allOf"]) == 1:
            return self.value(schema["allOf"][0], name, depth + 1)
        kind = schema.get("type")
        if isinstance(kind, list):
            alts = [self.value({**schema, "type": k}, f"{name}-{k}", depth + 1) for k in kind]
            return self.add(name, " | ".join(alts))
        if kind in ("string", "integer", "number", "boolean", "null"):
            return kind
        if kind == "array":
            item = self.value(schema.get("items"), f"{name}-item", depth + 1)
            limit = schema.get("maxItems")
            if isinstance(limit, int) and 0 < limit <= 16:
                # A bound the model cannot pass: unbounded, it repeated one enum value until max_tokens.
                rest = ""
                for _ in range(limit - 1):
                    rest = f'( ", " {item} {rest})?'
                return self.add(name, f'"[" ws ( {item} {rest})? ws "]"')
            return self.add(name, f'"[" ws ( {item} ( ", " {item} )* )? ws "]"')
        if kind == "object" or "properties" in schema:
            return self.object(schema, name, depth)
        return "value"

    def object(self, schema: dict[str, Any], name: str, depth: int = 0) -> str:
        properties = schema.get("properties") or {}
        if not properties:
            return "object"
        pairs = []
        for key, sub in properties.items():
            value_rule = self.value(sub, f"{name}-{_rule_id(key)}", depth + 1)
            pairs.append(self.add(f"{name}-{_rule_id(key)}-kv", f'{_gbnf_literal(json.dumps(key))} ": " {value_rule}'))
        kv = self.add(f"{name}-kv", " | ".join(pairs))
        return self.add(name, f'"{{" ws ( {kv} ( ", " {kv} )* )? ws "}}"')


def _arguments_rule(builder: _GrammarBuilder, tool: dict[str, Any]) -> str:
    """The rule for a tool's arguments: its properties, or exactly `{}` for a tool that takes none (an
    open object let the model copy the schema: `{"type": "object"}`)."""
    params = tool.get("function", tool).get("parameters") or {}
    if not params.get("properties"):
        return builder.add(f"args-{_rule_id(tool_name(tool))}", '"{}"')
    return builder.object(params, f"args-{_rule_id(tool_name(tool))}")


def tool_call_grammar(tools: list[dict[str, Any]], max_calls: int = 1, typed_arguments: bool = True) -> str:
    """GBNF that accepts only well-formed ``<tool_call>`` blocks for the given tools.

    Used once the model has chosen to call a tool (or when a call is forced): the name must be one
    of the offered tools and the arguments an object with that tool's property names and types.
    ``max_calls`` > 1 allows parallel calls; the default of one keeps a small model from looping.
    ``typed_arguments=False`` accepts any JSON object: the fallback if a schema trips the converter.
    """
    if not tools:
        raise ChatFormatError("a tool-call grammar needs at least one tool")
    builder = _GrammarBuilder()
    calls = []
    for tool in tools:
        name = tool_name(tool)
        args = _arguments_rule(builder, tool) if typed_arguments else "object"
        head = _gbnf_literal(f'{TOOL_CALL_OPEN}\n{{"name": {json.dumps(name)}, "arguments": ')
        tail = _gbnf_literal(f"}}\n{TOOL_CALL_CLOSE}")
        calls.append(builder.add(f"call-{_rule_id(name)}", f"{head} {args} {tail}"))
    call = builder.add("call", " | ".join(calls))
    extra = f' ( "\\n" {call} ){{0,{max_calls - 1}}}' if max_calls > 1 else ""
    lines = [f"root ::= {call}{extra}"]
    lines += [f"{rule} ::= {body}" for rule, body in builder.rules.items()]
    lines.append(_JSON_RULES)
    return "\n".join(lines) + "\n"


def call_head(tool: dict[str, Any]) -> str:
    """The fixed start of a call to `tool`, up to its arguments (what a forced call always begins with).

    It ends at the colon: the space belongs to the arguments (`arguments_grammar`). The tokenizer reads
    `": {"` as `":` + ` {"`; a head ending in the space made it `": ` + ` `, so the call the next prompt
    renders no longer matched the cached tokens from there, and every turn read its call again (~25-80
    tokens, 0.5-1.5 s on the 2-core machine): the wording after the call, and the next turn."""
    return f'{TOOL_CALL_OPEN}\n{{"name": {json.dumps(tool_name(tool))}, "arguments":'


def arguments_grammar(tool: dict[str, Any]) -> str:
    """GBNF for the rest of a forced call to one tool: its arguments object and the closing tag.

    When the call is forced and only one tool is callable, the head (``call_head``) is known: the
    server appends it to the prompt, where it is read in one batch, instead of having the model
    write its ~12 tokens one by one (~1.5 s on the 2-core machine)."""
    builder = _GrammarBuilder()
    args = _arguments_rule(builder, tool)
    tail = _gbnf_literal(f"}}\n{TOOL_CALL_CLOSE}")
    lines = [f'root ::= " " {args} {tail}']
    lines += [f"{rule} ::= {body}" for rule, body in builder.rules.items()]
    lines.append(_JSON_RULES)
    return "\n".join(lines) + "\n"


def untyped_arguments_grammar() -> str:
    """Any arguments object and the closing tag: the fallback if a schema trips the converter."""
    tail = _gbnf_literal("}\n" + TOOL_CALL_CLOSE)
    return f'root ::= " " object {tail}\n{_JSON_RULES}\n'
