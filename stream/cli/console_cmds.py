"""`shipguard console`: the analysts' read-only web console over the serving view."""
from __future__ import annotations

import os
from typing import Annotated, List, Optional

import typer

from .common import RUNTIME, err, fail, settings_from_env
from .options import Policy, RedisUrl


def console(
    host: Annotated[str, typer.Option("--host", help="address to serve on; not loopback: SHIPGUARD_CONSOLE_TOKEN "
                                                      "is required")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="port to serve on")] = 8080,
    redis_url: RedisUrl = None,
    metrics_url: Annotated[Optional[List[str]], typer.Option(
        "--metrics-url", help="a worker's /metrics URL, for watermarks, input lag and dead letters (repeatable)")
    ] = None,
    policy: Policy = None,
) -> None:
    """Serve the analysts' console (read-only web pages over the serving view) until Ctrl-C."""
    from detectors.policy import PolicyError

    from ..console.serve import PortTaken, check_bindable, serve
    from ..console.settings import TOKEN_ENV, ConsoleSettings, token_problem
    from ..policies import load_policy

    settings = settings_from_env(redis_url=redis_url, policy=policy)
    token = os.environ.get(TOKEN_ENV) or None            # environment only: `ps` shows flags
    if problem := token_problem(host, token):
        fail(problem)
    if not settings.redis_url:
        fail("no serving view to read: SHIPGUARD_REDIS_URL is empty (--redis-url)")
    try:
        chosen = load_policy(settings.policy)
    except PolicyError as exc:
        fail(str(exc))
    try:
        check_bindable(host, port)
    except PortTaken as exc:
        fail(str(exc), RUNTIME)
    shown = f"[{host}]" if ":" in host else host
    err.print(f"console: http://{shown}:{port}/ (read-only; Ctrl-C to stop)")
    serve(ConsoleSettings(settings.redis_url, metrics_urls=tuple(metrics_url or ()), token=token,
                          escalations=bool(chosen.escalations)),
          host, port)
