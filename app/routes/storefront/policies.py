"""Policy pages: /policies/{shipping,returns,payment,privacy,terms}, rendered from the owner's Markdown
files (Settings.policies_dir, default docs/policies), the very texts the assistant answers from.

Why Markdown rendered with raw HTML off: the owner writes plain text with headings and lists, and a
pasted <script> shows as text instead of running. Rendered pages are cached per file modification
time, so an edit shows on the next request and an unchanged page costs a dictionary lookup.
"""

from __future__ import annotations

import threading
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from markdown_it import MarkdownIt
from markupsafe import Markup

from app.deps import Services
from app.templating import render
from shop.core.errors import NotFound
from shop.shipping.policy_check import POLICY_TOPICS

router = APIRouter(tags=["storefront"], include_in_schema=False)

TITLES = {
    "shipping": "Shipping",
    "returns": "Returns and refunds",
    "payment": "Payment",
    "privacy": "Privacy",
    "terms": "Terms of sale",
}
_markdown = MarkdownIt("js-default")  # CommonMark + tables, raw HTML off, dangerous link schemes refused
_cache: dict[Path, tuple[float, str, Markup]] = {}
_lock = threading.Lock()


def render_policy(path: Path) -> tuple[str, Markup]:
    """The file's first `# ` heading (its title) and its body as HTML; cached per modification time."""
    stamp = path.stat().st_mtime
    with _lock:
        cached = _cache.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1], cached[2]
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    title = ""
    if lines and lines[0].startswith("# "):
        title, text = lines[0][2:].strip(), "\n".join(lines[1:])
    html = Markup(_markdown.render(text))  # noqa: S704 - markdown-it escapes the text; raw HTML is off
    with _lock:
        _cache[path] = (stamp, title, html)
    return title, html


@router.get("/policies/{topic}", response_class=HTMLResponse)
def policy_page(topic: str, request: Request, services: Services) -> HTMLResponse:
    if topic not in POLICY_TOPICS:
        raise NotFound("There is no such policy page.")
    path = services.settings.resolved_policies_dir / f"{topic}.md"
    if not path.is_file():
        raise NotFound("The shop has not written this policy yet.")
    title, body = render_policy(path)
    return render(request, "pages/policy.html", {"title": title or TITLES[topic], "body": body, "topic": topic})
