"""The JSON API (documented at /docs): catalog, orders, recommendations, chat, and the health check."""
