"""Where the app keeps its data and logs, resolved by platformdirs for each platform."""

import os
from pathlib import Path

import platformdirs

from tracker.config import APP_NAME, resolve_db_path


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    return Path(platformdirs.user_log_dir(APP_NAME, appauthor=False))


def log_file() -> Path:
    return log_dir() / "expense-tracker.log"


def database_path(option: str | os.PathLike | None = None) -> Path:
    """--db if given, else $EXPENSE_TRACKER_DB, else expenses.db in the data directory."""
    if option:
        return Path(option).expanduser().absolute()
    return resolve_db_path().absolute()
