"""create_console(settings): the Starlette app of the analysts' console. Nothing runs at import,
and building the app connects nowhere (redis-py connects on the first command)."""
from __future__ import annotations

from urllib.parse import quote, urlencode

import jinja2
import redis
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import HTMLResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..human import format_time, yuan
from ..serving import connect
from ..serving_read import ServingReader
from . import pages
from .params import BadParam
from .security import Guard
from .settings import ConsoleSettings

NAV = (("/", "Overview"), ("/violations", "Violations"), ("/shops", "Shops"), ("/carriers", "Carriers"))


def link(path: str, **params) -> str:
    """A console URL with its query string; empty values are left out."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return path + (f"?{query}" if query else "")


def case_link(order_id: str) -> str:
    return "/case/" + quote(order_id, safe="")


class Console:
    def __init__(self, settings: ConsoleSettings, client: redis.Redis):
        self.settings, self.reader = settings, ServingReader(client, settings.prefix)
        self.env = jinja2.Environment(loader=jinja2.PackageLoader("stream.console", "templates"),
                                      autoescape=True, undefined=jinja2.StrictUndefined)
        self.env.filters.update(yuan=yuan, time=format_time, percent=lambda r: f"{100 * r:.1f} %")
        self.env.globals.update(link=link, case_link=case_link, nav=NAV)

    def render(self, request, name: str, context: dict, status_code: int = 200) -> HTMLResponse:
        html = self.env.get_template(name).render(path=request.url.path, **context)
        return HTMLResponse(html, status_code)


def create_console(settings: ConsoleSettings, client: redis.Redis | None = None) -> Starlette:
    console = Console(settings, client if client is not None else connect(settings.redis_url))

    def problem(status: int, text: str):
        async def handler(request, exc):
            message = f"{text}{' '.join(str(exc).split())}"
            return console.render(request, "error.html", {"status": status, "message": message}, status)
        return handler

    routes = [Route("/", pages.overview), Route("/violations", pages.violations),
              Route("/violations.csv", pages.violations_csv), Route("/shops", pages.board("shop")),
              Route("/carriers", pages.board("carrier")), Route("/case/{order_id:path}", pages.case),
              Mount("/static", StaticFiles(packages=[("stream.console", "static")]), name="static")]
    app = Starlette(routes=routes, middleware=[Middleware(Guard, token=settings.token)],
                    exception_handlers={BadParam: problem(400, ""),
                                        redis.RedisError: problem(503, "the serving view cannot be read: ")})
    app.state.console = console
    return app
