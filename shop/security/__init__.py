"""Limits and access: request limits, client addresses behind proxies, IP blocks and signed visitor ids."""
