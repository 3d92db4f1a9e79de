"""Settings: currency and the first day of the week."""

import logging
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from api.deps import DB
from api.models import ErrorBody, ExchangeRate, HomeCurrencyResult, Settings
from api.progress import Put, progress_event, progress_stream
from tracker.db import Database, Session
from tracker.home_currency import change_home_currency, undo_home_currency
from tracker.models import CurrencyCode, HomeCurrencyChange, IsoDate, SettingsUpdate
from tracker.settings import get_settings, update_settings

router = APIRouter()
log = logging.getLogger("expense_tracker")


@router.get("/settings", response_model=Settings)
def read_settings(conn: DB):
    return get_settings(conn)


@router.put("/settings", response_model=Settings)
def write_settings(changes: SettingsUpdate, conn: DB, request: Request):
    return update_settings(conn, changes)


@router.post("/settings/home-currency", response_model=HomeCurrencyResult,
             responses={200: {"content": {"application/x-ndjson": {}}}})
def post_home_currency(change: HomeCurrencyChange, conn: DB, request: Request):
    """Make another currency the home one: every expense keeps its money (what was entered in the old
    home currency is now in that currency) and gets its home amount at the ECB rate of its date.
    One step: POST /settings/home-currency/undo takes it back. (PUT /settings relabels, as it always did.)

    With `Accept: application/x-ndjson` the answer is a stream of progress lines
    (`{"phase", "done", "total"}`, the expenses recomputed so far) ending with `{"result": …}` (this
    answer's JSON) or `{"error": …, "status": …}`; a million expenses take several seconds."""
    if "application/x-ndjson" not in request.headers.get("accept", ""):
        return change_home_currency(conn, change.currency)
    return StreamingResponse(home_currency_progress(request.app.state.database, change.currency),
                             media_type="application/x-ndjson")


RECOMPUTING = "Recomputing the home amounts"
ADDING_UP = "Adding up the totals"


def home_currency_progress(database: Database, currency: str) -> Iterator[bytes]:
    """Change the home currency on a thread of its own (it ends even if nobody reads the stream),
    and stream its progress as JSON lines: the expenses recomputed, in steps, then the totals."""

    def run(conn: Session, put: Put) -> dict:
        def report(done: int, total: int) -> None:
            # The last chunk recomputed, the month totals are added up again before the change is kept.
            put(progress_event(ADDING_UP if done >= total else RECOMPUTING, done, total))

        put(progress_event(RECOMPUTING, 0, 0))
        return {"result": change_home_currency(conn, currency, progress=report)}

    return progress_stream(database, f"Changing the home currency to {currency}", run,
                           "Changing the home currency failed unexpectedly; nothing was changed.")


@router.post("/settings/home-currency/undo", response_model=HomeCurrencyResult,
             responses={404: {"model": ErrorBody, "description": "Nothing to undo"}})
def post_home_currency_undo(conn: DB, request: Request):
    """Put back the home currency and every expense's amounts as they were before the last change."""
    return undo_home_currency(conn)


@router.get("/rates", response_model=ExchangeRate)
def get_rate(
    conn: DB,
    currency: Annotated[CurrencyCode, Query()],
    date: Annotated[IsoDate, Query(description="The day (YYYY-MM-DD); a weekend or a holiday takes the last rate before it.")],
):
    """The European Central Bank's rate of `date` from `currency` to the home currency: what an
    expense in that currency on that day is converted at unless a rate is typed."""
    from tracker.currencies import ecb_rate
    from tracker.settings import home_currency

    home = home_currency(conn)
    found = ecb_rate(currency or home, home, date)
    return {"currency": currency or home, "home_currency": home, "rate": float(found.rate), "rate_source": found.source}
