"""`recurring …`: expenses that come back on a schedule."""

import json
from datetime import date

import click

from desktop.cli.common import (
    CONTEXT,
    UserError,
    amount_of,
    build,
    category_id_of,
    checked,
    command_hint,
    db_option,
    format_row,
    open_existing,
    plural,
    user_errors,
    version_option,
)
from tracker.config import MAX_ID
from tracker.errors import InvalidInput
from tracker.recurring import (
    UPCOMING_DAYS_MAX,
    create_recurring,
    delete_recurring,
    get_recurring,
    list_recurring,
    pause_recurring,
    post_due,
    post_due_listed,
    post_occurrence,
    resume_recurring,
    skip_occurrence,
    upcoming,
    update_recurring,
)
from tracker.validation import check_date


def today() -> date:
    """Today, for the recurring commands (one place, so that tests can choose the day)."""
    return date.today()


def option_words(exc: InvalidInput, names: dict[str, str]) -> UserError:
    """The library's "Invalid field 'start_date': …" as the user typed it: "Invalid --start: …"."""
    text = str(exc)
    for field, option in names.items():
        text = text.replace(f"Invalid field '{field}'", f"Invalid {option}")
        if "_" in field:  # a field named in the sentence, e.g. "is before start_date 2025-01-31"
            text = text.replace(f" {field} ", f" {option} ")
    return UserError(text)


WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
UNITS = {"daily": "day", "weekly": "week", "monthly": "month", "yearly": "year"}


def ordinal(number: int) -> str:
    suffix = "th" if 11 <= number % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def schedule_words(rule: dict) -> str:
    """As the window says it: 'Monthly on the 31st (last day in shorter months)', 'Every 2 weeks on Monday'."""
    frequency, start = rule["frequency"], date.fromisoformat(rule["start_date"])
    every = frequency.capitalize() if rule["interval"] == 1 else f"Every {rule['interval']} {UNITS[frequency]}s"
    when = ""
    if frequency == "weekly":
        when = f" on {WEEKDAYS[start.weekday()]}"
    elif frequency == "monthly":
        day = rule["day_of_month"] or start.day
        when = f" on the {ordinal(day)}" + (" (last day in shorter months)" if day >= 29 else "")
    elif frequency == "yearly":
        when = f" on {MONTHS[start.month - 1]} {start.day}"
    until = f", until {rule['end_date']}" if rule["end_date"] else ""
    return f"{every}{when}{until}"


def format_recurring(rule: dict) -> str:
    when = "paused" if rule["paused"] else f"next {rule['next_date'] or 'none'}"
    return (f"{rule['id']:>5}  {rule['description'][:24]:<24}  {rule['amount']:>12,.2f}  "
            f"{rule['category_name'][:16]:<16}  {when:<15}  {schedule_words(rule)}")


def in_words(rule: dict) -> str:
    schedule = schedule_words(rule)
    state = f"paused since {rule['paused_on']}" if rule["paused"] else f"next {rule['next_date'] or 'none'}"
    return (f"{rule['description']}, {rule['amount']:,.2f} in {rule['category_name']}, "
            f"{schedule.lower()[:1]}{schedule[1:]}; {state}.")


def posted_words(posted: list[dict]) -> str:
    """'Posted 3 past expenses (2025-01-31, 2025-02-28, 2025-03-31), 120.00 in all.' (long lists shortened)."""
    days = [item["date"] for item in posted]
    if len(days) > 6:
        days = [*days[:3], "…", *days[-2:]]
    total = sum(round(item["amount"] * 100) for item in posted) / 100
    return f"Posted {plural(len(posted), 'past expense')} ({', '.join(days)}), {total:,.2f} in all."


recurring_id_argument = click.argument("recurring_id", metavar="ID", type=click.IntRange(1, MAX_ID))
RECURRING_OPTION_NAMES = {"amount": "--amount", "description": "--description", "category_id": "--category",
                          "frequency": "--every", "interval": "--interval", "day_of_month": "--day",
                          "start_date": "--start", "end_date": "--end"}


@click.group(context_settings=CONTEXT)
@db_option
@version_option
def recurring() -> None:
    """Expenses that come back on a schedule: rent, subscriptions, insurance.

    While the app runs it posts each one on its day (and any it missed); `recurring post-due`
    posts what is due now without the app.

    \b
    Examples:
      expense-tracker recurring add --amount 40 --description Internet --category Utilities --every monthly --start 2025-01-31
      expense-tracker recurring list
      expense-tracker recurring upcoming --days 60
      expense-tracker recurring skip 1 2025-02-28
      expense-tracker recurring pause 1
    """


@recurring.command("list", context_settings=CONTEXT)
@db_option
@version_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@user_errors
def recurring_list(as_json: bool) -> None:
    """List the recurring expenses, by description.

    Columns: id, description, amount, category, next date (or "paused"), schedule.

    \b
    Example:
      expense-tracker recurring list
    """
    conn = open_existing()
    try:
        rules = list_recurring(conn, today())
    finally:
        conn.close()
    for rule in rules:
        click.echo(json.dumps(rule, ensure_ascii=False) if as_json else format_recurring(rule))
    if not rules and not as_json:
        click.echo("No recurring expenses yet; `recurring add` adds one.", err=True)


@recurring.command("add", context_settings=CONTEXT)
@db_option
@version_option
@click.option("--amount", required=True, metavar="AMOUNT", help="A positive amount, at most 2 decimals.")
@click.option("--description", required=True, help="What it is (1–200 characters).")
@click.option("--category", required=True, metavar="NAME|ID", help="An existing category.")
@click.option("--every", "frequency", required=True, type=click.Choice(["daily", "weekly", "monthly", "yearly"]),
              help="How often.")
@click.option("--interval", metavar="N", default="1", show_default=True,
              help="Every N days, weeks, months or years.")
@click.option("--day", "day_of_month", metavar="1-31",
              help="Monthly only: the day of the month (default the start date's); 29–31 mean the last day "
                   "in shorter months.")
@click.option("--start", "start_date", required=True, metavar="YYYY-MM-DD", help="The first date.")
@click.option("--end", "end_date", metavar="YYYY-MM-DD", help="The last date that may be posted (default: no end).")
@click.option("--json", "as_json", is_flag=True, help="Print the new recurring expense as JSON.")
@user_errors
def recurring_add(amount: str, description: str, category: str, frequency: str, interval: str,
                  day_of_month: str | None, start_date: str, end_date: str | None, as_json: bool) -> None:
    """Add a recurring expense.

    Dates already due (from --start to today) are posted at once, and listed.

    \b
    Examples:
      expense-tracker recurring add --amount 40 --description Internet --category Utilities --every monthly --start 2025-01-31
      expense-tracker recurring add --amount 5 --description Bus --category Transport --every weekly --interval 2 --start 2025-03-03 --end 2025-12-31
    """  # noqa: E501 (an example is one command line, as it is typed)
    start_date = checked("--start", start_date, check_date)
    end_date = checked("--end", end_date, check_date)
    if end_date is not None and end_date < start_date:
        raise UserError(f"Invalid --end: {end_date} is before --start {start_date}.")
    if day_of_month is not None and frequency != "monthly":
        raise UserError("Invalid --day: only --every monthly has a day of the month.")
    numbers = {}
    for name, value in (("--interval", interval), ("--day", day_of_month)):
        if value is not None and not value.strip().isdigit():
            raise UserError(f"Invalid {name}: must be a whole number, got {value!r}.")
        numbers[name] = None if value is None else int(value)
    from tracker.models import RecurringCreate  # only here: loading Pydantic takes longer than the rest of a start

    conn = open_existing(create=True)
    try:
        rule = build(RecurringCreate, RECURRING_OPTION_NAMES, amount=amount_of("--amount", amount),
                     description=description, category_id=category_id_of(conn, category), frequency=frequency,
                     interval=numbers["--interval"], day_of_month=numbers["--day"], start_date=start_date,
                     end_date=end_date)
        try:
            created = create_recurring(conn, rule, today=today())
        except InvalidInput as exc:
            raise option_words(exc, RECURRING_OPTION_NAMES) from None
        posted = post_due_listed(conn, today(), created["id"])
        created = {**get_recurring(conn, created["id"], today()), "posted": posted}
    finally:
        conn.close()
    if as_json:
        click.echo(json.dumps(created, ensure_ascii=False))
        return
    click.echo(f"Added recurring expense {created['id']}: {in_words(created)}")
    if posted:
        click.echo(posted_words(posted))


@recurring.command("edit", context_settings=CONTEXT)
@db_option
@version_option
@recurring_id_argument
@click.option("--amount", metavar="AMOUNT", help="A positive amount, at most 2 decimals.")
@click.option("--description", help="What it is (1–200 characters).")
@click.option("--category", metavar="NAME|ID", help="An existing category.")
@click.option("--every", "frequency", type=click.Choice(["daily", "weekly", "monthly", "yearly"]), help="How often.")
@click.option("--interval", metavar="N", help="Every N days, weeks, months or years.")
@click.option("--day", "day_of_month", metavar="1-31", help="Monthly only: the day of the month.")
@click.option("--start", "start_date", metavar="YYYY-MM-DD", help="The first date.")
@click.option("--end", "end_date", metavar="YYYY-MM-DD", help="The last date that may be posted.")
@click.option("--no-end", is_flag=True, help="Remove the end date: it goes on.")
@click.option("--json", "as_json", is_flag=True, help="Print the changed recurring expense as JSON.")
@user_errors
def recurring_edit(recurring_id: int, amount: str | None, description: str | None, category: str | None,
                   frequency: str | None, interval: str | None, day_of_month: str | None, start_date: str | None,
                   end_date: str | None, no_end: bool, as_json: bool) -> None:
    """Change a recurring expense: only the options given change.

    The expenses it already posted stay as they are; a changed schedule applies from today on.
    `recurring list` shows the ids.

    \b
    Examples:
      expense-tracker recurring edit 3 --amount 45
      expense-tracker recurring edit 3 --every monthly --day 1 --end 2025-12-31
    """
    if end_date is not None and no_end:
        raise UserError("Give either --end or --no-end, not both.")
    given: dict = {}
    if amount is not None:
        given["amount"] = amount_of("--amount", amount)
    if description is not None:
        given["description"] = description
    if frequency is not None:
        given["frequency"] = frequency
    for field, name, value in (("interval", "--interval", interval), ("day_of_month", "--day", day_of_month)):
        if value is not None:
            if not value.strip().isdigit():
                raise UserError(f"Invalid {name}: must be a whole number, got {value!r}.")
            given[field] = int(value)
    if start_date is not None:
        given["start_date"] = checked("--start", start_date, check_date)
    if end_date is not None:
        given["end_date"] = checked("--end", end_date, check_date)
    if no_end:
        given["end_date"] = None
    if not given and category is None:
        raise UserError("Nothing to change: give --amount, --description, --category, --every, --interval, --day, "
                        "--start, --end or --no-end.")
    from tracker.models import RecurringUpdate  # only here: loading Pydantic takes longer than the rest of a start

    conn = open_existing()
    try:
        if category is not None:
            given["category_id"] = category_id_of(conn, category)
        changes = build(RecurringUpdate, RECURRING_OPTION_NAMES, **given)
        try:
            changed = update_recurring(conn, recurring_id, changes, today=today())
        except InvalidInput as exc:
            raise option_words(exc, RECURRING_OPTION_NAMES) from None
    finally:
        conn.close()
    if as_json:
        click.echo(json.dumps(changed, ensure_ascii=False))
        return
    click.echo(f"Changed recurring expense {changed['id']}: {in_words(changed)}")


@recurring.command("pause", context_settings=CONTEXT)
@db_option
@version_option
@recurring_id_argument
@user_errors
def recurring_pause(recurring_id: int) -> None:
    """Pause a recurring expense from today: nothing is posted until `recurring resume`.

    \b
    Example:
      expense-tracker recurring pause 3
    """
    conn = open_existing()
    try:
        rule = pause_recurring(conn, recurring_id, today())
    finally:
        conn.close()
    click.echo(f"Paused recurring expense {recurring_id} ({rule['description']}) since {rule['paused_on']}; "
               f"resume it with: {command_hint('recurring', 'resume', str(recurring_id))}")


@recurring.command("resume", context_settings=CONTEXT)
@db_option
@version_option
@recurring_id_argument
@user_errors
def recurring_resume(recurring_id: int) -> None:
    """Resume a paused recurring expense: it posts again from today on.

    The dates that fell due while it was paused are skipped, not posted afterwards;
    `recurring post ID DATE` posts one of them after all.

    \b
    Example:
      expense-tracker recurring resume 3
    """
    conn = open_existing()
    try:
        before = get_recurring(conn, recurring_id, today())
        skipped = resume_recurring(conn, recurring_id, today())["skipped"]
        posted = post_due_listed(conn, today(), recurring_id)
        rule = get_recurring(conn, recurring_id, today())
    finally:
        conn.close()
    if not before["paused"]:
        click.echo(f"Recurring expense {recurring_id} ({rule['description']}) was not paused; nothing changed.")
        return
    click.echo(f"Resumed recurring expense {recurring_id}: {in_words(rule)}")
    if skipped:
        click.echo(f"Skipped {plural(len(skipped), 'date')} that fell due while paused ({', '.join(skipped)}).")
    if posted:
        click.echo(posted_words(posted))


@recurring.command("remove", context_settings=CONTEXT)
@db_option
@version_option
@recurring_id_argument
@user_errors
def recurring_remove(recurring_id: int) -> None:
    """Remove a recurring expense; the expenses it already posted stay.

    \b
    Example:
      expense-tracker recurring remove 3
    """
    conn = open_existing()
    try:
        rule = get_recurring(conn, recurring_id, today())
        delete_recurring(conn, recurring_id)
    finally:
        conn.close()
    click.echo(f"Removed recurring expense {recurring_id} ({rule['description']}); the expenses it posted stay.")


@recurring.command("upcoming", context_settings=CONTEXT)
@db_option
@version_option
@click.option("--days", type=click.IntRange(0, UPCOMING_DAYS_MAX), default=30, show_default=True,
              help="How many days ahead of today.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@user_errors
def recurring_upcoming(days: int, as_json: bool) -> None:
    """List the dates to come that are not posted yet, skipped ones marked.

    Columns: recurring id, date, amount, category, description.

    \b
    Example:
      expense-tracker recurring upcoming --days 60
    """
    conn = open_existing()
    try:
        items = upcoming(conn, today(), days)
    finally:
        conn.close()
    for item in items:
        if as_json:
            click.echo(json.dumps(item, ensure_ascii=False))
            continue
        skipped = "  (skipped)" if item["status"] == "skipped" else ""
        click.echo(f"{item['recurring_id']:>5}  {item['date']}  {item['amount']:>12,.2f}  "
                   f"{item['category_name'][:16]:<16}  {item['description']}{skipped}")
    if not items and not as_json:
        click.echo(f"Nothing is due in the next {plural(days, 'day')}.", err=True)


@recurring.command("skip", context_settings=CONTEXT)
@db_option
@version_option
@recurring_id_argument
@click.argument("day", metavar="DATE")
@user_errors
def recurring_skip(recurring_id: int, day: str) -> None:
    """Skip one date of a recurring expense, so that it is never posted.

    `recurring post ID DATE` posts it after all.

    \b
    Example:
      expense-tracker recurring skip 1 2025-02-28
    """
    day = checked("DATE", day, check_date)
    conn = open_existing()
    try:
        rule = get_recurring(conn, recurring_id, today())
        try:
            skip_occurrence(conn, recurring_id, day)
        except InvalidInput as exc:
            raise option_words(exc, {"date": "DATE"}) from None
    finally:
        conn.close()
    click.echo(f"Skipped {day} of recurring expense {recurring_id} ({rule['description']}).")


@recurring.command("post", context_settings=CONTEXT)
@db_option
@version_option
@recurring_id_argument
@click.argument("day", metavar="DATE")
@user_errors
def recurring_post(recurring_id: int, day: str) -> None:
    """Post one date of a recurring expense now, dated that date (also a skipped or future one).

    \b
    Example:
      expense-tracker recurring post 1 2025-02-28
    """
    day = checked("DATE", day, check_date)
    conn = open_existing()
    try:
        try:
            expense = post_occurrence(conn, recurring_id, day)
        except InvalidInput as exc:
            raise option_words(exc, {"date": "DATE"}) from None
    finally:
        conn.close()
    click.echo(f"Added expense {expense['id']}: {format_row(expense)}")


@recurring.command("post-due", context_settings=CONTEXT)
@db_option
@version_option
@user_errors
def recurring_post_due() -> None:
    """Post every recurring expense that is due up to today and not posted or skipped yet.

    The app does this by itself while it runs; posting twice never posts a date twice.

    \b
    Example:
      expense-tracker recurring post-due
    """
    day = today()
    conn = open_existing()
    try:
        posted = post_due(conn, day)
    finally:
        conn.close()
    click.echo(f"Posted {plural(posted, 'recurring expense')} due by {day.isoformat()}." if posted
               else f"Nothing was due by {day.isoformat()}; no expenses posted.")
