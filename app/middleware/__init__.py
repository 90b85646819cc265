"""ASGI middleware of the shop app, one module each."""
