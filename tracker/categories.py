"""Categories: list, create, rename and recolour, delete, and find one by name or id."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tracker.db import Session
from tracker.errors import AppError, Conflict, InvalidInput, NotFound
from tracker.validation import check_text

if TYPE_CHECKING:  # Pydantic loads only for the commands that validate input
    from tracker.models import CategoryCreate


def require_category(conn: Session, category_id: int) -> None:
    if conn.execute("select 1 from categories where id = ?", (category_id,)).fetchone() is None:
        raise AppError(f"Unknown category_id {category_id}: no such category.")


CATEGORY_SELECT = "select id, name, color, created_at from categories"


def list_categories(conn: Session) -> list[dict]:
    return [dict(row) for row in conn.execute(f"{CATEGORY_SELECT} order by name collate nocase, name")]


def create_category(conn: Session, category: CategoryCreate) -> dict:
    with conn.write():
        taken = conn.execute(
            "select 1 from categories where name = ? collate nocase", (category.name,)
        ).fetchone()
        if taken:
            raise Conflict("Category already exists")
        row_id = conn.execute(
            "insert into categories (name, color) values (?, ?)", (category.name, category.color)
        ).lastrowid
        return dict(conn.execute(f"{CATEGORY_SELECT} where id = ?", (row_id,)).fetchone())


NAME_MAX = 50  # CategoryCreate's CategoryName: at most 50 characters once trimmed
COLOR = re.compile(r"#[0-9a-fA-F]{6}")
COLOR_PATTERN = "^#[0-9a-fA-F]{6}$"  # tracker.models' Color, as its complaint quotes it


def check_category_name(value: str) -> str:
    """CategoryName's rules and first complaint, in its words, without loading Pydantic."""
    if not isinstance(value, str):
        raise ValueError("input should be a valid string")
    value = check_text(value)
    if len(value) > NAME_MAX:
        raise ValueError(f"value should have at most {NAME_MAX} items after validation, not {len(value)}")
    return value


def check_color(value: str) -> str:
    """Color's rule and complaint, in its words, without loading Pydantic."""
    if not isinstance(value, str):
        raise ValueError("input should be a valid string")
    if not COLOR.fullmatch(value):
        raise ValueError(f"string should match pattern '{COLOR_PATTERN}'")
    return value


def update_category(conn: Session, category_id: int, name: str | None = None, color: str | None = None) -> dict:
    """Rename and/or recolour a category; None leaves that field as it is. Expenses, budgets and
    the summary refer to it by id, so they show the new name and colour at once."""
    checked: dict[str, str] = {}
    for field, value, check in (("name", name, check_category_name), ("color", color, check_color)):
        if value is not None:
            try:
                checked[field] = check(value)
            except ValueError as exc:
                raise InvalidInput(f"Invalid field '{field}': {exc}.") from None
    with conn.write():
        if conn.execute("select 1 from categories where id = ?", (category_id,)).fetchone() is None:
            raise NotFound(f"Category {category_id} not found.")
        if "name" in checked and conn.execute(
            "select 1 from categories where name = ? collate nocase and id != ?", (checked["name"], category_id)
        ).fetchone():
            raise Conflict("Category already exists")
        if checked:
            # Column names come from the fixed list above, never from the request.
            assignments = ", ".join(f"{field} = ?" for field in checked)
            conn.execute(f"update categories set {assignments} where id = ?", [*checked.values(), category_id])
        return dict(conn.execute(f"{CATEGORY_SELECT} where id = ?", (category_id,)).fetchone())


def delete_category(conn: Session, category_id: int) -> None:
    with conn.write():
        if conn.execute("select 1 from categories where id = ?", (category_id,)).fetchone() is None:
            raise NotFound(f"Category {category_id} not found.")
        in_use = conn.execute(
            "select 1 from expenses where category_id = ? union all "
            "select 1 from expense_parts p join expenses e on e.id = p.expense_id where p.category_id = ? limit 1",
            (category_id, category_id),
        ).fetchone()
        if in_use:
            raise AppError("Cannot delete category with existing expenses")
        if conn.execute("select 1 from recurring where category_id = ? limit 1", (category_id,)).fetchone():
            raise AppError("Cannot delete category used by recurring expenses")
        conn.execute("delete from budgets where category_id = ?", (category_id,))
        conn.execute("delete from monthly_totals where category_id = ?", (category_id,))
        conn.execute("delete from categories where id = ?", (category_id,))


def find_category_id(conn: Session, name_or_id: str) -> int:
    """A category named by its name (any case) or its id, for people typing commands."""
    row = conn.execute("select id from categories where name = ? collate nocase", (name_or_id,)).fetchone()
    if row is None and name_or_id.isdigit():
        row = conn.execute("select id from categories where id = ?", (int(name_or_id),)).fetchone()
    if row is None:
        names = ", ".join(c["name"] for c in list_categories(conn)) or "none yet"
        raise NotFound(f"No category {name_or_id!r}; the categories are: {names}.")
    return row[0]
