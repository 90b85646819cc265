# Two commands do all the set-up on a fresh machine:
#   make run   - install what is missing, start the embedded database, seed the demo shop, serve on :8000
#   make test  - install what is missing and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The CPU build of torch lies in /opt/wheels on these machines; elsewhere uv finds it on PyTorch's index.
FIND_LINKS ?= /opt/wheels
# llama-cpp-python has no wheel and compiles at install (~10 min on 2 cores, once: uv caches the
# wheel). Generic AVX2 flags: the native build crashes on these machines (AMX).
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export OMP_WAIT_POLICY := PASSIVE
export ANONYMIZED_TELEMETRY := False
# These machines set PYTHONDONTWRITEBYTECODE=1, so Python never caches what it compiles: every process
# compiled its ~2,400 modules again (`import app.main` took 9.4 s, 3.6 s from bytecode), and the test
# suite starts dozens of processes (app workers, the CLI, the model and Chroma servers). The packages
# are compiled once at install (uv's --compile-bytecode) and the shop's own code before each run.
OWN_CODE := app agent shop tools vectorstore demo bench

# The suite runs in one process per core (at most 4; pytest-xdist). Each process has its own database
# server, databases and temporary folders; a test file stays in one process (--dist loadfile), so what
# a file shares (the demo catalog, Chromium, the local LLM server) starts once. On 2 cores: 557 s,
# against 900-1,040 s in one process. `make test PYTEST_PROCESSES=` runs it in one.
PYTEST_PROCESSES ?= -n auto --maxprocesses 4 --dist loadfile

.PHONY: run test lint format install browser lock seed bench clean

run: $(VENV)/.installed
	$(BIN)/python -m compileall -q $(OWN_CODE)
	$(BIN)/python -m app run

test: $(VENV)/.installed browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m compileall -q $(OWN_CODE)
	$(BIN)/python -m pytest $(PYTEST_PROCESSES)

install: $(VENV)/.installed

# Re-installs only when requirements.txt (the lock) changes.
$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==0.13.9"
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/uv pip sync --compile-bytecode --python $(BIN)/python $(if $(wildcard $(FIND_LINKS)),--find-links $(FIND_LINKS),--extra-index-url https://download.pytorch.org/whl/cpu --index-strategy unsafe-best-match) requirements.txt
	touch $@

# Browser tests drive Debian's Chromium headless; install it when it is missing (needs root or sudo).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests ..."; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

# Regenerate the lock after editing requirements.in.
lock:
	$(BIN)/uv pip compile requirements.in --python-version 3.11 --find-links $(FIND_LINKS) -o requirements.txt

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

seed: $(VENV)/.installed
	$(BIN)/python -m app seed --reset

bench: $(VENV)/.installed
	$(BIN)/python bench/load.py

clean:
	rm -rf $(VENV)
