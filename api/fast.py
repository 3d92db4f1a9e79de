"""The requests scripts, polling spreadsheets and the window send most, answered without
FastAPI's per-request machinery: a page of `GET /expenses`, `POST /expenses` and a month's
`GET /summary`.

FastAPI's routing, parameter solving and dependency handling cost more per request than the
query itself (see bench/README.md). This route comes first in the app's routes and takes only
requests it can answer exactly as the FastAPI routes in api/routes/expenses.py do, with the same
functions, models and bytes; anything else — a parameter it does not know, a repeated one, a
value the API would refuse, a body that is not plainly valid JSON, any error —
goes to the FastAPI route, which answers it (its error in the API's words). The FastAPI routes
stay the documented ones (OpenAPI), and the middleware (Host check, origin check, CORS, body
limit, upgrade) runs before this route as before any other.
"""

import asyncio
import contextvars
import functools
import json
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qsl

from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import Message, Receive, Scope, Send

from api.deps import connection, model_json
from api.errors import api_routes
from api.routes.expenses import EXPENSE, EXPENSE_LIST, ExpensePage
from api.routes.summary import SUMMARY, SummaryQuery
from tracker.expenses import add_expense, expense_json, fetch_expense, list_expenses, list_expenses_json
from tracker.models import ExpenseCreate
from tracker.summary import month_summary

PATH = "/expenses"
# Parameters that may be given more than once (the rest: FastAPI takes the last; handed over).
REPEATABLE = ("tag",)


@functools.cache
def reader_threads() -> ThreadPoolExecutor:
    """A page of the list is read on a few threads of its own, about one per core. On FastAPI's
    pool of 40, 8 clients' pages each had a thread, and the threads handed Python's GIL to one
    another at every SQLite call: 3 threads on 2 cores served 870-890 pages/s where the pool
    served 800."""
    return ThreadPoolExecutor(min(8, (os.cpu_count() or 2) + 1), thread_name_prefix="reader")


async def in_reader_thread(function: Callable[..., Any], *args: Any) -> Any:
    context = contextvars.copy_context()
    return await asyncio.get_running_loop().run_in_executor(reader_threads(), context.run, function, *args)


def list_arguments(query_string: bytes) -> dict | None:
    """list_expenses's arguments for a query the FastAPI route accepts as it is, validated by the
    same model (ExpensePage: the filters' and the page's parameters, declared once); else None."""
    try:
        pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True, strict_parsing=False)
    except ValueError:
        return None
    given: dict[str, str | list[str]] = {}
    for name, value in pairs:
        if name in REPEATABLE:
            given.setdefault(name, []).append(value)
        elif name in given:
            return None
        else:
            given[name] = value
    try:
        return ExpensePage.model_validate(given).model_dump()
    except (ValidationError, ValueError):
        return None  # refused in the API's words by the FastAPI route


def page_response(request: Request, arguments: dict) -> Response:
    # The page's JSON straight from SQLite, the same bytes as the response model's (see
    # tracker.expenses.EXPENSE_JSON); the model writes the rare page that SQLite cannot.
    with connection(request) as conn:
        made = list_expenses_json(conn, **arguments)
        if made is None:
            page, next_cursor = list_expenses(conn, **arguments)
    if made is not None:
        body, next_cursor = made
        answer = Response(body, media_type="application/json")
    else:
        answer = model_json(EXPENSE_LIST, page)
    if next_cursor is not None:
        answer.headers["X-Next-Cursor"] = next_cursor
    return answer


def created_response(request: Request, expense: ExpenseCreate) -> Response:
    with connection(request) as conn:
        expense_id = add_expense(conn, expense)
        body = expense_json(conn, expense_id)
        if body is not None:
            return Response(body, status_code=201, media_type="application/json")
        return model_json(EXPENSE, fetch_expense(conn, expense_id), 201)


def header(scope: Scope, name: bytes) -> bytes | None:
    found = None
    for key, value in scope["headers"]:
        if key == name:
            if found is not None:
                return None
            found = value
    return found


class FastRoute(BaseRoute):
    """Takes the requests of `fast_path` and `fast_methods` it can answer in one step; every other case is
    handed to the FastAPI route of the same path and method."""

    fast_path = PATH
    fast_methods: tuple[str, ...] = ("GET", "POST")

    def __init__(self, routes: list[BaseRoute]):
        self.routes = routes  # the app's own list, read when the first request comes
        self.fallbacks: dict[str, BaseRoute] = {}

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and scope["path"] == self.fast_path and scope["method"] in self.fast_methods:
            return Match.FULL, {}
        return Match.NONE, {}

    def fallback(self, method: str) -> BaseRoute:
        route = self.fallbacks.get(method)
        if route is None:
            route = self.fallbacks[method] = next(
                r for r in api_routes(self.routes)
                if not isinstance(r, FastRoute) and getattr(r, "path", None) == self.fast_path
                and method in getattr(r, "methods", ())
            )
        return route

    async def hand_over(self, scope: Scope, receive: Receive, send: Send) -> None:
        route = self.fallback(scope["method"])
        _, child_scope = route.matches(scope)
        scope.update(child_scope)
        await route.handle(scope, receive, send)


class FastExpenses(FastRoute):
    """`GET /expenses` (a page, with the plain filters) and `POST /expenses` in one step each."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        if scope["method"] == "GET":
            arguments = list_arguments(scope["query_string"])
            if arguments is not None:
                try:
                    response = await in_reader_thread(page_response, request, arguments)
                except Exception:
                    response = None
                if response is not None:
                    await response(scope, receive, send)
                    return
            await self.hand_over(scope, receive, send)
            return
        body = await request.body()
        expense = self.plain_expense(scope, body)
        if expense is None:
            await self.hand_over(scope, replay(body), send)
            return
        # Errors (an unknown category, a locked file) go to the app's handlers, as from the route.
        response = await run_in_threadpool(created_response, request, expense)
        await response(scope, receive, send)

    @staticmethod
    def plain_expense(scope: Scope, body: bytes) -> ExpenseCreate | None:
        if scope["query_string"] or header(scope, b"content-type") != b"application/json":
            return None
        try:
            data = json.loads(body)
            if not isinstance(data, dict):
                return None
            return ExpenseCreate.model_validate(data)
        except (ValueError, ValidationError, RecursionError):
            return None  # the FastAPI route says what is wrong


def replay(body: bytes) -> Callable[[], "Message"]:
    """A receive that gives the body already read, once, as one message."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return {"type": "http.disconnect"}

    return receive


class FastSummary(FastRoute):
    """`GET /summary?month=YYYY-MM` in one step, on the event loop like its FastAPI route (it reads
    a row per category from monthly_totals)."""

    fast_path = "/summary"
    fast_methods = ("GET",)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = None
        query = scope["query_string"]
        try:
            given = dict(parse_qsl(query.decode("latin-1"), keep_blank_values=True))
            # One parameter, given once, on a file that is ready (else the route waits for it).
            if len(given) == query.count(b"&") + 1 == 1 and scope["app"].state.database.ready:
                month = SummaryQuery.model_validate(given).month
                with connection(Request(scope, receive)) as conn:
                    response = model_json(SUMMARY, month_summary(conn, month), exclude_none=True)
        except Exception:
            response = None  # refused, or an error, in the API's words by the FastAPI route
        if response is None:
            await self.hand_over(scope, receive, send)
            return
        await response(scope, receive, send)
