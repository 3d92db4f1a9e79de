"""`trash list`, `trash restore` and `trash empty`: the deleted expenses."""

import json

import click

from desktop.cli.common import (
    CONTEXT,
    confirm,
    db_option,
    format_row,
    local_time,
    open_existing,
    plural,
    user_errors,
    version_option,
)
from tracker.config import MAX_ID
from tracker.trash import count_trash, list_trash, purge_trash, restore_expense


@click.group(context_settings=CONTEXT)
@db_option
@version_option
def trash() -> None:
    """List, restore or empty the trash of deleted expenses.

    Deleted expenses stay in the trash for 30 days, then go for good.

    \b
    Examples:
      expense-tracker trash list
      expense-tracker trash restore 12 13
      expense-tracker trash empty --yes
    """


@trash.command("list", context_settings=CONTEXT)
@db_option
@version_option
@click.option("--limit", type=click.IntRange(1, 10_000), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@user_errors
def trash_list(limit: int, as_json: bool) -> None:
    """List the trash, last deleted first.

    Columns: id, date, amount, category, when deleted, days left, description.

    \b
    Example:
      expense-tracker trash list --limit 10
    """
    conn = open_existing()
    try:
        items = list_trash(conn, limit=limit)
        total = count_trash(conn)
    finally:
        conn.close()
    for item in items:
        if as_json:
            click.echo(json.dumps(item, ensure_ascii=False))
            continue
        reverted = f"  (import {item['reverted_batch_id']} reverted)" if item["reverted_batch_id"] else ""
        click.echo(f"{item['id']:>6}  {item['date']}  {item['amount']:>12,.2f}  {item['category_name'][:16]:<16}  "
                   f"deleted {local_time(item['deleted_at'])[:10]}  {plural(item['days_left'], 'day'):>7} left  "
                   f"{item['description']}{reverted}")
    if as_json:
        return
    if not items:
        click.echo("The trash is empty.", err=True)
    elif total > len(items):
        click.echo(f"… and {plural(total - len(items), 'more')} (see --limit).", err=True)


@trash.command("restore", context_settings=CONTEXT)
@db_option
@version_option
@click.argument("expense_ids", metavar="ID...", nargs=-1, required=True, type=click.IntRange(1, MAX_ID))
@user_errors
def trash_restore(expense_ids: tuple[int, ...]) -> None:
    """Bring expenses back from the trash, with the ids they had.

    \b
    Example:
      expense-tracker trash restore 12 13
    """
    conn = open_existing()
    try:
        for expense_id in expense_ids:
            restored = restore_expense(conn, expense_id)
            click.echo(f"Restored expense {restored['id']}: {format_row(restored)}")
    finally:
        conn.close()


@trash.command("empty", context_settings=CONTEXT)
@db_option
@version_option
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@user_errors
def trash_empty(yes: bool) -> None:
    """Delete everything in the trash for good.

    Asks first, unless --yes; with no one to answer (no input), it needs --yes.

    \b
    Example:
      expense-tracker trash empty --yes
    """
    conn = open_existing()
    try:
        count = count_trash(conn)
        if count == 0:
            click.echo("The trash is already empty.")
            return
        confirm(f"Delete the {plural(count, 'expense')} in the trash for good?", yes, "empty the trash")
        gone = purge_trash(conn, everything=True)
    finally:
        conn.close()
    click.echo(f"Emptied the trash: {plural(gone, 'expense')} deleted for good.")
