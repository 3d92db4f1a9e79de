"""`category list|add|rename|color|delete`: the categories expenses are sorted into."""

import json
from typing import NamedTuple

import click

from desktop.cli.common import (
    CONTEXT,
    UserError,
    category_of,
    checked,
    db_option,
    open_existing,
    user_errors,
    version_option,
)
from tracker.categories import (
    check_category_name,
    check_color,
    create_category,
    delete_category,
    list_categories,
    update_category,
)
from tracker.errors import AppError, Conflict

DEFAULT_COLOR = "#6c757d"  # CategoryCreate's default colour


class CheckedCategory(NamedTuple):
    """A new category checked as tracker.models.CategoryCreate checks it, as create_category reads it."""

    name: str
    color: str


def shown(category: dict) -> str:
    return f"{category['name']} ({category['color']})"


@click.group(context_settings=CONTEXT)
@db_option
@version_option
def category() -> None:
    """List, add, rename, recolour or delete categories.

    A category is named by its name (any case) or its id. Expenses, budgets and the summary
    follow a rename at once.

    \b
    Examples:
      expense-tracker category list
      expense-tracker category add Books --color "#2a9d8f"
      expense-tracker category rename Food Groceries
      expense-tracker category color Groceries "#e76f51"
      expense-tracker category delete Books
    """


@category.command("list", context_settings=CONTEXT)
@db_option
@version_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@user_errors
def category_list(as_json: bool) -> None:
    """List the categories by name.

    Columns: id, colour, name.

    \b
    Example:
      expense-tracker category list
    """
    conn = open_existing()
    try:
        categories = list_categories(conn)
    finally:
        conn.close()
    for row in categories:
        click.echo(json.dumps(row, ensure_ascii=False) if as_json else f"{row['id']:>6}  {row['color']}  {row['name']}")
    if not categories and not as_json:
        click.echo("No categories yet; `category add NAME` makes one.", err=True)


color_option = click.option("--color", metavar="#RRGGBB", default=DEFAULT_COLOR, show_default=True,
                            help="The colour in the window's charts, as #RRGGBB.")


@category.command("add", context_settings=CONTEXT)
@db_option
@version_option
@click.argument("name", metavar="NAME")
@color_option
@click.option("--json", "as_json", is_flag=True, help="Print the new category as JSON.")
@user_errors
def category_add(name: str, color: str, as_json: bool) -> None:
    """Add a category (1–50 characters; no two differ only in case).

    \b
    Example:
      expense-tracker category add Books --color "#2a9d8f"
    """
    new = CheckedCategory(checked("NAME", name, check_category_name), checked("--color", color, check_color))
    conn = open_existing(create=True)
    try:
        try:
            created = create_category(conn, new)
        except Conflict:
            raise UserError(f"There is already a category named {new.name!r}.") from None
    finally:
        conn.close()
    if as_json:
        click.echo(json.dumps(created, ensure_ascii=False))
    else:
        click.echo(f"Added category {created['id']}: {shown(created)}")


category_argument = click.argument("category_name", metavar="CATEGORY")


@category.command("rename", context_settings=CONTEXT)
@db_option
@version_option
@category_argument
@click.argument("new_name", metavar="NEW_NAME")
@user_errors
def category_rename(category_name: str, new_name: str) -> None:
    """Rename a category; its expenses, budgets and recurring expenses keep it.

    CATEGORY is its current name or id.

    \b
    Example:
      expense-tracker category rename Food Groceries
    """
    new_name = checked("NEW_NAME", new_name, check_category_name)
    conn = open_existing()
    try:
        old = category_of(conn, category_name)
        try:
            renamed = update_category(conn, old["id"], name=new_name)
        except Conflict:
            raise UserError(f"There is already a category named {new_name!r}.") from None
    finally:
        conn.close()
    click.echo(f"Renamed category {old['id']} from {old['name']} to {renamed['name']}.")


@category.command("color", context_settings=CONTEXT)
@db_option
@version_option
@category_argument
@click.argument("color", metavar="COLOR")
@user_errors
def category_color(category_name: str, color: str) -> None:
    """Change a category's colour in the window's charts.

    CATEGORY is its name or id; COLOR is #RRGGBB.

    \b
    Example:
      expense-tracker category color Food "#e76f51"
    """
    color = checked("COLOR", color, check_color)
    conn = open_existing()
    try:
        old = category_of(conn, category_name)
        recoloured = update_category(conn, old["id"], color=color)
    finally:
        conn.close()
    click.echo(f"Changed the colour of {recoloured['name']} from {old['color']} to {recoloured['color']}.")


@category.command("delete", context_settings=CONTEXT)
@db_option
@version_option
@category_argument
@user_errors
def category_delete(category_name: str) -> None:
    """Delete a category that no expense or recurring expense uses; its budget goes with it.

    CATEGORY is its name or id.

    \b
    Example:
      expense-tracker category delete Books
    """
    conn = open_existing()
    try:
        old = category_of(conn, category_name)
        try:
            delete_category(conn, old["id"])
        except AppError as exc:  # in use: the library's sentence, with the category it is about
            raise UserError(f"{str(exc).rstrip('.')} ({old['name']}).") from None
    finally:
        conn.close()
    click.echo(f"Deleted category {old['id']}: {shown(old)}")
