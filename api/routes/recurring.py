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
    RecurringResumed,
    RecurringSaved,
    UpcomingOccurrence,
)
from tracker.models import OccurrenceDate, RecurringCreate, RecurringUpdate
from tracker.recurring import (
    UPCOMING_DAYS_MAX,
    create_recurring,
    delete_recurring,
    get_recurring,
    list_recurring,
    pause_recurring,
    post_due_listed,
    post_occurrence,
    resume_recurring,
    skip_occurrence,
    upcoming,
    update_recurring,
)

router = APIRouter()


no_recurring = {404: {"model": ErrorBody, "description": "No such recurring expense"}}


@router.get("/recurring", response_model=list[RecurringResponse])
def get_recurring_list(conn: DB, request: Request):
    return list_recurring(conn, request.app.state.today())


def saved(conn, recurring_id: int, today) -> dict:
    """The template after a change, with what posting what is due posted for it just now."""
    posted = [item for item in post_due_listed(conn, today) if item["recurring_id"] == recurring_id]
    return {**get_recurring(conn, recurring_id, today), "posted": posted}


@router.post("/recurring", status_code=201, response_model=RecurringSaved, responses=BAD_CATEGORY)
def post_recurring(rule: RecurringCreate, conn: DB, request: Request):
    """Create a template; dates already due (from start_date to today) are posted at once and listed in `posted`."""
    today = request.app.state.today()
    created = create_recurring(conn, rule, today)
    return saved(conn, created["id"], today)


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


@router.put("/recurring/{recurring_id}", response_model=RecurringSaved, responses={**no_recurring, **BAD_CATEGORY})
def put_recurring(recurring_id: RecurringId, changes: RecurringUpdate, conn: DB, request: Request):
    """Change a template. Expenses it posted stay as they were; a changed schedule applies from today on.
    Anything that falls due by the change (today's date) is posted and listed in `posted`."""
    today = request.app.state.today()
    update_recurring(conn, recurring_id, changes, today)
    return saved(conn, recurring_id, today)


@router.post("/recurring/{recurring_id}/pause", response_model=RecurringResponse, responses=no_recurring)
def pause_one_recurring(recurring_id: RecurringId, conn: DB, request: Request):
    """Pause a template from today: nothing is posted while it is paused. Pausing twice is fine."""
    return pause_recurring(conn, recurring_id, request.app.state.today())


@router.post("/recurring/{recurring_id}/resume", response_model=RecurringResumed, responses=no_recurring)
def resume_one_recurring(recurring_id: RecurringId, conn: DB, request: Request):
    """Resume a paused template. Dates that fell due while it was paused are skipped, not back-posted
    (listed in `skipped`; each can still be posted by hand); from today on it posts as before. Anything
    posted now (a date due before the pause, or today's) is in `posted`."""
    today = request.app.state.today()
    skipped = resume_recurring(conn, recurring_id, today)["skipped"]
    return {**saved(conn, recurring_id, today), "skipped": skipped}


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
