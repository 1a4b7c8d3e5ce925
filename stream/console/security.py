"""Every request and response goes through Guard: GET and HEAD only, the token when one is set,
and headers that keep the pages inert (a strict Content-Security-Policy: no script at all)."""
from __future__ import annotations

import secrets
from urllib.parse import parse_qsl, urlencode

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; "
       "frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
           "X-Frame-Options": "DENY", "Cache-Control": "no-store", "Cross-Origin-Opener-Policy": "same-origin"}
METHODS = ("GET", "HEAD")
COOKIE = "shipguard_console_token"


class Guard:
    def __init__(self, app, token: str | None = None):
        self.app, self.token = app, token

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers[name] = value
            await send(message)

        request = Request(scope)
        if request.method not in METHODS:
            response = PlainTextResponse("read-only: GET only\n", 405, headers={"Allow": ", ".join(METHODS)})
        elif self.token is None or self._carries_token(request):
            return await self.app(scope, receive, with_headers)
        elif self._matches(request.query_params.get("token")):
            response = self._remember(request)
        else:
            response = PlainTextResponse("a token is required: open the console's URL with ?token=...\n", 401)
        await response(scope, receive, with_headers)

    def _matches(self, given: str | None) -> bool:
        return given is not None and secrets.compare_digest(given.encode(), self.token.encode())

    def _carries_token(self, request: Request) -> bool:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        bearer = value if scheme.lower() == "bearer" else None
        return self._matches(bearer) or self._matches(request.cookies.get(COOKIE))

    def _remember(self, request: Request):
        """A link carrying ?token= once: keep it in a cookie and drop it from the address bar."""
        rest = [(k, v) for k, v in parse_qsl(request.url.query, keep_blank_values=True) if k != "token"]
        path = "/" + request.url.path.lstrip("/")           # never //host: that would leave the console
        target = path + (f"?{urlencode(rest)}" if rest else "")
        response = RedirectResponse(target, 303)
        response.set_cookie(COOKIE, self.token, httponly=True, samesite="strict", path="/")
        return response
