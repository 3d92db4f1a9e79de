"""`budget set`, `budget clear` and `budget list`: monthly limits."""

import json
import sqlite3
from typing import NamedTuple

import click

from desktop.cli.common import (
    CONTEXT,
    UserError,
    amount_of,
    category_of,
    checked_amount,
    db_option,
    open_existing,
    user_errors,
    version_option,
)
from tracker.budgets import delete_budget, list_budgets, set_budget
from tracker.errors import NotFound

OVERALL = "overall"


class CheckedBudget(NamedTuple):
    """A budget checked as tracker.models.BudgetSet checks it (see checked_amount), as set_budget reads it."""

    amount: float


def budget_category(conn: sqlite3.Connection, category: str) -> tuple[int | None, str]:
    """CATEGORY of the budget commands: `overall`, else a category's name or id."""
    if category.strip().casefold() == OVERALL:
        return None, "the overall budget"
    chosen = category_of(conn, category)
    return chosen["id"], f"the budget of {chosen['name']}"


@click.group(context_settings=CONTEXT)
@db_option
@version_option
def budget() -> None:
    """Set, list or clear monthly budgets: one per category and one for all spending.

    `summary` shows how each stands in a month: spent, left, or over.

    \b
    Examples:
      expense-tracker budget set Food 500
      expense-tracker budget set overall 2000
      expense-tracker budget list
      expense-tracker budget clear Food
    """


@budget.command("set", context_settings={**CONTEXT, "ignore_unknown_options": True})
@db_option
@version_option
@click.argument("category", metavar="CATEGORY")
@click.argument("amount", metavar="AMOUNT")
@user_errors
def budget_set(category: str, amount: str) -> None:
    """Set or change a monthly budget.

    CATEGORY is a category's name or id, or `overall` for all spending together.

    \b
    Examples:
      expense-tracker budget set Food 500
      expense-tracker budget set overall 2000
    """
    limit = CheckedBudget(checked_amount("AMOUNT", amount_of("AMOUNT", amount)))
    conn = open_existing(create=True)
    try:
        category_id, which = budget_category(conn, category)
        saved = set_budget(conn, category_id, limit)
    finally:
        conn.close()
    click.echo(f"Set {which} to {saved['amount']:,.2f} a month.")


@budget.command("clear", context_settings=CONTEXT)
@db_option
@version_option
@click.argument("category", metavar="CATEGORY")
@user_errors
def budget_clear(category: str) -> None:
    """Remove a monthly budget.

    CATEGORY is a category's name or id, or `overall`.

    \b
    Example:
      expense-tracker budget clear Food
    """
    conn = open_existing()
    try:
        category_id, which = budget_category(conn, category)
        try:
            delete_budget(conn, category_id)
        except NotFound:
            raise UserError(f"There is no {which.removeprefix('the ')} to clear.") from None
    finally:
        conn.close()
    click.echo(f"Cleared {which}.")


@budget.command("list", context_settings=CONTEXT)
@db_option
@version_option
@click.option("--json", "as_json", is_flag=True, help="Print the budgets as JSON.")
@user_errors
def budget_list(as_json: bool) -> None:
    """List the monthly budgets: the overall one first, then by category.

    \b
    Example:
      expense-tracker budget list
    """
    conn = open_existing()
    try:
        budgets = list_budgets(conn)
    finally:
        conn.close()
    if as_json:
        click.echo(json.dumps(budgets, ensure_ascii=False))
        return
    if budgets["overall"] is not None:
        click.echo(f"  {'Overall':<24} {budgets['overall']:>12,.2f} a month")
    for row in budgets["categories"]:
        click.echo(f"  {row['category_name'][:24]:<24} {row['amount']:>12,.2f} a month")
    if budgets["overall"] is None and not budgets["categories"]:
        click.echo("No budgets set; `budget set CATEGORY AMOUNT` sets one.", err=True)
