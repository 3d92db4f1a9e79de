"""Tags: each tag with the count and total of its expenses over a period."""

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import DB
from api.models import TagTotal
from tracker.models import IsoDate
from tracker.tags import tag_totals

router = APIRouter()


@router.get("/tags", response_model=list[TagTotal])
def get_tags(
    conn: DB,
    date_from: Annotated[IsoDate | None, Query(alias="from", description="First date included (YYYY-MM-DD).")] = None,
    date_to: Annotated[IsoDate | None, Query(alias="to", description="Last date included (YYYY-MM-DD).")] = None,
):
    """Every tag that an expense of the period has, with how many expenses and their total, most spent first."""
    return tag_totals(conn, date_from, date_to)
