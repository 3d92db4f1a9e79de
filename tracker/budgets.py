"""Budgets: a monthly limit per category, and one for all spending together."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracker.db import Session
from tracker.errors import NotFound

if TYPE_CHECKING:  # Pydantic loads only for the commands that validate input
    from tracker.models import BudgetSet
from tracker.money import cents_to_amount, to_cents

OVERALL_BUDGET_KEY = "overall_budget_cents"
# (A value another program stored that is not a positive number of cents counts as no budget.)
OVERALL_BUDGET_SELECT = """select null, null, null, null, cast(value as integer) from settings
        where key = ? and cast(value as integer) > 0"""


def budget_status(limit_cents: int, spent_cents: int) -> dict:
    return {
        "limit": cents_to_amount(limit_cents),
        "spent": cents_to_amount(spent_cents),
        "remaining": cents_to_amount(limit_cents - spent_cents),
        # Tenths of a percent in integers, rounded half up: 60.15 is 60.2, as a person rounds it.
        "percent": (spent_cents * 2000 + limit_cents) // (2 * limit_cents) / 10,
    }


def overall_budget_cents(conn: Session) -> int | None:
    row = conn.execute(OVERALL_BUDGET_SELECT, (OVERALL_BUDGET_KEY,)).fetchone()
    return row[4] if row else None


def list_budgets(conn: Session) -> dict:
    overall = overall_budget_cents(conn)
    rows = conn.execute(
        """select b.category_id, c.name as category_name, b.amount_cents
        from budgets b join categories c on c.id = b.category_id
        order by c.name collate nocase, c.name"""
    )
    return {
        "overall": cents_to_amount(overall) if overall is not None else None,
        "categories": [
            {"category_id": r["category_id"], "category_name": r["category_name"], "amount": cents_to_amount(r["amount_cents"])}
            for r in rows
        ],
    }


def set_budget(
    conn: Session, category_id: int | None, budget: BudgetSet
) -> dict:
    """Set or change the monthly budget of a category, or the overall one (category_id None)."""
    cents = to_cents(budget.amount)
    with conn.write():
        if category_id is None:
            conn.execute(
                "insert into settings (key, value) values (?, ?) on conflict (key) do update set value = excluded.value",
                (OVERALL_BUDGET_KEY, str(cents)),
            )
            return {"amount": cents_to_amount(cents)}
        row = conn.execute("select name from categories where id = ?", (category_id,)).fetchone()
        if row is None:
            raise NotFound(f"Category {category_id} not found.")
        conn.execute(
            "insert into budgets (category_id, amount_cents) values (?, ?) "
            "on conflict (category_id) do update set amount_cents = excluded.amount_cents",
            (category_id, cents),
        )
        return {"category_id": category_id, "category_name": row["name"], "amount": cents_to_amount(cents)}


def delete_budget(conn: Session, category_id: int | None) -> None:
    """Clear the budget of a category, or the overall one (category_id None)."""
    with conn.write():
        if category_id is None:
            if not conn.execute("delete from settings where key = ?", (OVERALL_BUDGET_KEY,)).rowcount:
                raise NotFound("No overall budget is set.")
            return
        if conn.execute("select 1 from categories where id = ?", (category_id,)).fetchone() is None:
            raise NotFound(f"Category {category_id} not found.")
        if not conn.execute("delete from budgets where category_id = ?", (category_id,)).rowcount:
            raise NotFound(f"Category {category_id} has no budget.")
