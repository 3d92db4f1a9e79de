"""A month's summary and month-by-month totals."""

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, TypeAdapter

from api.deps import DB
from api.models import MonthlySummary, MonthTotal
from tracker.config import MAX_ID
from tracker.models import Month
from tracker.summary import month_summary, month_totals

router = APIRouter()
SUMMARY = TypeAdapter(MonthlySummary)


class SummaryQuery(BaseModel):
    """The summary's one parameter, for api.fast (the route below declares the same type)."""

    month: Month


@router.get("/summary/months", response_model=list[MonthTotal])
async def get_month_totals(
    conn: DB,
    first: Annotated[Month, Query(alias="from", description="First month, YYYY-MM.")],
    last: Annotated[Month, Query(alias="to", description="Last month, YYYY-MM (at most 240 months on).")],
    category_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
):
    return month_totals(conn, first, last, category_id)


# Async on purpose: it reads at most one row per category from monthly_totals, which
# costs less than the hop to a worker thread would.
@router.get("/summary", response_model=MonthlySummary, response_model_exclude_none=True)
async def get_summary(conn: DB, month: Annotated[Month, Query(description="The month, YYYY-MM.")]):
    return month_summary(conn, month)
