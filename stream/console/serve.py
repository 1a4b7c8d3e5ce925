"""Serve the console with uvicorn until SIGINT or SIGTERM (uvicorn handles both and stops cleanly)."""
from __future__ import annotations

import socket

import uvicorn

from .app import create_console
from .settings import ConsoleSettings


class PortTaken(OSError):
    """The address to serve on cannot be bound; the message names it."""


def check_bindable(host: str, port: int) -> None:
    """Fail before anything starts, in one line, when the address is taken or not ours."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)     # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise PortTaken(f"cannot serve on {host}:{port}: {exc.strerror or exc}") from None


def serve(settings: ConsoleSettings, host: str, port: int) -> None:
    config = uvicorn.Config(create_console(settings), host=host, port=port, log_level="warning",
                            access_log=False, server_header=False, proxy_headers=False, lifespan="off")
    uvicorn.Server(config).run()
