"""The expenses themselves: `add`, `edit`, `list`, `delete` and `export`."""

import json
import math
import sys
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

import click

from desktop.cli.common import (
    CONTEXT,
    UserError,
    category_id_of,
    checked,
    checked_amount,
    checked_positive,
    command_hint,
    date_range,
    db_option,
    format_row,
    open_existing,
    plural,
    user_errors,
    version_option,
)
from desktop.native import save_whole
from tracker.config import MAX_ID, PAGE_LIMIT_MAX
from tracker.errors import NotFound
from tracker.expenses import create_expense, delete_expense, get_expense, list_expenses, update_expense
from tracker.export import export_csv
from tracker.validation import check_date, check_text

currency_option = click.option(
    "--currency", metavar="CODE", help="The amount's currency, an ISO 4217 code such as JPY (default: the home currency).")
rate_option = click.option(
    "--rate", type=float, help="One unit of --currency in the home currency, as a card statement says "
    "(default: the European Central Bank's rate of the date).")


@click.command(context_settings=CONTEXT)
@db_option
@version_option
@click.option("--from", "date_from", metavar="YYYY-MM-DD", help="First date included.")
@click.option("--to", "date_to", metavar="YYYY-MM-DD", help="Last date included.")
@click.option("--category", metavar="NAME|ID", help="Only this category.")
@click.option("--search", metavar="TEXT",
              help="Only expenses whose description has every word of TEXT (any case, any accents).")
@click.option("--tag", "tags", metavar="TAG", multiple=True,
              help="Only expenses with this tag (repeatable: with all of them).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Write to this file instead of standard output.")
@click.option("--currency-columns", is_flag=True, help="Add the columns currency, home_amount and rate.")
@user_errors
def export(date_from: str | None, date_to: str | None, category: str | None, search: str | None,
           tags: tuple[str, ...], output: Path | None, currency_columns: bool) -> None:
    """Export expenses as CSV, straight from the database (no server needed).

    Columns: id,amount,description,category,date, newest first. Streams, so any size takes
    little memory.

    \b
    Examples:
      expense-tracker export > all.csv
      expense-tracker export --from 2025-01-01 --to 2025-03-31 --category Food -o q1-food.csv
      expense-tracker export --search "coffee shop" > coffee.csv
      expense-tracker export --tag holiday --from 2025-07-01 -o holiday.csv
    """
    date_from, date_to = date_range(date_from, date_to)
    tags = checked_tags("--tag", tags)
    conn = open_existing()
    try:
        chunks = export_csv(conn, date_from, date_to, category_id_of(conn, category), q=search, tag=tags,
                            currency_columns=currency_columns)
    except BaseException:
        conn.close()
        raise
    if output is None:
        stream = sys.stdout.buffer
        for chunk in chunks:
            stream.write(chunk)
        stream.flush()
        return
    save_whole(output, chunks)
    click.echo(f"Exported to {output}.", err=True)


@click.command(context_settings=CONTEXT)
@db_option
@version_option
@click.option("--amount", required=True, type=float, help="A positive amount, at most 2 decimals.")
@click.option("--description", required=True, help="What it was (1–200 characters).")
@click.option("--category", required=True, metavar="NAME|ID", help="An existing category.")
@click.option("--date", "day", metavar="YYYY-MM-DD", default=None, help="The day (default today).")
@click.option("--tag", "tags", metavar="TAG", multiple=True,
              help="A tag, with or without '#' (repeatable; letters, digits, '-' and '_').")
@currency_option
@rate_option
@click.option("--json", "as_json", is_flag=True, help="Print the new expense as JSON.")
@user_errors
def add(amount: float, description: str, category: str, day: str | None, tags: tuple[str, ...], currency: str | None,
        rate: float | None, as_json: bool) -> None:
    """Add an expense.

    \b
    Examples:
      expense-tracker add --amount 12.50 --description "Lunch, with Sam" --category Food --date 2025-03-14
      expense-tracker add --amount 240 --description Hotel --category Travel --tag holiday --tag lisbon
      expense-tracker add --amount 1200 --currency JPY --description Ramen --category Food
      expense-tracker add --amount 1200 --currency JPY --rate 0.0061 --description Ramen --category Food
    """
    tags = checked_tags("--tag", tags)
    conn = open_existing(create=True)
    try:
        expense = checked_expense(
            amount=amount, description=description, category_id=category_id_of(conn, category),
            date=day or date.today().isoformat(), tags=tags, currency=currency, rate=checked_rate(rate),
        )
        created = create_expense(conn, expense)
    finally:
        conn.close()
    if as_json:
        click.echo(json.dumps(created, ensure_ascii=False))
    else:
        click.echo(f"Added expense {created['id']}: {format_row(created)}")


class CheckedExpense(NamedTuple):
    """A new expense checked as tracker.models.ExpenseCreate checks it, with what create_expense reads."""

    amount: float
    description: str
    category_id: int
    date: str
    tags: list[str] | None = None
    currency: str | None = None
    rate: float | None = None


def checked_rate(rate: float | None) -> float | None:
    if rate is not None and not (math.isfinite(rate) and 0 < rate <= 1e9):
        raise UserError(f"Invalid --rate: a rate is a positive number (at most 1e9), not {rate}.")
    return rate


DESCRIPTION_MAX = 200  # ExpenseCreate's Description: at most 200 characters once trimmed


def checked_expense(amount: float, description: str, category_id: int, date: str,
                    tags: list[str] | None = None, currency: str | None = None,
                    rate: float | None = None) -> CheckedExpense:
    """ExpenseCreate's rules and first complaint, in its words, without loading Pydantic (~90 ms here,
    longer than the rest of the start).

    tests/test_cli.py holds the two to the same answers.
    """
    if currency is None:
        amount = checked_amount("--amount", amount)
    else:
        from tracker.currencies import check_amount, check_currency

        currency = check_currency(currency)
        amount = check_amount(checked_positive("--amount", amount), currency)
    description = checked_description(description)
    return CheckedExpense(amount, description, category_id, checked("--date", date, check_date), tags or None,
                          currency, rate)


def checked_tags(option: str, tags: tuple[str, ...]) -> list[str]:
    """The tags given with a repeatable option, each once, checked."""
    from tracker.tags import check_tags

    try:
        return check_tags(tags)
    except ValueError as exc:
        raise UserError(f"Invalid {option}: {exc}.") from None


def checked_description(description: str) -> str:
    description = checked("--description", description, check_text)
    if len(description) > DESCRIPTION_MAX:
        raise UserError(f"Invalid --description: value should have at most {DESCRIPTION_MAX} items after "
                        f"validation, not {len(description)}.")
    return description


def no_expense(expense_id: int) -> UserError:
    return UserError(f"No expense {expense_id}; `{command_hint('list')}` shows the ids.")


@click.command(context_settings=CONTEXT)
@db_option
@version_option
@click.argument("expense_id", metavar="ID", type=click.IntRange(1, MAX_ID))
@click.option("--amount", type=float, help="A positive amount, at most 2 decimals.")
@click.option("--description", help="What it was (1–200 characters).")
@click.option("--category", metavar="NAME|ID", help="An existing category.")
@click.option("--date", "day", metavar="YYYY-MM-DD", help="The day.")
@click.option("--tag", "tags", metavar="TAG", multiple=True, help="Add this tag (repeatable).")
@click.option("--untag", "untags", metavar="TAG", multiple=True, help="Take this tag off (repeatable).")
@currency_option
@rate_option
@click.option("--json", "as_json", is_flag=True, help="Print the changed expense as JSON.")
@user_errors
def edit(expense_id: int, amount: float | None, description: str | None, category: str | None, day: str | None,
         tags: tuple[str, ...], untags: tuple[str, ...], currency: str | None, rate: float | None,
         as_json: bool) -> None:
    """Change an expense: only the options given change. `list` shows the ids.

    \b
    Examples:
      expense-tracker edit 12 --amount 13.20
      expense-tracker edit 12 --category Transport --date 2025-03-15
      expense-tracker edit 12 --tag holiday --untag work
      expense-tracker edit 12 --currency EUR --rate 1.08
    """
    if amount is None and description is None and category is None and day is None and not tags and not untags \
            and currency is None and rate is None:
        raise UserError("Nothing to change: give --amount, --description, --category, --date, --tag, --untag, "
                        "--currency or --rate.")
    added, removed = checked_tags("--tag", tags), checked_tags("--untag", untags)
    given: dict[str, Any] = {}
    if currency is not None:
        from tracker.currencies import check_currency

        given["currency"] = check_currency(currency)
    if rate is not None:
        given["rate"] = checked_rate(rate)
    if amount is not None:
        given["amount"] = checked_positive("--amount", amount)  # its decimals: below, by its currency
    if description is not None:
        given["description"] = checked_description(description)
    if day is not None:
        given["date"] = checked("--date", day, check_date)
    conn = open_existing()
    offer = None
    try:
        if category is not None:
            given["category_id"] = category_id_of(conn, category)
        try:
            before = get_expense(conn, expense_id)
            if added or removed:
                kept = [tag for tag in before["tags"] if tag not in removed]
                given["tags"] = kept + [tag for tag in added if tag not in kept]
            if "amount" in given:
                from tracker.currencies import check_amount
                from tracker.settings import home_currency

                in_currency = given.get("currency", before["currency"])
                if in_currency == home_currency(conn):
                    checked_amount("--amount", given["amount"])
                else:
                    check_amount(given["amount"], in_currency)
            updated = update_expense(conn, expense_id, given)
        except NotFound:
            raise no_expense(expense_id) from None
        if updated["category_id"] != before["category_id"]:
            from tracker.categorise import suggest_rule

            offer = suggest_rule(conn, expense_id)
    finally:
        conn.close()
    if as_json:
        click.echo(json.dumps(updated, ensure_ascii=False))
    else:
        click.echo(f"Changed expense {updated['id']}: {format_row(updated)}")
    if offer is not None and not as_json:
        # As the window asks "Always put REWE in Groceries?" after a category change.
        elsewhere = offer["elsewhere"]
        others = (f"; {plural(elsewhere, 'other expense')} with it {'is' if elsewhere == 1 else 'are'} in other "
                  f"categories (then `{command_hint('bulk', 'tidy', '--all')}` moves them)") if elsewhere else ""
        click.echo(f"Always put {offer['pattern']} in {updated['category_name']}? "
                   f"`{command_hint('rule', 'add', offer['pattern'], updated['category_name'])}`{others}.", err=True)


@click.command("list", context_settings=CONTEXT)
@db_option
@version_option
@click.option("--from", "date_from", metavar="YYYY-MM-DD", help="First date included.")
@click.option("--to", "date_to", metavar="YYYY-MM-DD", help="Last date included.")
@click.option("--category", metavar="NAME|ID", help="Only this category.")
@click.option("--search", metavar="TEXT",
              help="Only expenses whose description has every word of TEXT (any case, any accents).")
@click.option("--tag", "tags", metavar="TAG", multiple=True,
              help="Only expenses with this tag (repeatable: with all of them).")
@click.option("--sort", type=click.Choice(["date", "amount", "created_at"]), default="date", show_default=True)
@click.option("--order", type=click.Choice(["asc", "desc"]), default="desc", show_default=True)
@click.option("--limit", type=click.IntRange(1, PAGE_LIMIT_MAX), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@user_errors
def list_command(date_from, date_to, category, search, tags, sort, order, limit, as_json) -> None:
    """List expenses, newest first.

    Columns: id, date, amount, category, description. The amount is in the home currency; an
    expense in another currency shows its own amount after the description: (¥1,200).

    \b
    Example:
      expense-tracker list --from 2025-03-01 --category Food --sort amount --limit 5
      expense-tracker list --search cafe
      expense-tracker list --tag holiday --from 2025-07-01

    Tags follow the description, as #holiday.
    """
    date_from, date_to = date_range(date_from, date_to)
    tags = checked_tags("--tag", tags)
    conn = open_existing()
    try:
        page, _ = list_expenses(conn, date_from=date_from, date_to=date_to,
                                   category_id=category_id_of(conn, category),
                                   sort=sort, order=order, limit=limit, q=search, tag=tags)
    finally:
        conn.close()
    for expense in page:
        click.echo(json.dumps(expense, ensure_ascii=False) if as_json else f"{expense['id']:>6}  {format_row(expense)}")
    if not page and not as_json:
        click.echo("No expenses match.", err=True)


expense_id_argument = click.argument("expense_id", metavar="ID", type=click.IntRange(1, MAX_ID))


@click.command(context_settings=CONTEXT)
@db_option
@version_option
@expense_id_argument
@user_errors
def delete(expense_id: int) -> None:
    """Move an expense to the trash.

    `trash restore ID` brings it back with the same id; the trash keeps it for 30 days.
    `list` shows the ids.

    \b
    Example:
      expense-tracker delete 12
    """
    conn = open_existing()
    try:
        expense = get_expense(conn, expense_id)
        delete_expense(conn, expense_id)
    finally:
        conn.close()
    click.echo(f"Deleted expense {expense_id} ({expense['date']} {expense['description']} {expense['amount']:,.2f}); "
               f"undo with: {command_hint('trash', 'restore', str(expense_id))}")
