"""Static files with content-hash URLs a browser keeps for a year, and media it revalidates.

Templates link static files through `static_url('css/shop.css')`, which adds the file's content hash
(`/static/css/shop.css?v=1a2b3c4d5e6f`). A request naming the current hash is answered with
`Cache-Control: public, max-age=31536000, immutable`: a returning visitor loads no CSS or JS at all,
and a deploy that changes a file changes its URL. Any other request (no or an old hash) gets
`no-cache` with an ETag, so it is revalidated (304) rather than kept stale.

The files are few and small (~160 KB, 6 files): each is read once, hashed and gzipped once (level 9)
and served from memory; a changed file (mtime or size) is read again on its next request, so editing
CSS while the shop runs needs no restart.

Media (/media: uploaded and generated product pictures) are files whose names get a fresh random
suffix per upload (shop.catalog.media._file_stem): a name always means the same picture, so they are
kept for a year too, but without `immutable`, so a reload revalidates them with their ETag (304).
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import mimetypes
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

from starlette.datastructures import Headers
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from app.middleware.compression import MIN_SIZE, accepts_gzip, is_compressible
from shop.core.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
MEDIA_CACHE = "public, max-age=31536000"
STATIC_LEVEL = 9
"""Six files compressed once per version: the smallest gzip is worth its CPU here."""


@dataclass(frozen=True, slots=True)
class Asset:
    """One static file as it is served: its bytes, gzip (None when not worth it) and content hash."""

    stamp: tuple[int, int]  # (mtime_ns, size) of the file read
    body: bytes
    gzipped: bytes | None
    digest: str  # the first 12 hex digits of its sha256: the `v` of its URL
    content_type: str

    @property
    def etag(self) -> str:
        return f'"{self.digest}"'


class StaticAssets:
    """The files under one folder, read and encoded once per version of each file."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory.resolve()
        self._assets: dict[str, Asset] = {}
        self._lock = threading.Lock()

    def load(self, full_path: str | os.PathLike[str], stamp: tuple[int, int]) -> Asset:
        """The asset of a file StaticFiles found (so inside the folder), read again when it changed."""
        key = os.fspath(full_path)
        asset = self._assets.get(key)
        if asset is not None and asset.stamp == stamp:
            return asset
        body = Path(key).read_bytes()
        content_type = mimetypes.guess_type(key)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type == "application/javascript":
            content_type += "; charset=utf-8"
        asset = Asset(
            stamp=stamp,
            body=body,
            gzipped=(
                gzip.compress(body, STATIC_LEVEL, mtime=0)
                if len(body) >= MIN_SIZE and is_compressible(content_type)
                else None
            ),
            digest=hashlib.sha256(body).hexdigest()[:12],
            content_type=content_type,
        )
        with self._lock:
            self._assets[key] = asset
        return asset

    def url(self, path: str) -> str:
        """`/static/<path>?v=<content hash>` for a file under the folder (templates: static_url)."""
        full_path = (self.directory / path).resolve()
        try:
            if not full_path.is_relative_to(self.directory):
                raise FileNotFoundError(path)
            stat = full_path.stat()
        except OSError:
            log.warning("static_url(%r): no such file under %s", path, self.directory)
            return f"/static/{path}"
        asset = self.load(full_path, (stat.st_mtime_ns, stat.st_size))
        return f"/static/{path}?v={asset.digest}"


STATIC_ASSETS = StaticAssets(PROJECT_ROOT / "static")
"""The project's static folder: the files ship with the code, so one set serves every app in the process."""


class FingerprintedStaticFiles(StaticFiles):
    """/static: each file from memory, gzipped when the client takes it, cached by its hashed URL."""

    def __init__(self, assets: StaticAssets = STATIC_ASSETS) -> None:
        super().__init__(directory=assets.directory)
        self.assets = assets

    def file_response(
        self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        asset = self.assets.load(full_path, (stat_result.st_mtime_ns, stat_result.st_size))
        request_headers = Headers(scope=scope)
        version = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("v", [""])[0]
        headers = {"cache-control": IMMUTABLE if version == asset.digest else REVALIDATE, "etag": asset.etag}
        if asset.gzipped is not None:
            headers["vary"] = "Accept-Encoding"
        if asset.etag in [
            tag.strip().removeprefix("W/") for tag in request_headers.get("if-none-match", "").split(",")
        ]:
            return Response(status_code=304, headers=headers)
        if asset.gzipped is not None and accepts_gzip(request_headers.get("accept-encoding", "")):
            headers["content-encoding"] = "gzip"
            return Response(asset.gzipped, status_code, headers, asset.content_type)
        return Response(asset.body, status_code, headers, asset.content_type)


class MediaFiles(StaticFiles):
    """/media: Starlette's files (ETag, Last-Modified, 304 on revalidation) with a cache lifetime."""

    def file_response(
        self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["cache-control"] = MEDIA_CACHE
        return response
