"""Who may call the API: loopback by default; a bearer token (``$MINUTES_API_TOKEN``) required to listen on
anything else and enforced whenever it is set."""

from __future__ import annotations

import hmac
import ipaddress
import os
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.api.errors import ApiError
from core.errors import InputError
from core.settings import Settings


def is_loopback(host: str) -> bool:
    """Whether ``host`` only accepts connections from this machine (127.0.0.0/8, ::1, localhost)."""
    h = host.strip().strip("[]").lower()
    if h == "localhost":
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False


def check_bind(host: str, token: str | None, token_env: str = "MINUTES_API_TOKEN") -> None:
    """Refuse to listen beyond this machine without a token (InputError with what to do)."""
    if not is_loopback(host) and not token:
        raise InputError(f"refusing to listen on {host} without an API token: anyone on the network could use it",
                         hint=f"set {token_env} to a long random secret (clients send 'Authorization: Bearer ...'), "
                              "or listen on 127.0.0.1")


def api_token(settings: Settings) -> str | None:
    """The bearer token from the environment (never logged), or None when unset or empty."""
    return os.environ.get(settings.api.token_env) or None


bearer = HTTPBearer(auto_error=False, description="Required when the server was started with a token")


def require_token(request: Request,
                  credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)] = None) -> None:
    """The dependency of every protected route: the app's token (``app.state.token``), when set, must match."""
    token: str | None = request.app.state.token
    if token is None:
        return
    given = (credentials.credentials if credentials else "").encode()
    if not hmac.compare_digest(given, token.encode()):
        env = request.app.state.settings.api.token_env
        raise ApiError(401, "missing or wrong bearer token", f"send 'Authorization: Bearer <the value of {env}>'",
                       headers={"WWW-Authenticate": "Bearer"})
