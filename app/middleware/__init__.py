"""Plain ASGI middleware of the app, one module each (registered in app/main.py)."""
