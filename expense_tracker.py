"""Expense Tracker: a local REST API over one SQLite file.

Run `python expense_tracker.py` to serve it on http://127.0.0.1:8000 (docs at /docs).
"""

import argparse
import ipaddress
import json
import logging
import queue
import socket
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import asynccontextmanager, closing
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Form, Query, Request, Response, UploadFile
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from pydantic import ValidationError

from api.deps import DB, get_db  # noqa: F401
from api.errors import (  # noqa: F401
    FRAMEWORK_DETAILS,
    STATUS_SENTENCES,
    WrongMethod,
    error_response,
    install_error_handlers,
)
from api.middleware import (  # noqa: F401
    SAFE_METHODS,
    BodyLimit,
    ForeignPagesCannotWrite,
    JsonCORSMiddleware,
    LoopbackHostOnly,
    cors_origin,
    describe_cors,
)
from api.models import (  # noqa: F401
    Backup,
    BackupList,
    Budgets,
    BudgetStatus,
    CategoryBudget,
    CategoryBudgetStatus,
    CategoryId,
    CategoryResponse,
    CategorySummary,
    Count,
    ErrorBody,
    ExpenseId,
    ExpenseResponse,
    Health,
    ImportBatch,
    ImportCounts,
    ImportMatch,
    ImportPreview,
    ImportProfile,
    ImportRow,
    MonthlySummary,
    MonthTotal,
    Occurrence,
    OverallBudget,
    RecurringId,
    RecurringResponse,
    RestoreResult,
    Settings,
    Suggestion,
    TrashItem,
    UpcomingOccurrence,
)
from tracker.backups import (  # noqa: F401
    BACKUP_LOCK,
    BACKUP_NAME,
    KEEP_DAILY,
    KEEP_MANUAL,
    KEEP_WEEKLY,
    SPARSE_FACTOR,
    SPARSE_SLACK_BYTES,
    SQLITE_HEADER_BYTES,
    SQLITE_MAGIC,
    SchemaObjects,
    backup_dir,
    backup_name,
    backups_to_keep,
    check_and_upgrade_copy,
    check_contents,
    check_database_file,
    check_declared_size,
    check_schema,
    copy_checked_size,
    daily_backup,
    expected_schema,
    glob_escape,
    keep_before_restore,
    list_backups,
    manual_backup,
    manual_backup_order,
    match_page_size,
    normalised_sql,
    remove_old_manual_backups,
    restore_backup,
    rotate_backups,
    safe_daily_backup,
    schema_objects,
    write_backup,
)
from tracker.budgets import (  # noqa: F401
    OVERALL_BUDGET_KEY,
    OVERALL_BUDGET_SELECT,
    budget_status,
    delete_budget,
    list_budgets,
    overall_budget_cents,
    set_budget,
)
from tracker.categories import (  # noqa: F401
    CATEGORY_SELECT,
    create_category,
    delete_category,
    find_category_id,
    list_categories,
    require_category,
)
from tracker.config import (  # noqa: F401
    APP_NAME,
    BUSY_TIMEOUT_S,
    CORS_ENV,
    DB_ENV,
    DEFAULT_HOST,
    DEFAULT_PORT,
    EXPORT_BATCH_ROWS,
    EXPORT_MMAP_BYTES,
    HOSTS_ENV,
    LOOPBACK_HOSTS,
    MAX_AMOUNT,
    MAX_BODY_BYTES,
    MAX_ID,
    MAX_UPLOAD_BYTES,
    MIGRATION_BUSY_TIMEOUT_S,
    PAGE_LIMIT_MAX,
    UPLOAD_PATHS,
    env_list,
    resolve_db_path,
)
from tracker.db import (  # noqa: F401
    APP_TABLES,
    Database,
    check_is_ours,
    check_usable,
    connect,
    describe_database_error,
    init_database,
)
from tracker.errors import (  # noqa: F401
    AppError,
    Conflict,
    DatabaseUnavailable,
    ImportBusy,  # noqa: F401
    InvalidInput,
    NotFound,
    TotalTooLarge,
)
from tracker.expenses import (  # noqa: F401
    EXPENSE_SELECT,
    MOVE_TO_TRASH,
    ORDERS,
    SORT_COLUMNS,
    SUGGESTION_WINDOW,
    count_expenses,
    count_rows,
    create_expense,
    decode_cursor,
    delete_expense,
    encode_cursor,
    fetch_expense,
    filter_clause,
    get_expense,
    list_expenses,
    suggestions,
    update_expense,
)
from tracker.export import (  # noqa: F401
    EXPORT_HEADER,
    EXPORT_SELECT,
    csv_chunks,
    csv_neutralised,
    export_csv,
)
from tracker.imports import (  # noqa: F401
    BATCH_SELECT,
    DUPLICATE_DAYS,
    IMPORT_CHUNK_ROWS,
    IMPORT_SLOT,
    IMPORT_WAIT_S,
    MAX_LISTED_ROWS,
    NOT_LETTERS,
    PREVIEW_ROWS,
    ImportPlan,
    PlannedRow,
    Progress,
    choose_mapping,
    create_mapped_categories,
    data_version,
    decide_rows,
    delete_profile,
    descriptions_match,
    find_duplicates,
    get_batch,
    import_slot,
    index_batch_for_search,
    is_same_row,
    list_batches,
    list_profiles,
    load_profile,
    no_progress,
    plan_import,
    preview_of,
    read_bank_file,
    require_complete_choices,
    resolve_categories,
    restore_batch,
    revert_batch,
    row_view,
    run_import,
    save_profile,
    similar_text,
    take_import_slot,
)
from tracker.migrations import APPLICATION_ID, MIGRATIONS, SEED_SCHEMA  # noqa: F401 (SEED_SCHEMA: tests)
from tracker.models import (  # noqa: F401
    CLEARABLE_RECURRING_FIELDS,
    LOCATION_NAMES,
    UNCHANGED,
    Amount,
    BudgetSet,
    CategoryChoice,
    CategoryCreate,
    CategoryName,
    Color,
    DayOfMonth,
    Description,
    ExpenseCreate,
    ExpenseFilters,
    ExpenseUpdate,
    Frequency,
    ImportOptions,
    Interval,
    IsoDate,
    Month,
    OccurrenceDate,
    ProfileName,
    RecurringCreate,
    RecurringUpdate,
    RestoreRequest,
    RowId,
    SearchText,
    SettingsUpdate,
    StrictModel,
    describe_validation_error,
    provided_fields,
)
from tracker.money import MAX_TOTAL_CENTS, cents_to_amount, check_totals, to_cents  # noqa: F401
from tracker.months import (  # noqa: F401
    MAX_TREND_MONTHS,  # noqa: F401
    last_day,
    month_range,
    next_month,
    previous_month,
)
from tracker.recurring import (  # noqa: F401
    DUE_TEMPLATES,
    MAX_CATCH_UP,
    RECURRING_SELECT,
    SCHEDULE_FIELDS,
    UPCOMING_DAYS_MAX,
    RecurringPoster,
    check_schedule,
    create_recurring,
    delete_recurring,
    fetch_recurring,
    get_recurring,
    is_scheduled,
    list_recurring,
    occurrence,
    post_due,
    post_occurrence,
    record_posting,
    recorded_dates,
    recurring_response,
    schedule_dates,
    scheduled_rule,
    skip_occurrence,
    upcoming,
    update_recurring,
)
from tracker.search import (  # noqa: F401
    SEARCH_COLLECT_COST,
    SEARCH_DRIVE_COST,
    SEARCH_MEMBER_COST,
    SEARCH_PROBE_ROWS,
    SEARCH_WALK_COST,
    SearchPlan,
    contains_all,
    fts_phrases,
    plan_search,
    search_terms,
)
from tracker.search_index import fold_in_python, fold_sql, is_accent, search_fold_map  # noqa: F401 (is_accent: tests)
from tracker.settings import DEFAULT_SETTINGS, get_settings, update_settings  # noqa: F401
from tracker.summary import month_summary, month_totals  # noqa: F401
from tracker.trash import (  # noqa: F401
    TRASH_DAYS,
    TRASH_KEPT,
    TRASH_SELECT,
    category_for_restore,
    count_trash,
    delete_from_trash,
    list_trash,
    purge_trash,
    restore_expense,
    restore_rows,
)
from tracker.validation import (  # noqa: F401
    CENT_NOISE_MAX,
    CENT_NOISE_RELATIVE,
    ISO_DATE,
    MONTH_NUMBERS,
    check_cents,
    check_date,
    check_month,
    check_search,
    check_text,
)

__version__ = "0.1.0"

# ---------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------


DB_PATH = resolve_db_path()
WEB_DIR = Path(__file__).resolve().parent / "web"


log = logging.getLogger("expense_tracker")


# ---------------------------------------------------------------------------
# Models
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# Errors: every one is {"detail": "<one sentence>"}
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# Queries
# ---------------------------------------------------------------------------


# Keyset cursor: the sort key and id of the last row of a page, so the next page starts right
# after it through the index, at any depth, without counting the rows before it.


# ---------------------------------------------------------------------------
# What the API and the command line do, as functions of a connection
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# Budgets: a monthly limit per category, and one for all spending together
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# Recurring expenses: templates, their schedules, and posting what is due
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# Importing bank files: a plan (preview and duplicates), then one transaction per batch
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# Backups: copies made with SQLite's online backup API, each checked before it counts
# ---------------------------------------------------------------------------


# ---------------------------------------------------------------------------
# The app
# ---------------------------------------------------------------------------

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
) -> FastAPI:
    """The API over the database at `db_path` (default: DB_PATH, read when the app starts).

    CORS origins (`*` for any) default to $EXPENSE_TRACKER_CORS_ORIGINS, else none: no web page
    of another origin may read the API or change anything (scripts send no Origin and are not
    concerned). Hosts allowed in the Host
    header are the loopback names plus $EXPENSE_TRACKER_ALLOWED_HOSTS plus `allowed_hosts`.
    With `auto_backup`, the database is backed up once a day when the app starts or stops.
    `today` gives the date recurring expenses are posted up to (tests pass a make-believe one).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.today = today
        database = app.state.database = Database(Path(db_path) if db_path is not None else DB_PATH)
        poster = RecurringPoster(database, today)
        try:
            database.ensure_ready()
            poster.run_once()  # what fell due while the app was closed, before the first request
        except DatabaseUnavailable as exc:
            # Keep serving: every request then says what is wrong, in words, until it is fixed.
            log.error("%s", exc)
        if database.ready:
            await run_in_threadpool(start_maintenance, database)
        if database.ready and auto_backup:
            # In the background: a large database takes seconds to copy, and the window should not wait.
            threading.Thread(target=safe_daily_backup, args=(database.path,), daemon=True, name="backup").start()
        poster.start()
        try:
            yield
        finally:
            poster.stop()
            if database.ready and auto_backup:
                # Waits for the start's backup if it is still running, then makes today's if the
                # app has been open since yesterday.
                await run_in_threadpool(safe_daily_backup, database.path)
            database.close()

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


def import_progress(
    database: Database, data: bytes, file_name: str, options: ImportOptions, finished: Callable[[], None] = lambda: None
) -> Iterator[bytes]:
    """Start the import on its own thread, which calls `finished` when it ends (even if nobody
    reads the stream), and stream its progress as JSON lines."""
    events: queue.Queue = queue.Queue()

    def report(phase: str, done: int, total: int) -> None:
        events.put({"phase": phase, "done": done, "total": total})

    def work() -> None:
        try:
            with closing(database.open()) as conn:
                events.put({"batch": run_import(conn, data, file_name, options, report)})
        except AppError as exc:
            events.put({"error": str(exc), "status": exc.status})
        except (DatabaseUnavailable, sqlite3.Error) as exc:
            events.put({"error": describe_database_error(exc, database.path), "status": 503})
        except Exception:
            log.exception("Import of %s failed", file_name)
            events.put({"error": "The import failed unexpectedly; nothing was imported.", "status": 500})
        finally:
            finished()
            events.put(None)

    threading.Thread(target=work, daemon=True, name="import").start()
    return progress_lines(events)


def progress_lines(events: queue.Queue) -> Iterator[bytes]:
    while (event := events.get()) is not None:
        yield (json.dumps(event) + "\n").encode()


def start_maintenance(database: Database) -> None:
    try:
        with closing(database.open()) as conn:
            purged = purge_trash(conn)
        if purged:
            log.info("Emptied %d expenses deleted more than %d days ago from the trash", purged, TRASH_DAYS)
    except (sqlite3.Error, DatabaseUnavailable) as exc:
        log.warning("Could not empty old items from the trash: %s", exc)


SWAGGER_UI = "vendor/swagger-ui-5.35.0"


def add_routes(app: FastAPI) -> None:
    @app.get("/docs", include_in_schema=False)
    def docs():
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="Expense Tracker API",
            swagger_js_url=f"/{SWAGGER_UI}.js",
            swagger_css_url=f"/{SWAGGER_UI}.css",
            swagger_favicon_url="data:,",
        )

    @app.get("/health", response_model=Health, responses={503: {"model": Health}})
    def health(request: Request):
        database: Database = request.app.state.database
        try:
            conn = database.open()
            try:
                check_usable(conn, database.path)
            finally:
                conn.close()
        except (DatabaseUnavailable, sqlite3.Error) as exc:
            detail = str(exc) if isinstance(exc, DatabaseUnavailable) else describe_database_error(exc, database.path)
            return JSONResponse(
                {"status": "error", "database": "disconnected", "detail": detail}, status_code=503
            )
        return {"status": "ok", "database": "connected"}

    @app.get("/categories", response_model=list[CategoryResponse])
    def get_categories(conn: DB):
        return list_categories(conn)

    @app.post(
        "/categories",
        status_code=201,
        response_model=CategoryResponse,
        responses={409: {"model": ErrorBody, "description": "Category already exists"}},
    )
    def post_category(category: CategoryCreate, conn: DB, request: Request):
        return create_category(conn, category)

    @app.delete(
        "/categories/{category_id}",
        status_code=204,
        responses={
            400: {"model": ErrorBody, "description": "Cannot delete category with existing expenses (or a foreign Host)"},
            404: {"model": ErrorBody, "description": "No such category"},
        },
    )
    def remove_category(category_id: CategoryId, conn: DB, request: Request):
        delete_category(conn, category_id)
        return Response(status_code=204)

    @app.get(
        "/expenses",
        response_model=list[ExpenseResponse],
        responses={200: {"headers": {"X-Next-Cursor": {
            "description": "Present when more rows follow: pass it as `cursor` to get the next page.",
            "schema": {"type": "string"},
        }}}},
    )
    def get_expenses(
        conn: DB,
        response: Response,
        filters: Annotated[ExpenseFilters, Query()],
        sort: Literal["date", "amount", "created_at"] = "date",
        order: Literal["asc", "desc"] = "desc",
        limit: Annotated[int, Query(ge=1, le=PAGE_LIMIT_MAX)] = 50,
        offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
        cursor: Annotated[str | None, Query(
            max_length=500,
            description="Keyset cursor from the previous page's X-Next-Cursor header; "
            "fast at any depth. Use instead of offset.",
        )] = None,
    ):
        page, next_cursor = list_expenses(
            conn, **filters.model_dump(), sort=sort, order=order, limit=limit, offset=offset, cursor=cursor,
        )
        if next_cursor is not None:
            response.headers["X-Next-Cursor"] = next_cursor
        return page

    @app.get(
        "/expenses/export",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/csv": {}}, "description": "CSV of the expenses."}},
    )
    def get_export(request: Request, filters: Annotated[ExpenseFilters, Query()]):
        # The connection belongs to the stream: it closes when the last row is sent.
        conn = request.app.state.database.open()
        try:
            chunks = export_csv(conn, **filters.model_dump())
        except BaseException:
            conn.close()
            raise
        return StreamingResponse(
            chunks,
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="expenses.csv"'},
        )

    @app.get("/expenses/count", response_model=Count)
    def get_count(conn: DB, filters: Annotated[ExpenseFilters, Query()]):
        return {"count": count_expenses(conn, **filters.model_dump())}

    @app.get("/expenses/suggestions", response_model=list[Suggestion])
    def get_suggestions(conn: DB, q: Annotated[str, Query(min_length=1, max_length=200)]):
        return suggestions(conn, q)

    not_found = {404: {"model": ErrorBody, "description": "No such expense"}}
    bad_category = {400: {"model": ErrorBody, "description": "Unknown category_id, a foreign Host, or a body that is not JSON"}}

    @app.get("/expenses/{expense_id}", response_model=ExpenseResponse, responses=not_found)
    def get_one_expense(expense_id: ExpenseId, conn: DB):
        return get_expense(conn, expense_id)

    @app.post("/expenses", status_code=201, response_model=ExpenseResponse, responses=bad_category)
    def post_expense(expense: ExpenseCreate, conn: DB, request: Request):
        return create_expense(conn, expense)

    @app.put(
        "/expenses/{expense_id}",
        response_model=ExpenseResponse,
        responses={**not_found, **bad_category},
    )
    def put_expense(expense_id: ExpenseId, changes: ExpenseUpdate, conn: DB, request: Request):
        return update_expense(conn, expense_id, changes)

    @app.delete("/expenses/{expense_id}", status_code=204, responses=not_found)
    def remove_expense(expense_id: ExpenseId, conn: DB, request: Request):
        delete_expense(conn, expense_id)
        return Response(status_code=204)

    @app.get("/trash", response_model=list[TrashItem])
    def get_trash(
        conn: DB,
        limit: Annotated[int, Query(ge=1, le=PAGE_LIMIT_MAX)] = 50,
        offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
    ):
        return list_trash(conn, limit, offset)

    @app.get("/trash/count", response_model=Count)
    def get_trash_count(conn: DB):
        return {"count": count_trash(conn)}

    not_in_trash = {404: {"model": ErrorBody, "description": "Not in the trash"}}

    @app.post(
        "/trash/{expense_id}/restore",
        response_model=ExpenseResponse,
        responses={**not_in_trash, 409: {"model": ErrorBody, "description": "An expense with that id exists"}},
    )
    def post_restore(expense_id: ExpenseId, conn: DB, request: Request):
        return restore_expense(conn, expense_id)

    @app.delete("/trash/{expense_id}", status_code=204, responses=not_in_trash)
    def remove_from_trash(expense_id: ExpenseId, conn: DB, request: Request):
        delete_from_trash(conn, expense_id)
        return Response(status_code=204)

    @app.delete("/trash", status_code=204)
    def empty_trash(conn: DB, request: Request):
        purge_trash(conn, everything=True)
        return Response(status_code=204)

    def upload(file: UploadFile, options: str | None) -> tuple[bytes, str, ImportOptions]:
        try:
            chosen = ImportOptions.model_validate_json(options) if options else ImportOptions()
        except ValidationError as exc:
            errors = exc.errors()
            if errors and errors[0]["type"] == "json_invalid":
                reason = (errors[0].get("ctx") or {}).get("error", "syntax error")
                raise InvalidInput(f"Invalid field 'options': it must be a JSON object ({reason}).") from None
            located = [{**error, "loc": ("body", "options", *error.get("loc", ()))} for error in errors]
            raise InvalidInput(describe_validation_error(located)) from None
        return file.file.read(), (file.filename or "file")[:255], chosen

    upload_form = "A bank file (CSV, OFX/QFX or QIF) as `file`, and optionally `options`: an ImportOptions object as JSON text."
    import_errors = {
        400: {"model": ErrorBody, "description": "The file is not a bank file this app can read (the sentence says which line and why)."},
        404: {"model": ErrorBody, "description": "No saved profile of that name"},
        429: {"model": ErrorBody, "description": "Another import is in progress (one file is read at a time)"},
    }

    @app.post("/imports/preview", response_model=ImportPreview, description=upload_form, responses=import_errors)
    def post_import_preview(
        conn: DB, file: UploadFile, options: Annotated[str | None, Form(max_length=MAX_UPLOAD_BYTES)] = None
    ):
        with import_slot():
            data, name, chosen = upload(file, options)
            return preview_of(plan_import(conn, data, name, chosen))

    @app.post(
        "/imports",
        status_code=201,
        response_model=ImportBatch,
        description=f"{upload_form} Imports the selected rows as one batch, all or nothing. "
        "With `Accept: application/x-ndjson` the answer is a stream of progress lines "
        '(`{"phase", "done", "total"}`) ending with `{"batch": …}` or `{"error": …, "status": …}`.',
        responses={200: {"content": {"application/x-ndjson": {}}, "description": "Progress, then the batch."}, **import_errors},
    )
    def post_import(
        conn: DB, request: Request, file: UploadFile, options: Annotated[str | None, Form(max_length=MAX_UPLOAD_BYTES)] = None
    ):
        database: Database = request.app.state.database
        if "application/x-ndjson" not in request.headers.get("accept", ""):
            with import_slot():
                data, name, chosen = upload(file, options)
                return run_import(conn, data, name, chosen)
        take_import_slot()  # given back by the import's thread when it ends
        try:
            data, name, chosen = upload(file, options)
            lines = import_progress(database, data, name, chosen, finished=IMPORT_SLOT.release)
        except BaseException:
            IMPORT_SLOT.release()
            raise
        return StreamingResponse(lines, media_type="application/x-ndjson")

    @app.get("/imports", response_model=list[ImportBatch])
    def get_imports(conn: DB):
        return list_batches(conn)

    @app.get("/imports/profiles", response_model=list[ImportProfile])
    def get_profiles(conn: DB):
        return list_profiles(conn)

    @app.delete("/imports/profiles/{name}", status_code=204, responses={404: {"model": ErrorBody, "description": "No such profile"}})
    def remove_profile(name: Annotated[str, PathParam(max_length=100)], conn: DB, request: Request):
        delete_profile(conn, name)
        return Response(status_code=204)

    batch_errors = {404: {"model": ErrorBody, "description": "No such batch"}, 409: {"model": ErrorBody, "description": "Already in that state"}}

    @app.get("/imports/{batch_id}", response_model=ImportBatch, responses=batch_errors)
    def get_import(batch_id: ExpenseId, conn: DB):
        return get_batch(conn, batch_id)

    @app.post("/imports/{batch_id}/revert", response_model=ImportBatch, responses=batch_errors)
    def post_revert(batch_id: ExpenseId, conn: DB, request: Request):
        return revert_batch(conn, batch_id)

    @app.post("/imports/{batch_id}/restore", response_model=ImportBatch, responses=batch_errors)
    def post_unrevert(batch_id: ExpenseId, conn: DB, request: Request):
        return restore_batch(conn, batch_id)

    @app.get("/backups", response_model=BackupList)
    def get_backups(request: Request):
        path = request.app.state.database.path
        return {"folder": str(backup_dir(path)), "backups": list_backups(path)}

    @app.post("/backups", status_code=201, response_model=Backup, responses={400: {"model": ErrorBody, "description": "The backup could not be made or failed its check"}})
    def post_backup(request: Request):
        database: Database = request.app.state.database
        database.ensure_ready()
        made = manual_backup(database.path)
        return next(b for b in list_backups(database.path) if b["name"] == made.name)

    @app.post(
        "/backups/restore",
        response_model=RestoreResult,
        responses={
            400: {"model": ErrorBody, "description": "The backup failed its checks (damaged, not exactly this app's schema, or larger than it is on disk), so nothing was restored"},
            404: {"model": ErrorBody, "description": "No such backup"},
        },
    )
    def post_backup_restore(choice: RestoreRequest, request: Request):
        database: Database = request.app.state.database
        known = {b["name"] for b in list_backups(database.path)}
        if choice.name not in known:
            raise NotFound(f"There is no backup named {choice.name!r}; GET /backups lists them.")
        result = restore_backup(database.path, backup_dir(database.path) / choice.name, database.write_lock)
        database.close()
        database.ready = False  # opened again by the next request
        return result

    # -- Budgets ---------------------------------------------------------------------------

    no_budget = {404: {"model": ErrorBody, "description": "No such category, or no budget to clear"}}

    @app.get("/budgets", response_model=Budgets)
    def get_budgets(conn: DB):
        return list_budgets(conn)

    # Before /budgets/{category_id}, which would otherwise refuse "overall" as an id.
    @app.put("/budgets/overall", response_model=OverallBudget)
    def put_overall_budget(budget: BudgetSet, conn: DB, request: Request):
        """Set or change the monthly limit of all spending together."""
        return set_budget(conn, None, budget)

    @app.delete("/budgets/overall", status_code=204, responses=no_budget)
    def remove_overall_budget(conn: DB, request: Request):
        delete_budget(conn, None)
        return Response(status_code=204)

    @app.put("/budgets/{category_id}", response_model=CategoryBudget, responses=no_budget)
    def put_budget(category_id: CategoryId, budget: BudgetSet, conn: DB, request: Request):
        """Set or change a category's monthly limit."""
        return set_budget(conn, category_id, budget)

    @app.delete("/budgets/{category_id}", status_code=204, responses=no_budget)
    def remove_budget(category_id: CategoryId, conn: DB, request: Request):
        delete_budget(conn, category_id)
        return Response(status_code=204)

    # -- Recurring expenses ------------------------------------------------------------------

    no_recurring = {404: {"model": ErrorBody, "description": "No such recurring expense"}}

    @app.get("/recurring", response_model=list[RecurringResponse])
    def get_recurring_list(conn: DB, request: Request):
        return list_recurring(conn, request.app.state.today())

    @app.post("/recurring", status_code=201, response_model=RecurringResponse, responses=bad_category)
    def post_recurring(rule: RecurringCreate, conn: DB, request: Request):
        """Create a template; dates already due (from start_date to today) are posted at once."""
        today = request.app.state.today()
        created = create_recurring(conn, rule, today)
        post_due(conn, today)
        return get_recurring(conn, created["id"], today)

    # Before /recurring/{recurring_id}.
    @app.get("/recurring/upcoming", response_model=list[UpcomingOccurrence])
    def get_upcoming(
        conn: DB,
        request: Request,
        days: Annotated[int, Query(ge=0, le=UPCOMING_DAYS_MAX, description="How many days ahead of today.")] = 30,
    ):
        """The dates of the next `days` days (today included) not posted yet; skipped ones are marked."""
        return upcoming(conn, request.app.state.today(), days)

    @app.get("/recurring/{recurring_id}", response_model=RecurringResponse, responses=no_recurring)
    def get_one_recurring(recurring_id: RecurringId, conn: DB, request: Request):
        return get_recurring(conn, recurring_id, request.app.state.today())

    @app.put("/recurring/{recurring_id}", response_model=RecurringResponse, responses={**no_recurring, **bad_category})
    def put_recurring(recurring_id: RecurringId, changes: RecurringUpdate, conn: DB, request: Request):
        """Change a template. Expenses it posted stay as they were; a changed schedule applies from today on."""
        today = request.app.state.today()
        update_recurring(conn, recurring_id, changes, today)
        post_due(conn, today)
        return get_recurring(conn, recurring_id, today)

    @app.delete("/recurring/{recurring_id}", status_code=204, responses=no_recurring)
    def remove_recurring(recurring_id: RecurringId, conn: DB, request: Request):
        """Delete a template; the expenses it posted stay."""
        delete_recurring(conn, recurring_id)
        return Response(status_code=204)

    occurrence_errors = {
        **no_recurring,
        409: {"model": ErrorBody, "description": "That date was already posted"},
    }

    @app.post("/recurring/{recurring_id}/skip", response_model=Occurrence, responses=occurrence_errors)
    def skip_recurring(recurring_id: RecurringId, body: OccurrenceDate, conn: DB, request: Request):
        """Skip one date of the schedule: it will never be posted (unless posted by hand)."""
        return skip_occurrence(conn, recurring_id, body.date)

    @app.post(
        "/recurring/{recurring_id}/post", status_code=201, response_model=ExpenseResponse,
        responses={**occurrence_errors, **bad_category},
    )
    def post_recurring_now(recurring_id: RecurringId, body: OccurrenceDate, conn: DB, request: Request):
        """Post one date of the schedule now (the expense is dated that date); only once."""
        return post_occurrence(conn, recurring_id, body.date)

    @app.get("/settings", response_model=Settings)
    def read_settings(conn: DB):
        return get_settings(conn)

    @app.put("/settings", response_model=Settings)
    def write_settings(changes: SettingsUpdate, conn: DB, request: Request):
        return update_settings(conn, changes)

    @app.get("/summary/months", response_model=list[MonthTotal])
    async def get_month_totals(
        conn: DB,
        first: Annotated[Month, Query(alias="from", description="First month, YYYY-MM.")],
        last: Annotated[Month, Query(alias="to", description="Last month, YYYY-MM (at most 240 months on).")],
        category_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    ):
        return month_totals(conn, first, last, category_id)

    # Async on purpose: it reads at most one row per category from monthly_totals, which
    # costs less than the hop to a worker thread would.
    @app.get("/summary", response_model=MonthlySummary, response_model_exclude_none=True)
    async def get_summary(conn: DB, month: Annotated[Month, Query(description="The month, YYYY-MM.")]):
        return month_summary(conn, month)

    # First, so that it sees a wrong method before a route with a parameter or the web
    # page's mount at "/" takes the request.
    app.router.routes.insert(0, WrongMethod(app.router.routes))


app = create_app(auto_backup=True)

# ---------------------------------------------------------------------------
# Command line: serve the API
# ---------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind_socket(host: str, port: int) -> socket.socket:
    """Bind the listening socket ourselves, so a taken port is a clear message, not a traceback."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP explicitly: asyncio turns on TCP_NODELAY only for sockets that say so, and
    # without it every response waits ~40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def origin_argument(text: str) -> str:
    try:
        return cors_origin(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Serve the Expense Tracker API (default http://127.0.0.1:8000, docs at /docs).",
        epilog="example: python expense_tracker.py --db ~/expenses.db --port 8001",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help="address to bind (default 127.0.0.1; others are reachable from the network)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="port (default 8000)")
    parser.add_argument("--db", type=Path, help=f"database file (default ${DB_ENV} or the user data dir)")
    parser.add_argument(
        "--cors", action="append", metavar="ORIGIN", type=origin_argument,
        help=f"let web pages from ORIGIN (e.g. http://localhost:5173; '*' for any) read and change your "
        f"expenses; repeat for more (default ${CORS_ENV}, else none)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(message)s")

    global DB_PATH
    if args.db is not None:
        DB_PATH = args.db.expanduser()
    served = app
    if not is_loopback(args.host):
        extra = [] if args.host in ("0.0.0.0", "::") else [args.host]
        print(
            f"WARNING: binding to {args.host} makes your expenses reachable from other computers. "
            f"Requests must name an allowed host; set {HOSTS_ENV} to the names clients use.",
            file=sys.stderr,
        )
        served = create_app(cors_origins=args.cors, allowed_hosts=extra, auto_backup=True)
    elif args.cors:
        served = create_app(cors_origins=args.cors, auto_backup=True)
    cors_notice = describe_cors(args.cors if args.cors is not None else env_list(CORS_ENV))
    if cors_notice:
        print(cors_notice, file=sys.stderr)
    try:
        sock = bind_socket(args.host, args.port)
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port} ({exc.strerror}); is another program "
              "(or Expense Tracker) using it? Choose another with --port.", file=sys.stderr)
        return 2
    import uvicorn

    port = sock.getsockname()[1]
    shown_host = f"[{args.host.strip('[]')}]" if ":" in args.host else args.host
    print(f"Expense Tracker API on http://{shown_host}:{port} (database {DB_PATH})", file=sys.stderr, flush=True)
    server = uvicorn.Server(uvicorn.Config(served, log_level="info", access_log=False))
    server.run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
