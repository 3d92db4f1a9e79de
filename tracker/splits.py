"""Split expenses: one expense divided among categories (a supermarket receipt: groceries,
household, drinks), each part with its amount and optionally its own note.

What is stored: expense_parts(id, expense_id, category_id, amount, home_amount, note, date). The parts of
an expense add up exactly to its amount, in the minor units of its currency; each part is in a
different category. `home_amount` is the part's share of the expense's home amount (null, like the
expense's, in the home currency): shares in proportion to the amounts, in whole cents, the
remainder going to the largest part, so that the parts' home amounts add up exactly to the
expense's. `date` is the expense's date, for the category filter's index. The triggers below keep
those shares and the date whenever the expense changes.

A split expense keeps a valid `category_id`: the category of its LARGEST part (the first one given
when two are equally large), so that a client that knows nothing of splits sees the category where
most of the money went, and its name.

monthly_totals counts the PARTS of a split expense in their categories (each part once, with its
home amount) and the expense's own category otherwise, kept by triggers on expenses and on
expense_parts, so any program that writes the file keeps it right. So that a month's count stays
the number of expenses, a split expense of n parts also adds -(n - 1) to the count of the row of
category_id 0 (no category has that id; its total_cents stays 0).

A trashed expense keeps its parts (it keeps its id), like its tags; emptying it from the trash for
good takes them away.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from tracker.db import Session
from tracker.errors import Conflict, InvalidInput, NotFound
from tracker.money import check_totals

PARTS_MAX = 20
NOTE_MAX = 200
# The row of monthly_totals that keeps the count of a month's expenses right (see the module's doc).
COUNT_CORRECTION = 0

EXPENSE_HAS_PARTS = "exists (select 1 from expense_parts where expense_id = {x})"


def row_cents(row: str) -> str:
    """An expense's or a part's money (`row`: its alias) in home cents, as monthly_totals adds it up."""
    return f"cast(round(coalesce({row}.home_amount, {row}.amount) * 100) as integer)"


# Each expense's money as monthly_totals counts it, by month and category: an expense that is not
# split in its own category; a split one as its parts, each in its category, and a correction of
# 1 - n to the count of COUNT_CORRECTION. One view, so the triggers below say only "take expense x
# out" before a change and "put it back" after it: the schema a new connection parses was 31 KB,
# 14 KB of it these triggers written out in full, and its parse took 1.4 ms, 0.64 ms of it theirs.
SHARES_VIEW = f"""create view if not exists expense_month_shares as
select e.id as expense_id, substr(e.date, 1, 7) as month, e.category_id, {row_cents("e")} as cents, 1 as n
    from expenses e where not {EXPENSE_HAS_PARTS.format(x="e.id")}
union all
select p.expense_id, substr(e.date, 1, 7), p.category_id, {row_cents("p")}, 1
    from expense_parts p join expenses e on e.id = p.expense_id
union all
select p.expense_id, substr(e.date, 1, 7), {COUNT_CORRECTION}, 0, -1
    from expense_parts p join expenses e on e.id = p.expense_id
union all
select e.id, substr(e.date, 1, 7), {COUNT_CORRECTION}, 0, 1 from expenses e where {EXPENSE_HAS_PARTS.format(x="e.id")}"""

# Each part's share of its expense's home amount: in proportion to the amounts, in whole cents, the
# remainder to the largest part (the first when two are as large), so that the shares add up exactly.
_HOME = "cast(round(e.home_amount * 100) as integer)"
_TOTAL = "(select sum(r.amount) from expense_parts r where r.expense_id = p.expense_id)"
_LARGEST = "(select r.id from expense_parts r where r.expense_id = p.expense_id order by r.amount desc, r.id limit 1)"
PART_HOME_VIEW = f"""create view if not exists expense_part_home_amounts as
select p.id, case when e.home_amount is null then null
    when p.id = {_LARGEST} then ({_HOME} - coalesce((select sum(cast(round(q.amount * {_HOME} / {_TOTAL}) as integer))
        from expense_parts q where q.expense_id = p.expense_id and q.id <> p.id), 0)) / 100.0
    else cast(round(p.amount * {_HOME} / {_TOTAL}) as integer) / 100.0 end as home_amount
from expense_parts p join expenses e on e.id = p.expense_id"""


def take_out(x: str) -> str:
    """Take expense `x`'s money out of monthly_totals, as it is now (before a change)."""
    return f"""update monthly_totals set total_cents = total_cents - s.cents, count = count - s.n
    from (select month, category_id, sum(cents) as cents, sum(n) as n from expense_month_shares
        where expense_id = {x} group by month, category_id) as s
    where monthly_totals.month = s.month and monthly_totals.category_id = s.category_id;"""


def put_back(x: str) -> str:
    """Reshare expense `x`'s home amount among its parts, give them its date, and add its money to
    monthly_totals (after a change)."""
    return f"""update expense_parts set home_amount = (select s.home_amount from expense_part_home_amounts s
        where s.id = expense_parts.id), date = (select e.date from expenses e where e.id = {x}) where expense_id = {x};
    insert into monthly_totals (month, category_id, total_cents, count)
    select month, category_id, sum(cents), sum(n) from expense_month_shares where expense_id = {x}
        group by month, category_id having sum(n) <> 0 or sum(cents) <> 0
    on conflict (month, category_id) do update
        set total_cents = total_cents + excluded.total_cents, count = count + excluded.count;"""


IMPORTING = """(new.import_batch_id is null
    or not exists (select 1 from import_in_progress where batch_id = new.import_batch_id))"""
WATCHED = "amount, home_amount, date, category_id"

# The triggers of the first version of splits, each written out in full; replaced by SPLIT_TRIGGERS.
OLD_TRIGGERS = ["expenses_parts_totals_insert", "expenses_parts_totals_delete", "expenses_parts_totals_update",
                "expense_parts_totals_insert", "expense_parts_totals_delete", "expense_parts_totals_update"]

SPLITS_SCHEMA = [
    """create table if not exists expense_parts (
    id integer primary key,
    expense_id integer not null,
    category_id integer not null,
    amount real not null check (amount > 0),
    home_amount real,
    note text not null default ''
)""",
    "create index if not exists idx_expense_parts_expense on expense_parts(expense_id)",
    # The category filter: the expenses with a part in a category.
    "create index if not exists idx_expense_parts_category on expense_parts(category_id, expense_id)",
    # Emptied from the trash for good: its parts go too (restored, it is in expenses again first).
    """create trigger if not exists deleted_expenses_parts_delete after delete on deleted_expenses
when not exists (select 1 from expenses where id = old.id)
begin
    delete from expense_parts where expense_id = old.id;
end""",
]

IN_LIST = "exists (select 1 from expenses where id = {x})"
SPLIT_TRIGGERS = [
    SHARES_VIEW,
    PART_HOME_VIEW,
    # The expense's own triggers skip split expenses, which the triggers after them count.
    "drop trigger if exists expenses_totals_insert",
    f"""create trigger expenses_totals_insert after insert on expenses
when {IMPORTING} and not {EXPENSE_HAS_PARTS.format(x="new.id")}
begin
    insert into monthly_totals (month, category_id, total_cents, count)
    values (substr(new.date, 1, 7), new.category_id, {row_cents("new")}, 1)
    on conflict (month, category_id) do update
        set total_cents = total_cents + excluded.total_cents, count = count + 1;
end""",
    "drop trigger if exists expenses_totals_delete",
    f"""create trigger expenses_totals_delete after delete on expenses
when not {EXPENSE_HAS_PARTS.format(x="old.id")}
begin
    update monthly_totals
        set total_cents = total_cents - {row_cents("old")}, count = count - 1
        where month = substr(old.date, 1, 7) and category_id = old.category_id;
end""",
    "drop trigger if exists expenses_totals_update",
    f"""create trigger expenses_totals_update after update of {WATCHED} on expenses
when not {EXPENSE_HAS_PARTS.format(x="new.id")}
begin
    update monthly_totals
        set total_cents = total_cents - {row_cents("old")}, count = count - 1
        where month = substr(old.date, 1, 7) and category_id = old.category_id;
    insert into monthly_totals (month, category_id, total_cents, count)
    values (substr(new.date, 1, 7), new.category_id, {row_cents("new")}, 1)
    on conflict (month, category_id) do update
        set total_cents = total_cents + excluded.total_cents, count = count + 1;
end""",
    # A split expense comes into the list (a restore: its parts stayed, with their shares and date),
    # leaves it (the trash) or changes. Written without the views: every new connection's first
    # insert compiles this trigger, and the views' four selects cost it ~170 µs more.
    f"""create trigger expenses_split_totals_insert after insert on expenses
when {EXPENSE_HAS_PARTS.format(x="new.id")}
begin
    insert into monthly_totals (month, category_id, total_cents, count)
    select substr(new.date, 1, 7), category_id, sum(cents), sum(n) from (
        select p.category_id, {row_cents("p")} as cents, 1 as n from expense_parts p where p.expense_id = new.id
        union all
        select {COUNT_CORRECTION}, 0, 1 - count(*) from expense_parts p where p.expense_id = new.id)
    where true group by category_id having sum(n) <> 0 or sum(cents) <> 0
    on conflict (month, category_id) do update
        set total_cents = total_cents + excluded.total_cents, count = count + excluded.count;
end""",
    f"""create trigger expenses_split_totals_delete before delete on expenses
when {EXPENSE_HAS_PARTS.format(x="old.id")}
begin
    {take_out("old.id")}
end""",
    f"""create trigger expenses_split_totals_before_update before update of {WATCHED} on expenses
when {EXPENSE_HAS_PARTS.format(x="old.id")}
begin
    {take_out("old.id")}
end""",
    f"""create trigger expenses_split_totals_update after update of {WATCHED} on expenses
when {EXPENSE_HAS_PARTS.format(x="new.id")}
begin
    {put_back("new.id")}
end""",
]
# A part added, taken away or changed while its expense is in the list: the expense taken out of
# monthly_totals as it was, then put back as it is (the first part takes the expense's own money
# out of its category; the last one taken away puts it back).
for event, row, columns in [("insert", "new", ""), ("delete", "old", ""), ("update", "new", " of amount, category_id")]:
    x = f"{row}.expense_id"
    SPLIT_TRIGGERS += [
        f"""create trigger expense_parts_totals_before_{event} before {event}{columns} on expense_parts
when {IN_LIST.format(x=x)}
begin
    {take_out(x)}
end""",
        f"""create trigger expense_parts_totals_{event} after {event}{columns} on expense_parts
when {IN_LIST.format(x=x)}
begin
    {put_back(x)}
end""",
    ]


def create_splits(conn: sqlite3.Connection) -> None:
    for statement in SPLITS_SCHEMA:
        conn.execute(statement)


def create_split_triggers(conn: sqlite3.Connection) -> None:
    for name in OLD_TRIGGERS:
        conn.execute(f"drop trigger if exists {name}")
    # Each part keeps its expense's date (the triggers set it), so that a category's list reads
    # its split expenses in date order from an index, like its other expenses.
    conn.execute("alter table expense_parts add column date text")
    conn.execute("""update expense_parts set date = coalesce((select e.date from expenses e where e.id = expense_id),
        (select d.date from deleted_expenses d where d.id = expense_id))""")
    conn.execute("drop index if exists idx_expense_parts_category")
    conn.execute("create index idx_expense_parts_category_date on expense_parts(category_id, date, expense_id)")
    for statement in SPLIT_TRIGGERS:
        conn.execute(statement)


# --- Reading -----------------------------------------------------------------------------------

PART_SELECT = """select p.id, p.expense_id, p.category_id, coalesce(c.name, '') as category_name, p.amount,
    coalesce(p.home_amount, p.amount) as home_amount, p.note
from expense_parts p left join categories c on c.id = p.category_id"""


def parts_of_many(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, list[dict]]:
    found: dict[int, list[dict]] = {}
    if not ids:
        return found
    for start in range(0, len(ids), 500):
        chunk = list(ids[start:start + 500])
        marks = ", ".join("?" * len(chunk))
        for row in conn.execute(f"{PART_SELECT} where p.expense_id in ({marks}) order by p.expense_id, p.id", chunk):
            part = dict(row)
            found.setdefault(part.pop("expense_id"), []).append(part)
    return found


def with_parts(conn: sqlite3.Connection, expenses: list[dict]) -> list[dict]:
    """The expenses, each with its `parts` (a list, empty when it is not split), read in one query."""
    found = parts_of_many(conn, [expense["id"] for expense in expenses])
    for expense in expenses:
        expense["parts"] = found.get(expense["id"], [])
    return expenses


def is_split(conn: sqlite3.Connection, expense_id: int) -> bool:
    return conn.execute("select 1 from expense_parts where expense_id = ? limit 1", (expense_id,)).fetchone() is not None


def has_parts_in(conn: sqlite3.Connection, category_id: int) -> bool:
    """Whether any expense has a part in the category (one look in the category index)."""
    return conn.execute("select 1 from expense_parts where category_id = ? limit 1", (category_id,)).fetchone() is not None


# The category filter, on `expenses e`: its own category, or a part in it. (A split expense's own
# category is one of its parts', so the first test alone finds it there.)
CATEGORY_CONDITION = "(e.category_id = ? or e.id in (select p.expense_id from expense_parts p where p.category_id = ?))"


def category_cents(home_cents: str) -> str:
    """An expense `e`'s money in one category (the one bound to the ?): its part's for a split
    expense, all of it otherwise (`home_cents`)."""
    split = EXPENSE_HAS_PARTS.format(x="e.id")
    return f"""coalesce((select sum({row_cents("p")}) from expense_parts p
        where p.expense_id = e.id and p.category_id = ?), case when {split} then 0 else {home_cents} end)"""


# --- Writing -----------------------------------------------------------------------------------


def check_parts(parts: Sequence[Any], amount: float, currency: str) -> list[tuple[int, Decimal, str]]:
    """The parts as (category_id, amount, note), or InvalidInput that says in words what is wrong.
    `parts`: items with category_id, amount and note (dicts or objects)."""
    from tracker.currencies import decimals_problem, minor_unit

    def get(part: Any, name: str) -> Any:
        return part.get(name) if isinstance(part, dict) else getattr(part, name, None)

    if len(parts) < 2:
        raise InvalidInput(f"A split has at least 2 parts, not {len(parts)}; to put it in one category, unsplit it.")
    if len(parts) > PARTS_MAX:
        raise InvalidInput(f"A split has at most {PARTS_MAX} parts, not {len(parts)}.")
    unit = minor_unit(currency)
    checked: list[tuple[int, Decimal, str]] = []
    for number, part in enumerate(parts, 1):
        value = get(part, "amount")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise InvalidInput(f"Part {number}'s amount must be a number greater than 0, not {value!r}.")
        problem = decimals_problem(float(value), currency)
        if problem:
            raise InvalidInput(f"Part {number}'s amount: {problem.rstrip('.')}.")
        note = get(part, "note") or ""
        if not isinstance(note, str) or len(note) > NOTE_MAX:
            raise InvalidInput(f"Part {number}'s note must be text of at most {NOTE_MAX} characters.")
        category_id = get(part, "category_id")
        checked.append((category_id, Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-unit)), note.strip()))
    total = sum(part[1] for part in checked)
    expected = Decimal(repr(float(amount))).quantize(Decimal(1).scaleb(-unit))
    if total != expected:
        difference = expected - total
        raise InvalidInput(
            f"The parts add up to {total} {currency} but the expense is {expected} {currency}; "
            f"{'add' if difference > 0 else 'take away'} {abs(difference)} so that they add up exactly."
        )
    categories = [part[0] for part in checked]
    if len(set(categories)) != len(categories):
        raise InvalidInput("Each part of a split is in a different category; put the amounts of one category together.")
    return checked


def write_parts(conn: Session, expense_id: int, checked: list[tuple[int, Decimal, str]]) -> None:
    """Store checked parts (see check_parts) in place of the expense's; inside a write transaction."""
    from tracker.categories import require_category

    for category_id, _, _ in checked:
        require_category(conn, category_id)
    largest = max(checked, key=lambda part: part[1])  # the first of the largest
    conn.execute("delete from expense_parts where expense_id = ?", (expense_id,))
    conn.execute("update expenses set category_id = ? where id = ?", (largest[0], expense_id))
    conn.executemany(
        "insert into expense_parts (expense_id, category_id, amount, note) values (?, ?, ?, ?)",
        [(expense_id, category_id, float(amount), note) for category_id, amount, note in checked],
    )


def set_parts(conn: Session, expense_id: int, parts: Sequence[Any]) -> dict:
    """Split the expense into `parts` (or change its parts): see check_parts. The expense's
    category becomes its largest part's. Returns the expense as fetch_expense shows it."""
    from tracker.expenses import HOME_CURRENCY_SQL, fetch_expense

    with conn.write():
        row = conn.execute(f"select amount, date, coalesce(currency, {HOME_CURRENCY_SQL}) as currency from expenses e "
                           "where id = ?", (expense_id,)).fetchone()
        if row is None:
            raise NotFound(f"Expense {expense_id} not found.")
        write_parts(conn, expense_id, check_parts(parts, row["amount"], row["currency"]))
        check_totals(conn, [row["date"][:7]])
        return fetch_expense(conn, expense_id)


def clear_parts(conn: Session, expense_id: int) -> dict:
    """Unsplit: the expense is whole again, in its category (its largest part's)."""
    from tracker.expenses import fetch_expense

    with conn.write():
        if conn.execute("select 1 from expenses where id = ?", (expense_id,)).fetchone() is None:
            raise NotFound(f"Expense {expense_id} not found.")
        if not conn.execute("delete from expense_parts where expense_id = ?", (expense_id,)).rowcount:
            raise Conflict(f"Expense {expense_id} is not split.")
        return fetch_expense(conn, expense_id)


def refuse_currency_change(conn: sqlite3.Connection, expense_id: int, currency: str, where: str) -> None:
    """A split expense moving to `currency`: each part must be a whole number of its minor units
    (parts with cents cannot be in JPY), else Conflict in one sentence, and nothing changes.
    `where`: where the parts are changed, in words."""
    from tracker.currencies import decimals_problem, minor_unit

    for part in conn.execute(f"{PART_SELECT} where p.expense_id = ? order by p.id", (expense_id,)):
        if decimals_problem(float(part["amount"]), currency):
            places = minor_unit(currency)
            unit = "no decimals" if places == 0 else f"{places} decimal place{'s' if places > 1 else ''}"
            raise Conflict(
                f"Expense {expense_id} is split and its part in {part['category_name']}, {part['amount']:g}, is not "
                f"an amount in {currency} ({currency} has {unit}); change the parts or unsplit it first ({where}).")
