"""`rule list|add|edit|move|delete`: the person's own "this description goes in that category"."""

import json
from typing import NamedTuple

import click

from desktop.cli.common import (
    CONTEXT,
    UserError,
    amount_of,
    category_id_of,
    category_of,
    checked,
    db_option,
    open_existing,
    user_errors,
    version_option,
)
from tracker.config import MAX_ID
from tracker.errors import NotFound
from tracker.rules import create_rule, delete_rule, list_rules, update_rule
from tracker.validation import check_text


class CheckedRule(NamedTuple):
    """A rule checked as tracker.models.RuleCreate checks it, as create_rule reads it."""

    kind: str
    pattern: str
    amount_min: float | None
    amount_max: float | None
    category_id: int
    description: str | None


def shown(rule: dict) -> str:
    bounds = ""
    if rule["amount_min"] is not None or rule["amount_max"] is not None:
        low = f"{rule['amount_min']:,.2f}" if rule["amount_min"] is not None else ""
        high = f"{rule['amount_max']:,.2f}" if rule["amount_max"] is not None else ""
        bounds = f", amount {low}–{high}"
    cleaner = f", described as {rule['description']!r}" if rule["description"] else ""
    return f"{rule['kind']} {rule['pattern']!r}{bounds} → {rule['category_name']}{cleaner}"


def no_rule(rule_id: int) -> UserError:
    return UserError(f"No rule {rule_id}; `expense-tracker rule list` shows them.")


def optional_amount(name: str, text: str | None) -> float | None:
    return None if text is None else amount_of(name, text)


def checked_pattern(text: str) -> str:
    return checked("PATTERN", text, check_text)


@click.group(context_settings=CONTEXT)
@db_option
@version_option
def rule() -> None:
    """List, add, change, reorder or delete rules.

    A rule puts an imported row whose description contains (or matches) its pattern, and
    whose amount is in its range, in its category, optionally with a cleaner description.
    Rules are tried in order before what was learned from your expenses; the first that
    fits decides. `bulk tidy` runs them over the expenses you have.

    \b
    Examples:
      expense-tracker rule add REWE Groceries
      expense-tracker rule add "^miete" Rent --matches --min 500
      expense-tracker rule list
      expense-tracker rule move 3 1
      expense-tracker rule delete 3
    """


@rule.command("list", context_settings=CONTEXT)
@db_option
@version_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@user_errors
def rule_list(as_json: bool) -> None:
    """List the rules in the order they are tried.

    Columns: id, place, what it looks for, where it puts the row.

    \b
    Example:
      expense-tracker rule list
    """
    conn = open_existing()
    try:
        rules = list_rules(conn)
    finally:
        conn.close()
    for row in rules:
        click.echo(json.dumps(row, ensure_ascii=False) if as_json else f"{row['id']:>6}  {row['position']:>3}.  {shown(row)}")
    if not rules and not as_json:
        click.echo("No rules yet; `rule add PATTERN CATEGORY` makes one.", err=True)


@rule.command("add", context_settings=CONTEXT)
@db_option
@version_option
@click.argument("pattern", metavar="PATTERN")
@click.argument("category", metavar="CATEGORY")
@click.option("--matches", is_flag=True, help="PATTERN is a regular expression (any case), not plain text.")
@click.option("--min", "amount_min", metavar="AMOUNT", help="Only amounts of at least AMOUNT.")
@click.option("--max", "amount_max", metavar="AMOUNT", help="Only amounts of at most AMOUNT.")
@click.option("--describe-as", "description", metavar="TEXT", help="Store the rows it takes with this description.")
@click.option("--json", "as_json", is_flag=True, help="Print the new rule as JSON.")
@user_errors
def rule_add(pattern: str, category: str, matches: bool, amount_min: str | None, amount_max: str | None,
             description: str | None, as_json: bool) -> None:
    """Add a rule, tried after the others: a description that contains PATTERN (any case, any
    accents) goes in CATEGORY (a name or id).

    \b
    Examples:
      expense-tracker rule add REWE Groceries
      expense-tracker rule add "PAYPAL .*SPOTIFY" Subscriptions --matches --describe-as Spotify
      expense-tracker rule add Miete Rent --min 500 --max 2000
    """
    conn = open_existing(create=True)
    try:
        new = CheckedRule(
            "matches" if matches else "contains", checked_pattern(pattern),
            optional_amount("--min", amount_min), optional_amount("--max", amount_max),
            category_of(conn, category)["id"],
            None if description is None else checked("--describe-as", description, check_text),
        )
        created = create_rule(conn, new)
    finally:
        conn.close()
    click.echo(json.dumps(created, ensure_ascii=False) if as_json else f"Added rule {created['id']}: {shown(created)}")


rule_id_argument = click.argument("rule_id", metavar="ID", type=click.IntRange(1, MAX_ID))


@rule.command("edit", context_settings=CONTEXT)
@db_option
@version_option
@rule_id_argument
@click.option("--pattern", metavar="PATTERN", help="What the description contains (or matches).")
@click.option("--category", metavar="NAME|ID", help="Where the rows go.")
@click.option("--matches/--contains", default=None, help="PATTERN as a regular expression, or as plain text.")
@click.option("--min", "amount_min", metavar="AMOUNT", help="Smallest amount; `none` takes the bound away.")
@click.option("--max", "amount_max", metavar="AMOUNT", help="Largest amount; `none` takes the bound away.")
@click.option("--describe-as", "description", metavar="TEXT", help="A cleaner description; `none` keeps the file's.")
@user_errors
def rule_edit(rule_id: int, pattern: str | None, category: str | None, matches: bool | None,
              amount_min: str | None, amount_max: str | None, description: str | None) -> None:
    """Change a rule: only the options given change.

    \b
    Examples:
      expense-tracker rule edit 3 --category Groceries
      expense-tracker rule edit 3 --max none
    """
    fields: dict = {}
    if pattern is not None:
        fields["pattern"] = checked_pattern(pattern)
    if matches is not None:
        fields["kind"] = "matches" if matches else "contains"
    for name, option, value in (("amount_min", "--min", amount_min), ("amount_max", "--max", amount_max)):
        if value is not None:
            fields[name] = None if value.strip().casefold() == "none" else amount_of(option, value)
    if description is not None:
        fields["description"] = (None if description.strip().casefold() == "none"
                                 else checked("--describe-as", description, check_text))
    if not fields and category is None:
        raise UserError("Nothing to change: give --pattern, --category, --matches/--contains, --min, --max or --describe-as.")
    conn = open_existing()
    try:
        if category is not None:
            fields["category_id"] = category_id_of(conn, category)
        try:
            changed = update_rule(conn, rule_id, fields)
        except NotFound:
            raise no_rule(rule_id) from None
    finally:
        conn.close()
    click.echo(f"Changed rule {rule_id}: {shown(changed)}")


@rule.command("move", context_settings=CONTEXT)
@db_option
@version_option
@rule_id_argument
@click.argument("place", metavar="PLACE", type=click.IntRange(1, MAX_ID))
@user_errors
def rule_move(rule_id: int, place: int) -> None:
    """Try rule ID at PLACE (1 is first); the others keep their order.

    \b
    Example:
      expense-tracker rule move 3 1
    """
    conn = open_existing()
    try:
        try:
            update_rule(conn, rule_id, {"position": place})
        except NotFound:
            raise no_rule(rule_id) from None
        rules = list_rules(conn)
    finally:
        conn.close()
    for row in rules:
        click.echo(f"{row['id']:>6}  {row['position']:>3}.  {shown(row)}")


@rule.command("delete", context_settings=CONTEXT)
@db_option
@version_option
@rule_id_argument
@user_errors
def rule_delete(rule_id: int) -> None:
    """Delete a rule (expenses it placed keep their category).

    \b
    Example:
      expense-tracker rule delete 3
    """
    conn = open_existing()
    try:
        try:
            delete_rule(conn, rule_id)
        except NotFound:
            raise no_rule(rule_id) from None
    finally:
        conn.close()
    click.echo(f"Deleted rule {rule_id}.")
