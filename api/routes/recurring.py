"""Recurring expenses: templates, upcoming dates, skipping and posting one date."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.deps import DB
from api.models import (
    BAD_CATEGORY,
    ErrorBody,
    ExpenseResponse,
    Occurrence,
    RecurringId,
    RecurringResponse,
    UpcomingOccurrence,
)
from tracker.models import OccurrenceDate, RecurringCreate, RecurringUpdate
from tracker.recurring import (
    UPCOMING_DAYS_MAX,
    create_recurring,
    delete_recurring,
    get_recurring,
    list_recurring,
    post_due,
    post_occurrence,
    skip_occurrence,
    upcoming,
    update_recurring,
)

router = APIRouter()


no_recurring = {404: {"model": ErrorBody, "description": "No such recurring expense"}}


@router.get("/recurring", response_model=list[RecurringResponse])
def get_recurring_list(conn: DB, request: Request):
    return list_recurring(conn, request.app.state.today())


@router.post("/recurring", status_code=201, response_model=RecurringResponse, responses=BAD_CATEGORY)
def post_recurring(rule: RecurringCreate, conn: DB, request: Request):
    """Create a template; dates already due (from start_date to today) are posted at once."""
    today = request.app.state.today()
    created = create_recurring(conn, rule, today)
    post_due(conn, today)
    return get_recurring(conn, created["id"], today)


# Before /recurring/{recurring_id}.
@router.get("/recurring/upcoming", response_model=list[UpcomingOccurrence])
def get_upcoming(
    conn: DB,
    request: Request,
    days: Annotated[int, Query(ge=0, le=UPCOMING_DAYS_MAX, description="How many days ahead of today.")] = 30,
):
    """The dates of the next `days` days (today included) not posted yet; skipped ones are marked."""
    return upcoming(conn, request.app.state.today(), days)


@router.get("/recurring/{recurring_id}", response_model=RecurringResponse, responses=no_recurring)
def get_one_recurring(recurring_id: RecurringId, conn: DB, request: Request):
    return get_recurring(conn, recurring_id, request.app.state.today())


@router.put("/recurring/{recurring_id}", response_model=RecurringResponse, responses={**no_recurring, **BAD_CATEGORY})
def put_recurring(recurring_id: RecurringId, changes: RecurringUpdate, conn: DB, request: Request):
    """Change a template. Expenses it posted stay as they were; a changed schedule applies from today on."""
    today = request.app.state.today()
    update_recurring(conn, recurring_id, changes, today)
    post_due(conn, today)
    return get_recurring(conn, recurring_id, today)


@router.delete("/recurring/{recurring_id}", status_code=204, responses=no_recurring)
def remove_recurring(recurring_id: RecurringId, conn: DB, request: Request):
    """Delete a template; the expenses it posted stay."""
    delete_recurring(conn, recurring_id)
    return Response(status_code=204)


occurrence_errors = {
    **no_recurring,
    409: {"model": ErrorBody, "description": "That date was already posted"},
}


@router.post("/recurring/{recurring_id}/skip", response_model=Occurrence, responses=occurrence_errors)
def skip_recurring(recurring_id: RecurringId, body: OccurrenceDate, conn: DB, request: Request):
    """Skip one date of the schedule: it will never be posted (unless posted by hand)."""
    return skip_occurrence(conn, recurring_id, body.date)


@router.post(
    "/recurring/{recurring_id}/post", status_code=201, response_model=ExpenseResponse,
    responses={**occurrence_errors, **BAD_CATEGORY},
)
def post_recurring_now(recurring_id: RecurringId, body: OccurrenceDate, conn: DB, request: Request):
    """Post one date of the schedule now (the expense is dated that date); only once."""
    return post_occurrence(conn, recurring_id, body.date)
