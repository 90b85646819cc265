"""ASGI middleware of the web app: each module one concern, added in app/main.py."""
