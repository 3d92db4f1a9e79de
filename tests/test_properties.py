"""Property tests of the query functions against a plain-Python model of the expenses.

Hypothesis state machines apply any sequence of creates, updates and deletes to a fresh
database (one per example) and to a plain dict of rows; between the writes they ask the library
for pages, cursor walks, counts, month summaries, month totals or the CSV export with any
filters, and compare each answer with what the model says it must be. Money is compared in
integer cents. Deterministic (derandomize) and bounded, for CI.
"""

import calendar
import csv
import io
import os
import shutil
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tracker.categories import create_category
from tracker.config import PAGE_LIMIT_MAX
from tracker.db import connect, init_database
from tracker.errors import AppError, InvalidInput, NotFound
from tracker.expenses import (
    count_expenses,
    create_expense,
    delete_expense,
    get_expense,
    list_expenses,
    update_expense,
)
from tracker.export import export_csv
from tracker.models import CategoryCreate, ExpenseCreate, ExpenseUpdate
from tracker.months import MAX_TREND_MONTHS
from tracker.summary import month_summary, month_totals
from tracker.validation import provided_fields

# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------

# The three categories every new database has, and one made here whose name looks like a
# spreadsheet formula, so that the export's neutralisation is also checked on the category cell.
CATEGORIES = {1: "Food", 2: "Transport", 3: "Utilities"}
FORMULA_CATEGORY = "=HYPERLINK(\"x\")"
MISSING_CATEGORY = 99


def days(first: str, last: str) -> list[str]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [(start + timedelta(n)).isoformat() for n in range((end - start).days + 1)]


# A few months around a leap day, plus the first and last months a date can be in: month ends,
# month starts and year ends are where the month arithmetic of counts and totals can go wrong.
WINDOW = days("2023-12-25", "2024-03-05")
EDGE_DATES = [
    "2023-12-31", "2024-01-01", "2024-01-31", "2024-02-01", "2024-02-28", "2024-02-29",
    "2024-03-01", "0001-01-01", "0001-01-02", "0001-01-31", "9999-12-01", "9999-12-02",
    "9999-12-30", "9999-12-31",
]
dates = st.one_of(st.sampled_from(WINDOW), st.sampled_from(EDGE_DATES))
months = st.sampled_from(sorted({d[:7] for d in WINDOW + EDGE_DATES} | {"2024-04", "5000-06"}))

amounts_in_cents = st.one_of(
    st.sampled_from([1, 10, 20, 29, 30, 99, 100, 101, 1005, 33333, 99_999_999, 100_000_000]),
    st.integers(min_value=1, max_value=100_000_000),  # (0, 1e6] in cents
)

FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r", "'", " ", ""]
text_chars = st.characters(
    codec="utf-8",
    exclude_categories=("Cs",),
    exclude_characters="\x00",
)
descriptions = (
    st.tuples(
        st.sampled_from(FORMULA_STARTS),
        st.lists(
            st.one_of(text_chars, st.sampled_from([",", '"', "\n", "\r\n", "\r", "'", "=", "é", "€", "😀"])),
            max_size=30,
        ).map("".join),
        st.sampled_from(["x", "Lunch", "1+1", "=SUM(A1:A9)", "@cmd", "-2", "é", "雨"]),
    )
    .map(lambda parts: parts[0] + parts[2] + parts[1])
    .filter(lambda text: 1 <= len(text.strip()) <= 200)
)
category_ids = st.integers(min_value=1, max_value=4)  # 4 is FORMULA_CATEGORY
filter_category_ids = st.one_of(st.none(), st.integers(min_value=1, max_value=4), st.just(MISSING_CATEGORY))
optional_dates = st.one_of(st.none(), dates)
sorts = st.sampled_from(["date", "amount", "created_at"])
orders = st.sampled_from(["asc", "desc"])


# ---------------------------------------------------------------------------
# The model
# ---------------------------------------------------------------------------


def neutralised(text: str) -> str:
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def month_number(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def months_between(first: str, last: str) -> list[str]:
    return [f"{n // 12:04d}-{n % 12 + 1:02d}" for n in range(month_number(first), month_number(last) + 1)]


class Model:
    def __init__(self, categories: dict[int, str]):
        self.categories = categories
        self.rows: dict[int, dict] = {}  # id -> row as list_expenses returns it, plus "cents"

    def matching(self, date_from, date_to, category_id) -> list[dict]:
        return [
            row for row in self.rows.values()
            if (date_from is None or row["date"] >= date_from)
            and (date_to is None or row["date"] <= date_to)
            and (category_id is None or row["category_id"] == category_id)
        ]

    def sorted(self, rows, sort, order) -> list[dict]:
        return sorted(rows, key=lambda row: (row[sort], row["id"]), reverse=order == "desc")

    def cents_by_category(self, month: str, category_id=None) -> dict[int, tuple[int, int]]:
        found: dict[int, tuple[int, int]] = {}
        for row in self.rows.values():
            if row["date"][:7] == month and category_id in (None, row["category_id"]):
                cents, count = found.get(row["category_id"], (0, 0))
                found[row["category_id"]] = (cents + row["cents"], count + 1)
        return found


def public(row: dict) -> dict:
    """A model row as the library gives it: in the home currency (issue 18's fields added)."""
    shown = {key: value for key, value in row.items() if key != "cents"}
    return {**shown, "currency": "USD", "home_amount": shown["amount"], "rate": None, "rate_source": None,
            "parts": []}


def cents(amount: float) -> int:
    return round(amount * 100)


def bad_range(date_from, date_to) -> bool:
    return date_from is not None and date_to is not None and date_from > date_to


# ---------------------------------------------------------------------------
# The state machine
# ---------------------------------------------------------------------------


# Each example writes a new database with synchronous=FULL commits. On a RAM-backed folder those
# fsyncs cost nothing, which keeps the run time independent of the disk (and of other programs
# using it). Durability is not what these tests are about.
RAM_DIR = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


class ExpenseWrites(RuleBasedStateMachine):
    """Any sequence of creates, updates and deletes, applied to a fresh database and to the model.

    The subclasses below add the reads they check; one machine per family of reads, so that a
    bug in one does not stop the others from being checked.
    """

    def __init__(self):
        super().__init__()
        self.directory = Path(tempfile.mkdtemp(prefix="expense-tracker-props-", dir=RAM_DIR))
        self.path = self.directory / "expenses.db"
        init_database(self.path)
        self.conn = connect(self.path)
        category = create_category(self.conn, CategoryCreate(name=FORMULA_CATEGORY))
        assert category["id"] == 4
        self.model = Model({**CATEGORIES, 4: FORMULA_CATEGORY})

    def teardown(self):
        self.conn.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    # -- writes ------------------------------------------------------------

    @rule(amount=amounts_in_cents, description=descriptions, category_id=category_ids, day=dates)
    def create(self, amount, description, category_id, day):
        self.add(amount, description, category_id, day)

    # More rows per run: pages, ties and months with several rows.
    @rule(expenses=st.lists(st.tuples(amounts_in_cents, descriptions, category_ids, dates), min_size=2, max_size=8))
    def create_several(self, expenses):
        for expense in expenses:
            self.add(*expense)

    def add(self, amount, description, category_id, day):
        expense = ExpenseCreate(amount=amount / 100, description=description, category_id=category_id, date=day)
        row = create_expense(self.conn, expense)
        assert row["id"] not in self.model.rows
        expected = {
            "id": row["id"],
            "amount": amount / 100,
            "description": description.strip(),
            "category_id": category_id,
            "category_name": self.model.categories[category_id],
            "date": day,
            "created_at": row["created_at"],
            "tags": [],  # no tags here: every expense answers with its tags (issue 18)
        }
        assert row == public(expected)
        self.model.rows[row["id"]] = {**expected, "cents": amount}

    @precondition(lambda self: self.model.rows)
    @rule(
        data=st.data(),
        amount=st.one_of(st.none(), amounts_in_cents),
        description=st.one_of(st.none(), descriptions),
        category_id=st.one_of(st.none(), category_ids),
        day=st.one_of(st.none(), dates),
    )
    def update(self, data, amount, description, category_id, day):
        expense_id = data.draw(st.sampled_from(sorted(self.model.rows)), label="expense_id")
        fields = {}
        if amount is not None:
            fields["amount"] = amount / 100
        if description is not None:
            fields["description"] = description
        if category_id is not None:
            fields["category_id"] = category_id
        if day is not None:
            fields["date"] = day
        row = update_expense(self.conn, expense_id, provided_fields(ExpenseUpdate(**fields)))
        model_row = self.model.rows[expense_id]
        if amount is not None:
            model_row.update(amount=amount / 100, cents=amount)
        if description is not None:
            model_row["description"] = description.strip()
        if category_id is not None:
            model_row.update(category_id=category_id, category_name=self.model.categories[category_id])
        if day is not None:
            model_row["date"] = day
        assert row == public(model_row)

    @precondition(lambda self: self.model.rows)
    @rule(data=st.data(), amount=amounts_in_cents, day=dates)
    def update_to_missing_category_changes_nothing(self, data, amount, day):
        expense_id = data.draw(st.sampled_from(sorted(self.model.rows)), label="expense_id")
        changes = ExpenseUpdate(amount=amount / 100, date=day, category_id=MISSING_CATEGORY)
        with pytest.raises(AppError):
            update_expense(self.conn, expense_id, provided_fields(changes))
        assert get_expense(self.conn, expense_id) == public(self.model.rows[expense_id])

    @precondition(lambda self: self.model.rows)
    @rule(data=st.data())
    def delete(self, data):
        expense_id = data.draw(st.sampled_from(sorted(self.model.rows)), label="expense_id")
        delete_expense(self.conn, expense_id)
        del self.model.rows[expense_id]

    @rule(offset=st.integers(min_value=1, max_value=3))
    def missing_ids_are_not_found(self, offset):
        missing = max(self.model.rows, default=0) + offset + 1000
        with pytest.raises(NotFound):
            update_expense(self.conn, missing, {"amount": 1.0})
        with pytest.raises(NotFound):
            delete_expense(self.conn, missing)


class ListMachine(ExpenseWrites):
    @rule(
        date_from=optional_dates, date_to=optional_dates, category_id=filter_category_ids,
        sort=sorts, order=orders,
        limit=st.one_of(st.integers(min_value=1, max_value=5), st.integers(min_value=1, max_value=PAGE_LIMIT_MAX)),
        offset=st.integers(min_value=0, max_value=40),
    )
    def list_page(self, date_from, date_to, category_id, sort, order, limit, offset):
        query = dict(date_from=date_from, date_to=date_to, category_id=category_id, sort=sort, order=order)
        if bad_range(date_from, date_to):
            with pytest.raises(InvalidInput):
                list_expenses(self.conn, **query, limit=limit, offset=offset)
            return
        page, next_cursor = list_expenses(self.conn, **query, limit=limit, offset=offset)
        expected = self.model.sorted(self.model.matching(date_from, date_to, category_id), sort, order)
        assert page == [public(row) for row in expected[offset:offset + limit]]
        assert (next_cursor is not None) == (len(expected) > offset + limit)

    @rule(
        date_from=optional_dates, date_to=optional_dates, category_id=filter_category_ids,
        sort=sorts, order=orders, limit=st.integers(min_value=1, max_value=7),
    )
    def walk_all_pages_by_cursor(self, date_from, date_to, category_id, sort, order, limit):
        if bad_range(date_from, date_to):
            return
        query = dict(date_from=date_from, date_to=date_to, category_id=category_id, sort=sort, order=order)
        expected = self.model.sorted(self.model.matching(date_from, date_to, category_id), sort, order)
        walked, cursor, pages = [], None, 0
        while True:
            page, cursor = list_expenses(self.conn, **query, limit=limit, cursor=cursor)
            pages += 1
            assert pages <= len(expected) // limit + 1, "the cursor walk does not end"
            if cursor is not None:
                assert len(page) == limit, "a page with a next cursor is not full"
            walked += page
            if cursor is None:
                break
        assert walked == [public(row) for row in expected]


class CountMachine(ExpenseWrites):
    # Counts are cheap, and their month arithmetic has many edges: several ranges per step.
    @rule(ranges=st.lists(st.tuples(optional_dates, optional_dates), min_size=1, max_size=8),
          category_id=filter_category_ids)
    def count(self, ranges, category_id):
        for date_from, date_to in ranges:
            if bad_range(date_from, date_to):
                with pytest.raises(InvalidInput):
                    count_expenses(self.conn, date_from, date_to, category_id)
                continue
            expected = len(self.model.matching(date_from, date_to, category_id))
            actual = count_expenses(self.conn, date_from, date_to, category_id)
            assert actual == expected, (
                f"count_expenses({date_from!r}, {date_to!r}, {category_id!r}) is {actual}; the model says {expected}"
            )


class SummaryMachine(ExpenseWrites):
    @rule(month=months)
    def summary(self, month):
        result = month_summary(self.conn, month)
        found = self.model.cents_by_category(month)
        expected = sorted(
            ((self.model.categories[cid], total, count) for cid, (total, count) in found.items()),
            key=lambda item: (-item[1], item[0]),
        )
        assert result["month"] == month
        assert result["count"] == sum(count for _, _, count in expected)
        assert cents(result["total"]) == sum(total for _, total, _ in expected)
        assert [
            (item["category_name"], cents(item["total"]), item["count"]) for item in result["by_category"]
        ] == expected

    @rule(first=months, last=months, category_id=filter_category_ids)
    def totals(self, first, last, category_id):
        length = month_number(last) - month_number(first) + 1
        if length < 1 or length > MAX_TREND_MONTHS:
            with pytest.raises(InvalidInput):
                month_totals(self.conn, first, last, category_id)
            return
        result = month_totals(self.conn, first, last, category_id)
        expected = []
        for month in months_between(first, last):
            found = self.model.cents_by_category(month, category_id)
            expected.append((month, sum(c for c, _ in found.values()), sum(n for _, n in found.values())))
        assert [(item["month"], cents(item["total"]), item["count"]) for item in result] == expected


class ExportMachine(ExpenseWrites):
    @rule(date_from=optional_dates, date_to=optional_dates, category_id=filter_category_ids)
    def export(self, date_from, date_to, category_id):
        conn = connect(self.path)  # export_csv closes the connection it is given
        if bad_range(date_from, date_to):
            try:
                with pytest.raises(InvalidInput):
                    export_csv(conn, date_from, date_to, category_id)
            finally:
                conn.close()
            return
        data = b"".join(export_csv(conn, date_from, date_to, category_id))
        table = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
        assert table[0] == ["id", "amount", "description", "category", "date"]
        expected = sorted(
            self.model.matching(date_from, date_to, category_id),
            key=lambda row: (row["date"], row["id"]),
            reverse=True,
        )
        assert [
            [int(row[0]), cents(float(row[1])), float(row[1]), *row[2:]] for row in table[1:]
        ] == [
            [row["id"], row["cents"], row["amount"], neutralised(row["description"]),
             neutralised(row["category_name"]), row["date"]]
            for row in expected
        ]


SETTINGS = settings(
    max_examples=50,
    stateful_step_count=30,
    derandomize=True,
    deadline=None,
    database=None,
    # No shrinking: with a fresh database per run, shrinking a failure takes minutes. The
    # failing step is named in the assertion message; the steps before it are printed as found.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def test_list_pages_and_cursor_walks_match_the_model():
    run_state_machine_as_test(ListMachine, settings=SETTINGS)


def test_count_matches_the_model():
    run_state_machine_as_test(CountMachine, settings=SETTINGS)


def test_month_summary_and_totals_match_the_model():
    run_state_machine_as_test(SummaryMachine, settings=SETTINGS)


def test_export_matches_the_model():
    run_state_machine_as_test(ExportMachine, settings=SETTINGS)


# ---------------------------------------------------------------------------
# Small checks of the model's own month arithmetic, so that a failure above is the app's
# ---------------------------------------------------------------------------


def test_model_month_arithmetic():
    assert months_between("2023-11", "2024-02") == ["2023-11", "2023-12", "2024-01", "2024-02"]
    assert months_between("9999-12", "9999-12") == ["9999-12"]
    assert len(months_between("0001-01", "0020-12")) == 240
    assert all(calendar.monthrange(int(d[:4]), int(d[5:7]))[1] >= int(d[8:]) for d in WINDOW + EDGE_DATES)
