"""``python -m agent.local_llm --model-dir var/models --port 8765``: join/verify the model, then serve it.

A separate process on purpose: the model holds ~1.2 GB and a core while generating, and the web app
must stay responsive (and restartable) independently of it.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from agent.local_llm.model import ModelUnavailableError, ensure_model
from agent.local_llm.server import DEFAULT_MODEL_NAME, EngineSettings, serve


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, make sure the GGUF is in place, and serve until interrupted."""
    p = argparse.ArgumentParser(prog="python -m agent.local_llm", description=__doc__)
    p.add_argument("--model-dir", type=Path, default=Path("var/models"), help="where the joined GGUF is cached")
    p.add_argument("--model", type=Path, help="use this GGUF instead of the packaged one (no checksum)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--ctx", type=int, default=4096, help="context window in tokens")
    p.add_argument("--threads", type=int, default=1, help="generation threads (1 is fastest on a busy 2-core box)")
    p.add_argument(
        "--threads-batch", type=int, default=2, help="prompt-reading threads (2 halves a cold prompt on an idle box)"
    )
    p.add_argument("--call-threshold", type=float, default=0.05, help="first-token call intent needed to call a tool")
    p.add_argument("--state-cache-mb", type=int, default=256, help="RAM for KV snapshots of other conversations")
    p.add_argument("--model-name", default=DEFAULT_MODEL_NAME, help="id reported by /v1/models")
    p.add_argument("--prepare-only", action="store_true", help="join and verify the GGUF, print its path, exit")
    args = p.parse_args(argv)

    try:
        path = args.model or ensure_model(args.model_dir, log=lambda m: print(m, file=sys.stderr))
    except ModelUnavailableError as exc:
        print(f"local LLM unavailable: {exc}", file=sys.stderr)
        return 2
    if args.prepare_only:
        print(path)
        return 0
    settings = EngineSettings(
        model_path=path,
        n_ctx=args.ctx,
        n_threads=args.threads,
        n_threads_batch=args.threads_batch,
        call_threshold=args.call_threshold,
        state_cache_mb=args.state_cache_mb,
        model_name=args.model_name,
    )
    # One line per generation (prompt tokens, how many came from the cache, speed): what an operator
    # needs to see why a turn was slow.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s", stream=sys.stderr)
    print(f"local LLM: serving {path.name} on http://{args.host}:{args.port}/v1", file=sys.stderr)
    serve(settings, host=args.host, port=args.port)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
