"""The worker's read-only HTTP endpoint: GET /metrics, /healthz, /readyz; any other method is refused.

    /metrics   Prometheus text format
    /healthz   liveness: 200 while the event loop keeps ticking (Kubernetes restarts the pod on 503)
    /readyz    readiness: 200 once the worker has its assignment and has recovered its tables

It binds where it is told (127.0.0.1 by default), serves from daemon threads and
never writes a request log line (a scrape every few seconds is not news).
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from prometheus_client import CONTENT_TYPE_LATEST

TEXT = "text/plain; charset=utf-8"


class _Handler(BaseHTTPRequestHandler):
    render: Callable[[], bytes]
    health = None                      # stream.health.Health, or None: both probes answer 200
    timeout = 10                       # seconds a client may take to send its request
    server_version = "shipguard"
    sys_version = ""

    def do_GET(self) -> None:          # http.server's naming
        path = urlsplit(self.path).path
        if path == "/metrics":
            self._send(200, type(self).render(), CONTENT_TYPE_LATEST)
        elif path in ("/healthz", "/readyz"):
            health = type(self).health
            ok, why = (True, "ok") if health is None else (health.live() if path == "/healthz" else health.ready())
            self._send(200 if ok else 503, (why + "\n").encode(), TEXT)
        elif path == "/":
            self._send(200, b"shipguard worker: /metrics /healthz /readyz\n", TEXT)
        else:
            self._send(404, b"not found\n", TEXT)

    def _refuse(self) -> None:
        self._send(405, b"read-only: GET only\n", TEXT, {"Allow": "GET"})

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_TRACE = do_CONNECT = _refuse

    def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format, *args) -> None:  # http.server's signature
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True


def serve(render: Callable[[], bytes], port: int, host: str = "127.0.0.1", health=None):
    """Start serving in a daemon thread; returns (server, thread). server.shutdown() stops it."""
    handler = type("Handler", (_Handler,), {"render": staticmethod(render), "health": health})
    server = _Server((host, port), handler)
    thread = threading.Thread(target=server.serve_forever, name="shipguard-metrics-http", daemon=True)
    thread.start()
    return server, thread
