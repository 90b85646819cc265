"""Product images: checked by their bytes, stored in the local media folder or on Cloudinary.

An upload is trusted by neither its file name nor its declared content type: the first bytes must be
those of a PNG, JPEG, WebP or GIF, and it must fit in MAX_IMAGE_BYTES. SVG is refused because an SVG
is a document that can carry script, and these images are served from the shop's own origin.
With CLOUDINARY_URL set, images go to Cloudinary through its official SDK; otherwise they are files
under the media folder, served by the app at /media.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import textwrap
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from shop.core.errors import InvalidInput
from shop.core.settings import Settings

MAX_IMAGE_BYTES = 5 * 1024 * 1024

# (content type, file extension) by signature.
IMAGE_TYPES: dict[str, str] = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp", "image/gif": "gif"}


def sniff_image(data: bytes) -> str | None:
    """The image type the bytes really are (not what the browser claimed), or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    return None


def _looks_like_svg(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in head


def check_image(data: bytes) -> str:
    """The content type of an acceptable image; InvalidInput with a reason a person understands otherwise."""
    if not data:
        raise InvalidInput("The file is empty.", field="image")
    if len(data) > MAX_IMAGE_BYTES:
        raise InvalidInput(f"The image is larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB.", field="image")
    content_type = sniff_image(data)
    if content_type is None:
        if _looks_like_svg(data):
            raise InvalidInput(
                "SVG images are not accepted (they can contain scripts); use PNG, JPEG or WebP.", field="image"
            )
        raise InvalidInput("That file is not a PNG, JPEG, WebP or GIF image.", field="image")
    return content_type


class MediaStore(Protocol):
    name: str

    def save_image(self, data: bytes, *, slug: str) -> str:
        """Store checked image bytes and return the URL the storefront shows."""
        ...


def _file_stem(slug: str) -> str:
    # A fresh suffix per upload: the URL changes with the picture, so no browser or CDN shows the old one.
    return f"{slug[:80]}-{secrets.token_hex(4)}"


class LocalMedia:
    """Files under <media_dir>/products, served by the app at /media/products/."""

    name = "local"

    def __init__(self, media_dir: Path) -> None:
        self.media_dir = media_dir

    def save_image(self, data: bytes, *, slug: str) -> str:
        extension = IMAGE_TYPES[check_image(data)]
        folder = self.media_dir / "products"
        folder.mkdir(parents=True, exist_ok=True)
        filename = f"{_file_stem(slug)}.{extension}"
        temporary = folder / f".{filename}.part"
        temporary.write_bytes(data)
        temporary.replace(folder / filename)  # atomic: a half-written file is never served
        return f"/media/products/{filename}"

    def save_placeholder(self, *, slug: str, name: str, colours: tuple[str, str] | None) -> str:
        """A generated picture for a product created without one (our own SVG, so no script can be in it),
        in its category's `colours` (background, ink)."""
        folder = self.media_dir / "products"
        folder.mkdir(parents=True, exist_ok=True)
        filename = f"{_file_stem(slug)}.svg"
        (folder / filename).write_bytes(placeholder_svg(name, colours))
        return f"/media/products/{filename}"


@dataclass(frozen=True)
class CloudinaryAccount:
    cloud_name: str
    api_key: str
    api_secret: str
    options: dict[str, str]

    @classmethod
    def parse(cls, url: str) -> CloudinaryAccount:
        """cloudinary://KEY:SECRET@CLOUD[?upload_prefix=...] as the Cloudinary console shows it."""
        parts = urlsplit(url)
        if parts.scheme != "cloudinary" or not parts.hostname or not parts.username or not parts.password:
            raise ValueError("CLOUDINARY_URL must look like cloudinary://API_KEY:API_SECRET@CLOUD_NAME")
        options = {key: values[0] for key, values in parse_qs(parts.query).items()}
        return cls(parts.hostname, unquote(parts.username), unquote(parts.password), options)


class CloudinaryMedia:
    """Uploads through the cloudinary SDK's uploader.

    The account is passed on every call rather than through the SDK's process-wide `cloudinary.config`,
    so a test (or a second shop in the same process) cannot leak its credentials into another.
    """

    name = "cloudinary"
    folder = "aishop/products"

    def __init__(self, url: str, *, timeout: float = 60) -> None:
        self.account = CloudinaryAccount.parse(url)
        self.timeout = timeout

    def save_image(self, data: bytes, *, slug: str) -> str:
        import cloudinary.uploader
        from cloudinary.exceptions import Error as CloudinaryError

        check_image(data)
        options: dict[str, Any] = {
            **self.account.options,
            "cloud_name": self.account.cloud_name,
            "api_key": self.account.api_key,
            "api_secret": self.account.api_secret,
            "folder": self.folder,
            "public_id": _file_stem(slug),
            "resource_type": "image",
            "overwrite": False,
            "timeout": self.timeout,
        }
        try:
            result = cloudinary.uploader.upload(io.BytesIO(data), **options)
        except CloudinaryError as exc:
            raise InvalidInput(f"Cloudinary refused the image: {exc}", field="image") from exc
        except Exception as exc:  # network errors surface as urllib3/socket errors of many kinds
            raise InvalidInput(
                "Could not reach Cloudinary to store the image; please try again.", field="image"
            ) from exc
        url = result.get("secure_url") or result.get("url")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise InvalidInput("Cloudinary did not return an address for the image.", field="image")
        return url


def media_store(settings: Settings) -> MediaStore:
    """Cloudinary when CLOUDINARY_URL is set, the local media folder otherwise."""
    if settings.cloudinary_url is not None:
        return CloudinaryMedia(settings.cloudinary_url.get_secret_value())
    return LocalMedia(settings.resolved_media_dir)


PLACEHOLDER_COLOURS = ("#f5ede2", "#2a1f19")
"""Background and ink of a generated picture whose category has no colours of its own."""


def placeholder_svg(name: str, colours: tuple[str, str] | None) -> bytes:
    background, ink = colours or PLACEHOLDER_COLOURS
    lines = textwrap.wrap(name, 22)[:3] or [name[:22]]
    first_y = 210 - (len(lines) - 1) * 14
    tspans = "".join(f'<tspan x="200" y="{first_y + n * 28}">{escape(text)}</tspan>' for n, text in enumerate(lines))
    seed = int(hashlib.sha256(name.encode()).hexdigest(), 16)
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 400" width="400" height="400" role="img" '
        f'aria-label="{escape(name)}"><rect width="400" height="400" fill="{background}"/>'
        f'<circle cx="{300 + seed % 60}" cy="{70 + seed % 40}" r="90" fill="{ink}" opacity=".1"/>'
        f'<text font-family="Georgia, serif" font-size="24" font-weight="bold" fill="{ink}" '
        f'text-anchor="middle">{tspans}</text></svg>'
    )
    return svg.encode("utf-8")
