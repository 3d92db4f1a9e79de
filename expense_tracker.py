"""Expense Tracker: a local REST API over one SQLite file.

Run `python expense_tracker.py` to serve it on http://127.0.0.1:8000 (docs at /docs).
"""

import argparse
import ipaddress
import logging
import socket
import sys
from pathlib import Path

from api.app import (  # noqa: F401
    ERROR_RESPONSES,
    ROUTERS,
    WEB_DIR,
    add_routes,
    create_app,
    start_maintenance,
)
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
from api.routes.health import SWAGGER_UI  # noqa: F401
from api.routes.imports import import_progress, progress_lines  # noqa: F401
from tracker.config import is_loopback  # noqa: F401

from tracker import __version__  # noqa: E402,F401
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

# ---------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------


DB_PATH = resolve_db_path()


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


app = create_app(auto_backup=True)

# ---------------------------------------------------------------------------
# Command line: serve the API
# ---------------------------------------------------------------------------


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
