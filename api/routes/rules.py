"""Rules: the person's own "this description goes in that category", tried before anything learned."""

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.deps import DB
from api.models import ErrorBody, RuleId, RuleResponse, RuleSuggestion
from tracker.categorise import suggest_rule
from tracker.config import MAX_ID
from tracker.models import RuleCreate, RuleUpdate
from tracker.rules import create_rule, delete_rule, list_rules, update_rule
from tracker.validation import provided_fields

router = APIRouter()
NOT_FOUND = {404: {"model": ErrorBody, "description": "No such rule"}}


@router.get("/rules", response_model=list[RuleResponse])
def get_rules(conn: DB):
    """Every rule, in the order they are tried."""
    return list_rules(conn)


@router.post("/rules", status_code=201, response_model=RuleResponse)
def post_rule(rule: RuleCreate, conn: DB):
    """A new rule, tried after the others (move it with `position`)."""
    return create_rule(conn, rule)


@router.get(
    "/rules/suggestion",
    response_model=RuleSuggestion | None,
    responses={404: {"model": ErrorBody, "description": "No such expense"}},
)
def get_rule_suggestion(
    conn: DB,
    expense_id: Annotated[int, Query(ge=1, le=MAX_ID, description="The expense whose category was just changed.")],
):
    """The rule to offer after a person moved an expense to another category ("Always put REWE in
    Groceries?"), or null when its description has no word to look for."""
    return suggest_rule(conn, expense_id)


@router.put("/rules/{rule_id}", response_model=RuleResponse, responses=NOT_FOUND)
def put_rule(rule_id: RuleId, changes: RuleUpdate, conn: DB):
    """Change the fields sent; a bound or description sent as null is taken away."""
    return update_rule(conn, rule_id, provided_fields(changes, clearable=("amount_min", "amount_max", "description")))


@router.delete("/rules/{rule_id}", status_code=204, responses=NOT_FOUND)
def remove_rule(rule_id: RuleId, conn: DB):
    delete_rule(conn, rule_id)
    return Response(status_code=204)
