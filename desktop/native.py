"""What the page asks of the app that only a native program can do: save a file where the user says.

Exposed to the page as `window.pywebview.api`; the data itself stays on the REST API.
"""

import logging
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from tracker.db import connect
from tracker.errors import AppError, DatabaseUnavailable
from tracker.expenses import count_expenses
from tracker.export import export_csv
from tracker.report import report, report_csv, report_filename

if TYPE_CHECKING:
    from tracker.models import ExpenseFilters

log = logging.getLogger("expense_tracker.desktop")


class NativeApi:
    def __init__(self, db_path: Path):
        self._db_path = db_path
        self._window = None

    def _attach(self, window) -> None:
        self._window = window

    def save_export(self, query: str) -> dict:
        """Ask where to save, then write the CSV export of these filters there.

        `query` is the export's query string (`?date_from=…&category_id=…&q=…`), read by the
        same parser as the API's, so the file holds exactly the rows the page lists.
        """
        import webview

        from tracker.models import ExpenseFilters

        try:
            filters = ExpenseFilters.from_query(query)
        except AppError as exc:
            return {"error": str(exc)}
        chosen = self._window.create_file_dialog(webview.FileDialog.SAVE, save_filename="expenses.csv")
        if not chosen:
            return {"cancelled": True}
        target = Path(chosen if isinstance(chosen, str) else chosen[0])
        try:
            rows = write_export(self._db_path, target, filters, currency_columns="columns=currency" in query)
        except (DatabaseUnavailable, AppError, OSError) as exc:
            log.warning("export to %s failed: %s", target, exc)
            return {"error": f"Could not save the export to {target}: {exc}"}
        log.info("exported %d expenses to %s", rows, target)
        return {"path": str(target), "rows": rows}


    def save_report(self, query: str) -> dict:
        """Ask where to save, then write the year-at-a-glance CSV of this period there.

        `query` is the report export's query string (`?from=2025-01&to=2025-12&by=category`).
        """
        import webview

        params = {key: values[-1] for key, values in parse_qs(query.lstrip("?")).items()}
        try:
            result = read_report(self._db_path, params)
        except (DatabaseUnavailable, AppError) as exc:
            return {"error": str(exc)}
        chosen = self._window.create_file_dialog(webview.FileDialog.SAVE, save_filename=report_filename(result))
        if not chosen:
            return {"cancelled": True}
        target = Path(chosen if isinstance(chosen, str) else chosen[0])
        try:
            save_whole(target, [report_csv(result).encode()])
        except OSError as exc:
            log.warning("report to %s failed: %s", target, exc)
            return {"error": f"Could not save the report to {target}: {exc}"}
        log.info("saved the report of %s to %s to %s", result["from"], result["to"], target)
        return {"path": str(target)}


def read_report(db_path: Path, params: dict[str, str]) -> dict:
    conn = connect(db_path)
    try:
        return report(conn, params.get("from"), params.get("to"), params.get("by", "category"))
    finally:
        conn.close()


def write_export(db_path: Path, target: Path, filters: "ExpenseFilters", currency_columns: bool = False) -> int:
    """Write the export of `filters` to `target` (whole or not at all); return how many expenses it holds."""
    conn = connect(db_path)
    try:
        rows = count_expenses(conn, **filters.model_dump())
        chunks = export_csv(conn, **filters.model_dump(), currency_columns=currency_columns)
    except BaseException:
        conn.close()
        raise
    save_whole(target, chunks)
    return rows


def save_whole(target: Path, chunks) -> None:
    """Write the chunks beside `target`, then rename: never a half-written file at `target`."""
    partial = target.with_name(target.name + ".partial")
    try:
        with open(partial, "wb") as out:
            for chunk in chunks:
                out.write(chunk)
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
