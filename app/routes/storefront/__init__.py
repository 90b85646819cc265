"""The storefront: pages for browsing and buying, discovery, the chat widget, sitemap and robots."""
