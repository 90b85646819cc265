"""Typed dependencies for the routes."""

from typing import Annotated

from fastapi import Depends, Request

from shop.services import ShopServices


def get_services(request: Request) -> ShopServices:
    return request.app.state.services


def get_session_id(request: Request) -> str:
    """The visitor's session id, assigned by the session middleware (never taken from a form or the model)."""
    return request.state.session_id


Services = Annotated[ShopServices, Depends(get_services)]
SessionId = Annotated[str, Depends(get_session_id)]
