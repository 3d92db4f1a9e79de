"""Categories: list, create, delete, and find one by name or id."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracker.db import Session
from tracker.errors import AppError, Conflict, NotFound

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


def delete_category(conn: Session, category_id: int) -> None:
    with conn.write():
        if conn.execute("select 1 from categories where id = ?", (category_id,)).fetchone() is None:
            raise NotFound(f"Category {category_id} not found.")
        in_use = conn.execute(
            "select 1 from expenses where category_id = ? limit 1", (category_id,)
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
