"""`summary`: a month's totals and how each budget stands."""

import json
from datetime import date

import click

from desktop.cli.common import CONTEXT, checked, db_option, open_existing, user_errors, version_option
from tracker.summary import month_summary
from tracker.validation import check_month


@click.command(context_settings=CONTEXT)
@db_option
@version_option
@click.option("--month", metavar="YYYY-MM", default=None, help="The month (default this month).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@user_errors
def summary(month: str | None, as_json: bool) -> None:
    """Show a month's total, its totals by category, and how each budget stands.

    Budgets (see `budget`) show what was spent of the limit and what is left, or how much
    over it the month is.

    \b
    Example:
      expense-tracker summary --month 2025-03
    """
    month = checked("--month", month, check_month) or date.today().isoformat()[:7]
    conn = open_existing()
    try:
        result = month_summary(conn, month)
    finally:
        conn.close()
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
        return
    click.echo(f"{month}: {result['total']:,.2f} in {result['count']} expense{'s' if result['count'] != 1 else ''}")
    for row in result["by_category"]:
        click.echo(f"  {row['category_name'][:24]:<24} {row['total']:>12,.2f}  ({row['count']})")
    budgets = [(row["category_name"], row) for row in result.get("budgets", [])]
    if "overall_budget" in result:
        budgets.append(("Overall", result["overall_budget"]))
    if budgets:
        click.echo("Budgets:")
    for name, status in budgets:
        click.echo(f"  {name[:24]:<24} {budget_line(status)}")


def budget_line(status: dict) -> str:
    """'spent 420.00 of 500.00 (84%)  80.00 left', or '… 12.00 over  OVER BUDGET'."""
    percent = status["percent"]
    shown = f"{percent:,.0f}" if percent == int(percent) else f"{percent:,.1f}"
    spent = f"spent {status['spent']:,.2f} of {status['limit']:,.2f} ({shown}%)"
    if status["remaining"] < 0:
        return f"{spent}  {-status['remaining']:,.2f} over  OVER BUDGET"
    return f"{spent}  {status['remaining']:,.2f} left"
