"""`split`: one expense divided among categories (a supermarket receipt), or whole again."""

import json

import click

from desktop.cli.common import (
    CONTEXT,
    UserError,
    category_id_of,
    checked_positive,
    command_hint,
    db_option,
    open_existing,
    user_errors,
    version_option,
)
from tracker.config import MAX_ID
from tracker.errors import NotFound


def parsed_part(text: str) -> tuple[str, float]:
    """CATEGORY=AMOUNT as typed (the category may itself contain '=': the amount is after the last one)."""
    name, sign, amount = text.rpartition("=")
    if not sign or not name.strip():
        raise UserError(f"--part {text!r} is not CATEGORY=AMOUNT, as in --part Household=12.50.")
    try:
        value = float(amount.strip())
    except ValueError:
        raise UserError(f"--part {text!r}: {amount.strip()!r} is not an amount, as in --part Household=12.50.") from None
    return name.strip(), checked_positive("--part", value)


def parts_text(expense: dict) -> str:
    return ", ".join(f"{part['category_name']} {part['amount']:,.2f}" + (f" ({part['note']})" if part["note"] else "")
                     for part in expense["parts"])


@click.command(context_settings=CONTEXT)
@db_option
@version_option
@click.argument("expense_id", metavar="ID", type=click.IntRange(1, MAX_ID))
@click.option("--part", "parts", metavar="CATEGORY=AMOUNT", multiple=True,
              help="A part: its category (name or id) and amount (2 or more; they add up to the expense's amount).")
@click.option("--note", "notes", metavar="TEXT", multiple=True,
              help="A part's own note: the first --note goes with the first --part, and so on ('' for none).")
@click.option("--undo", is_flag=True, help="Unsplit: the expense is whole again, in its largest part's category.")
@click.option("--json", "as_json", is_flag=True, help="Print the expense as JSON.")
@user_errors
def split(expense_id: int, parts: tuple[str, ...], notes: tuple[str, ...], undo: bool, as_json: bool) -> None:
    """Split an expense among categories, change its parts, or (--undo) make it whole again.

    The parts add up exactly to the expense's amount, each in a different category; summaries,
    budgets, the report and `list --category` count each part in its category. The expense keeps
    the category of its largest part. `list` shows the ids and marks split expenses.

    \b
    Examples:
      expense-tracker split 12 --part Groceries=30 --part Household=12.50 --part Drinks=12
      expense-tracker split 12 --part Food=30 --part Household=24.50 --note '' --note 'soap'
      expense-tracker split 12 --undo
    """
    from tracker.splits import clear_parts, set_parts

    if undo and (parts or notes):
        raise UserError("Give either --part (to split) or --undo (to make it whole again), not both.")
    if not undo and not parts:
        raise UserError("Give two or more --part CATEGORY=AMOUNT to split it, or --undo to make it whole again.")
    if len(notes) > len(parts) and not undo:
        raise UserError(f"{len(notes)} --note for {len(parts)} --part: each note goes with the --part in its place.")
    typed = [parsed_part(text) for text in parts]
    conn = open_existing()
    try:
        try:
            if undo:
                expense = clear_parts(conn, expense_id)
            else:
                given = [{"category_id": category_id_of(conn, name), "amount": amount,
                          "note": notes[number] if number < len(notes) else ""}
                         for number, (name, amount) in enumerate(typed)]
                expense = set_parts(conn, expense_id, given)
        except NotFound as exc:
            if str(exc).startswith("Expense"):
                raise UserError(f"No expense {expense_id}; `{command_hint('list')}` shows the ids.") from None
            raise
    finally:
        conn.close()
    if as_json:
        click.echo(json.dumps(expense, ensure_ascii=False))
    elif undo:
        click.echo(f"Expense {expense_id} is whole again, in {expense['category_name']}: {expense['amount']:,.2f}.")
    else:
        click.echo(f"Split expense {expense_id} into {len(expense['parts'])} parts: {parts_text(expense)}.")
