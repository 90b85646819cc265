"""`python -m bench.agent_eval`: the understanding bench's command line (see `runner`)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.agent_eval.runner import main

if __name__ == "__main__":
    raise SystemExit(main())
