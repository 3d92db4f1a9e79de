"""Recurring expenses: schedules, posting what is due (idempotently), upcoming, skip and post-now."""

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from conftest import BASE_URL, ROOT
from tracker.db import Database, connect, init_database
from tracker.errors import NotFound
from tracker.models import RecurringCreate
from tracker.recurring import (
    RecurringPoster,
    create_recurring,
    delete_recurring,
    list_recurring,
    pause_recurring,
    post_due,
    post_due_listed,
    post_occurrence,
    resume_recurring,
    schedule_dates,
    skip_occurrence,
    upcoming,
)

TODAY = date(2025, 3, 10)


def rule(frequency, start, end=None, interval=1, day_of_month=None):
    return {"frequency": frequency, "start_date": start, "end_date": end, "interval": interval, "day_of_month": day_of_month}


def dates(schedule, first, last):
    return [d.isoformat() for d in schedule_dates(schedule, date.fromisoformat(first), date.fromisoformat(last))]


SCHEDULES = [
    ("monthly_31st_feb_and_april", rule("monthly", "2025-01-31", day_of_month=31), "2025-01-01", "2025-05-31",
     ["2025-01-31", "2025-02-28", "2025-03-31", "2025-04-30", "2025-05-31"]),
    ("monthly_31st_leap_feb", rule("monthly", "2024-01-31", day_of_month=31), "2024-01-01", "2024-03-31",
     ["2024-01-31", "2024-02-29", "2024-03-31"]),
    ("monthly_30th", rule("monthly", "2025-01-30", day_of_month=30), "2025-01-01", "2025-03-31",
     ["2025-01-30", "2025-02-28", "2025-03-30"]),
    ("monthly_29th_non_leap", rule("monthly", "2023-01-29", day_of_month=29), "2023-01-01", "2023-03-31",
     ["2023-01-29", "2023-02-28", "2023-03-29"]),
    ("monthly_29th_leap", rule("monthly", "2024-01-29", day_of_month=29), "2024-01-01", "2024-03-31",
     ["2024-01-29", "2024-02-29", "2024-03-29"]),
    ("monthly_day_before_start_day", rule("monthly", "2025-01-20", day_of_month=10), "2025-01-01", "2025-03-31",
     ["2025-02-10", "2025-03-10"]),
    ("monthly_every_2", rule("monthly", "2025-01-15", interval=2, day_of_month=15), "2025-01-01", "2025-07-31",
     ["2025-01-15", "2025-03-15", "2025-05-15", "2025-07-15"]),
    ("yearly_feb_29", rule("yearly", "2024-02-29"), "2024-01-01", "2028-12-31",
     ["2024-02-29", "2025-02-28", "2026-02-28", "2027-02-28", "2028-02-29"]),
    ("yearly_every_2", rule("yearly", "2020-06-01", interval=2), "2020-01-01", "2025-12-31",
     ["2020-06-01", "2022-06-01", "2024-06-01"]),
    ("weekly", rule("weekly", "2025-03-03"), "2025-03-01", "2025-03-31",
     ["2025-03-03", "2025-03-10", "2025-03-17", "2025-03-24", "2025-03-31"]),
    ("weekly_every_2_from_mid_range", rule("weekly", "2025-01-06", interval=2), "2025-03-01", "2025-03-31",
     ["2025-03-03", "2025-03-17", "2025-03-31"]),
    ("every_10_days_across_dst", rule("daily", "2025-03-20", interval=10), "2025-03-01", "2025-04-30",
     ["2025-03-20", "2025-03-30", "2025-04-09", "2025-04-19", "2025-04-29"]),
    ("daily_with_end_date", rule("daily", "2025-03-01", end="2025-03-04"), "2025-01-01", "2025-12-31",
     ["2025-03-01", "2025-03-02", "2025-03-03", "2025-03-04"]),
    ("end_date_mid_month", rule("monthly", "2025-01-31", end="2025-04-29", day_of_month=31), "2025-01-01", "2025-12-31",
     ["2025-01-31", "2025-02-28", "2025-03-31"]),
    ("start_in_the_future", rule("monthly", "2025-06-01", day_of_month=1), "2025-01-01", "2025-05-31", []),
    ("window_inside_a_gap", rule("yearly", "2020-12-25"), "2025-01-01", "2025-12-24", []),
    ("up_to_year_9999", rule("monthly", "9999-11-30", day_of_month=31), "9999-01-01", "9999-12-31",
     ["9999-11-30", "9999-12-31"]),
    ("daily_to_the_last_date", rule("daily", "9999-12-30", interval=7), "9999-12-01", "9999-12-31", ["9999-12-30"]),
]


@pytest.mark.parametrize("case, schedule, first, last, expected", SCHEDULES, ids=[s[0] for s in SCHEDULES])
def test_schedule_dates(case, schedule, first, last, expected):
    assert dates(schedule, first, last) == expected


# ---------------------------------------------------------------------------
# post_due
# ---------------------------------------------------------------------------


@pytest.fixture
def conn(db_path):
    init_database(db_path)
    connection = connect(db_path)
    yield connection
    connection.close()


def make(conn, description="Rent", **fields):
    body = {"amount": 700, "description": description, "category_id": 1, "frequency": "monthly",
            "start_date": "2025-01-31", **fields}
    return create_recurring(conn, RecurringCreate(**body), today=TODAY)


def posted(conn, description="Rent"):
    return [r[0] for r in conn.execute("select date from expenses where description = ? order by date", (description,))]


def test_post_due_posts_up_to_and_including_today(conn):
    make(conn)
    make(conn, "Gym", frequency="weekly", start_date="2025-03-03", amount=9.5)
    make(conn, "Later", start_date="2025-03-11")
    assert post_due(conn, TODAY) == 4
    assert posted(conn) == ["2025-01-31", "2025-02-28"]
    assert posted(conn, "Gym") == ["2025-03-03", "2025-03-10"]
    assert posted(conn, "Later") == []
    assert post_due(conn, TODAY) == 0
    assert post_due(conn, date(2025, 3, 31)) == 5
    assert posted(conn) == ["2025-01-31", "2025-02-28", "2025-03-31"]
    assert posted(conn, "Later") == ["2025-03-11"]


def test_post_due_clock_moving_back_posts_nothing_again(conn):
    make(conn, frequency="daily", start_date="2025-03-01")
    assert post_due(conn, TODAY) == 10
    assert post_due(conn, TODAY - timedelta(days=10)) == 0
    assert post_due(conn, TODAY - timedelta(days=3)) == 0
    assert post_due(conn, TODAY) == 0
    dates_posted = posted(conn)
    assert dates_posted == sorted(set(dates_posted)) and len(dates_posted) == 10
    assert post_due(conn, TODAY + timedelta(days=1)) == 1


def test_post_due_skipped_and_posted_now_dates_are_not_posted_again(conn):
    rent = make(conn, start_date="2025-03-31")
    skip_occurrence(conn, rent["id"], "2025-04-30")
    post_occurrence(conn, rent["id"], "2025-05-31")
    assert post_due(conn, date(2025, 6, 30)) == 2  # March and June
    assert posted(conn) == ["2025-03-31", "2025-05-31", "2025-06-30"]


def test_post_due_keeps_posted_expenses_when_the_template_is_deleted(conn):
    rent = make(conn)
    post_due(conn, TODAY)
    delete_recurring(conn, rent["id"])
    assert posted(conn) == ["2025-01-31", "2025-02-28"]
    assert conn.execute("select count(*) from recurring_occurrences").fetchone()[0] == 0


def test_post_due_deleted_expense_is_not_posted_again(conn):
    make(conn)
    post_due(conn, TODAY)
    conn.execute("delete from expenses where date = '2025-02-28'")
    assert post_due(conn, TODAY + timedelta(days=1)) == 0
    assert posted(conn) == ["2025-01-31"]


def test_post_due_writes_nothing_when_nothing_is_due(conn, db_path):
    make(conn, start_date="2025-12-31")
    before = os.stat(db_path).st_mtime_ns, os.stat(f"{db_path}-wal").st_size
    assert post_due(conn, TODAY) == 0
    assert (os.stat(db_path).st_mtime_ns, os.stat(f"{db_path}-wal").st_size) == before


def test_post_due_skips_a_template_whose_category_is_gone(conn):
    """Another program may delete the category with foreign keys off: the rest still posts."""
    new_id = conn.execute("insert into categories (name) values ('Temp')").lastrowid
    make(conn, "Orphan", category_id=new_id)
    make(conn)
    conn.execute("pragma foreign_keys = off")
    conn.execute("delete from categories where id = ?", (new_id,))
    conn.execute("pragma foreign_keys = on")
    assert post_due(conn, TODAY) == 2
    assert posted(conn, "Orphan") == []


POSTER = """
import sys
from datetime import date, timedelta
sys.path.insert(0, {root!r})
from tracker.db import connect
from tracker.recurring import post_due
conn = connect(__import__("pathlib").Path({path!r}))
first = date.fromisoformat({first!r})
for day in range({days}):
    post_due(conn, first + timedelta(days=day))
print("done", flush=True)
"""


def poster_script(db_path, first, days):
    return POSTER.format(root=str(ROOT), path=str(db_path), first=first, days=days)


def assert_each_date_once(conn, first, last):
    rows = conn.execute(
        "select date, count(*) from expenses where description = 'Rent' group by date order by date"
    ).fetchall()
    expected = [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
    assert [r[0] for r in rows] == expected
    assert all(r[1] == 1 for r in rows), [r for r in rows if r[1] != 1]
    occurrences = conn.execute(
        """select o.date, e.date from recurring_occurrences o left join expenses e on e.id = o.expense_id
        where o.status = 'posted' order by o.date"""
    ).fetchall()
    assert [tuple(r) for r in occurrences] == [(d, d) for d in expected]


def test_post_due_two_processes_at_once_post_each_date_once(conn, db_path):
    make(conn, frequency="daily", start_date="2025-01-01")
    scripts = [poster_script(db_path, "2025-01-01", 120) for _ in range(2)]
    processes = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True) for script in scripts]
    for process in processes:
        out, _ = process.communicate(timeout=120)
        assert process.returncode == 0 and out.strip() == "done"
    assert_each_date_once(conn, date(2025, 1, 1), date(2025, 4, 30))


def test_post_due_two_threads_at_once_post_each_date_once(conn, db_path):
    make(conn, frequency="daily", start_date="2025-01-01")
    start = threading.Barrier(2)
    errors = []

    def race():
        own = connect(db_path)
        try:
            start.wait()
            for day in range(60):
                post_due(own, date(2025, 1, 1) + timedelta(days=day))
            post_due(own, date(2025, 6, 30))
        except Exception as exc:
            errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=race) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert_each_date_once(conn, date(2025, 1, 1), date(2025, 6, 30))


def test_post_due_killed_at_random_moments_never_duplicates(conn, db_path):
    make(conn, frequency="daily", start_date="2025-01-01")
    for delay in (0.3, 0.5, 0.7, 0.9):
        process = subprocess.Popen([sys.executable, "-c", poster_script(db_path, "2025-01-01", 2000)],
                                   stdout=subprocess.DEVNULL)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    last = date(2025, 1, 1) + timedelta(days=2000)
    post_due(conn, last)
    assert_each_date_once(conn, date(2025, 1, 1), last)
    assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"


CRASH_BETWEEN = """
import os, signal, sys
from datetime import date
sys.path.insert(0, {root!r})
import tracker.recurring
from tracker.db import connect

def record_then_die(conn, rule, day):
    conn.execute("insert into expenses (amount, description, category_id, date) values (?, ?, ?, ?)",
                  (rule["amount"], rule["description"], rule["category_id"], day))
    os.kill(os.getpid(), signal.SIGKILL)  # after the expense, before its bookkeeping

tracker.recurring.record_posting = record_then_die
conn = connect(__import__("pathlib").Path({path!r}))
tracker.recurring.post_due(conn, date(2025, 3, 10))
"""


def test_post_due_killed_between_expense_and_bookkeeping(conn, db_path):
    make(conn)
    done = subprocess.run([sys.executable, "-c", CRASH_BETWEEN.format(root=str(ROOT), path=str(db_path))], timeout=60)
    assert done.returncode == -signal.SIGKILL
    assert posted(conn) == []  # the transaction died with the process: no expense without its record
    assert post_due(conn, TODAY) == 2
    assert posted(conn) == ["2025-01-31", "2025-02-28"]


# ---------------------------------------------------------------------------
# The API
# ---------------------------------------------------------------------------


@pytest.fixture
def api(db_path):
    clock = {"today": TODAY}
    app = create_app(db_path, today=lambda: clock["today"])
    with TestClient(app, base_url=BASE_URL) as test_client:
        test_client.clock = clock
        yield test_client


def template(**overrides):
    body = {"amount": 9.99, "description": "Netflix", "category_id": 3, "frequency": "monthly",
            "start_date": "2025-03-31"}
    body.update(overrides)
    return body


def stored(saved: dict) -> dict:
    """A POST's or PUT's answer without what it posted: the template as GET shows it."""
    return {key: value for key, value in saved.items() if key != "posted"}


def test_create_recurring_returns_it_and_posts_what_is_due(api):
    response = api.post("/recurring", json=template(start_date="2025-01-31"))
    assert response.status_code == 201
    body = response.json()
    expenses = api.get("/expenses").json()
    assert [(e["date"], e["amount"]) for e in expenses] == [("2025-02-28", 9.99), ("2025-01-31", 9.99)]
    # What it posted comes back with it, so that every face can say so.
    assert body.pop("posted") == [{"date": "2025-01-31", "amount": 9.99, "expense_id": expenses[1]["id"]},
                                  {"date": "2025-02-28", "amount": 9.99, "expense_id": expenses[0]["id"]}]
    assert body == {
        "id": body["id"], "amount": 9.99, "description": "Netflix", "category_id": 3, "category_name": "Utilities",
        "frequency": "monthly", "interval": 1, "day_of_month": 31, "start_date": "2025-01-31", "end_date": None,
        "paused": False, "paused_on": None, "next_date": "2025-03-31", "created_at": body["created_at"],
    }
    assert api.get("/recurring").json() == [body]
    assert api.get(f"/recurring/{body['id']}").json() == body


RECURRING_ERRORS = [
    ("day_of_month_on_weekly", template(frequency="weekly", day_of_month=3), 422,
     "Invalid field 'day_of_month': only a monthly schedule has a day of the month."),
    ("end_before_start", template(end_date="2025-03-01"), 422,
     "Invalid field 'end_date': 2025-03-01 is before start_date 2025-03-31."),
    ("too_many_past_dates", template(frequency="daily", start_date="2020-01-01"), 422,
     "Invalid field 'start_date': 2020-01-01 would post more than 1000 past expenses at once; choose a later start date."),
    ("unknown_category", template(category_id=99), 400, "Unknown category_id 99: no such category."),
    ("unknown_frequency", template(frequency="hourly"), 422,
     "Invalid field 'frequency': input should be 'daily', 'weekly', 'monthly' or 'yearly'."),
    ("interval_zero", template(interval=0), 422, "Invalid field 'interval': input should be greater than or equal to 1."),
    ("day_32", template(day_of_month=32), 422, "Invalid field 'day_of_month': input should be less than or equal to 31."),
    ("unreal_date", template(start_date="2025-02-30"), 422,
     "Invalid field 'start_date': must be a real calendar date in the form YYYY-MM-DD, got '2025-02-30'."),
    ("amount_decimals", template(amount=1.001), 422, "Invalid field 'amount': must have at most 2 decimal places, got 1.001."),
    ("unknown_field", template(every="month"), 422, "The field 'every' is not allowed: unknown field."),
]


@pytest.mark.parametrize("case, body, status, detail", RECURRING_ERRORS, ids=[e[0] for e in RECURRING_ERRORS])
def test_create_recurring_errors(api, case, body, status, detail):
    response = api.post("/recurring", json=body)
    assert response.status_code == status
    assert response.json() == {"detail": detail}
    assert api.get("/recurring").json() == []
    assert api.get("/expenses").json() == []


@pytest.mark.parametrize(
    "method, path, body",
    [("get", "/recurring/9", None), ("put", "/recurring/9", {"amount": 1}), ("delete", "/recurring/9", None),
     ("post", "/recurring/9/skip", {"date": "2025-04-01"}), ("post", "/recurring/9/post", {"date": "2025-04-01"})],
)
def test_recurring_missing_is_404(api, method, path, body):
    response = api.request(method, path, json=body)
    assert response.status_code == 404
    assert response.json() == {"detail": "Recurring expense 9 not found."}


def test_update_recurring_changes_only_what_is_sent_and_never_past_expenses(api):
    created = api.post("/recurring", json=template(start_date="2025-02-28")).json()
    response = api.put(f"/recurring/{created['id']}", json={"amount": 12.99, "description": "Netflix HD"})
    assert response.status_code == 200
    assert {k: response.json()[k] for k in ("amount", "description", "frequency", "day_of_month")} == {
        "amount": 12.99, "description": "Netflix HD", "frequency": "monthly", "day_of_month": 28}
    assert [(e["description"], e["amount"]) for e in api.get("/expenses").json()] == [("Netflix", 9.99)]
    api.clock["today"] = date(2025, 3, 28)
    api.put(f"/recurring/{created['id']}", json={})  # posts what is due, like the background task
    assert [(e["description"], e["amount"]) for e in api.get("/expenses").json()] == [
        ("Netflix HD", 12.99), ("Netflix", 9.99)]


def test_update_recurring_schedule_applies_from_today(api):
    created = api.post("/recurring", json=template(frequency="weekly", start_date="2025-02-24")).json()
    assert [e["date"] for e in api.get("/expenses").json()] == ["2025-03-10", "2025-03-03", "2025-02-24"]
    response = api.put(f"/recurring/{created['id']}", json={"frequency": "daily", "start_date": "2025-01-01"})
    assert response.status_code == 200
    assert response.json()["day_of_month"] is None
    # Today (already posted by the weekly schedule) is not posted twice; no past day is back-filled.
    assert [e["date"] for e in api.get("/expenses").json()] == ["2025-03-10", "2025-03-03", "2025-02-24"]
    assert response.json()["next_date"] == "2025-03-11"


@pytest.mark.parametrize(
    "body, detail",
    [
        ({"frequency": "yearly", "day_of_month": 5}, "Invalid field 'day_of_month': only a monthly schedule has a day of the month."),
        ({"end_date": "2025-01-01"}, "Invalid field 'end_date': 2025-01-01 is before start_date 2025-03-31."),
        ({"amount": 0.001}, "Invalid field 'amount': must have at most 2 decimal places, got 0.001."),
        ({"category_id": 99}, "Unknown category_id 99: no such category."),
    ],
    ids=["day_on_yearly", "end_before_start", "sub_cent_amount", "unknown_category"],
)
def test_update_recurring_errors_change_nothing(api, body, detail):
    created = stored(api.post("/recurring", json=template()).json())
    response = api.put(f"/recurring/{created['id']}", json=body)
    assert response.status_code in (400, 422)
    assert response.json() == {"detail": detail}
    assert api.get(f"/recurring/{created['id']}").json() == created


def test_update_recurring_clears_end_date_with_null(api):
    created = api.post("/recurring", json=template(end_date="2025-06-30")).json()
    assert api.put(f"/recurring/{created['id']}", json={"end_date": None}).json()["end_date"] is None


@pytest.mark.parametrize("field", ["amount", "description", "category_id", "frequency", "interval", "start_date"])
def test_update_recurring_null_field_is_left_unchanged(api, field):
    created = stored(api.post("/recurring", json=template(end_date="2025-06-30")).json())
    response = api.put(f"/recurring/{created['id']}", json={field: None})
    assert response.status_code == 200, response.text
    assert stored(response.json()) == created
    assert api.get(f"/recurring/{created['id']}").json() == created


def test_update_recurring_null_keeps_but_null_end_date_clears(api):
    created = api.post("/recurring", json=template(end_date="2025-06-30")).json()
    response = api.put(f"/recurring/{created['id']}", json={"amount": None, "description": "Renamed", "end_date": None})
    assert response.status_code == 200, response.text
    assert response.json() == {**created, "description": "Renamed", "end_date": None}


def test_delete_recurring_keeps_its_expenses(api):
    created = api.post("/recurring", json=template(start_date="2025-01-31")).json()
    assert api.delete(f"/recurring/{created['id']}").status_code == 204
    assert len(api.get("/expenses").json()) == 2
    assert api.get("/recurring").json() == []
    assert api.delete("/categories/3").json() == {"detail": "Cannot delete category with existing expenses"}


def test_category_of_a_template_cannot_be_deleted(api):
    new_id = api.post("/categories", json={"name": "Streaming"}).json()["id"]
    created = api.post("/recurring", json=template(category_id=new_id)).json()
    response = api.delete(f"/categories/{new_id}")
    assert response.status_code == 400
    assert response.json() == {"detail": "Cannot delete category used by recurring expenses"}
    api.delete(f"/recurring/{created['id']}")
    assert api.delete(f"/categories/{new_id}").status_code == 204


def test_upcoming_lists_next_dates_with_skips(api):
    netflix = api.post("/recurring", json=template()).json()
    gym = api.post("/recurring", json=template(description="Gym", amount=20, category_id=1, frequency="weekly",
                                               start_date="2025-03-10")).json()
    assert api.post(f"/recurring/{gym['id']}/skip", json={"date": "2025-03-24"}).status_code == 200
    response = api.get("/recurring/upcoming?days=21")
    assert response.status_code == 200
    assert [(o["date"], o["description"], o["status"]) for o in response.json()] == [
        ("2025-03-17", "Gym", "scheduled"),
        ("2025-03-24", "Gym", "skipped"),
        ("2025-03-31", "Netflix", "scheduled"),
        ("2025-03-31", "Gym", "scheduled"),
    ]
    assert response.json()[2] == {"recurring_id": netflix["id"], "date": "2025-03-31", "amount": 9.99,
                                   "description": "Netflix", "category_id": 3, "category_name": "Utilities",
                                   "status": "scheduled"}
    assert [o["date"] for o in api.get("/recurring/upcoming").json()].count("2025-04-07") == 1  # default 30 days
    assert api.get("/recurring/upcoming?days=0").json() == []  # today's gym date is already posted


@pytest.mark.parametrize("days, detail", [
    ("-1", "Invalid query parameter 'days': input should be greater than or equal to 0."),
    ("367", "Invalid query parameter 'days': input should be less than or equal to 366."),
    ("x", "Invalid query parameter 'days': input should be a valid integer, unable to parse string as an integer."),
])
def test_upcoming_days_validated(api, days, detail):
    response = api.get(f"/recurring/upcoming?days={days}")
    assert response.status_code == 422
    assert response.json() == {"detail": detail}


def test_skip_is_never_posted_and_skipping_twice_is_fine(api):
    created = api.post("/recurring", json=template()).json()
    for _ in range(2):
        response = api.post(f"/recurring/{created['id']}/skip", json={"date": "2025-03-31"})
        assert response.status_code == 200
        assert response.json() == {"recurring_id": created["id"], "date": "2025-03-31", "status": "skipped", "expense_id": None}
    api.clock["today"] = date(2025, 4, 29)
    api.put(f"/recurring/{created['id']}", json={})
    assert api.get("/expenses").json() == []
    assert api.get(f"/recurring/{created['id']}").json()["next_date"] == "2025-04-30"


def test_post_now_posts_once_dated_its_date(api):
    created = api.post("/recurring", json=template()).json()
    response = api.post(f"/recurring/{created['id']}/post", json={"date": "2025-04-30"})
    assert response.status_code == 201
    expense = response.json()
    assert (expense["date"], expense["amount"], expense["description"], expense["category_name"]) == (
        "2025-04-30", 9.99, "Netflix", "Utilities")
    again = api.post(f"/recurring/{created['id']}/post", json={"date": "2025-04-30"})
    assert again.status_code == 409
    assert again.json() == {"detail": f"Recurring expense {created['id']} was already posted for 2025-04-30."}
    skip = api.post(f"/recurring/{created['id']}/skip", json={"date": "2025-04-30"})
    assert skip.status_code == 409
    assert [o["date"] for o in api.get("/recurring/upcoming?days=90").json()] == ["2025-03-31", "2025-05-31"]
    api.clock["today"] = date(2025, 5, 31)
    api.put(f"/recurring/{created['id']}", json={})
    assert [e["date"] for e in api.get("/expenses").json()] == ["2025-05-31", "2025-04-30", "2025-03-31"]


def test_post_now_of_a_skipped_date(api):
    created = api.post("/recurring", json=template()).json()
    api.post(f"/recurring/{created['id']}/skip", json={"date": "2025-04-30"})
    assert api.post(f"/recurring/{created['id']}/post", json={"date": "2025-04-30"}).status_code == 201
    assert [o["date"] for o in api.get("/recurring/upcoming?days=90").json()] == ["2025-03-31", "2025-05-31"]


@pytest.mark.parametrize("path", ["skip", "post"])
@pytest.mark.parametrize(
    "day, detail",
    [
        ("2025-04-29", "Invalid field 'date': 2025-04-29 is not a date of recurring expense {id}'s schedule."),
        ("2025-02-28", "Invalid field 'date': 2025-02-28 is not a date of recurring expense {id}'s schedule."),
        ("2025-04-31", "Invalid field 'date': must be a real calendar date in the form YYYY-MM-DD, got '2025-04-31'."),
    ],
    ids=["not_in_schedule", "before_start", "unreal"],
)
def test_skip_and_post_need_a_date_of_the_schedule(api, path, day, detail):
    created = api.post("/recurring", json=template()).json()
    response = api.post(f"/recurring/{created['id']}/{path}", json={"date": day})
    assert response.status_code == 422
    assert response.json() == {"detail": detail.format(id=created["id"])}


def test_server_start_posts_what_fell_due(db_path):
    init_database(db_path)
    conn = connect(db_path)
    make(conn, "Rent")
    conn.close()
    with TestClient(create_app(db_path, today=lambda: date(2025, 4, 1)), base_url=BASE_URL) as client:
        assert [e["date"] for e in client.get("/expenses").json()] == ["2025-03-31", "2025-02-28", "2025-01-31"]
    assert not [t for t in threading.enumerate() if t.name == "recurring-poster"]


def test_poster_posts_while_running_and_stops(db_path):
    init_database(db_path)
    database = Database(db_path)
    clock = {"today": date(2025, 1, 1)}
    poster = RecurringPoster(database, lambda: clock["today"], period=0.05)
    poster.start()
    conn = connect(db_path)
    try:
        make(conn, "Rent")
        clock["today"] = TODAY
        deadline = time.monotonic() + 10
        while posted(conn) != ["2025-01-31", "2025-02-28"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert posted(conn) == ["2025-01-31", "2025-02-28"]
    finally:
        poster.stop()
        conn.close()
        database.close()
    assert not poster._thread.is_alive()


def test_poster_waits_until_just_after_midnight():
    poster = RecurringPoster(Database(ROOT / "unused.db"), period=60)
    assert 0.5 <= poster.seconds_to_wait() <= 60


def test_recurring_library_functions_for_the_command_line(conn):
    created = make(conn, "Rent")
    assert [r["description"] for r in list_recurring(conn, TODAY)] == ["Rent"]
    assert post_due(conn, TODAY) == 2
    assert [(o["date"], o["status"]) for o in upcoming(conn, TODAY, 60)] == [
        ("2025-03-31", "scheduled"), ("2025-04-30", "scheduled")]
    delete_recurring(conn, created["id"])
    with pytest.raises(NotFound):
        delete_recurring(conn, created["id"])


def test_recurring_database_schema_is_plain_sqlite(conn, db_path):
    """Two writers on one file never create one date twice: the primary key says so."""
    created = make(conn, "Rent")
    conn.execute("insert into recurring_occurrences (recurring_id, date, status) values (?, '2025-01-31', 'skipped')",
                 (created["id"],))
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("insert into recurring_occurrences (recurring_id, date, status) values (?, '2025-01-31', 'posted')",
                     (created["id"],))


# -- pause and resume -----------------------------------------------------------------------

def test_pause_posts_nothing_and_resume_skips_what_fell_due_while_paused(api, db_path):
    created = api.post("/recurring", json=template(start_date="2025-01-31")).json()  # today 2025-03-10
    paused = api.post(f"/recurring/{created['id']}/pause")
    assert paused.status_code == 200
    assert paused.json() == {**stored(created), "paused": True, "paused_on": "2025-03-10", "next_date": None}
    assert api.post(f"/recurring/{created['id']}/pause").json()["paused_on"] == "2025-03-10"  # twice is fine
    assert api.get("/recurring/upcoming?days=90").json() == []
    api.clock["today"] = date(2025, 5, 15)  # 03-31 and 04-30 fall due while paused
    assert post_due_in(db_path, api.clock["today"]) == 0
    resumed = api.post(f"/recurring/{created['id']}/resume").json()
    assert (resumed["paused"], resumed["paused_on"], resumed["next_date"]) == (False, None, "2025-05-31")
    assert resumed["skipped"] == ["2025-03-31", "2025-04-30"] and resumed["posted"] == []
    api.clock["today"] = date(2025, 6, 1)
    assert post_due_in(db_path, api.clock["today"]) == 1
    assert [e["date"] for e in api.get("/expenses").json()] == ["2025-05-31", "2025-02-28", "2025-01-31"]
    # A skipped date can still be posted by hand.
    assert api.post(f"/recurring/{created['id']}/post", json={"date": "2025-03-31"}).status_code == 201


def post_due_in(db_path, today) -> int:
    """What the server's poster posts on its next check."""
    conn = connect(db_path)
    try:
        return post_due(conn, today)
    finally:
        conn.close()


def test_resume_posts_a_date_due_before_the_pause_and_todays(conn):
    rule = create_recurring(conn, RecurringCreate(amount=5, description="Gym", category_id=1, frequency="weekly",
                                                  start_date="2025-03-03"), TODAY)  # Mondays; not posted yet
    pause_recurring(conn, rule["id"], date(2025, 3, 12))
    assert post_due(conn, date(2025, 3, 20)) == 0
    resumed = resume_recurring(conn, rule["id"], date(2025, 3, 24))
    assert resumed["skipped"] == ["2025-03-17"]  # the pause began on the 12th
    assert [item["date"] for item in post_due_listed(conn, date(2025, 3, 24))] == [
        "2025-03-03", "2025-03-10", "2025-03-24"]


def test_paused_template_is_left_alone_by_the_poster(db_path):
    init_database(db_path)
    database = Database(db_path)
    conn = connect(db_path)
    try:
        rule = create_recurring(conn, RecurringCreate(amount=5, description="Gym", category_id=1, frequency="daily",
                                                      start_date="2025-03-01"), TODAY)
        pause_recurring(conn, rule["id"], date(2025, 3, 1))
    finally:
        conn.close()
    assert RecurringPoster(database, today=lambda: TODAY).run_once() == 0


@pytest.mark.parametrize("action", ["pause", "resume"])
def test_pause_resume_missing_is_404(api, action):
    response = api.post(f"/recurring/9/{action}")
    assert response.status_code == 404
    assert response.json() == {"detail": "Recurring expense 9 not found."}


def test_pause_survives_a_schedule_edit(api):
    created = api.post("/recurring", json=template()).json()
    api.post(f"/recurring/{created['id']}/pause")
    changed = api.put(f"/recurring/{created['id']}", json={"amount": 12.5, "frequency": "weekly"}).json()
    assert (changed["paused"], changed["amount"], changed["posted"]) == (True, 12.5, [])
