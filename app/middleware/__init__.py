"""Plain ASGI middleware of the app, one module each (installed in app/main.py)."""
