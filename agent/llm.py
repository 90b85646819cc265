"""The chat model: langchain-openai's ChatOpenAI against any OpenAI-compatible endpoint.

One code path for the embedded local model and a hosted one: only the base URL, key and model name
differ (shop/core/settings.py decides them). No retries against the local server: it runs one generation
at a time, and a retry would queue behind the request that timed out.
"""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from pydantic import SecretStr

from shop.core.settings import Settings


def build_chat_model(settings: Settings) -> BaseChatModel:
    from langchain_openai import ChatOpenAI

    key = settings.openai_api_key or SecretStr("local-model")
    return ChatOpenAI(
        model=settings.llm_model,
        base_url=settings.llm_base_url,
        api_key=key,
        # Greedy and seeded: a shop assistant states facts, and the same question should get the
        # same answer (the smoke conversations in `make test` rely on it).
        temperature=0,
        seed=7,
        max_tokens=settings.chat_max_tokens,
        timeout=settings.chat_timeout_seconds,
        max_retries=0 if settings.llm_is_local else 2,
        streaming=True,
        # The first turn on a cold local model reads ~1,000 prompt tokens before the first content
        # chunk: the default 120 s gap limit between chunks is too short on a busy 2-core machine.
        stream_chunk_timeout=settings.chat_timeout_seconds,
    )


def message_text(content: Any) -> str:
    """The text of a message's content (a string, or a list of parts from some providers)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") if isinstance(part, dict) else str(part) for part in content)
    return ""


def is_connection_error(exc: BaseException) -> bool:
    """Whether the model could not be reached (then the chat says so instead of "something went wrong")."""
    import httpx
    import openai

    kinds: tuple[type[BaseException], ...] = (
        openai.APIConnectionError,
        openai.APITimeoutError,
        httpx.ConnectError,
        httpx.TimeoutException,
        ConnectionError,
    )
    if isinstance(exc, (*kinds, TimeoutError)) or "Timeout" in type(exc).__name__:
        return True
    return exc.__cause__ is not None and is_connection_error(exc.__cause__)
