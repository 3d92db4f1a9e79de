"""A year at a glance: spending of a period of months by category × month, as JSON and as CSV."""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.deps import DB
from api.models import Report
from tracker.models import Month
from tracker.report import DEFAULT_MONTHS, MAX_REPORT_MONTHS, ReportBy, report, report_csv, report_filename

router = APIRouter()

First = Annotated[Month | None, Query(
    alias="from", description=f"First month, YYYY-MM (default: {DEFAULT_MONTHS - 1} months before `to`).",
)]
Last = Annotated[Month | None, Query(
    alias="to", description=f"Last month, YYYY-MM (default: this month); at most {MAX_REPORT_MONTHS} months from `from`.",
)]
By = Annotated[ReportBy, Query(description="What the rows are.")]


@router.get("/report", response_model=Report)
def get_report(conn: DB, first: First = None, last: Last = None, by: By = "category"):
    """Spending of every month from `from` to `to` (default: the last 12 months, this one included)
    by category: a total for each category and month (0 where nothing was spent), each category's
    total, each month's total and the grand total."""
    return report(conn, first, last, by)


@router.get(
    "/report/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "CSV of the report."}},
)
def get_report_export(conn: DB, first: First = None, last: Last = None, by: By = "category"):
    """The report as CSV: Category, a column per month (2025-01 …) and Total; a Total row last."""
    result = report(conn, first, last, by)
    return Response(
        report_csv(result),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{report_filename(result)}"'},
    )
