"""sitemap.xml and robots.txt, generated from the live catalog."""

from __future__ import annotations

from xml.sax.saxutils import escape

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse, Response

from app.deps import Services

router = APIRouter(tags=["seo"], include_in_schema=False)

STATIC_PAGES = ["/", "/products", "/about", "/contact"]


@router.get("/sitemap.xml")
def sitemap(services: Services) -> Response:
    base = services.settings.base_url.rstrip("/")
    entries = [f"<url><loc>{escape(base + path)}</loc></url>" for path in STATIC_PAGES]
    entries += [
        f"<url><loc>{escape(f'{base}/products?category={c.slug}')}</loc></url>" for c in services.catalog.categories()
    ]
    for product in services.catalog.listed():  # VARIANTS: main products; a variant's page is canonical to it
        lastmod = product.updated_at.date().isoformat()
        entries.append(f"<url><loc>{escape(base + product.url)}</loc><lastmod>{lastmod}</lastmod></url>")
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + "\n".join(entries) + "\n</urlset>\n"
    )
    return Response(body, media_type="application/xml")


@router.get("/robots.txt", response_class=PlainTextResponse)
def robots(services: Services) -> str:
    base = services.settings.base_url.rstrip("/")
    return (
        "User-agent: *\n"
        "Disallow: /admin\nDisallow: /cart\nDisallow: /checkout\nDisallow: /orders/\nDisallow: /api/\n"
        f"Sitemap: {base}/sitemap.xml\n"
    )
