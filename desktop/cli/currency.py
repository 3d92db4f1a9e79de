"""The home currency: `currency` shows it, `currency EUR` changes it, `currency --undo` takes that back."""

import click

from desktop.cli.common import CONTEXT, UserError, db_option, open_existing, plural, user_errors, version_option


@click.command("currency", context_settings=CONTEXT)
@db_option
@version_option
@click.argument("code", required=False, metavar="[CODE]")
@click.option("--undo", is_flag=True, help="Put back the home currency and the amounts before the last change.")
@user_errors
def currency_command(code: str | None, undo: bool) -> None:
    """Show or change the home currency: totals, budgets and reports are in it.

    Changing it keeps every expense's money (what was entered in the old home currency stays in
    that currency) and gives each its amount in the new one at the European Central Bank's rate
    of its date. One step: `currency --undo` takes it back.

    \b
    Examples:
      expense-tracker currency
      expense-tracker currency EUR
      expense-tracker currency --undo
    """
    if code is not None and undo:
        raise UserError("Give a currency code or --undo, not both.")
    conn = open_existing(create=code is not None)
    try:
        from tracker.settings import home_currency

        if code is None and not undo:
            click.echo(home_currency(conn))
            return
        from tracker.home_currency import change_home_currency, undo_home_currency

        def progress(done: int, total: int) -> None:
            click.echo(f"\rRecomputing home amounts: {done:,} of {total:,}", nl=False, err=True)

        result = undo_home_currency(conn, progress) if undo else change_home_currency(conn, code, progress=progress)
    finally:
        conn.close()
    if result["expenses"]:
        click.echo("", err=True)
    if result["change_id"] is None:
        click.echo(f"The home currency is already {result['currency']}.")
    elif undo:
        click.echo(f"The home currency is {result['currency']} again ({plural(result['expenses'], 'expense')} put back).")
    else:
        click.echo(f"The home currency is now {result['currency']}: {plural(result['expenses'], 'expense')} "
                   f"recomputed at the ECB rate of their date; undo with `expense-tracker currency --undo`.")
