"""`tags`: each tag with how many expenses have it and what they add up to, over a period."""

import json

import click

from desktop.cli.common import CONTEXT, date_range, db_option, open_existing, user_errors, version_option


@click.command(context_settings=CONTEXT)
@db_option
@version_option
@click.option("--from", "date_from", metavar="YYYY-MM-DD", help="First date included.")
@click.option("--to", "date_to", metavar="YYYY-MM-DD", help="Last date included.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@user_errors
def tags(date_from: str | None, date_to: str | None, as_json: bool) -> None:
    """Each tag, with how many expenses have it and their total, most spent first.

    Tag expenses with `add --tag`, `edit --tag/--untag` or `bulk tag`; `list --tag` shows them.

    \b
    Examples:
      expense-tracker tags
      expense-tracker tags --from 2025-07-01 --to 2025-07-31
    """
    from tracker.tags import tag_totals

    date_from, date_to = date_range(date_from, date_to)
    conn = open_existing()
    try:
        rows = tag_totals(conn, date_from, date_to)
    finally:
        conn.close()
    for row in rows:
        click.echo(json.dumps(row, ensure_ascii=False) if as_json else
                   f"#{row['name'][:30]:<30} {row['total']:>12,.2f}  ({row['count']})")
    if not rows and not as_json:
        click.echo("No tagged expenses" + (" in this period." if date_from or date_to else " yet."), err=True)
