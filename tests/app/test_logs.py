"""Log formats: LOG_FORMAT=json writes one object a line with the request id; text names it too."""

from __future__ import annotations

import json
import logging
import subprocess
import sys

from app.logs import ACCESS_LOG, JsonFormatter
from shop.core.settings import PROJECT_ROOT

SCRIPT = """
import logging
from app.logs import REQUEST_ID, configure_logging
configure_logging({fmt!r})
REQUEST_ID.set("req-7")
logging.getLogger("app.access").info("GET %s", "/", extra={{"route": "/", "status": 200, "duration_ms": 1.5}})
"""


def logged(fmt: str) -> str:
    """What a fresh process (no logging set up yet, as `python -m app run`) writes for one access line."""
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(fmt=fmt)], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stderr.strip()


def test_the_json_format_writes_one_object_a_line_with_the_request_fields() -> None:
    entry = json.loads(logged("json"))
    assert entry["message"] == "GET /" and entry["request_id"] == "req-7" and entry["logger"] == ACCESS_LOG
    assert entry["route"] == "/" and entry["status"] == 200 and entry["duration_ms"] == 1.5
    assert entry["level"] == "INFO" and entry["time"].endswith("+00:00")


def test_the_text_format_names_the_request_too() -> None:
    line = logged("text")
    assert line.endswith("INFO app.access [req-7]: GET /") and "\n" not in line


def test_a_traceback_stays_inside_its_json_object() -> None:
    try:
        raise ValueError("broken")
    except ValueError:
        record = logging.getLogger("shop").makeRecord("shop", logging.ERROR, "f", 1, "failed", (), sys.exc_info())
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "failed" and "ValueError: broken" in entry["exc_info"]
