"""Placeholder product images: a small, self-contained SVG per product, drawn from its spec.

The colours (three palettes per category) and the category labels printed on the images are in
demo/data/images.json; the drawings (bag, tin, jar, bar, bottle) are markup and stay here.
"""

from __future__ import annotations

import hashlib
import textwrap
from dataclasses import dataclass
from xml.sax.saxutils import escape

from demo.recipes.spec import ProductSpec
from demo.vocabulary import Records, Table, load


@dataclass(frozen=True)
class Palette:
    background_top: str
    background_bottom: str
    package: str
    ink: str
    accent: str


@dataclass(frozen=True)
class ImageWords:
    """demo/data/images.json: by category, the label printed on its images and its palettes."""

    category_labels: Table
    palettes: dict[str, Records[Palette]]


WORDS = load("images").into(ImageWords)


def render_svg(spec: ProductSpec) -> bytes:
    """A small, self-contained SVG: category palette, a package drawing and the wrapped product name."""
    palettes = WORDS.palettes[spec.category]
    palette = palettes[int(hashlib.sha256(spec.slug.encode()).hexdigest(), 16) % len(palettes)]
    ink, accent = palette.ink, palette.accent
    drawing = _package(spec, palette.package, ink, accent)
    lines = _balanced_lines(spec.name, 22)
    if len(lines) > 3:
        lines = [*lines[:2], textwrap.shorten(" ".join(lines[2:]), 22, placeholder="…")]
    size = 24 if len(lines) < 3 else 21
    first_y = 330 - (len(lines) - 1) * (size + 4) // 2
    tspans = "".join(
        f'<tspan x="200" y="{first_y + n * (size + 4)}">{escape(line)}</tspan>' for n, line in enumerate(lines)
    )
    title = escape(spec.name)
    category = escape(WORDS.category_labels[spec.category].upper())
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 400" width="400" height="400" role="img" '
        f'aria-labelledby="t"><title id="t">{title}</title>'
        '<defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1">'
        f'<stop offset="0" stop-color="{palette.background_top}"/>'
        f'<stop offset="1" stop-color="{palette.background_bottom}"/></linearGradient></defs>'
        '<rect width="400" height="400" fill="url(#g)"/>'
        f'<circle cx="334" cy="66" r="92" fill="{accent}" opacity=".18"/>'
        f'<circle cx="52" cy="250" r="60" fill="{accent}" opacity=".12"/>'
        f'<text x="24" y="38" font-family="Helvetica, Arial, sans-serif" font-size="13" letter-spacing="2" '
        f'fill="{ink}" opacity=".7">{category}</text>'
        f'<ellipse cx="200" cy="278" rx="96" ry="9" fill="{ink}" opacity=".15"/>'
        f"{drawing}"
        f'<text font-family="Georgia, serif" font-size="{size}" font-weight="bold" fill="{ink}" '
        f'text-anchor="middle">{tspans}</text></svg>'
    )
    return svg.encode("utf-8")


def _balanced_lines(text: str, width: int) -> list[str]:
    """Wrap into as few lines as `width` allows, but with even lengths: no lonely last word."""
    lines = textwrap.wrap(text, width) or [text]
    for narrower in range(width - 1, 0, -1):
        attempt = textwrap.wrap(text, narrower)
        if len(attempt) > len(lines):
            break
        lines = attempt
    return lines


def _package(spec: ProductSpec, main: str, ink: str, accent: str) -> str:
    label = escape(spec.label.upper())
    text = (
        f'<text x="200" y="{{y}}" font-family="Helvetica, Arial, sans-serif" font-size="12" '
        f'letter-spacing="1" fill="{ink}" text-anchor="middle">{label}</text>'
    )
    if spec.category == "coffee":
        return (
            f'<path d="M138 86h124l10 182q0 8-8 8H136q-8 0-8-8z" fill="{main}"/>'
            f'<rect x="132" y="66" width="136" height="24" rx="4" fill="{ink}"/>'
            '<rect x="150" y="134" width="100" height="96" rx="8" fill="#fff" opacity=".92"/>'
            f'<ellipse cx="200" cy="170" rx="15" ry="22" fill="{accent}" transform="rotate(25 200 170)"/>'
            f'<path d="M193 152q12 18 14 36" stroke="{ink}" stroke-width="3" fill="none"/>' + text.format(y=216)
        )
    if spec.category == "tea":
        return (
            f'<rect x="132" y="96" width="136" height="176" rx="10" fill="{main}"/>'
            f'<rect x="126" y="76" width="148" height="30" rx="6" fill="{ink}"/>'
            '<rect x="132" y="138" width="136" height="86" fill="#fff" opacity=".9"/>'
            f'<path d="M200 148c-24 8-32 32-18 54 24-8 32-32 18-54z" fill="{accent}"/>'
            f'<path d="M184 200q8-22 16-48" stroke="{ink}" stroke-width="2" fill="none"/>' + text.format(y=218)
        )
    if spec.category == "beauty":
        return (
            f'<rect x="136" y="62" width="128" height="14" rx="3" fill="{ink}"/>'
            f'<path d="M140 76h120l-20 168h-80z" fill="{main}"/>'
            f'<rect x="166" y="244" width="68" height="32" rx="6" fill="{ink}"/>'
            '<rect x="160" y="112" width="80" height="92" rx="10" fill="#fff" opacity=".9"/>'
            f'<path d="M200 126c-12 16-18 26-18 34a18 18 0 0 0 36 0c0-8-6-18-18-34z" fill="{accent}"/>'
            + text.format(y=196)
        )
    if spec.kind in ("chocolate", "biscuits"):
        squares = "".join(
            f'<rect x="{150 + col * 34}" y="{106 + row * 40}" width="28" height="34" rx="3" '
            f'fill="{ink}" opacity=".25"/>'
            for row in range(2)
            for col in range(3)
        )
        return (
            f'<rect x="136" y="92" width="128" height="184" rx="8" fill="{main}"/>{squares}'
            '<rect x="136" y="196" width="128" height="50" fill="#fff" opacity=".9"/>' + text.format(y=226)
        )
    if spec.kind == "syrups":
        return (
            f'<rect x="186" y="58" width="28" height="30" rx="4" fill="{ink}"/>'
            f'<path d="M186 88h28v24q32 14 32 46v110q0 8-8 8h-76q-8 0-8-8V158q0-32 32-46z" fill="{main}"/>'
            '<rect x="160" y="170" width="80" height="70" rx="6" fill="#fff" opacity=".9"/>'
            f'<circle cx="200" cy="192" r="10" fill="{accent}"/>' + text.format(y=226)
        )
    return (
        f'<rect x="140" y="80" width="120" height="28" rx="6" fill="{ink}"/>'
        f'<rect x="128" y="106" width="144" height="170" rx="28" fill="{main}"/>'
        '<rect x="140" y="150" width="120" height="80" rx="8" fill="#fff" opacity=".9"/>'
        f'<circle cx="200" cy="176" r="13" fill="{accent}"/>' + text.format(y=214)
    )
