"""Runs the embedded local LLM server (`python -m agent.local_llm`) beside the shop.

Like the database it is a separate process: the model holds ~1.2 GB and a core while it generates,
and the web app must stay responsive without it. The shop does not wait for it: the first start joins
and checks the 1.1 GB model file, and until the server answers the chat says it is warming up.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

from app.embedded_mongo import port_in_use, stop_with_parent, terminate


class EmbeddedLLM:
    def __init__(self, model_dir: Path, port: int, log_path: Path) -> None:
        self.model_dir = model_dir
        self.port = port
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def available() -> bool:
        """llama-cpp-python is compiled at install time; a machine without it runs without chat."""
        return importlib.util.find_spec("llama_cpp") is not None

    def start(self) -> bool:
        if port_in_use(self.port):
            return False
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        command = [
            sys.executable, "-m", "agent.local_llm",
            "--model-dir", str(self.model_dir),
            "--port", str(self.port),
        ]  # fmt: skip
        self.process = subprocess.Popen(  # noqa: S603 - fixed command, no shell
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=dict(os.environ),
            preexec_fn=stop_with_parent,  # only calls prctl, safe between fork and exec
        )
        log.close()
        return True

    def stop(self, timeout: float = 10.0) -> None:
        process, self.process = self.process, None
        terminate(process, timeout)
