"""Long work streamed as its progress: JSON lines, one per step, then its result or its error."""

import json
import logging
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from typing import Any

from tracker.db import Database, Session, describe_database_error
from tracker.errors import AppError, DatabaseUnavailable

log = logging.getLogger("expense_tracker")

Put = Callable[[dict], None]


def progress_stream(
    database: Database, name: str, run: Callable[[Session, Put], dict], failed: str,
    finished: Callable[[], None] = lambda: None,
) -> Iterator[bytes]:
    """Run `run(conn, put)` on a thread of its own (it ends even if nobody reads the stream) and
    stream as JSON lines the events it puts, then the one it returns. An error becomes
    {"error": sentence, "status": code} in the API's words; `failed` is the sentence for an
    unexpected one (logged with `name`). `finished` is called when the work ends."""
    events: queue.Queue[dict | None] = queue.Queue()

    def work() -> None:
        try:
            with closing(database.open()) as conn:
                events.put(run(conn, events.put))
        except AppError as exc:
            events.put({"error": str(exc), "status": exc.status})
        except (DatabaseUnavailable, sqlite3.Error) as exc:
            events.put({"error": describe_database_error(exc, database.path), "status": 503})
        except Exception:
            log.exception("%s failed", name)
            events.put({"error": failed, "status": 500})
        finally:
            finished()
            events.put(None)

    threading.Thread(target=work, daemon=True, name=name).start()
    return lines(events)


def lines(events: "queue.Queue[dict | None]") -> Iterator[bytes]:
    while (event := events.get()) is not None:
        yield (json.dumps(event) + "\n").encode()


def progress_event(phase: str, done: int, total: int) -> dict[str, Any]:
    return {"phase": phase, "done": done, "total": total}
