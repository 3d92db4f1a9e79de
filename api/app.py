"""The app factory: the API over one database file, its middleware and routers, and the web page."""

import logging
import sqlite3
import threading
from collections.abc import Callable
from contextlib import asynccontextmanager, closing
from datetime import date
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool
from fastapi.staticfiles import StaticFiles
from starlette.routing import compile_path
from starlette.types import ASGIApp, Receive, Scope, Send

from api.errors import WrongMethod, error_response, install_error_handlers
from api.fast import FastExpenses, FastSummary
from api.middleware import (
    BodyLimit,
    ForeignPagesCannotWrite,
    JsonCORSMiddleware,
    LoopbackHostOnly,
)
from api.models import ErrorBody
from api.routes import (
    backups,
    budgets,
    categories,
    edits,
    expenses,
    health,
    imports,
    recurring,
    replica,
    report,
    rules,
    settings,
    summary,
    tags,
    trash,
)
from tracker import __version__
from tracker.backups import StartBackup, safe_daily_backup
from tracker.categorise import learn_latest
from tracker.config import (
    CORS_ENV,
    HOSTS_ENV,
    LOOPBACK_HOSTS,
    MAX_BODY_BYTES,
    MAX_UPLOAD_BYTES,
    UPLOAD_PATHS,
    env_list,
    resolve_db_path,
)
from tracker.db import Database, stop_sqlite_memory_statistics, upgrading_message
from tracker.errors import DatabaseUnavailable, DatabaseUpgrading
from tracker.recurring import RecurringPoster
from tracker.replica import Intervals, ReplicaSupervisor
from tracker.trash import TRASH_DAYS, purge_trash

log = logging.getLogger("expense_tracker")


ROUTERS = [health.router, categories.router, edits.router, expenses.router, trash.router, imports.router, backups.router,
           budgets.router, recurring.router, replica.router, rules.router, settings.router, summary.router, report.router,
           tags.router]


# The page the window shows, beside this package (in a PyInstaller build both lie in _internal/).
WEB_DIR = Path(__file__).resolve().parent.parent / "web"


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "A Host header that is not this computer, or a body that is not JSON."},
    413: {"model": ErrorBody, "description": "The request body is over 1 MB."},
    422: {"model": ErrorBody, "description": "A parameter or field is invalid."},
    503: {"model": ErrorBody, "description": "The database cannot be used."},
}


def create_app(
    db_path: Path | str | None = None,
    *,
    cors_origins: list[str] | None = None,
    allowed_hosts: list[str] | None = None,
    auto_backup: bool = False,
    today: Callable[[], date] = date.today,
    upgrade_in_background: bool = False,
    replicate: bool = False,
) -> FastAPI:
    """The API over the database at `db_path` (default: $EXPENSE_TRACKER_DB or the user data dir, read when the app starts).

    CORS origins (`*` for any) default to $EXPENSE_TRACKER_CORS_ORIGINS, else none: no web page
    of another origin may read the API or change anything (scripts send no Origin and are not
    concerned). Hosts allowed in the Host
    header are the loopback names plus $EXPENSE_TRACKER_ALLOWED_HOSTS plus `allowed_hosts`.
    With `auto_backup`, the database is backed up once a day when the app starts or stops.
    `today` gives the date recurring expenses are posted up to (tests pass a make-believe one).
    With `upgrade_in_background` (the window and `serve`), a file in an older schema is upgraded
    after the server starts: meanwhile /health reports the progress, the page is served and every
    other route answers 503. Otherwise the database is ready before the first request.
    With `replicate` (the window and `serve`), Litestream runs for the replica set beside the
    database, if any, while the app runs (see tracker.replica).
    """

    stop_sqlite_memory_statistics()  # before the app opens its first connection; see there

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.today = today
        # Today's ECB rates when online: a daemon thread, at most once a day, silent when offline.
        from tracker.currencies import refresh_in_background

        refresh_in_background()
        database = app.state.database = Database(Path(db_path) if db_path is not None else resolve_db_path())
        poster = RecurringPoster(database, today)
        app.state.replicate = replicate
        supervisor = app.state.replica = ReplicaSupervisor(database.path, Intervals.from_env())
        started: dict[str, StartBackup] = {}

        def open_database() -> None:
            try:
                if database.upgrading is not None:
                    database.upgrade()
                else:
                    database.ensure_ready()
                poster.run_once()  # what fell due while the app was closed, before the first request
            except DatabaseUnavailable as exc:
                # Keep serving: every request then says what is wrong, in words, until it is fixed.
                if not database.stop_upgrade.is_set():
                    log.error("%s", exc)
            if database.stop_upgrade.is_set():
                return
            if database.ready:
                start_maintenance(database)
            if database.ready and auto_backup:
                # In the background, yielding to requests: a large database takes seconds to copy
                # and check, and neither the window nor an export right after start should wait.
                started["backup"] = StartBackup(database.path).start()
                # So is counting for the categories what changed while the app was closed (after an
                # upgrade of a million expenses, ~4 s in short writes).
                threading.Thread(target=learn_in_background, args=(database,), daemon=True, name="learning").start()
            if database.ready and replicate:
                supervisor.start()
            poster.start()

        upgrade = None
        if upgrade_in_background and database.needs_upgrade():
            # Seconds on a large file: the window shows its progress instead of nothing.
            database.upgrading = (0.0, "Checking the file")
            upgrade = threading.Thread(target=open_database, daemon=True, name="upgrade")
            upgrade.start()
        else:
            await run_in_threadpool(open_database)
        try:
            yield
        finally:
            if upgrade is not None:
                # Closing the window in the middle of an upgrade undoes it at once; the next start
                # does it again.
                database.stop_upgrade.set()
                await run_in_threadpool(upgrade.join, 10)
            poster.stop()
            if "backup" in started:
                # Closing does not wait for the start's backup: one under way stops and the next
                # start makes it; an app open since yesterday makes today's now.
                await run_in_threadpool(started["backup"].finish)
            elif database.ready and auto_backup:
                await run_in_threadpool(safe_daily_backup, database.path)
            database.close()
            # Litestream stops last: while it still has the file open, closing the app's last
            # connection does not checkpoint the log away behind its back (which made every start
            # send the whole file again), and the last writes reach the replica.
            await run_in_threadpool(supervisor.stop)

    app = FastAPI(
        # /docs is served below from vendored files, so that it works offline; ReDoc is off
        # because it would load its script from a CDN.
        docs_url=None,
        redoc_url=None,
        title="Expense Tracker",
        version=__version__,
        description="A personal expense tracker's local API. Every error is "
        '`{"detail": "<one sentence>"}`.',
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
    )
    install_error_handlers(app)
    app.add_middleware(WhileUpgrading)  # innermost: its 503 gets the CORS headers
    origins = cors_origins if cors_origins is not None else env_list(CORS_ENV)
    app.add_middleware(
        JsonCORSMiddleware,
        allow_origins=origins,
        allow_methods=["GET", "POST", "PUT", "DELETE"],
        allow_headers=["Content-Type"],
        expose_headers=["X-Next-Cursor", "Content-Disposition"],
    )
    app.add_middleware(BodyLimit, limit=MAX_BODY_BYTES, upload_limit=MAX_UPLOAD_BYTES, upload_paths=UPLOAD_PATHS)
    # Outside CORS and the body limit: a foreign page's write is refused before its body is read,
    # and its 403 needs no CORS headers (the page may not read it anyway).
    app.add_middleware(ForeignPagesCannotWrite, allowed_origins=origins)
    hosts = [*LOOPBACK_HOSTS, *env_list(HOSTS_ENV), *(allowed_hosts or [])]
    app.add_middleware(LoopbackHostOnly, allowed_hosts=hosts)
    add_routes(app)
    if WEB_DIR.is_dir():
        # Last, so that the API's routes win; StaticFiles refuses paths outside WEB_DIR.
        app.mount("/", StaticFiles(directory=WEB_DIR, html=True), name="web")
    return app


class WhileUpgrading:
    """While the database is upgraded in the background, every API route but /health answers 503
    with how far the upgrade is; the page's files are served."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] != "/health":
            app = scope["app"]
            database: Database | None = getattr(app.state, "database", None)
            upgrading = database.upgrading if database is not None else None
            if upgrading is not None and is_api_route(app, scope):
                response = error_response(503, upgrading_message(upgrading[0]),
                                          headers={"Retry-After": str(DatabaseUpgrading.retry_after)})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def is_api_route(app: FastAPI, scope: Scope) -> bool:
    """Whether the request's path is one of the API's (as its OpenAPI document lists them)."""
    patterns = getattr(app.state, "api_paths", None)
    if patterns is None:
        patterns = app.state.api_paths = [compile_path(path)[0] for path in app.openapi()["paths"]]
    return any(pattern.match(scope["path"]) for pattern in patterns)


def start_maintenance(database: Database) -> None:
    try:
        with closing(database.open()) as conn:
            purged = purge_trash(conn)
        if purged:
            log.info("Emptied %d expenses deleted more than %d days ago from the trash", purged, TRASH_DAYS)
    except (sqlite3.Error, DatabaseUnavailable) as exc:
        log.warning("Could not empty old items from the trash: %s", exc)


def learn_in_background(database: Database) -> None:
    """Count what other programs (or an upgrade) changed, so that the first import need not."""
    try:
        with closing(database.open()) as conn:
            learned = learn_latest(conn)
        if learned:
            log.info("Learned categories from %d changed expenses", learned)
    except (sqlite3.Error, DatabaseUnavailable) as exc:
        log.warning("Could not learn categories from the expenses: %s", exc)


def add_routes(app: FastAPI) -> None:
    """Every concern's router, in this order: a path with a fixed word (/expenses/export,
    /budgets/overall, /recurring/upcoming) comes before the one with a parameter in its router."""
    for router in ROUTERS:
        app.include_router(router)
    # First, so that it sees a wrong method before a route with a parameter or the web
    # page's mount at "/" takes the request.
    app.router.routes.insert(0, WrongMethod(app.router.routes))
    # Before it: the list and adding an expense in one step each (it hands the rest to the routes).
    app.router.routes[:0] = [FastExpenses(app.router.routes), FastSummary(app.router.routes)]
