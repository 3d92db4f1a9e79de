"""The trash: deleted expenses, restored or removed for good."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.deps import DB
from api.models import Count, ErrorBody, ExpenseId, ExpenseResponse, TrashItem
from tracker.config import MAX_ID, PAGE_LIMIT_MAX
from tracker.trash import (
    count_trash,
    delete_from_trash,
    list_trash,
    purge_trash,
    restore_expense,
)

router = APIRouter()


@router.get("/trash", response_model=list[TrashItem])
def get_trash(
    conn: DB,
    limit: Annotated[int, Query(ge=1, le=PAGE_LIMIT_MAX)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
):
    return list_trash(conn, limit, offset)


@router.get("/trash/count", response_model=Count)
def get_trash_count(conn: DB):
    return {"count": count_trash(conn)}


not_in_trash = {404: {"model": ErrorBody, "description": "Not in the trash"}}


@router.post(
    "/trash/{expense_id}/restore",
    response_model=ExpenseResponse,
    responses={**not_in_trash, 409: {"model": ErrorBody, "description": "An expense with that id exists"}},
)
def post_restore(expense_id: ExpenseId, conn: DB, request: Request):
    return restore_expense(conn, expense_id)


@router.delete("/trash/{expense_id}", status_code=204, responses=not_in_trash)
def remove_from_trash(expense_id: ExpenseId, conn: DB, request: Request):
    delete_from_trash(conn, expense_id)
    return Response(status_code=204)


@router.delete("/trash", status_code=204)
def empty_trash(conn: DB, request: Request):
    purge_trash(conn, everything=True)
    return Response(status_code=204)
