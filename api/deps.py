"""What routes are given: this request's own connection."""

import sqlite3
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from tracker.db import Database


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
