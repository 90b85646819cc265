"""The web application: HTMX pages, JSON API, chat endpoint and the command-line interface."""
