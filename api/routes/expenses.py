"""Expenses: the list, its count, export and suggestions, and one expense by id."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import ConfigDict, TypeAdapter

from api.deps import DB, connection, model_json
from api.models import (
    BAD_CATEGORY,
    Count,
    ErrorBody,
    ExpenseId,
    ExpenseResponse,
    ExpenseTotals,
    Suggestion,
)
from tracker.config import MAX_ID, PAGE_LIMIT_MAX
from tracker.expenses import (
    count_expenses,
    create_expense,
    delete_expense,
    expense_totals,
    get_expense,
    list_expenses,
    suggestions,
    update_expense,
)
from tracker.export import export_csv
from tracker.models import ExpenseCreate, ExpenseFilters, ExpensePartIn, ExpenseUpdate
from tracker.splits import clear_parts, set_parts
from tracker.validation import provided_fields

router = APIRouter()

EXPENSE_LIST = TypeAdapter(list[ExpenseResponse])
EXPENSE = TypeAdapter(ExpenseResponse)

# A page's parameters besides the filters, declared once: the route below takes them one by one
# (so that the OpenAPI document lists them), and api/fast.py validates a query with ExpensePage.
Sort = Literal["date", "amount", "created_at"]
Order = Literal["asc", "desc"]
Limit = Annotated[int, Query(ge=1, le=PAGE_LIMIT_MAX)]
Offset = Annotated[int, Query(ge=0, le=MAX_ID)]
Cursor = Annotated[str | None, Query(
    max_length=500,
    description="Keyset cursor from the previous page's X-Next-Cursor header; fast at any depth. Use instead of offset.",
)]


class ExpensePage(ExpenseFilters):
    """Every parameter of `GET /expenses`; an unknown one is refused (and then answered by the route)."""

    model_config = ConfigDict(extra="forbid")

    sort: Sort = "date"
    order: Order = "desc"
    limit: Limit = 50
    offset: Offset = 0
    cursor: Cursor = None


@router.get(
    "/expenses",
    response_model=list[ExpenseResponse],
    responses={200: {"headers": {"X-Next-Cursor": {
        "description": "Present when more rows follow: pass it as `cursor` to get the next page.",
        "schema": {"type": "string"},
    }}}},
)
def get_expenses(
    request: Request,
    filters: Annotated[ExpenseFilters, Query()],
    sort: Sort = "date",
    order: Order = "desc",
    limit: Limit = 50,
    offset: Offset = 0,
    cursor: Cursor = None,
):
    with connection(request) as conn:
        page, next_cursor = list_expenses(
            conn, **filters.model_dump(), sort=sort, order=order, limit=limit, offset=offset, cursor=cursor,
        )
    answer = model_json(EXPENSE_LIST, page)
    if next_cursor is not None:
        answer.headers["X-Next-Cursor"] = next_cursor
    return answer


@router.get(
    "/expenses/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "CSV of the expenses."}},
)
def get_export(
    request: Request,
    filters: Annotated[ExpenseFilters, Query()],
    columns: Annotated[Literal["currency"] | None, Query(
        description="`currency`: add the columns currency, home_amount and rate after the five default ones.",
    )] = None,
):
    # The connection belongs to the stream: it closes when the last row is sent.
    conn = request.app.state.database.open()
    try:
        chunks = export_csv(conn, **filters.model_dump(), currency_columns=columns == "currency")
    except BaseException:
        conn.close()
        raise
    return StreamingResponse(
        chunks,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="expenses.csv"'},
    )


@router.get("/expenses/count", response_model=Count)
def get_count(conn: DB, filters: Annotated[ExpenseFilters, Query()]):
    return {"count": count_expenses(conn, **filters.model_dump())}


@router.get("/expenses/totals", response_model=ExpenseTotals)
def get_totals(conn: DB, filters: Annotated[ExpenseFilters, Query()]):
    """The count and the total of all the expenses that match the filters (the same query
    parameters as `GET /expenses`), not just of one page."""
    return expense_totals(conn, **filters.model_dump())


@router.get("/expenses/suggestions", response_model=list[Suggestion])
def get_suggestions(conn: DB, q: Annotated[str, Query(min_length=1, max_length=200)]):
    return suggestions(conn, q)


not_found = {404: {"model": ErrorBody, "description": "No such expense"}}


@router.get("/expenses/{expense_id}", response_model=ExpenseResponse, responses=not_found)
def get_one_expense(expense_id: ExpenseId, conn: DB):
    return get_expense(conn, expense_id)


@router.post("/expenses", status_code=201, response_model=ExpenseResponse, responses=BAD_CATEGORY)
def post_expense(expense: ExpenseCreate, request: Request):
    with connection(request) as conn:
        return model_json(EXPENSE, create_expense(conn, expense), 201)


@router.put(
    "/expenses/{expense_id}",
    response_model=ExpenseResponse,
    responses={**not_found, **BAD_CATEGORY},
)
def put_expense(expense_id: ExpenseId, changes: ExpenseUpdate, conn: DB, request: Request):
    return update_expense(conn, expense_id, provided_fields(changes))


@router.delete("/expenses/{expense_id}", status_code=204, responses=not_found)
def remove_expense(expense_id: ExpenseId, conn: DB, request: Request):
    delete_expense(conn, expense_id)
    return Response(status_code=204)


split_errors = {**not_found, 400: BAD_CATEGORY[400],
                409: {"model": ErrorBody, "description": "Not split (DELETE), or a total too large"}}


@router.put("/expenses/{expense_id}/parts", response_model=ExpenseResponse, responses=split_errors)
def put_expense_parts(expense_id: ExpenseId, parts: list[ExpensePartIn], conn: DB, request: Request):
    """Split the expense among categories (or change its parts): 2 or more parts, each in a different
    category, that add up exactly to its amount. Its `category_id` becomes its largest part's."""
    return set_parts(conn, expense_id, parts)


@router.delete("/expenses/{expense_id}/parts", response_model=ExpenseResponse, responses=split_errors)
def delete_expense_parts(expense_id: ExpenseId, conn: DB, request: Request):
    """Unsplit: the expense is whole again, in its category (its largest part's)."""
    return clear_parts(conn, expense_id)
