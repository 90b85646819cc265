"""Logging: the request id in every record, and a text or JSON format (LOG_FORMAT).

The id of the request being served lives in a context variable (set by app/middleware/metrics.py);
contexts follow the request into the thread pool (Starlette's run_in_threadpool and asyncio.to_thread
copy them), so a record made by shop/ code while serving it carries the id too. A record made
outside any request carries "-".

The id is put on records by a record factory rather than a handler filter: a filter on our handler
would miss records handled elsewhere (pytest's caplog, uvicorn's own handlers), and a filter on a
logger misses records propagated from its children. It costs one ContextVar.get per record.
"""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, Literal

REQUEST_ID: ContextVar[str] = ContextVar("request_id", default="-")
ACCESS_LOG = "app.access"

# An incoming X-Request-ID is kept only when it is short and made of safe characters (it goes into
# logs and a response header); anything else is replaced by one of ours.
SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")

# Fields of a record that are not the caller's `extra=` (everything else is, and goes into the JSON).
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "request_id"}

_installed = False


def install_request_id() -> None:
    """Give every log record a `request_id` attribute from now on (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = REQUEST_ID.get()
        return record

    logging.setLogRecordFactory(factory)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id, the record's `extra`
    fields (the access line's method, route, status, duration_ms) and a traceback when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"


def configure_logging(log_format: Literal["text", "json"] = "text", level: int = logging.INFO) -> None:
    """The process's logging: one stderr handler on the root logger in the chosen format; uvicorn's
    loggers propagate to it (their own handlers dropped) so every line has the same shape.

    Like logging.basicConfig, it leaves a root logger that already has handlers alone (a host that
    configured logging itself, pytest): only the request id is added to its records."""
    install_request_id()
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
