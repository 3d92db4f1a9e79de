"""The trash: deleted expenses kept for 30 days, restored with the same id, emptied for good."""

import sqlite3
from decimal import Decimal

from tracker.db import Session
from tracker.errors import Conflict, NotFound
from tracker.expenses import fetch_expense
from tracker.money import check_totals

TRASH_DAYS = 30


TRASH_SELECT = f"""select id, amount, description, category_id, category_name, date, created_at, deleted_at,
    reverted_batch_id,
    {TRASH_DAYS} - cast(julianday('now') - julianday(deleted_at) as integer) as days_left
from deleted_expenses"""
TRASH_KEPT = f"deleted_at >= datetime('now', '-{TRASH_DAYS} days')"


def list_trash(conn: Session, limit: int = 50, offset: int = 0) -> list[dict]:
    rows = conn.execute(
        f"{TRASH_SELECT} where {TRASH_KEPT} order by deleted_at desc, id desc limit ? offset ?",
        (limit, offset),
    )
    return [dict(row) for row in rows]


def count_trash(conn: Session) -> int:
    return conn.execute(f"select count(*) from deleted_expenses where {TRASH_KEPT}").fetchone()[0]


def category_for_restore(conn: Session, trashed: sqlite3.Row) -> int:
    """The expense's category, or one of the same name, or the category made again."""
    if conn.execute("select 1 from categories where id = ?", (trashed["category_id"],)).fetchone():
        return trashed["category_id"]
    name = trashed["category_name"] or "Restored"
    row = conn.execute("select id from categories where name = ? collate nocase", (name,)).fetchone()
    if row:
        return row[0]
    return conn.execute(
        "insert into categories (name, color) values (?, ?)", (name, trashed["category_color"])
    ).lastrowid


def move_orphan_parts(conn: Session, expense_id: int, category_id: int) -> None:
    """A trashed split expense's parts in a category deleted meanwhile go to the expense's category
    (added to its part there, if it has one: each part stays in a category of its own). Before the
    expense is back, so that no trigger counts the parts twice."""
    for orphan in conn.execute(
            "select id, amount from expense_parts where expense_id = ? and category_id not in (select id from categories)",
            (expense_id,)).fetchall():
        kept = conn.execute("select id, amount from expense_parts where expense_id = ? and category_id = ?",
                            (expense_id, category_id)).fetchone()
        if kept is None:
            conn.execute("update expense_parts set category_id = ? where id = ?", (category_id, orphan["id"]))
        else:
            total = float(Decimal(repr(kept["amount"])) + Decimal(repr(orphan["amount"])))
            conn.execute("update expense_parts set amount = ? where id = ?", (total, kept["id"]))
            conn.execute("delete from expense_parts where id = ?", (orphan["id"],))


def restore_rows(conn: Session, where: str, params: tuple) -> list[int]:
    """Put trashed rows back with their own ids; call inside a write transaction."""
    restored, months = [], set()
    for trashed in conn.execute(f"select * from deleted_expenses where {where}", params).fetchall():
        if conn.execute("select 1 from expenses where id = ?", (trashed["id"],)).fetchone():
            raise Conflict(f"Expense {trashed['id']} already exists, so it cannot be restored over it.")
        category_id = category_for_restore(conn, trashed)
        move_orphan_parts(conn, trashed["id"], category_id)
        conn.execute(
            """insert into expenses (id, amount, description, category_id, date, created_at, import_batch_id,
                currency, home_amount, rate, rate_source)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (trashed["id"], trashed["amount"], trashed["description"], category_id,
             trashed["date"], trashed["created_at"], trashed["import_batch_id"],
             trashed["currency"], trashed["home_amount"], trashed["rate"], trashed["rate_source"]),
        )
        conn.execute("delete from deleted_expenses where id = ?", (trashed["id"],))
        restored.append(trashed["id"])
        months.add(trashed["date"][:7])
    check_totals(conn, months)
    return restored


def restore_expense(conn: Session, expense_id: int) -> dict:
    with conn.write():
        if not restore_rows(conn, f"id = ? and {TRASH_KEPT}", (expense_id,)):
            raise NotFound(f"Expense {expense_id} is not in the trash.")
        return fetch_expense(conn, expense_id)


def purge_trash(conn: Session, everything: bool = False) -> int:
    """Empty the trash of items older than TRASH_DAYS (or of everything); returns how many went."""
    with conn.write():
        where = "" if everything else f"where not ({TRASH_KEPT})"
        return conn.execute(f"delete from deleted_expenses {where}").rowcount


def delete_from_trash(conn: Session, expense_id: int) -> None:
    with conn.write():
        if not conn.execute("delete from deleted_expenses where id = ?", (expense_id,)).rowcount:
            raise NotFound(f"Expense {expense_id} is not in the trash.")
