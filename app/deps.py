"""Typed dependencies for the routes."""

from typing import Annotated

from fastapi import Depends, Request

from shop.services import ShopServices

# Both are `async` although they never wait: FastAPI runs a plain `def` dependency in its thread
# pool, two thread hand-offs on every request for an attribute read (py-spy under bench/load.py's
# 20 clients: 30% of the server's samples on the "Recommended for you" fragment).


async def get_services(request: Request) -> ShopServices:
    return request.app.state.services


async def get_session_id(request: Request) -> str:
    """The visitor's session id, assigned by the session middleware (never taken from a form or the model)."""
    return request.state.session_id


Services = Annotated[ShopServices, Depends(get_services)]
SessionId = Annotated[str, Depends(get_session_id)]
