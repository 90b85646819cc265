"""Policy pages rendered from the owner's Markdown files, linked in every page's footer."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pymongo.database import Database

from shop.core.settings import Settings
from shop.services import ShopServices

TOPICS = ["shipping", "returns", "payment", "privacy", "terms"]


@pytest.mark.parametrize("topic", TOPICS)
def test_each_policy_page_renders_the_owners_text(client: TestClient, settings: Settings, topic: str) -> None:
    text = (settings.resolved_policies_dir / f"{topic}.md").read_text(encoding="utf-8")
    title = text.splitlines()[0].removeprefix("# ")
    section = next(line.removeprefix("## ") for line in text.splitlines() if line.startswith("## "))
    page = client.get(f"/policies/{topic}")
    assert page.status_code == 200
    assert f"<h1>{title}</h1>" in page.text and f"<h2>{section}</h2>" in page.text


def test_the_footer_links_every_policy(client: TestClient) -> None:
    page = client.get("/about").text
    for topic in TOPICS:
        assert f'href="/policies/{topic}"' in page


def test_an_unknown_topic_or_a_path_is_404(client: TestClient) -> None:
    for path in ["/policies/contact", "/policies/..%2Fsettings", "/policies/secret", "/policies/SHIPPING"]:
        assert client.get(path).status_code == 404


def test_the_owners_html_is_shown_as_text_and_edits_show_at_once(
    db: Database, settings: Settings, tmp_path: Path
) -> None:
    from app.main import create_app

    folder = tmp_path / "policies"
    folder.mkdir()
    page = folder / "terms.md"
    page.write_text("# Terms\n\nHello <script>alert(1)</script> [x](javascript:alert(1))\n", encoding="utf-8")
    own = settings.model_copy(update={"policies_dir": folder})
    services = ShopServices.build(db, own, background_mail=False)
    with TestClient(create_app(own, services)) as client:
        html = client.get("/policies/terms").text
        assert "Hello &lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<script>alert(1)" not in html and 'href="javascript:' not in html
        page.write_text("# Terms\n\nRevised text.\n", encoding="utf-8")
        os.utime(page, (page.stat().st_atime, page.stat().st_mtime + 5))
        assert "Revised text." in client.get("/policies/terms").text
        assert client.get("/policies/privacy").status_code == 404  # not written yet
    services.close()
