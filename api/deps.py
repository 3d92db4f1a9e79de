"""What routes are given: this request's own connection."""

import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import ResponseValidationError
from pydantic import TypeAdapter, ValidationError

from tracker.db import Database, Session


async def get_db(request: Request) -> AsyncIterator[sqlite3.Connection]:
    """A connection for this request only; always closed when the request ends.

    Opening a connection reads nothing yet (the schema is read by the first query, in the
    route's worker thread), so it is done here on the event loop, saving two thread hops
    per request.
    """
    database: Database = request.app.state.database
    if not database.ready:
        await run_in_threadpool(database.ensure_ready)
    conn = database.open()
    try:
        yield conn
    finally:
        conn.close()


DB = Annotated[sqlite3.Connection, Depends(get_db)]


@contextmanager
def connection(request: Request) -> Iterator[Session]:
    """What get_db gives, opened in the route's own worker thread: the hottest routes (the list,
    adding an expense) skip the dependency's machinery and its hop back to the event loop."""
    conn = request.app.state.database.open()
    try:
        yield conn
    finally:
        conn.close()


def model_json(adapter: TypeAdapter, content: Any, status_code: int = 200, exclude_none: bool = False) -> Response:
    """The response model's JSON, made in the route's own worker thread: the same bytes FastAPI
    makes from `response_model` (which stays, for the OpenAPI document), without the second
    thread hop FastAPI takes to validate a sync route's result."""
    try:
        value = adapter.validate_python(content)
    except ValidationError as exc:
        raise ResponseValidationError(errors=exc.errors(), body=content) from None
    return Response(adapter.dump_json(value, exclude_none=exclude_none), status_code=status_code,
                    media_type="application/json")
