"""Image checks by content, local storage, and Cloudinary through its real SDK against a local stub."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from shop.catalog.media import (
    MAX_IMAGE_BYTES,
    CloudinaryMedia,
    LocalMedia,
    check_image,
    media_store,
    placeholder_svg,
    sniff_image,
)
from shop.core.errors import InvalidInput
from shop.core.settings import Settings
from tests.support.http_stub import Recorded, http_stub
from tests.support.images import GIF, JPEG, PNG, WEBP


@pytest.mark.parametrize(
    ("data", "kind"), [(PNG, "image/png"), (JPEG, "image/jpeg"), (WEBP, "image/webp"), (GIF, "image/gif")]
)
def test_images_are_recognised_by_their_bytes(data: bytes, kind: str) -> None:
    assert sniff_image(data) == kind
    assert check_image(data) == kind


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "SVG"),
        (b"<svg onload=alert(1)>", "SVG"),
        (b"<html><script>alert(1)</script></html>", "not a PNG"),
        (b"%PDF-1.7 pretending to be a png", "not a PNG"),
        (PNG[:4], "not a PNG"),
        (PNG + b"\x00" * MAX_IMAGE_BYTES, "larger than 5 MB"),
    ],
)
def test_other_files_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        check_image(data)


def test_local_media_writes_a_fresh_file_per_upload(tmp_path: Path) -> None:
    store = LocalMedia(tmp_path)
    first = store.save_image(PNG, slug="kenya-aa")
    second = store.save_image(JPEG, slug="kenya-aa")
    assert re.fullmatch(r"/media/products/kenya-aa-[0-9a-f]{8}\.png", first)
    assert second.endswith(".jpg") and second != first
    assert (tmp_path / first.removeprefix("/media/")).read_bytes() == PNG
    assert not list((tmp_path / "products").glob(".*"))  # no temporary files left behind


def test_placeholder_svg_escapes_the_name() -> None:
    svg = placeholder_svg('<script>alert("x")</script> & Tea', ("#e3efe9", "#2e5e4e")).decode()
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_media_store_follows_the_setting(tmp_path: Path) -> None:
    local = Settings(_env_file=None, data_dir=tmp_path)  # type: ignore[call-arg]
    assert isinstance(media_store(local), LocalMedia)
    cloud = local.model_copy(update={"cloudinary_url": SecretStr("cloudinary://key:secret@demo")})
    assert isinstance(media_store(cloud), CloudinaryMedia)


def _upload_answer(request: Recorded) -> tuple[int, dict[str, Any]]:
    body = request.body
    public_id = re.search(rb'name="public_id"\r\n\r\n([^\r]+)', body).group(1).decode()  # type: ignore[union-attr]
    folder = re.search(rb'name="folder"\r\n\r\n([^\r]+)', body).group(1).decode()  # type: ignore[union-attr]
    return 200, {
        "public_id": f"{folder}/{public_id}",
        "secure_url": f"https://res.cloudinary.com/demo/image/upload/v1/{folder}/{public_id}.png",
        "format": "png",
    }


def test_cloudinary_upload_uses_the_sdk_against_the_stub() -> None:
    with http_stub({("POST", "/v1_1/demo/image/upload"): _upload_answer}) as stub:
        store = CloudinaryMedia(f"cloudinary://my_key:my_secret@demo?upload_prefix={stub.url}")
        url = store.save_image(PNG, slug="kenya-aa")
    assert re.fullmatch(
        r"https://res\.cloudinary\.com/demo/image/upload/v1/aishop/products/kenya-aa-[0-9a-f]{8}\.png", url
    )
    [request] = stub.requests
    assert request.headers["content-type"].startswith("multipart/form-data")
    body = request.body
    assert b'name="api_key"\r\n\r\nmy_key' in body
    assert re.search(rb'name="signature"\r\n\r\n[0-9a-f]{40}', body)  # signed by the SDK
    assert b"my_secret" not in body  # the secret signs, it is never sent
    assert PNG in body


def test_cloudinary_refusal_is_reported() -> None:
    with http_stub({("POST", "/v1_1/demo/image/upload"): (400, {"error": {"message": "Invalid image file"}})}) as stub:
        store = CloudinaryMedia(f"cloudinary://k:s@demo?upload_prefix={stub.url}")
        with pytest.raises(InvalidInput, match="Cloudinary refused the image: Invalid image file"):
            store.save_image(PNG, slug="x")


def test_cloudinary_is_never_sent_an_unchecked_file() -> None:
    with http_stub({}) as stub:
        store = CloudinaryMedia(f"cloudinary://k:s@demo?upload_prefix={stub.url}")
        with pytest.raises(InvalidInput, match="SVG"):
            store.save_image(b"<svg></svg>", slug="x")
    assert stub.requests == []


def test_bad_cloudinary_url_is_explained() -> None:
    with pytest.raises(ValueError, match="cloudinary://API_KEY:API_SECRET@CLOUD_NAME"):
        CloudinaryMedia("https://example.com")
