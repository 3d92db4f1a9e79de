"""`report`: a year at a glance, spending by category × month."""

import json
import sys

import click

from desktop.cli.common import CONTEXT, UserError, checked, db_option, open_existing, user_errors, version_option
from tracker.report import GROUPINGS, report, report_csv
from tracker.validation import check_month


@click.command("report", context_settings=CONTEXT)
@db_option
@version_option
@click.option("--from", "first", metavar="YYYY-MM", default=None,
              help="First month (default: 11 months before --to).")
@click.option("--to", "last", metavar="YYYY-MM", default=None, help="Last month (default: this month).")
@click.option("--by", type=click.Choice(list(GROUPINGS)), default="category", show_default=True,
              help="What the rows are.")
@click.option("--csv", "as_csv", is_flag=True, help="Print the report as CSV (as the window's Export CSV).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (as GET /report).")
@user_errors
def report_command(first: str | None, last: str | None, by: str, as_csv: bool, as_json: bool) -> None:
    """Show spending by category (or tag) and month: a table of the months from --from to --to.

    Without --from and --to: the last 12 months, this one included. Each category with
    spending is a row, each month a column (0.00 where nothing was spent), with the totals
    of each row, each month and the whole period. At most 120 months at once. With --by tag
    each tag is a row: an expense with two tags is in both rows.

    \b
    Examples:
      expense-tracker report                                  the last 12 months
      expense-tracker report --from 2025-01 --to 2025-12
      expense-tracker report --from 2025-01 --to 2025-12 --csv > 2025.csv
      expense-tracker report --by tag --from 2025-07 --to 2025-08    what each trip cost
    """
    if as_csv and as_json:
        raise UserError("Choose one of --csv and --json.")
    first = checked("--from", first, check_month)
    last = checked("--to", last, check_month)
    conn = open_existing()
    try:
        result = report(conn, first, last, by)
    finally:
        conn.close()
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
    elif as_csv:
        # As bytes, like `export`: the CSV's \r\n line ends stay as written.
        sys.stdout.buffer.write(report_csv(result).encode())
        sys.stdout.buffer.flush()
    else:
        click.echo("\n".join(table_lines(result)))



def table_lines(result: dict) -> list[str]:
    """The report as aligned columns: names on the left, amounts on the right."""
    header = [result["by"].capitalize(), *result["months"], "Total"]
    body = [[row["name"][:24], *row["totals"], row["total"]] for row in result["rows"]]
    body.append(["Total", *result["month_totals"], result["total"]])
    cells = [header] + [[row[0], *(f"{amount:,.2f}" for amount in row[1:])] for row in body]
    widths = [max(len(line[column]) for line in cells) for column in range(len(header))]
    lines = [
        "  ".join([line[0].ljust(widths[0]), *(cell.rjust(width) for cell, width in zip(line[1:], widths[1:]))]).rstrip()
        for line in cells
    ]
    count = len(result["months"])
    title = f"{result['from']} to {result['to']} ({count} month{'s' if count != 1 else ''}), by {result['by']}"
    return [title, *lines]
