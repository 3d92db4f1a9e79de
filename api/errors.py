"""Every error the API answers is {"detail": "<one sentence>"}, whatever raised it."""

import functools
import logging
import sqlite3
from collections.abc import Iterator

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match, Mount
from starlette.types import Receive, Scope, Send

from tracker.db import describe_database_error
from tracker.errors import AppError, DatabaseUnavailable, DatabaseUpgrading
from tracker.models import describe_validation_error
from tracker.money import MAX_TOTAL_CENTS

log = logging.getLogger("expense_tracker")


STATUS_SENTENCES = {
    404: "Not found: no such resource at {path}.",
    405: "Method {method} is not allowed on {path}.",
    400: "The request body could not be read as JSON: it is not UTF-8 text or is nested too deeply.",
}
FRAMEWORK_DETAILS = ("Not Found", "Method Not Allowed", "There was an error parsing the body")


def error_response(status_code: int, detail: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status_code, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(422, describe_validation_error(list(exc.errors())))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        detail = exc.detail
        template = STATUS_SENTENCES.get(exc.status_code)
        if template and detail in FRAMEWORK_DETAILS:
            detail = template.format(path=request.url.path, method=request.method)
        return error_response(exc.status_code, str(detail), getattr(exc, "headers", None))

    @app.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> JSONResponse:
        return error_response(exc.status, str(exc))

    @app.exception_handler(DatabaseUnavailable)
    async def database_unavailable(request: Request, exc: DatabaseUnavailable) -> JSONResponse:
        if isinstance(exc, DatabaseUpgrading):
            return error_response(503, str(exc), headers={"Retry-After": str(exc.retry_after)})
        return error_response(503, str(exc))

    @app.exception_handler(sqlite3.Error)
    async def database_error(request: Request, exc: sqlite3.Error) -> JSONResponse:
        if str(exc) == "integer overflow":
            # SQLite's sum() past 64 bits (a batch of imported rows, say): the data, not the file.
            return error_response(409, f"A total would be larger than this app can add up "
                                  f"(at most {MAX_TOTAL_CENTS // 100:,}.{MAX_TOTAL_CENTS % 100:02d}); nothing was saved.")
        path = request.app.state.database.path
        log.warning("database error on %s %s: %s", request.method, request.url.path, exc)
        return error_response(503, describe_database_error(exc, path))

    @app.exception_handler(Exception)
    async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, "Internal error: something unexpected went wrong; see the log.")


def api_routes(routes: list[BaseRoute]) -> Iterator[BaseRoute]:
    """The app's routes with its included routers opened up: FastAPI (0.16x) keeps an included
    router as one route of the app. The routers here have no prefix, so a route's path is the app's."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from api_routes(included.routes)
        else:
            yield route


class WrongMethod(BaseRoute):
    """405 with the right Allow header for a method that a path of the API does not take.

    Starlette alone gets this wrong here in three ways: the web page's static mount at "/"
    matches every path, so `PATCH /expenses` got the mount's 405 (`Allow: GET, HEAD`) and
    `GET /backups/restore` its 404 (no such file); and `PUT /expenses/count` reached
    `PUT /expenses/{expense_id}` and was refused as a bad id. Placed first in the app's routes,
    this takes a request only when its path is an API resource and its method is not one of
    the resource's: the resource is that of the first route whose path matches (fixed paths
    are declared before those with parameters, as /expenses/count before /expenses/{expense_id}),
    and Allow lists the methods of every route with that path.
    """

    def __init__(self, routes: list[BaseRoute]):
        self.routes = routes  # the app's own list, read when the first request comes
        self.allowed_on = functools.lru_cache(maxsize=1024)(self._allowed_on)

    def _allowed_on(self, path: str) -> frozenset[str] | None:
        routes = [
            r for r in api_routes(self.routes)
            if r is not self and not isinstance(r, Mount) and getattr(r, "methods", None)
        ]
        for route in routes:
            if route.path_regex.match(path):
                return frozenset(m for r in routes if r.path == route.path for m in r.methods)
        return None

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http":
            allowed = self.allowed_on(scope["path"])
            if allowed is not None and scope["method"] not in allowed:
                return Match.FULL, {}
        return Match.NONE, {}

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        allowed = ", ".join(sorted(self.allowed_on(scope["path"])))
        raise HTTPException(
            405, f"Method {scope['method']} is not allowed on {scope['path']}; it takes {allowed}.",
            headers={"Allow": allowed},
        )
