"""Who may talk to the explorer's server: its own page, under a name the server is bound to.

Solara accepts the page's websocket (``/jupyter/api/kernels/...``) from any
``Origin``, with or without a session cookie, so any web page a visitor opens
could drive the explorer (cross-site websocket hijacking), and a page on a
name that resolves to this machine could read it (DNS rebinding). Solara has
no setting for allowed origins, so :class:`OriginGuard` wraps its ASGI app:

- every request and websocket handshake must name, in ``Host``, a name the
  server is bound to (:func:`served_names`) and its port;
- a websocket handshake must come from the page's own origin:
  ``Origin: http://<that host>:<port>``. A handshake without ``Origin`` (no
  browser sends one) or from any other origin is closed before it is accepted,
  which the server answers with HTTP 403.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
"""The names a page served on a loopback address may be opened as."""
WILDCARD = frozenset({"0.0.0.0", "::"})
"""Hosts that bind every interface."""

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
    Awaitable[None],
]


def is_loopback(host: str) -> bool:
    """Whether ``host`` (as given to ``--host``) keeps the server on this machine."""
    name = host.strip().strip("[]").lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def served_names(host: str) -> frozenset[str] | None:
    """The host names the page may be opened as when bound to ``host`` (lower case, IPv6
    without brackets); None for a wildcard bind: loopback names, this machine's names
    and any IP address (see :func:`name_allowed`)."""
    name = host.strip().strip("[]").lower()
    if name in WILDCARD:
        return None
    if is_loopback(name):
        return LOOPBACK_NAMES | {name}
    return frozenset({name})


def _machine_names() -> frozenset[str]:
    return LOOPBACK_NAMES | {socket.gethostname().lower(), socket.getfqdn().lower()}


def name_allowed(name: str, names: frozenset[str] | None) -> bool:
    """Whether a request for host ``name`` is for this server (bound to ``names``)."""
    if names is not None:
        return name in names
    if name in _machine_names():
        return True
    try:  # an address: no other site can make a browser send it as its own origin
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _netloc(text: str) -> tuple[str, int] | None:
    """``(host, port)`` of a ``Host`` header value (port 80 if none), None if malformed."""
    try:
        parts = urlsplit("//" + text)
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname or parts.username is not None or parts.path or parts.query:
        return None
    return parts.hostname.lower(), port if port is not None else 80


def refusal(
    scope_type: str, host: str | None, origin: str | None, names: frozenset[str] | None, port: int
) -> str | None:
    """Why a request is refused (one line), None when it is for this server and, for a
    websocket, from the page's own origin."""
    found = _netloc(host) if host else None
    if found is None or found[1] != port or not name_allowed(found[0], names):
        return f"Host={host!r}: not a name this server serves on port {port}"
    if scope_type != "websocket":
        return None
    if origin is None:
        return "no Origin: only the explorer's own page may open its websocket"
    try:
        parts = urlsplit(origin)
        origin_port = parts.port
    except ValueError:
        parts, origin_port = None, None
    own = (
        parts is not None
        and parts.scheme == "http"
        and parts.hostname is not None
        and parts.username is None
        and parts.path == ""
        and (parts.hostname.lower(), origin_port or 80) == found
    )
    if not own:
        return f"Origin={origin[:80]!r}: only the explorer's own page (http://{host}) may connect"
    return None


class OriginGuard:
    """ASGI middleware: requests only for a name the server serves (``Host``), websocket
    handshakes only from the page's own origin; others get HTTP 403."""

    def __init__(self, app: ASGIApp, host: str, port: int) -> None:
        self.app = app
        self.names = served_names(host)
        self.port = port

    async def __call__(self, scope: Scope, receive, send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket"):  # lifespan
            await self.app(scope, receive, send)
            return
        headers: dict[str, str] = {}
        for key, value in scope.get("headers", []):
            headers.setdefault(key.decode("latin-1").lower(), value.decode("latin-1"))
        reason = refusal(kind, headers.get("host"), headers.get("origin"), self.names, self.port)
        if reason is None:
            await self.app(scope, receive, send)
        elif kind == "websocket":  # closed before accept: the server answers 403
            await send({"type": "websocket.close", "code": 1008, "reason": ""})
        else:
            body = f"forbidden: {reason}\n".encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 403,
                    "headers": [
                        (b"content-type", b"text/plain; charset=utf-8"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
