"""Expenses: one by id, add, change, delete (to the trash), and lists, counts and suggestions under filters."""

from __future__ import annotations

import base64
import binascii
import json
import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

from tracker.categories import require_category
from tracker.config import MAX_AMOUNT, MAX_ID
from tracker.db import Session
from tracker.errors import Conflict, InvalidInput, NotFound

if TYPE_CHECKING:  # Pydantic loads only for the commands that validate input
    from tracker.models import ExpenseCreate
from tracker.money import HOME_CENTS, cents_to_amount, check_totals
from tracker.months import last_day, next_month, previous_month
from tracker.search import plan_search
from tracker.splits import CATEGORY_CONDITION, category_cents, has_parts_in, is_split, with_parts
from tracker.tags import one_tag_sum, set_tags, tag_conditions, tag_rows, valid_tags, with_tags

SORT_COLUMNS = {"date": "e.date", "amount": "e.amount", "created_at": "e.created_at"}
ORDERS = {"asc": "asc", "desc": "desc"}

# The home currency as SQL, for the rows whose currency is null (see tracker.settings).
HOME_CURRENCY_SQL = "coalesce(nullif((select value from settings where key = 'currency'), ''), 'USD')"

EXPENSE_SELECT = f"""select e.id, e.amount, e.description, e.category_id,
    coalesce(c.name, '') as category_name, e.date, e.created_at,
    coalesce(e.currency, {HOME_CURRENCY_SQL}) as currency, coalesce(e.home_amount, e.amount) as home_amount,
    e.rate, e.rate_source
from expenses e left join categories c on c.id = e.category_id"""


def fetch_expense(conn: Session, expense_id: int) -> dict | None:
    row = conn.execute(f"{EXPENSE_SELECT} where e.id = ?", (expense_id,)).fetchone()
    return with_parts(conn, with_tags(conn, [dict(row)]))[0] if row else None


def filter_clause(
    date_from: str | None, date_to: str | None, category_id: int | None, tag: Sequence[str] | None = None,
    drive_tags: bool = False, conn: sqlite3.Connection | None = None,
) -> tuple[list[str], list[Any]]:
    """Conditions on `expenses e` for the filters. The category: the expense's own, or a part of a
    split expense in it; given `conn`, a category without parts is tested on the expense's own
    alone (so the (category_id, date, amount) index serves the list in its order)."""
    if date_from and date_to and date_from > date_to:
        raise InvalidInput(f"The From date {date_from} is after the To date {date_to} "
                           "(date_from must not be after date_to).")
    conditions: list[str] = []
    params: list[Any] = []
    if date_from is not None:
        conditions.append("e.date >= ?")
        params.append(date_from)
    if date_to is not None:
        conditions.append("e.date <= ?")
        params.append(date_to)
    if category_id is not None:
        if conn is not None and not has_parts_in(conn, category_id):
            conditions.append("e.category_id = ?")
            params.append(category_id)
        else:
            conditions.append(CATEGORY_CONDITION)
            params += [category_id, category_id]
    tag_where, tag_params = tag_conditions(tag, drive_tags)
    return conditions + tag_where, params + tag_params


TAG_DRIVE_COST = 4


def month_rows(conn: Session, date_from: str | None, date_to: str | None, category_id: int | None) -> int:
    """About how many expenses the dates and category let through: those of the months they touch."""
    conditions, params = ["1"], []
    for condition, value in (("month >= ?", date_from and date_from[:7]), ("month <= ?", date_to and date_to[:7]),
                             ("category_id = ?", category_id)):
        if value is not None and value != "":
            conditions.append(condition)
            params.append(value)
    return conn.execute(f"select coalesce(sum(count), 0) from monthly_totals where {' and '.join(conditions)}",
                        params).fetchone()[0]


def drive_by_tag(conn: Session, date_from: str | None, date_to: str | None, category_id: int | None,
                 tag: Sequence[str] | None, wanted: int | None = None) -> bool:
    """Whether to read all the rows of a tag filter from the tag's side, rather than test the rows of
    the date range one by one (in the list's order, until `wanted` rows are found; None: all of them)."""
    if not tag:
        return False
    # Measured at 1M rows: a row tested costs about 0.4 µs, a row read from the tag's side about 1.8 µs.
    # Driven, every row of the first tag is read (in any month); tested, the range's rows until enough
    # match (the tags taken as independent of each other).
    in_range = max(month_rows(conn, date_from, date_to, category_id), 1)
    density = 1.0
    for name in tag:
        density *= min(1.0, tag_rows(conn, [name], date_from, date_to) / in_range)
    tested = in_range if wanted is None else min(in_range, wanted / max(density, 1 / in_range))
    return tag_rows(conn, tag, None, None) * TAG_DRIVE_COST < tested


def encode_cursor(sort: str, order: str, value: Any, row_id: int) -> str:
    raw = json.dumps([sort, order, value, row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(token: str, sort: str, order: str) -> tuple[Any, int]:
    invalid = InvalidInput(
        "Invalid query parameter 'cursor': use the X-Next-Cursor value of the previous page "
        "with the same sort and order."
    )
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        c_sort, c_order, value, row_id = json.loads(raw)
    except (ValueError, TypeError, binascii.Error):
        raise invalid from None
    if sort == "amount":
        # Bounded before anything converts it: a huge integer would overflow SQLite's binding.
        value_ok = isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) <= MAX_AMOUNT
    else:  # dates and timestamps are short ASCII text
        value_ok = isinstance(value, str) and len(value) <= 40 and value.isascii()
    id_ok = isinstance(row_id, int) and not isinstance(row_id, bool) and 0 <= row_id <= MAX_ID
    if (c_sort, c_order) != (sort, order) or not value_ok or not id_ok:
        raise invalid
    return value, row_id


def get_expense(conn: Session, expense_id: int) -> dict:
    expense = fetch_expense(conn, expense_id)
    if expense is None:
        raise NotFound(f"Expense {expense_id} not found.")
    return expense


def currency_columns(
    conn: Session, amount: float, day: str, currency: str | None, typed_rate: float | None = None,
) -> tuple[str | None, float | None, float | None, str | None]:
    """An expense's (currency, home_amount, rate, rate_source) as stored: all null in the home
    currency; else the amount at the typed rate or the ECB's of its date, in home minor units."""
    from tracker.currencies import check_amount, check_currency, convert, rate_for
    from tracker.settings import home_currency

    if currency is None:
        return None, None, None, None
    home = home_currency(conn)
    currency = check_currency(currency)
    check_amount(amount, currency)
    if currency == home:
        return None, None, None, None
    rate = rate_for(currency, home, day, typed_rate)
    return currency, convert(amount, rate.rate, home), float(rate.rate), rate.source


INSERT_EXPENSE = """insert into expenses (amount, description, category_id, date, currency, home_amount, rate, rate_source)
values (?, ?, ?, ?, ?, ?, ?, ?)"""


def add_expense(conn: Session, expense: ExpenseCreate) -> int:
    """Adds the expense (and its tags) and returns its id, once it is on disk."""
    tags = getattr(expense, "tags", None)
    conn.prepare(INSERT_EXPENSE)
    with conn.write():
        require_category(conn, expense.category_id)
        currency = getattr(expense, "currency", None)
        columns = currency_columns(conn, expense.amount, expense.date, currency, getattr(expense, "rate", None))
        row_id = conn.execute(
            INSERT_EXPENSE, (expense.amount, expense.description, expense.category_id, expense.date, *columns)
        ).lastrowid
        if tags:
            set_tags(conn, row_id, valid_tags(tags))
        check_totals(conn, [expense.date[:7]])
    return row_id


def create_expense(conn: Session, expense: ExpenseCreate) -> dict:
    """Adds the expense and returns it as stored (read after the write, which other writers need
    not wait for)."""
    return fetch_expense(conn, add_expense(conn, expense))


def expense_json(conn: Session, expense_id: int) -> bytes | None:
    """fetch_expense's expense as the API's JSON bytes (see EXPENSE_JSON), in one statement; None when
    it is gone or holds a value only the response model writes exactly (then use fetch_expense)."""
    row = json_row(
        conn, f"select {EXPENSE_JSON}, {EXPENSE_JSON_EXACT} from expenses e left join categories c on c.id = e.category_id "
        "where e.id = ?", (expense_id,),
    )
    return row[0].encode() if row is not None and row[1] else None


# The columns a change may set; a change's keys are checked against these, never used as given.
EXPENSE_FIELDS = ("amount", "description", "category_id", "date")
CURRENCY_FIELDS = ("currency", "rate")


def update_expense(conn: Session, expense_id: int, fields: dict[str, Any]) -> dict:
    """Set the given fields (already valid; see ExpenseUpdate and provided_fields); the others stay.
    `tags`, when given, become the expense's tags ([] takes them all away)."""
    fields = dict(fields)
    tags = fields.pop("tags", None)
    unknown = set(fields) - set(EXPENSE_FIELDS) - set(CURRENCY_FIELDS)
    if unknown:
        raise ValueError(f"not fields of an expense: {sorted(unknown)}")
    with conn.write():
        stored = conn.execute(
            "select amount, date, currency, rate, rate_source from expenses where id = ?", (expense_id,)
        ).fetchone()
        if stored is None:
            raise NotFound(f"Expense {expense_id} not found.")
        if "category_id" in fields:
            require_category(conn, fields["category_id"])
        if is_split(conn, expense_id):
            refuse_split_change(conn, expense_id, fields)
        currency = fields.pop("currency", None)
        typed = fields.pop("rate", None)
        if currency is not None or typed is not None or (
                stored["currency"] is not None and ({"amount", "date"} & set(fields))):
            new_currency = currency if currency is not None else stored["currency"]
            if typed is None and stored["rate_source"] == "typed" and (currency is None or currency == stored["currency"]):
                typed = stored["rate"]  # the person's rate stays until they type another
            if new_currency is None and typed is not None:
                from tracker.settings import home_currency

                new_currency = home_currency(conn)
            columns = currency_columns(
                conn, fields.get("amount", stored["amount"]), fields.get("date", stored["date"]), new_currency, typed)
            fields.update(zip(("currency", "home_amount", "rate", "rate_source"), columns, strict=True))
        if fields:
            # Column names come from EXPENSE_FIELDS, never from the request.
            assignments = ", ".join(f"{name} = ?" for name in fields)
            conn.execute(f"update expenses set {assignments} where id = ?", [*fields.values(), expense_id])
        if tags is not None:
            set_tags(conn, expense_id, valid_tags(tags))
        updated = fetch_expense(conn, expense_id)
        check_totals(conn, [updated["date"][:7]])
        return updated


SPLIT_WHERE = "Split… in the edit dialog, `expense-tracker split {id}`, or PUT /expenses/{id}/parts"


def refuse_split_change(conn: Session, expense_id: int, fields: dict[str, Any]) -> None:
    """A split expense's amount and category follow its parts: a change of either is refused
    (the same values, as a client that sends the whole expense back does, are fine); so is a
    currency whose minor unit cannot hold a part's amount."""
    stored = conn.execute("select amount, category_id from expenses where id = ?", (expense_id,)).fetchone()
    if "amount" in fields and round(fields["amount"] * 1000) != round(stored["amount"] * 1000):
        raise Conflict(f"Expense {expense_id} is split among categories, so its amount is the sum of its parts; "
                       f"change the parts or unsplit it first ({SPLIT_WHERE.format(id=expense_id)}).")
    if "category_id" in fields and fields["category_id"] != stored["category_id"]:
        raise Conflict(f"Expense {expense_id} is split among categories; change the categories of its parts "
                       f"or unsplit it first ({SPLIT_WHERE.format(id=expense_id)}).")
    if fields.get("currency") is not None:
        from tracker.splits import refuse_currency_change

        refuse_currency_change(conn, expense_id, fields["currency"], SPLIT_WHERE.format(id=expense_id))


MOVE_TO_TRASH = """insert or replace into deleted_expenses
    (id, amount, description, category_id, category_name, category_color, date, created_at,
     import_batch_id, reverted_batch_id, currency, home_amount, rate, rate_source)
select e.id, e.amount, e.description, e.category_id, coalesce(c.name, ''), coalesce(c.color, '#6c757d'),
    e.date, e.created_at, e.import_batch_id, ?, e.currency, e.home_amount, e.rate, e.rate_source
from expenses e left join categories c on c.id = e.category_id"""


def delete_expense(conn: Session, expense_id: int) -> None:
    """Move the expense to the trash, from which `restore_expense` brings it back with its id."""
    with conn.write():
        conn.execute(f"{MOVE_TO_TRASH} where e.id = ?", (None, expense_id))
        deleted = conn.execute("delete from expenses where id = ?", (expense_id,)).rowcount
    if not deleted:
        raise NotFound(f"Expense {expense_id} not found.")


class PagePlan(NamedTuple):
    """How to read one page of the list: `ids` is SQL for the page's ids (and one more, which says
    whether there is a next page), `params` its parameters; `ordering` the ORDER BY on `expenses e`."""

    ids: str
    params: list[Any]
    ordering: str
    sort: str
    order: str
    limit: int


def plan_page(
    conn: Session,
    *,
    date_from: str | None = None,
    date_to: str | None = None,
    category_id: int | None = None,
    sort: str = "date",
    order: str = "desc",
    limit: int = 50,
    offset: int = 0,
    cursor: str | None = None,
    q: str | None = None,
    tag: Sequence[str] | None = None,
) -> PagePlan:
    """How to read the page that list_expenses answers (the same arguments)."""
    if cursor is not None and offset:
        raise InvalidInput("Invalid query parameter 'cursor': use either cursor or offset, not both.")
    # A category with split expenses in it, in date order: its plain expenses and its parts, each
    # from its own date index, merged (an OR of the two sorted the whole category: 23 ms at 1M).
    by_parts = category_id if sort == "date" and category_id is not None and has_parts_in(conn, category_id) else None
    conditions, params = filter_clause(date_from, date_to, None if by_parts else category_id, tag,
                                       drive_by_tag(conn, date_from, date_to, category_id, tag, offset + limit + 1), conn)
    column, direction = SORT_COLUMNS[sort], ORDERS[order]
    if cursor is not None:
        value, last_id = decode_cursor(cursor, sort, order)
    search = plan_search(conn, q, offset + limit + 1, lambda: count_expenses(conn, date_from, date_to, category_id, tag=tag))
    conditions += search.conditions
    params += search.params
    if cursor is not None:
        compare = "<" if order == "desc" else ">"
        conditions.append(f"({column}, e.id) {compare} (?, ?)")
        params += [value, last_id]
    where = f"where {' and '.join(conditions)}" if conditions else ""
    ordering = f"order by {column} {direction}, e.id {direction}"
    # The page's ids come from an index alone; only those rows are then read and joined.
    page_ids, page_params = f"select e.id from expenses e {where} {ordering} limit ? offset ?", params
    if by_parts is not None:
        page_ids, page_params = split_category_page(by_parts, conditions, params, direction)
    return PagePlan(page_ids, [*page_params, limit + 1, offset], ordering, sort, order, limit)


def list_expenses(conn: Session, **arguments: Any) -> tuple[list[dict], str | None]:
    """One page of expenses and the cursor of the next page (None on the last page); the arguments
    are plan_page's: the filters, the order, the page (limit and offset, or cursor).

    q: search text; every word of it must occur in the description (any case, any accents).
    """
    plan = plan_page(conn, **arguments)
    rows = conn.execute(f"{EXPENSE_SELECT} where e.id in ({plan.ids}) {plan.ordering}", plan.params).fetchall()
    page = with_parts(conn, with_tags(conn, [dict(row) for row in rows[:plan.limit]]))
    next_cursor = None
    if len(rows) > plan.limit:
        last = page[-1]
        next_cursor = encode_cursor(plan.sort, plan.order, last[plan.sort], last["id"])
    return page, next_cursor


def exact_number(x: str) -> str:
    """Whether SQLite's JSON writes the number `x` (as a float: `x + 0.0`) as Python writes the
    float: the float nearest to a whole number of cents below 10^13 (division by 100.0 is correctly
    rounded, so its 15 significant digits read back as the same float), or else 15 digits that do,
    and no exponent (Python writes 5e-05 as 0.00005). CASE, not AND/OR, stops at the first answer."""
    printed = f"printf('%!.15g', {x})"
    return (f"case when typeof({x}) not in ('real', 'integer') then 0 "
            f"when {x} = round({x} * 100) / 100.0 and {x} >= 0 and {x} < 1e13 then 1 "
            f"else instr({printed}, 'e') = 0 and cast({printed} as real) = {x} end")


# The API's JSON of an expense (api.models.ExpenseResponse, key for key, as its compact dump
# writes it), made by SQLite: a page of the list is then one statement's one row, not 50 rows
# turned into dicts and models (GET /expenses?limit=50 at 8 clients: 650 -> 800 req/s; each row
# read was a hand-over of Python's GIL between the request threads). EXPENSE_JSON_EXACT says
# whether the row is one this JSON writes exactly as the model would; if not, the model does.
PART_JSON = """json_object('id', p.id, 'category_id', p.category_id, 'category_name', coalesce(pc.name, ''),
    'amount', p.amount + 0.0, 'home_amount', coalesce(p.home_amount, p.amount) + 0.0, 'note', p.note)"""
PART_JSON_EXACT = (f"typeof(p.category_id) = 'integer' and {exact_number('p.amount')} "
                   f"and {exact_number('coalesce(p.home_amount, p.amount)')}")
EXPENSE_JSON = f"""json_object('id', e.id, 'amount', e.amount + 0.0, 'description', e.description,
    'category_id', e.category_id, 'category_name', coalesce(c.name, ''), 'date', e.date, 'created_at', e.created_at,
    'tags', case when exists (select 1 from expense_tags et where et.expense_id = e.id)
        then json((select json_group_array(name) from (select t.name from expense_tags et
            join tags t on t.id = et.tag_id where et.expense_id = e.id order by t.name))) else json_array() end,
    'currency', coalesce(e.currency, {HOME_CURRENCY_SQL}), 'home_amount', coalesce(e.home_amount, e.amount) + 0.0,
    'rate', e.rate + 0.0, 'rate_source', e.rate_source,
    'parts', case when exists (select 1 from expense_parts p where p.expense_id = e.id)
        then json((select '[' || group_concat(part, ',') || ']' from (select {PART_JSON} as part
            from expense_parts p left join categories pc on pc.id = p.category_id where p.expense_id = e.id
            order by p.id))) else json_array() end)"""
# Ids are integers (the rowid); the text columns (TEXT affinity) hold text or null, or a blob, which
# json_object refuses ("JSON cannot hold BLOB values"): the model then writes the page.
EXPENSE_JSON_EXACT = f"""({exact_number("e.amount")} and typeof(e.category_id) = 'integer'
    and {exact_number("coalesce(e.home_amount, e.amount)")} and (e.rate is null or {exact_number("e.rate")})
    and not exists (select 1 from expense_parts p where p.expense_id = e.id and not ({PART_JSON_EXACT})))"""


def sqlite_json_as_python(conn: sqlite3.Connection) -> bool:
    """Whether this SQLite writes floats and strings in JSON as Python's response models do (SQLite
    3.40 writes 15 significant digits; other versions may not): checked once, on samples."""
    global _sqlite_json_as_python
    if _sqlite_json_as_python is None:
        samples = [0.07, 12.5, 7, 0.3, 1234567.89, 9999999999999.99, 0.0001, 1.0873, 161.25, "é\x01\n\"\\/😀"]
        written = conn.execute(
            "select json_group_array(case when typeof(value) = 'text' then value else value + 0.0 end) from json_each(?)",
            (json.dumps(samples),),
        ).fetchone()[0]
        expected = json.dumps([float(x) if not isinstance(x, str) else x for x in samples], ensure_ascii=False,
                              separators=(",", ":"))
        _sqlite_json_as_python = written == expected
    return _sqlite_json_as_python


_sqlite_json_as_python: bool | None = None


def json_row(conn: Session, sql: str, params: Sequence[Any]) -> sqlite3.Row | None:
    """The one row of a statement that writes the API's JSON (EXPENSE_JSON); None when this SQLite
    does not write JSON as Python does, or a text column holds a blob, which json_object refuses."""
    if not sqlite_json_as_python(conn):
        return None
    try:
        return conn.execute(sql, params).fetchone()
    except sqlite3.OperationalError as exc:
        if "blob" not in str(exc).lower():
            raise
        return None


def list_expenses_json(conn: Session, **arguments: Any) -> tuple[bytes, str | None] | None:
    """list_expenses' page as the API's JSON bytes, and the next page's cursor, in one statement;
    None when a row holds a value that only the response model writes exactly (a float that
    needs 17 digits or an exponent, text in a number column, a blob): then use list_expenses."""
    plan = plan_page(conn, **arguments)
    row = json_row(
        conn,
        f"""select '[' || coalesce(group_concat(expense, ',') filter (where n <= ?), '') || ']',
            coalesce(min(exact) filter (where n <= ?), 1), count(*),
            max(key) filter (where n = ?), max(id) filter (where n = ?)
        from (select row_number() over ({plan.ordering}) as n, {EXPENSE_JSON} as expense, {EXPENSE_JSON_EXACT} as exact,
            {SORT_COLUMNS[plan.sort]} as key, e.id as id
            from expenses e left join categories c on c.id = e.category_id where e.id in ({plan.ids}) {plan.ordering})""",
        [plan.limit] * 4 + plan.params,
    )
    if row is None or not row[1]:
        return None
    body, _, count, key, last_id = row
    next_cursor = encode_cursor(plan.sort, plan.order, key, last_id) if count > plan.limit else None
    return body.encode(), next_cursor


def split_category_page(category_id: int, conditions: list[str], params: list[Any], direction: str) -> tuple[str, list]:
    """The ids of a page of a category's expenses in date order, as SQL and its parameters (then the
    limit and offset): the expenses not split in it, and those with a part in it (each part has its
    expense's date), merged in order. `conditions`: the other filters, on `expenses e`."""
    others = "".join(f" and {condition}" for condition in conditions)
    # The parts' side seeks and orders by the part's own copy of the date and expense id.
    on_parts = others.replace("e.date", "p.date").replace("(p.date, e.id)", "(p.date, p.expense_id)")
    sql = f"""select id from (
        select e.id, e.date from expenses e where e.category_id = ?
            and not exists (select 1 from expense_parts x where x.expense_id = e.id){others}
        union
        select p.expense_id, p.date from expense_parts p join expenses e on e.id = p.expense_id
            where p.category_id = ?{on_parts}
        order by 2 {direction}, 1 {direction} limit ? offset ?)"""
    return sql, [category_id, *params, category_id, *params]


SUGGESTION_WINDOW = 5000


def count_expenses(
    conn: Session,
    date_from: str | None = None,
    date_to: str | None = None,
    category_id: int | None = None,
    q: str | None = None,
    tag: Sequence[str] | None = None,
) -> int:
    """How many expenses match: whole months from monthly_totals, and only the partial months at
    the edges of the date range through the date index, so it stays fast at a million rows.
    With a search q, the rows that match it (see search_filter); with tags, the rows that have them."""
    if tag and len(tag) == 1 and category_id is None and not (q and q.strip()):
        return one_tag_sum(conn, tag, date_from, date_to)[0]
    conditions, params = filter_clause(date_from, date_to, category_id, tag,
                                       drive_by_tag(conn, date_from, date_to, category_id, tag), conn)
    search = plan_search(conn, q, None, lambda: count_expenses(conn, date_from, date_to, category_id, tag=tag))
    if search.conditions and not conditions:
        return conn.execute(search.count_sql, search.count_params).fetchone()[0]
    if search.conditions or tag:
        where = " and ".join([*conditions, *search.conditions])
        return conn.execute(f"select count(*) from expenses e where {where}", [*params, *search.params]).fetchone()[0]
    if date_from and date_to and date_from[:7] == date_to[:7]:
        return count_rows(conn, date_from, date_to, category_id)
    conditions, params, edges = whole_months_and_edges(date_from, date_to, category_id)
    total = conn.execute(
        f"select coalesce(sum(count), 0) from monthly_totals where {' and '.join(conditions)}", params
    ).fetchone()[0]
    return total + sum(count_rows(conn, low, high, category_id) for low, high in edges)


def whole_months_and_edges(
    date_from: str | None, date_to: str | None, category_id: int | None
) -> tuple[list[str], list[Any], list[tuple[str, str]]]:
    """A date range as the whole months monthly_totals answers for (conditions and params on it)
    and the partial months at its edges, which must be read from the expenses (first, last day)."""
    # (<> 0, not > 0: the row that keeps the count of split expenses right counts less than 0.)
    conditions: list[str] = ["count <> 0"]
    params: list[Any] = []
    edges: list[tuple[str, str]] = []
    if category_id is not None:
        conditions.append("category_id = ?")
        params.append(category_id)
    if date_from is not None:
        first = date_from[:7]
        if date_from[8:] != "01":
            edges.append((date_from, last_day(first)))
            first = next_month(first)
        conditions.append("month >= ?")
        params.append(first)
    if date_to is not None:
        last = date_to[:7]
        if date_to != last_day(last):
            edges.append((f"{last}-01", date_to))
            last = previous_month(last)
        conditions.append("month <= ?")
        params.append(last)
    return conditions, params, edges


def count_rows(conn: Session, date_from: str, date_to: str, category_id: int | None) -> int:
    conditions, params = filter_clause(date_from, date_to, category_id, conn=conn)
    return conn.execute(f"select count(*) from expenses e where {' and '.join(conditions)}", params).fetchone()[0]




def expense_totals(
    conn: Session,
    date_from: str | None = None,
    date_to: str | None = None,
    category_id: int | None = None,
    q: str | None = None,
    tag: Sequence[str] | None = None,
) -> dict:
    """How many expenses match the same filters as `list_expenses`, and their total: `count`, `total`.

    Whole months come from monthly_totals and only the partial months at the edges of the date
    range are read, through the (date, amount) and (category_id, date, amount) indexes, so that
    it stays fast at a million rows. With a search q, the matching rows are read as the search
    plan finds them; with tags, the rows that have them (one tag alone: as tracker.tags adds them up)."""
    if tag and len(tag) == 1 and category_id is None and not (q and q.strip()):
        count, cents = one_tag_sum(conn, tag, date_from, date_to)
        return {"count": count, "total": cents_to_amount(cents)}
    # A category with parts in it: each expense's money in it (see sum_rows).
    parts_in = category_id if category_id is not None and has_parts_in(conn, category_id) else None
    conditions, params = filter_clause(date_from, date_to, category_id, tag,
                                       drive_by_tag(conn, date_from, date_to, category_id, tag), conn)
    search = plan_search(conn, q, None, lambda: count_expenses(conn, date_from, date_to, category_id, tag=tag))
    if search.conditions or tag:
        count, cents = sum_rows(conn, [*conditions, *search.conditions], [*params, *search.params], parts_in)
        return {"count": count, "total": cents_to_amount(cents)}
    if date_from and date_to and date_from[:7] == date_to[:7]:
        count, cents = sum_rows(conn, conditions, params, parts_in)
        return {"count": count, "total": cents_to_amount(cents)}
    month_conditions, month_params, edges = whole_months_and_edges(date_from, date_to, category_id)
    # Added up in Python: the months and categories together may pass SQLite's 64-bit sum().
    count, cents = 0, 0
    for row in conn.execute(
        f"select count, total_cents from monthly_totals where {' and '.join(month_conditions)}", month_params
    ):
        count += row[0]
        cents += row[1]
    for low, high in edges:
        edge_conditions, edge_params = filter_clause(low, high, category_id, conn=conn)
        edge_count, edge_cents = sum_rows(conn, edge_conditions, edge_params, parts_in)
        count += edge_count
        cents += edge_cents
    return {"count": count, "total": cents_to_amount(cents)}


def sum_rows(conn: Session, conditions: list[str], params: list[Any], category_id: int | None = None) -> tuple[int, int]:
    """Count and total cents of the expenses that meet `conditions` (on `expenses e`); with a
    category, of their money in it (a split expense's part in it, as monthly_totals counts it)."""
    where = f"where {' and '.join(conditions)}" if conditions else ""
    cents_sql, cents_params = (HOME_CENTS, []) if category_id is None else (category_cents(HOME_CENTS), [category_id])
    try:
        count, cents = conn.execute(f"select count(*), coalesce(sum({cents_sql}), 0) from expenses e {where}",
                                    [*cents_params, *params]).fetchone()
        return count, cents
    except sqlite3.OperationalError as exc:
        if "integer overflow" not in str(exc):
            raise
    # Past SQLite's 64 bits: by month and category (each of which fits), added up in Python.
    count, cents = 0, 0
    for row in conn.execute(
        f"select count(*), sum({cents_sql}) from expenses e {where} group by e.category_id, substr(e.date, 1, 7)",
        [*cents_params, *params],
    ):
        count += row[0]
        cents += row[1]
    return count, cents


def suggestions(conn: Session, prefix: str, limit: int = 8) -> list[dict]:
    """Descriptions used recently that start with `prefix` (any case), with their last category."""
    escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    rows = conn.execute(
        """select description, category_id, amount from (
            select description, category_id, amount, id from expenses order by id desc limit ?
        ) where description like ? escape '\\' order by id desc""",
        (SUGGESTION_WINDOW, f"{escaped}%"),
    )
    seen: dict[str, dict] = {}
    for row in rows:
        key = row["description"].casefold()
        if key not in seen:
            seen[key] = dict(row)
            if len(seen) == limit:
                break
    return list(seen.values())
