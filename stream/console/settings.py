"""What a console is built from: where the serving view is, which workers' metrics to read, and
the token a non-loopback console requires."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass

TOKEN_ENV = "SHIPGUARD_CONSOLE_TOKEN"
MIN_TOKEN = 16


@dataclass(frozen=True)
class ConsoleSettings:
    redis_url: str
    prefix: str = "shipguard"                  # the serving view's key prefix (the worker's)
    metrics_urls: tuple[str, ...] = ()         # workers' /metrics: watermarks, input lag, dead letters
    token: str | None = None                   # when set, every request must carry it
    escalations: bool = False                  # the policy has escalations: shops show them
    page_size: int = 50

    def __repr__(self) -> str:                 # never the token
        token = "***" if self.token else None
        return f"ConsoleSettings(prefix={self.prefix!r}, metrics_urls={self.metrics_urls!r}, token={token})"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:                         # a name: it may resolve anywhere
        return False


def token_problem(host: str, token: str | None) -> str | None:
    """Why the console may not start on `host` with `token`, or None."""
    if token is not None and len(token) < MIN_TOKEN:
        return f"{TOKEN_ENV} must be at least {MIN_TOKEN} characters"
    if not is_loopback(host) and not token:
        return f"--host {host} is not loopback: set {TOKEN_ENV}, which every request must then carry"
    return None
