"""Changing many expenses at once — a new category, to the trash, back from it, or the rules and
learning run over them — as one edit that one undo takes back."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tracker.categories import require_category
from tracker.db import Session
from tracker.errors import Conflict, InvalidInput, NotFound
from tracker.expenses import MOVE_TO_TRASH, count_expenses, drive_by_tag, filter_clause
from tracker.money import check_totals
from tracker.search import plan_search
from tracker.tags import TAGS_PER_EXPENSE_MAX, tag_ids, valid_tags
from tracker.trash import TRASH_KEPT, restore_rows

EDITS_SCHEMA = [
    """create table if not exists edits (
    id integer primary key autoincrement,
    action text not null check (action in ('category', 'delete', 'restore', 'tidy')),
    summary text not null,
    rows integer not null,
    made_at text not null default (datetime('now')),
    undone_at text
)""",
    # What each row was before the edit, so that undo can put it back.
    """create table if not exists edit_rows (
    edit_id integer not null,
    expense_id integer not null,
    old_category_id integer,
    old_description text,
    primary key (edit_id, expense_id)
) without rowid""",
]

MAX_IDS = 100_000  # ids listed in one request; a filter reaches any number of rows
ACTIONS = ("category", "delete", "restore", "tidy", "add_tags", "remove_tags")

# The edits table again with the tag actions in its check (SQLite cannot alter a check), and the
# (expense, tag) pairs a tag edit added or took away, so that undo takes exactly those back.
TAG_EDITS_SCHEMA = [
    """create table edits_with_tags (
    id integer primary key autoincrement,
    action text not null check (action in ('category', 'delete', 'restore', 'tidy', 'add_tags', 'remove_tags')),
    summary text not null,
    rows integer not null,
    made_at text not null default (datetime('now')),
    undone_at text
)""",
    "insert into edits_with_tags (id, action, summary, rows, made_at, undone_at) "
    "select id, action, summary, rows, made_at, undone_at from edits",
    "drop table edits",
    "alter table edits_with_tags rename to edits",
    """create table if not exists edit_tags (
    edit_id integer not null,
    expense_id integer not null,
    tag_id integer not null,
    primary key (edit_id, expense_id, tag_id)
) without rowid""",
]


def create_edits(conn) -> None:
    for statement in EDITS_SCHEMA:
        conn.execute(statement)


def create_tag_edits(conn) -> None:
    for statement in TAG_EDITS_SCHEMA:
        conn.execute(statement)


@dataclass(frozen=True)
class Selection:
    """Which expenses: listed ids, or every expense the list's filters and search let through."""

    ids: Sequence[int] | None = None
    date_from: str | None = None
    date_to: str | None = None
    category_id: int | None = None
    q: str | None = None
    tag: Sequence[str] | None = None

    def expense_ids(self, conn: Session) -> list[int]:
        if self.ids is not None:
            if len(self.ids) > MAX_IDS:
                raise InvalidInput(f"At most {MAX_IDS:,} ids at once; choose by filter for more.")
            wanted = sorted(set(self.ids))
            found = in_chunks(conn, "select id from expenses where id in ({})", wanted)
            missing = sorted(set(wanted) - set(found))
            if missing:
                raise NotFound(f"No expense {missing[0]}" + (f" (nor {len(missing) - 1} more)." if len(missing) > 1 else "."))
            return wanted
        conditions, params = filter_clause(self.date_from, self.date_to, self.category_id, self.tag,
                                           drive_by_tag(conn, self.date_from, self.date_to, self.category_id, self.tag),
                                           conn)
        search = plan_search(conn, self.q, None,
                             lambda: count_expenses(conn, self.date_from, self.date_to, self.category_id, tag=self.tag))
        conditions += search.conditions
        params += search.params
        where = f"where {' and '.join(conditions)}" if conditions else ""
        return [row[0] for row in conn.execute(f"select e.id from expenses e {where} order by e.id", params)]


def rows_in_chunks(conn: Session, sql: str, ids: Sequence[int], *params: object, chunk: int = 500) -> list:
    """Run `sql`, whose `in ({})` takes the ids, a chunk at a time (SQLite caps a statement's
    parameters); `params` follow the ids."""
    rows: list = []
    for start in range(0, len(ids), chunk):
        part = ids[start:start + chunk]
        rows += conn.execute(sql.format(", ".join("?" * len(part))), (*part, *params)).fetchall()
    return rows


def in_chunks(conn: Session, sql: str, ids: Sequence[int]) -> list:
    """The first column of rows_in_chunks."""
    return [row[0] for row in rows_in_chunks(conn, sql, ids)]


def record_edit(conn: Session, action: str, summary: str, rows: Iterable[tuple]) -> int:
    rows = list(rows)
    edit_id = conn.execute(
        "insert into edits (action, summary, rows) values (?, ?, ?)", (action, summary, len(rows))
    ).lastrowid
    conn.executemany(
        "insert into edit_rows (edit_id, expense_id, old_category_id, old_description) values (?, ?, ?, ?)",
        [(edit_id, *row) for row in rows],
    )
    return edit_id


def expenses_word(count: int) -> str:
    return f"{count:,} expense{'' if count == 1 else 's'}"


def edit_months(conn: Session, edit_id: int) -> set[str]:
    """The months of the expenses an edit touched (whose totals it changed)."""
    return {row[0] for row in conn.execute(
        """select distinct substr(e.date, 1, 7) from expenses e join edit_rows r on r.expense_id = e.id
        where r.edit_id = ?""", (edit_id,))}


def split_note(count: int) -> str | None:
    """Why split expenses were left out of a change of category, in one sentence (None: none were)."""
    if not count:
        return None
    left = "1 split expense was left as it is" if count == 1 else f"{count:,} split expenses were left as they are"
    return f"{left}: a split expense's category is its parts', so change its parts instead."


def split_ids(conn: Session, ids: Sequence[int]) -> set[int]:
    """Which of these expenses are split."""
    return set(in_chunks(conn, "select distinct expense_id from expense_parts where expense_id in ({})", list(ids)))


def edit_result(conn: Session, edit_id: int | None, action: str, rows: int, summary: str,
                skipped_split: int = 0) -> dict:
    return {"edit_id": edit_id, "action": action, "rows": rows, "summary": summary, "dry_run": edit_id is None,
            "skipped_split": skipped_split, "note": split_note(skipped_split)}


def set_category(conn: Session, selection: Selection, category_id: int, *, dry_run: bool = False) -> dict:
    with conn.write():
        require_category(conn, category_id)
        name = conn.execute("select name from categories where id = ?", (category_id,)).fetchone()[0]
        ids = selection.expense_ids(conn)
        skipped = len(split_ids(conn, ids))
        before = [
            (row[0], row[1], None)
            # A split expense's category follows its parts: it stays where it is.
            for row in rows_in_chunks(conn, "select id, category_id from expenses where id in ({}) and category_id != ? "
                                      "and id not in (select expense_id from expense_parts)", ids, category_id)
        ]
        summary = f"{expenses_word(len(before))} moved to {name}"
        if dry_run:
            return edit_result(conn, None, "category", len(before), summary, skipped)
        edit_id = record_edit(conn, "category", summary, before)
        months = edit_months(conn, edit_id)
        conn.execute(
            "update expenses set category_id = ? where id in (select expense_id from edit_rows where edit_id = ?)",
            (category_id, edit_id),
        )
        check_totals(conn, months)
        return edit_result(conn, edit_id, "category", len(before), summary, skipped)


def delete_many(conn: Session, selection: Selection, *, dry_run: bool = False) -> dict:
    with conn.write():
        ids = selection.expense_ids(conn)
        summary = f"{expenses_word(len(ids))} moved to the trash"
        if dry_run:
            return edit_result(conn, None, "delete", len(ids), summary)
        edit_id = record_edit(conn, "delete", summary, ((i, None, None) for i in ids))
        chosen = "e.id in (select expense_id from edit_rows where edit_id = ?)"
        conn.execute(f"{MOVE_TO_TRASH} where {chosen}", (None, edit_id))
        conn.execute("delete from expenses where id in (select expense_id from edit_rows where edit_id = ?)", (edit_id,))
        return edit_result(conn, edit_id, "delete", len(ids), summary)


def restore_many(conn: Session, ids: Sequence[int], *, dry_run: bool = False) -> dict:
    """Bring the listed expenses back from the trash."""
    if len(ids) > MAX_IDS:
        raise InvalidInput(f"At most {MAX_IDS:,} ids at once.")
    wanted = sorted(set(ids))
    with conn.write():
        present = in_chunks(conn, f"select id from deleted_expenses where {TRASH_KEPT} and id in ({{}})", wanted)
        missing = sorted(set(wanted) - set(present))
        if missing:
            raise NotFound(f"Expense {missing[0]} is not in the trash.")
        summary = f"{expenses_word(len(wanted))} restored from the trash"
        if dry_run:
            return edit_result(conn, None, "restore", len(wanted), summary)
        edit_id = record_edit(conn, "restore", summary, ((i, None, None) for i in wanted))
        restore_rows(conn, "id in (select expense_id from edit_rows where edit_id = ?)", (edit_id,))
        return edit_result(conn, edit_id, "restore", len(wanted), summary)


def apply_changes(conn: Session, changes: Sequence[dict], *, dry_run: bool = False) -> dict:
    """Give each expense its new category (and description, if given): `changes` are dicts with
    id, category_id and optionally description, as a tidy preview lists them. A split expense keeps
    its category (its parts'): only its description changes, and it is counted in `skipped_split`."""
    with conn.write():
        rows, made, skipped = [], [], 0
        split = split_ids(conn, [change["id"] for change in changes])
        for change in changes:
            current = conn.execute("select category_id, description, date from expenses where id = ?",
                                   (change["id"],)).fetchone()
            if current is None:
                raise Conflict(f"Expense {change['id']} changed or went since the preview; preview again.")
            category_id = change["category_id"]
            if change["id"] in split and category_id != current["category_id"]:
                skipped += 1
                category_id = current["category_id"]
                if change.get("description") in (None, current["description"]):
                    continue
            rows.append((change["id"], current["category_id"], current["description"], current["date"][:7]))
            made.append((category_id, change.get("description"), change["id"]))
        summary = f"{expenses_word(len(rows))} tidied by rules and learning"
        if dry_run:
            return edit_result(conn, None, "tidy", len(rows), summary, skipped)
        edit_id = record_edit(conn, "tidy", summary, (row[:3] for row in rows))
        for category_id, description, expense_id in made:
            require_category(conn, category_id)
            conn.execute(
                "update expenses set category_id = ?, description = coalesce(?, description) where id = ?",
                (category_id, description, expense_id),
            )
        check_totals(conn, {row[3] for row in rows})
        return edit_result(conn, edit_id, "tidy", len(rows), summary, skipped)


def change_tags(conn: Session, selection: Selection, names: Sequence[str], *, add: bool,
                dry_run: bool = False) -> dict:
    """Add these tags to the chosen expenses (add=True), or take them off; one undoable edit that
    records exactly the (expense, tag) pairs it changed."""
    names = valid_tags(names)
    if not names:
        raise InvalidInput("Say which tags: at least one.")
    action = "add_tags" if add else "remove_tags"
    with conn.write():
        ids = selection.expense_ids(conn)
        existing = {row[1]: row[0] for row in rows_in_chunks(conn, "select id, name from tags where name in ({})", names)}
        if add and dry_run and len(existing) < len(names):
            # A tag that does not exist yet: every chosen expense would get it (and nothing is made now).
            return edit_result(conn, None, action, len(ids), f"{', '.join(f'#{name}' for name in names)} added to "
                               f"{expenses_word(len(ids))}")
        wanted = tag_ids(conn, names) if add else list(existing.values())
        have = "exists (select 1 from expense_tags x where x.expense_id = e.id and x.tag_id = t.id)"
        pairs = rows_in_chunks(
            conn,
            f"""select e.id, t.id from expenses e join tags t
            where e.id in ({{}}) and t.id in (select value from json_each(?)) and {'not' if add else ''} {have}""",
            ids, json.dumps(wanted))
        changed = len({pair[0] for pair in pairs})
        label = ", ".join(f"#{name}" for name in names)
        summary = (f"{label} added to {expenses_word(changed)}" if add
                   else f"{label} taken off {expenses_word(changed)}")
        if dry_run:
            return edit_result(conn, None, action, changed, summary)
        edit_id = conn.execute("insert into edits (action, summary, rows) values (?, ?, ?)",
                               (action, summary, changed)).lastrowid
        conn.executemany("insert into edit_tags (edit_id, expense_id, tag_id) values (?, ?, ?)",
                         [(edit_id, *pair) for pair in pairs])
        if add:
            conn.execute("""insert or ignore into expense_tags (expense_id, tag_id)
                select expense_id, tag_id from edit_tags where edit_id = ?""", (edit_id,))
            crowded = conn.execute(
                """select expense_id, count(*) from expense_tags where expense_id in
                (select expense_id from edit_tags where edit_id = ?) group by expense_id having count(*) > ? limit 1""",
                (edit_id, TAGS_PER_EXPENSE_MAX)).fetchone()
            if crowded:  # the transaction is rolled back: nothing changes
                raise InvalidInput(f"Expense {crowded[0]} would have {crowded[1]} tags; an expense has at most "
                                   f"{TAGS_PER_EXPENSE_MAX}.")
        else:
            conn.execute("""delete from expense_tags where (expense_id, tag_id) in
                (select expense_id, tag_id from edit_tags where edit_id = ?)""", (edit_id,))
        return edit_result(conn, edit_id, action, changed, summary)


def list_edits(conn: Session, limit: int = 20) -> list[dict]:
    return [dict(row) for row in conn.execute(
        "select id, action, summary, rows, made_at, undone_at from edits order by id desc limit ?", (limit,)
    )]


def undo_edit(conn: Session, edit_id: int) -> dict:
    """Take an edit back: categories and descriptions as they were, deleted rows out of the trash,
    restored rows back in it. Rows changed or gone since are left as they are now."""
    with conn.write():
        edit = conn.execute("select action, summary, undone_at from edits where id = ?", (edit_id,)).fetchone()
        if edit is None:
            raise NotFound(f"Edit {edit_id} not found.")
        if edit["undone_at"] is not None:
            raise Conflict(f"Edit {edit_id} ({edit['summary']}) was already undone.")
        chosen = "(select expense_id from edit_rows where edit_id = ?)"
        if edit["action"] == "add_tags":
            back = conn.execute("""delete from expense_tags where (expense_id, tag_id) in
                (select expense_id, tag_id from edit_tags where edit_id = ?)""", (edit_id,)).rowcount
        elif edit["action"] == "remove_tags":
            back = conn.execute("""insert or ignore into expense_tags (expense_id, tag_id)
                select r.expense_id, r.tag_id from edit_tags r where r.edit_id = ?
                and (r.expense_id in (select id from expenses) or r.expense_id in (select id from deleted_expenses))""",
                                (edit_id,)).rowcount
        elif edit["action"] == "delete":
            back = len(restore_rows(conn, f"id in {chosen} and id not in (select id from expenses)", (edit_id,)))
        elif edit["action"] == "restore":
            conn.execute(f"{MOVE_TO_TRASH} where e.id in {chosen}", (None, edit_id))
            back = conn.execute(f"delete from expenses where id in {chosen}", (edit_id,)).rowcount
        else:
            months = edit_months(conn, edit_id)
            back = conn.execute(
                """update expenses set
                    category_id = coalesce((select r.old_category_id from edit_rows r
                        where r.edit_id = ? and r.expense_id = expenses.id
                        and exists (select 1 from categories c where c.id = r.old_category_id)), category_id),
                    description = coalesce((select r.old_description from edit_rows r
                        where r.edit_id = ? and r.expense_id = expenses.id), description)
                where id in (select expense_id from edit_rows where edit_id = ?)
                    and id not in (select expense_id from expense_parts)""",  # split since: its parts decide
                (edit_id, edit_id, edit_id),
            ).rowcount
            check_totals(conn, months)
        conn.execute("update edits set undone_at = datetime('now') where id = ?", (edit_id,))
        return {"edit_id": edit_id, "rows": back, "summary": f"Undid: {edit['summary']}"}
