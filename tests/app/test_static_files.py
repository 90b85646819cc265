"""Static files under content-hash URLs kept a year; media revalidated by ETag."""

from __future__ import annotations

import os
import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.static_files import IMMUTABLE, FingerprintedStaticFiles, StaticAssets
from shop.core.settings import Settings


def test_pages_link_static_files_by_content_hash(client: TestClient) -> None:
    page = client.get("/").text
    links = dict(re.findall(r'"/static/([^"?]+)\?v=([0-9a-f]{12})"', page))
    assert {"css/shop.css", "htmx.min.js", "js/shop.js", "js/chat.js", "css/chat.css"} <= set(links)
    assert '/static/css/shop.css"' not in page  # no link without its hash

    url = f"/static/css/shop.css?v={links['css/shop.css']}"
    kept = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert kept.status_code == 200 and kept.headers["cache-control"] == IMMUTABLE
    assert kept.headers["content-encoding"] == "gzip" and kept.headers["content-type"] == "text/css; charset=utf-8"
    assert kept.headers["etag"] == f'"{links["css/shop.css"]}"' and ".product-card" in kept.text
    # Without the hash (or with an old one) the browser must ask again, and is told "not modified".
    for stale in ("/static/css/shop.css", "/static/css/shop.css?v=000000000000"):
        answer = client.get(stale, headers={"Accept-Encoding": "identity"})
        assert answer.headers["cache-control"] == "no-cache" and "content-encoding" not in answer.headers
        again = client.get(stale, headers={"If-None-Match": answer.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
    assert client.get("/static/css/nothing.css").status_code == 404
    assert client.get("/static/../app/main.py").status_code == 404


def test_a_changed_file_gets_a_new_hash_without_a_restart(tmp_path: Path) -> None:
    (tmp_path / "site.css").write_text("body { color: #222; }\n" * 100)
    assets = StaticAssets(tmp_path)
    app = FastAPI()
    app.mount("/static", FingerprintedStaticFiles(assets))
    with TestClient(app) as client:
        first = assets.url("site.css")
        assert client.get(first).headers["cache-control"] == IMMUTABLE
        (tmp_path / "site.css").write_text("body { color: #333; }\n" * 100)
        os.utime(tmp_path / "site.css", ns=(1, 1))  # another mtime even on a coarse clock
        second = assets.url("site.css")
        assert second != first and "#333" in client.get(second).text
        assert client.get(first).headers["cache-control"] == "no-cache"  # the old URL is not kept
        raw = client.get(second, headers={"Accept-Encoding": "gzip"})
        assert raw.headers["content-encoding"] == "gzip"
    assert assets.url("missing.css") == "/static/missing.css"
    assert assets.url("../etc/passwd") == "/static/../etc/passwd"  # not looked up outside the folder


def test_media_are_cached_and_revalidated_by_etag(client: TestClient, settings: Settings) -> None:
    folder = settings.resolved_media_dir / "products"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tea-1a2b3c4d.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>' * 40)
    first = client.get("/media/products/tea-1a2b3c4d.svg", headers={"Accept-Encoding": "identity"})
    assert first.status_code == 200 and first.headers["cache-control"] == "public, max-age=31536000"
    etag = first.headers["etag"]
    again = client.get("/media/products/tea-1a2b3c4d.svg", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["etag"] == etag and again.content == b""
    assert again.headers["cache-control"] == "public, max-age=31536000"
    # Compressed, the ETag is weak (other bytes, same file) and still revalidates.
    packed = client.get("/media/products/tea-1a2b3c4d.svg", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip" and packed.headers["etag"] == f"W/{etag}"
    weak = client.get("/media/products/tea-1a2b3c4d.svg", headers={"If-None-Match": packed.headers["etag"]})
    assert weak.status_code == 304
