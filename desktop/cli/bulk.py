"""`bulk category|delete|restore|tidy|list|undo`: many expenses at once, each as one undoable edit."""

import json

import click

from desktop.cli.common import (
    CONTEXT,
    UserError,
    category_id_of,
    category_of,
    confirm,
    date_range,
    db_option,
    open_existing,
    user_errors,
    version_option,
)
from tracker.config import MAX_ID


def selection_options(command):
    """Which expenses: --id (repeatable), or the filters `list` takes; at least one must be given."""
    for option in reversed([
        click.option("--id", "ids", metavar="ID", multiple=True, type=click.IntRange(1, MAX_ID),
                     help="This expense (repeatable)."),
        click.option("--from", "date_from", metavar="YYYY-MM-DD", help="Expenses from this date on."),
        click.option("--to", "date_to", metavar="YYYY-MM-DD", help="Expenses up to this date."),
        click.option("--category", "in_category", metavar="NAME|ID", help="Expenses in this category."),
        click.option("--search", metavar="TEXT", help="Expenses whose description has every word of TEXT."),
        click.option("--tagged", metavar="TAG", multiple=True, help="Expenses with this tag (repeatable: all of them)."),
        click.option("--all", "everything", is_flag=True, help="Every expense (when no other option chooses)."),
    ]):
        command = option(command)
    return command


def chosen(conn, ids, date_from, date_to, in_category, search, everything, tagged=()):
    from desktop.cli.expenses import checked_tags
    from tracker.bulk import Selection

    filters = (date_from, date_to, in_category, search, tagged or None)
    if ids and any(value is not None for value in filters):
        raise UserError("Choose expenses either by --id or by --from/--to/--category/--search/--tagged, not both.")
    if ids:
        return Selection(ids=list(ids))
    if all(value is None for value in filters) and not everything:
        raise UserError("Say which expenses: --id, --from/--to/--category/--search/--tagged, or --all for every expense.")
    date_from, date_to = date_range(date_from, date_to)
    return Selection(date_from=date_from, date_to=date_to, category_id=category_id_of(conn, in_category), q=search,
                     tag=checked_tags("--tagged", tagged) or None)


def report(result: dict, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
    elif result["dry_run"]:
        click.echo(f"Would change: {result['summary']} (dry run; nothing changed).")
    else:
        click.echo(f"Edit {result['edit_id']}: {result['summary']}. "
                   f"`expense-tracker bulk undo {result['edit_id']}` takes it back.")
    if result.get("note") and not as_json:
        click.echo(result["note"])


dry_run_option = click.option("--dry-run", is_flag=True, help="Only say how many expenses it would change.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")


@click.group(context_settings=CONTEXT)
@db_option
@version_option
def bulk() -> None:
    """Change many expenses at once; each change is one edit that `bulk undo` takes back.

    Choose the expenses with --id (repeatable) or with the filters `list` takes
    (--from, --to, --category, --search, and --tagged for its --tag), or --all.

    \b
    Examples:
      expense-tracker bulk category Groceries --search rewe --dry-run
      expense-tracker bulk category Groceries --search rewe
      expense-tracker bulk delete --from 2026-11-01 --to 2026-11-30 --category Food
      expense-tracker bulk restore 41 42 43
      expense-tracker bulk tidy --all
      expense-tracker bulk tag holiday --from 2025-07-01 --to 2025-07-14
      expense-tracker bulk untag holiday --id 12
      expense-tracker bulk list
      expense-tracker bulk undo 7
    """


@bulk.command("category", context_settings=CONTEXT)
@db_option
@version_option
@click.argument("category", metavar="CATEGORY")
@selection_options
@dry_run_option
@json_option
@user_errors
def bulk_category(category, ids, date_from, date_to, in_category, search, tagged, everything, dry_run, as_json) -> None:
    """Move the chosen expenses to CATEGORY (a name or id).

    \b
    Examples:
      expense-tracker bulk category Groceries --search rewe
      expense-tracker bulk category Rent --id 12 --id 40
    """
    from tracker.bulk import set_category

    conn = open_existing()
    try:
        target = category_of(conn, category)["id"]
        result = set_category(conn, chosen(conn, ids, date_from, date_to, in_category, search, everything, tagged),
                              target, dry_run=dry_run)
    finally:
        conn.close()
    report(result, as_json)


@bulk.command("delete", context_settings=CONTEXT)
@db_option
@version_option
@selection_options
@dry_run_option
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@json_option
@user_errors
def bulk_delete(ids, date_from, date_to, in_category, search, tagged, everything, dry_run, yes, as_json) -> None:
    """Move the chosen expenses to the trash (kept 30 days; `bulk undo` brings them back).

    \b
    Example:
      expense-tracker bulk delete --from 2026-11-01 --to 2026-11-30 --category Food --yes
    """
    from tracker.bulk import delete_many, expenses_word

    conn = open_existing()
    try:
        selection = chosen(conn, ids, date_from, date_to, in_category, search, everything, tagged)
        planned = delete_many(conn, selection, dry_run=True)
        if dry_run:
            result = planned
        else:
            if planned["rows"]:
                confirm(f"Move {expenses_word(planned['rows'])} to the trash?", yes, "delete them")
            result = delete_many(conn, selection)
    finally:
        conn.close()
    report(result, as_json)


def tag_command(name: str, add: bool):
    @bulk.command(name, context_settings=CONTEXT)
    @db_option
    @version_option
    @click.argument("tags", metavar="TAG...", nargs=-1, required=True)
    @selection_options
    @dry_run_option
    @json_option
    @user_errors
    def command(tags, ids, date_from, date_to, in_category, search, tagged, everything, dry_run, as_json) -> None:
        from desktop.cli.expenses import checked_tags
        from tracker.bulk import change_tags

        names = checked_tags("TAG", tags)
        conn = open_existing()
        try:
            result = change_tags(conn, chosen(conn, ids, date_from, date_to, in_category, search, everything, tagged),
                                 names, add=add, dry_run=dry_run)
        finally:
            conn.close()
        report(result, as_json)

    return command


bulk_tag = tag_command("tag", add=True)
bulk_tag.help = """Put these tags on the chosen expenses (those that have them already stay as they are).

    \b
    Examples:
      expense-tracker bulk tag holiday --from 2025-07-01 --to 2025-07-14
      expense-tracker bulk tag work-trip client-x --id 12 --id 13
    """
bulk_untag = tag_command("untag", add=False)
bulk_untag.help = """Take these tags off the chosen expenses.

    \b
    Example:
      expense-tracker bulk untag holiday --tagged holiday --search lunch
    """


@bulk.command("restore", context_settings=CONTEXT)
@db_option
@version_option
@click.argument("ids", metavar="ID...", nargs=-1, required=True, type=click.IntRange(1, MAX_ID))
@dry_run_option
@json_option
@user_errors
def bulk_restore(ids, dry_run, as_json) -> None:
    """Bring these expenses back from the trash (`trash list` shows their ids).

    \b
    Example:
      expense-tracker bulk restore 41 42 43
    """
    from tracker.bulk import restore_many

    conn = open_existing()
    try:
        result = restore_many(conn, list(ids), dry_run=dry_run)
    finally:
        conn.close()
    report(result, as_json)


@bulk.command("tidy", context_settings=CONTEXT)
@db_option
@version_option
@selection_options
@dry_run_option
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@json_option
@user_errors
def bulk_tidy(ids, date_from, date_to, in_category, search, tagged, everything, dry_run, yes, as_json) -> None:
    """Run your rules and what was learned over the chosen expenses: lists what would change and
    why, then (after you confirm, or with --yes) makes it one edit.

    \b
    Examples:
      expense-tracker bulk tidy --all --dry-run
      expense-tracker bulk tidy --from 2026-01-01 --yes
    """
    from tracker.bulk import apply_changes
    from tracker.categorise import preview_tidy

    conn = open_existing()
    try:
        selection = chosen(conn, ids, date_from, date_to, in_category, search, everything, tagged)
        preview = preview_tidy(conn, selection.expense_ids(conn))
        if not as_json:
            for row in preview["rows"]:
                cleaner = f", as {row['new_description']!r}" if row["new_description"] else ""
                click.echo(f"{row['id']:>6}  {row['date']}  {row['description'][:40]:<40}  "
                           f"{row['category_name']} → {row['new_category_name']}{cleaner}  ({row['reason']})")
            if preview["changes"] > len(preview["rows"]):
                click.echo(f"… and {preview['changes'] - len(preview['rows']):,} more.")
            if preview["note"]:
                click.echo(preview["note"])
        if not preview["changes"]:
            click.echo(f"Nothing to change among {preview['examined']:,} expenses.", err=True)
            return
        changes = [{"id": r["id"], "category_id": r["new_category_id"], "description": r["new_description"]}
                   for r in preview["rows"]]
        if dry_run:
            result = apply_changes(conn, changes, dry_run=True)
        else:
            confirm(f"Change these {preview['changes']:,} expenses?", yes, "change them")
            result = apply_changes(conn, changes)
    finally:
        conn.close()
    report(result, as_json)


@bulk.command("list", context_settings=CONTEXT)
@db_option
@version_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@user_errors
def bulk_list(as_json: bool) -> None:
    """The latest 20 edits, newest first: id, when, what, and whether it was undone.

    \b
    Example:
      expense-tracker bulk list
    """
    from tracker.bulk import list_edits

    conn = open_existing()
    try:
        edits = list_edits(conn)
    finally:
        conn.close()
    for edit in edits:
        undone = f"  (undone {edit['undone_at']})" if edit["undone_at"] else ""
        click.echo(json.dumps(edit, ensure_ascii=False) if as_json else
                   f"{edit['id']:>6}  {edit['made_at']}  {edit['summary']}{undone}")
    if not edits and not as_json:
        click.echo("No edits of many expenses yet.", err=True)


@bulk.command("undo", context_settings=CONTEXT)
@db_option
@version_option
@click.argument("edit_id", metavar="EDIT", type=click.IntRange(1, MAX_ID))
@json_option
@user_errors
def bulk_undo(edit_id: int, as_json: bool) -> None:
    """Take an edit back (`bulk list` shows them).

    \b
    Example:
      expense-tracker bulk undo 7
    """
    from tracker.bulk import undo_edit

    conn = open_existing()
    try:
        result = undo_edit(conn, edit_id)
    finally:
        conn.close()
    click.echo(json.dumps(result, ensure_ascii=False) if as_json else f"{result['summary']} ({result['rows']:,} rows).")
