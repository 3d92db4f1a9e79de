"""Configuration declared once: environment variables, defaults and limits."""

import ipaddress
import os
from pathlib import Path

import platformdirs

APP_NAME = "ExpenseTracker"
DB_ENV = "EXPENSE_TRACKER_DB"
CORS_ENV = "EXPENSE_TRACKER_CORS_ORIGINS"
HOSTS_ENV = "EXPENSE_TRACKER_ALLOWED_HOSTS"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def resolve_db_path() -> Path:
    """The database file: $EXPENSE_TRACKER_DB, else expenses.db in the user's data directory."""
    configured = os.environ.get(DB_ENV, "").strip()
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "expenses.db"


MAX_ID = 2**63 - 1
MAX_AMOUNT = 1_000_000_000_000
PAGE_LIMIT_MAX = 200
# JSON bodies here are a few hundred bytes; anything near this is refused before it is read.
MAX_BODY_BYTES = 1024 * 1024
MAX_UPLOAD_BYTES = 64 * 1024 * 1024  # bank files, on the import routes only
UPLOAD_PATHS = ("/imports", "/imports/preview")
BUSY_TIMEOUT_S = 5.0
MIGRATION_BUSY_TIMEOUT_S = 300
EXPORT_BATCH_ROWS = 2000
EXPORT_MMAP_BYTES = 1 << 30


def env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
