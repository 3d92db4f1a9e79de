"""Tags: labels across categories (#holiday, #work-trip), any number per expense.

A tag's name is what the person typed without its leading '#', trimmed and in lower case
("#Holiday" and "holiday" are one tag, shown as "holiday"): lower case because SQLite's NOCASE
folds only ASCII letters, so keeping the person's case would make "Ärger" and "ärger" two tags.
Letters (any alphabet), digits, '-' and '_'; at most TAG_MAX characters.

A trashed expense keeps its rows in expense_tags (it keeps its id), so that a restore brings
it back with its tags; emptying it from the trash takes them away (a trigger, whichever way it goes).
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from tracker.errors import InvalidInput, NotFound
from tracker.money import HOME_CENTS

TAG_MAX = 40
TAGS_PER_EXPENSE_MAX = 20

TAGS_SCHEMA = [
    "create table if not exists tags (id integer primary key, name text not null unique collate nocase)",
    """create table if not exists expense_tags (
    expense_id integer not null,
    tag_id integer not null,
    primary key (expense_id, tag_id)
) without rowid""",
    # tag -> expenses, for the tag filter and a tag's totals.
    "create index if not exists idx_expense_tags_tag on expense_tags(tag_id, expense_id)",
    # Each tag's count and total by month, kept exact in cents by the triggers below, like
    # monthly_totals: a tag's total over months reads a row per month, not every tagged expense.
    # Only expenses in the list count (a trashed expense keeps its tags, not its place in here).
    """create table if not exists tag_monthly_totals (
    tag_id integer not null,
    month text not null,
    total_cents integer not null,
    count integer not null,
    primary key (tag_id, month)
) without rowid""",
    # Emptied from the trash for good: its tags go too (restored, it is in expenses again first).
    """create trigger if not exists deleted_expenses_tags_delete after delete on deleted_expenses
when not exists (select 1 from expenses where id = old.id)
begin
    delete from expense_tags where expense_id = old.id;
end""",
]

def tag_total_triggers(amount: str = "amount", watched: str = "amount, date") -> list[str]:
    """The triggers that keep tag_monthly_totals: `amount` is the column (or expression over the
    row's columns, written with `row.`) whose cents a tag adds up; `watched` the columns whose change
    moves an expense's money. The currencies migration makes them add up the home amount."""

    def cents(row: str) -> str:
        expression = amount.replace("row.", f"{row}.") if "row." in amount else f"{row}.{amount}"
        return f"cast(round({expression} * 100) as integer)"

    return [
        f"""create trigger if not exists expense_tags_totals_insert after insert on expense_tags begin
    insert into tag_monthly_totals (tag_id, month, total_cents, count)
    select new.tag_id, substr(e.date, 1, 7), {cents("e")}, 1 from expenses e where e.id = new.expense_id
    on conflict (tag_id, month) do update set total_cents = total_cents + excluded.total_cents, count = count + 1;
end""",
        f"""create trigger if not exists expense_tags_totals_delete after delete on expense_tags begin
    update tag_monthly_totals
        set total_cents = total_cents - (select {cents("e")} from expenses e where e.id = old.expense_id), count = count - 1
        where tag_id = old.tag_id and month = (select substr(e.date, 1, 7) from expenses e where e.id = old.expense_id);
end""",
        # Into the list (a restore: the only way an id that has tags comes back) and out of it (the trash).
        f"""create trigger if not exists expenses_tag_totals_insert after insert on expenses
when exists (select 1 from expense_tags where expense_id = new.id)
begin
    insert into tag_monthly_totals (tag_id, month, total_cents, count)
    select tag_id, substr(new.date, 1, 7), {cents("new")}, 1 from expense_tags where expense_id = new.id
    on conflict (tag_id, month) do update set total_cents = total_cents + excluded.total_cents, count = count + 1;
end""",
        f"""create trigger if not exists expenses_tag_totals_delete after delete on expenses
when exists (select 1 from expense_tags where expense_id = old.id)
begin
    update tag_monthly_totals set total_cents = total_cents - {cents("old")}, count = count - 1
        where month = substr(old.date, 1, 7) and tag_id in (select tag_id from expense_tags where expense_id = old.id);
end""",
        f"""create trigger if not exists expenses_tag_totals_update after update of {watched} on expenses
when exists (select 1 from expense_tags where expense_id = new.id)
begin
    update tag_monthly_totals set total_cents = total_cents - {cents("old")}, count = count - 1
        where month = substr(old.date, 1, 7) and tag_id in (select tag_id from expense_tags where expense_id = old.id);
    insert into tag_monthly_totals (tag_id, month, total_cents, count)
    select tag_id, substr(new.date, 1, 7), {cents("new")}, 1 from expense_tags where expense_id = new.id
    on conflict (tag_id, month) do update set total_cents = total_cents + excluded.total_cents, count = count + 1;
end""",
    ]


TAG_TOTAL_TRIGGERS = ("expense_tags_totals_insert", "expense_tags_totals_delete", "expenses_tag_totals_insert",
                      "expenses_tag_totals_delete", "expenses_tag_totals_update")


TAG_CHARACTERS = re.compile(r"[^\W_]|[-_]")


def check_tag(value: str) -> str:
    """A tag as stored (see the module's doc), or a ValueError that says in words what is wrong."""
    if not isinstance(value, str):
        raise ValueError("a tag must be text")
    # One spelling of each letter (é typed as e and an accent is é), then lower case.
    name = unicodedata.normalize("NFC", value.strip())
    if name.startswith("#"):
        name = name[1:].strip()
    if not name:
        raise ValueError("a tag must not be empty")
    if len(name) > TAG_MAX:
        raise ValueError(f"a tag has at most {TAG_MAX} characters, {name[:20]!r}… has {len(name)}")
    bad = next((char for char in name if not TAG_CHARACTERS.fullmatch(char)), None)
    lower = unicodedata.normalize("NFC", name.lower())
    bad = bad or next((char for char in lower if not TAG_CHARACTERS.fullmatch(char)), None)
    if bad is not None:
        raise ValueError(f"a tag has only letters, digits, '-' and '_', and {value.strip()!r} has {bad!r}")
    return lower


def check_tags(values: Iterable[str]) -> list[str]:
    """Each tag checked, each once, in the order given."""
    names = list(dict.fromkeys(check_tag(value) for value in values))
    if len(names) > TAGS_PER_EXPENSE_MAX:
        raise ValueError(f"an expense has at most {TAGS_PER_EXPENSE_MAX} tags, not {len(names)}")
    return names


def parse_tags(text: str) -> list[str]:
    """Tags as typed in one field: "#holiday #work-trip", "holiday, work-trip" or "holiday work-trip"."""
    return check_tags(part for part in re.split(r"[\s,]+", text) if part)


def valid_tags(values: Iterable[str], what: str = "tags") -> list[str]:
    try:
        return check_tags(values)
    except ValueError as exc:
        raise InvalidInput(f"Invalid {what}: {exc}.") from None


def create_tags(conn: sqlite3.Connection) -> None:
    for statement in [*TAGS_SCHEMA, *tag_total_triggers()]:
        conn.execute(statement)


def tag_ids(conn: sqlite3.Connection, names: Sequence[str]) -> list[int]:
    """The ids of these (checked) tags, made where new; call inside a write transaction."""
    conn.executemany("insert or ignore into tags (name) values (?)", [(name,) for name in names])
    return [conn.execute("select id from tags where name = ?", (name,)).fetchone()[0] for name in names]


def set_tags(conn: sqlite3.Connection, expense_id: int, names: Sequence[str]) -> None:
    """Make the expense's tags exactly these (checked) names; call inside a write transaction."""
    ids = tag_ids(conn, names)
    conn.execute(f"delete from expense_tags where expense_id = ? and tag_id not in ({', '.join('?' * len(ids))})",
                 (expense_id, *ids))
    conn.executemany("insert or ignore into expense_tags (expense_id, tag_id) values (?, ?)",
                     [(expense_id, tag_id) for tag_id in ids])


def require_expense(conn: sqlite3.Connection, expense_id: int) -> None:
    if conn.execute("select 1 from expenses where id = ?", (expense_id,)).fetchone() is None:
        raise NotFound(f"Expense {expense_id} not found.")


def add_tags(conn, expense_id: int, names: Iterable[str]) -> list[str]:
    """Add tags to an expense (those it has stay); its tags after."""
    names = valid_tags(names)
    with conn.write():
        require_expense(conn, expense_id)
        conn.executemany("insert or ignore into expense_tags (expense_id, tag_id) values (?, ?)",
                         [(expense_id, tag_id) for tag_id in tag_ids(conn, names)])
        tags = tags_of(conn, expense_id)
        if len(tags) > TAGS_PER_EXPENSE_MAX:
            raise InvalidInput(f"Invalid tags: an expense has at most {TAGS_PER_EXPENSE_MAX} tags, not {len(tags)}.")
        return tags


def remove_tags(conn, expense_id: int, names: Iterable[str]) -> list[str]:
    """Take tags off an expense (a tag it does not have is no error); its tags after."""
    names = valid_tags(names)
    with conn.write():
        require_expense(conn, expense_id)
        conn.executemany(
            "delete from expense_tags where expense_id = ? and tag_id = (select id from tags where name = ?)",
            [(expense_id, name) for name in names])
        return tags_of(conn, expense_id)


def replace_tags(conn, expense_id: int, names: Iterable[str]) -> list[str]:
    """Make the expense's tags exactly these ([] takes them all away); its tags after."""
    names = valid_tags(names)
    with conn.write():
        require_expense(conn, expense_id)
        set_tags(conn, expense_id, names)
        return tags_of(conn, expense_id)


def tags_of(conn: sqlite3.Connection, expense_id: int) -> list[str]:
    return tags_of_many(conn, [expense_id]).get(expense_id, [])


def tags_of_many(conn: sqlite3.Connection, expense_ids: Sequence[int]) -> dict[int, list[str]]:
    """The tags of each of these expenses (sorted by name), in one query: for a list's page."""
    if not expense_ids:
        return {}
    found: dict[int, list[str]] = {}
    for row in conn.execute(
        """select et.expense_id, t.name from expense_tags et join tags t on t.id = et.tag_id
        where et.expense_id in (select value from json_each(?)) order by et.expense_id, t.name""",
        (f"[{','.join(str(int(i)) for i in expense_ids)}]",),
    ):
        found.setdefault(row[0], []).append(row[1])
    return found


def with_tags(conn: sqlite3.Connection, expenses: list[dict]) -> list[dict]:
    """The expenses, each with its `tags` (a list, maybe empty), read in one query."""
    found = tags_of_many(conn, [expense["id"] for expense in expenses])
    for expense in expenses:
        expense["tags"] = found.get(expense["id"], [])
    return expenses


TAG_ID = "(select id from tags where name = ?)"
# Row by row, tested against expense_tags' primary key: for a page in the list's order (it stops
# after a page) and for a short date range (1.5 ms for a page at 1M rows, 6 ms for a month's total).
TAG_CHECK = f"exists (select 1 from expense_tags et where et.expense_id = e.id and et.tag_id = {TAG_ID})"
# From the tag's expenses (the tag index) to the rows: when the tag has fewer rows than the other filters.
TAG_DRIVE = f"e.id in (select et.expense_id from expense_tags et where et.tag_id = {TAG_ID})"


def tag_conditions(names: Sequence[str] | None, drive: bool = False) -> tuple[list[str], list[Any]]:
    """Conditions on `expenses e` for the tag filter: the expense has every one of these tags.
    drive: read the first tag's expenses through the tag index (see tag_rows), not row by row."""
    if not names:
        return [], []
    names = valid_tags(names, "query parameter 'tag'")
    conditions = [TAG_CHECK] * len(names)
    if drive:
        conditions[0] = TAG_DRIVE
    return conditions, list(names)


def tag_rows(conn: sqlite3.Connection, names: Sequence[str], date_from: str | None, date_to: str | None) -> int:
    """About how many expenses of the months of this period have the first of these tags (from
    tag_monthly_totals: a row per month)."""
    names = valid_tags(names, "query parameter 'tag'")
    conditions, params = [f"tag_id = {TAG_ID}"], [names[0]]
    if date_from:
        conditions.append("month >= ?")
        params.append(date_from[:7])
    if date_to:
        conditions.append("month <= ?")
        params.append(date_to[:7])
    return conn.execute(f"select coalesce(sum(count), 0) from tag_monthly_totals where {' and '.join(conditions)}",
                        params).fetchone()[0]


def tag_totals(conn: sqlite3.Connection, date_from: str | None = None, date_to: str | None = None) -> list[dict]:
    """Each tag that some expense of the period has: `name`, `count` and `total` of its expenses,
    most spent first."""
    from tracker.money import cents_to_amount

    if date_from and date_to and date_from > date_to:
        raise InvalidInput(f"The From date {date_from} is after the To date {date_to} "
                           "(date_from must not be after date_to).")
    found = tag_sums(conn, date_from, date_to)
    names = dict(conn.execute("select id, name from tags").fetchall())
    rows = sorted(((names[tag_id], count, cents) for tag_id, (count, cents) in found.items() if count),
                  key=lambda row: (-row[2], row[0]))
    return [{"name": name, "count": count, "total": cents_to_amount(cents)} for name, count, cents in rows]


def tag_sums(conn: sqlite3.Connection, date_from: str | None, date_to: str | None,
             name: str | None = None) -> dict[int, list[int]]:
    """Tag id -> [count, cents] of the period's expenses (of the tag `name` alone, when given).
    Whole months come from tag_monthly_totals; only the partial months at the edges of the period
    are read from the expenses (each row checked against expense_tags)."""
    from tracker.expenses import whole_months_and_edges
    from tracker.months import last_day

    one = "" if name is None else f" and tag_id = {TAG_ID}"
    one_params = [] if name is None else [name]
    found: dict[int, list[int]] = {}

    def count_in(rows: Iterable) -> None:
        for tag_id, count, cents in rows:
            entry = found.setdefault(tag_id, [0, 0])
            entry[0] += count
            entry[1] += cents

    whole_month = bool(date_from and date_to) and date_from[8:] == "01" and date_to == last_day(date_to[:7])
    if date_from and date_to and date_from[:7] == date_to[:7] and not whole_month:
        edges = [(date_from, date_to)]
    else:
        conditions, params, edges = whole_months_and_edges(date_from, date_to, None)
        count_in(conn.execute(f"select tag_id, count, total_cents from tag_monthly_totals "
                              f"where {' and '.join(conditions)}{one}", [*params, *one_params]))
    for low, high in edges:
        if name is None:
            count_in(conn.execute(
                f"""select et.tag_id, count(*), sum({HOME_CENTS}) from expenses e join expense_tags et on et.expense_id = e.id
                where e.date >= ? and e.date <= ? group by et.tag_id""", (low, high)))
        else:  # the edge's rows in date order, each checked against expense_tags' key
            count, cents = conn.execute(
                f"select count(*), coalesce(sum({HOME_CENTS}), 0) from expenses e where e.date >= ? and e.date <= ? "
                f"and {TAG_CHECK}", (low, high, name)).fetchone()
            count_in([(0, count, cents)])
    return found


def one_tag_sum(conn: sqlite3.Connection, names: Sequence[str], date_from: str | None,
                date_to: str | None) -> tuple[int, int]:
    """Count and cents of the period's expenses with this one tag (see tag_sums)."""
    (name,) = valid_tags(names, "query parameter 'tag'")
    if date_from and date_to and date_from > date_to:
        raise InvalidInput(f"The From date {date_from} is after the To date {date_to} "
                           "(date_from must not be after date_to).")
    count, cents = 0, 0
    for tag_count, tag_cents in tag_sums(conn, date_from, date_to, name).values():
        count, cents = count + tag_count, cents + tag_cents
    return count, cents
