"""The `expense-tracker` command: the window by default, and commands for scripts.

One module per concern over the library (`tracker`); what they share is in `common`. Only the
window and `serve` import the web framework, when they run: the other commands start fast.
"""

import click

from desktop.cli import (
    backups,
    budgets,
    bulk,
    categories,
    currency,
    desktop_entry,
    expenses,
    imports,
    recurring,
    replica,
    report,
    rules,
    serve,
    splits,
    status,
    summary,
    tags,
    trash,
)
from desktop.cli.common import CONTEXT, UserError, current_db, db_option, setup_logging, user_errors, version_option
from tracker.config import DEFAULT_PORT


@click.group(invoke_without_command=True, context_settings=CONTEXT)
@db_option
@version_option
@click.option("--port", type=click.IntRange(0, 65535), default=DEFAULT_PORT, show_default=True,
              help="Port for the API while the window is open (a free one if it is taken).")
@click.option("--smoke-test", is_flag=True, hidden=True,
              help="Open the window, wait for the page to show data, print what it shows, close.")
@click.pass_context
@user_errors
def main(ctx: click.Context, port: int, smoke_test: bool) -> None:
    """Expense Tracker: your expenses in a local SQLite file, a window, an API and this command.

    Without a command it opens the app window; scripts use the API it serves on
    http://127.0.0.1:8000 while the window is open (see `status` for the port).

    \b
    Examples:
      expense-tracker                                   open the window
      expense-tracker add --amount 12.50 --description Lunch --category Food
      expense-tracker export --from 2025-01-01 -o expenses.csv
      expense-tracker --db ~/other.db list --limit 5
      expense-tracker delete 12                         to the trash; `trash restore 12` undoes it
      expense-tracker import statement.csv --dry-run    preview a bank file, then import it
      expense-tracker backup ~/expenses-backup.db       a checked copy; `restore` puts one back
      expense-tracker budget set Food 500               a monthly limit; `summary` shows how it stands
      expense-tracker edit 12 --amount 13.20            change only what is given
      expense-tracker category rename Food Groceries    the list and summary follow
      expense-tracker report --from 2025-01             spending by category and month since January 2025
      expense-tracker add --amount 240 --description Hotel --category Food --tag holiday
      expense-tracker tags --from 2025-07-01            each tag's count and total
      expense-tracker recurring add --amount 40 --description Internet --category Utilities --every monthly --start 2025-01-31
    """
    if ctx.invoked_subcommand is not None:
        return
    from desktop import launcher, window  # only here: the launcher imports the API and its web framework

    setup_logging(verbose=True)
    driver = window.smoke_test if smoke_test else None
    try:
        code = launcher.run_window(current_db(), port=port, driver=driver)
    except (launcher.AlreadyStarting, window.WindowUnavailable) as exc:
        raise UserError(str(exc)) from None
    window.exit_now(code)


for command in (
    backups.backup, backups.backups, budgets.budget, bulk.bulk, categories.category, expenses.add, expenses.delete,
    expenses.edit, expenses.export, currency.currency_command,
    imports.import_command, imports.imports, expenses.list_command, recurring.recurring, report.report_command,
    backups.restore,
    replica.replica, rules.rule, serve.serve, splits.split, status.status, summary.summary, tags.tags, trash.trash,
    desktop_entry.install_desktop, desktop_entry.uninstall_desktop,
):
    main.add_command(command)
