"""Budgets: each category's monthly limit and the overall one."""

from fastapi import APIRouter, Request, Response

from api.deps import DB
from api.models import Budgets, CategoryBudget, CategoryId, ErrorBody, OverallBudget
from tracker.budgets import delete_budget, list_budgets, set_budget
from tracker.models import BudgetSet

router = APIRouter()


no_budget = {404: {"model": ErrorBody, "description": "No such category, or no budget to clear"}}


@router.get("/budgets", response_model=Budgets)
def get_budgets(conn: DB):
    return list_budgets(conn)


# Before /budgets/{category_id}, which would otherwise refuse "overall" as an id.
@router.put("/budgets/overall", response_model=OverallBudget)
def put_overall_budget(budget: BudgetSet, conn: DB, request: Request):
    """Set or change the monthly limit of all spending together."""
    return set_budget(conn, None, budget)


@router.delete("/budgets/overall", status_code=204, responses=no_budget)
def remove_overall_budget(conn: DB, request: Request):
    delete_budget(conn, None)
    return Response(status_code=204)


@router.put("/budgets/{category_id}", response_model=CategoryBudget, responses=no_budget)
def put_budget(category_id: CategoryId, budget: BudgetSet, conn: DB, request: Request):
    """Set or change a category's monthly limit."""
    return set_budget(conn, category_id, budget)


@router.delete("/budgets/{category_id}", status_code=204, responses=no_budget)
def remove_budget(category_id: CategoryId, conn: DB, request: Request):
    delete_budget(conn, category_id)
    return Response(status_code=204)
