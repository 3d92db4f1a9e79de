"""Recurring expenses: templates, their schedules, and posting what falls due."""

from __future__ import annotations

import calendar
import logging
import sqlite3
import threading
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tracker.categories import require_category
from tracker.db import Database, Session
from tracker.errors import (
    Conflict,
    DatabaseUnavailable,
    InvalidInput,
    NotFound,
    TotalTooLarge,
)
from tracker.expenses import fetch_expense
from tracker.validation import provided_fields

if TYPE_CHECKING:  # Pydantic loads only for the commands that validate input
    from tracker.models import RecurringCreate, RecurringUpdate
from tracker.money import check_totals

log = logging.getLogger("expense_tracker")


# How many past dates a new or changed template may post at once: a start date typed with the
# wrong year should be a clear refusal, not thousands of expenses.
MAX_CATCH_UP = 1000
UPCOMING_DAYS_MAX = 366
# Fields of an update that null clears (for the others, null leaves them as they are).
CLEARABLE_RECURRING_FIELDS = ("day_of_month", "end_date")
SCHEDULE_FIELDS = ("frequency", "interval", "day_of_month", "start_date", "end_date")
RECURRING_SELECT = """select r.id, r.amount, r.description, r.category_id, coalesce(c.name, '') as category_name,
    r.frequency, r.interval, r.day_of_month, r.start_date, r.end_date, r.posted_through, r.paused_on, r.created_at
from recurring r left join categories c on c.id = r.category_id"""


def schedule_dates(rule: Any, first: date, last: date) -> Iterator[date]:
    """The dates of a template's schedule from `first` to `last` (inclusive), within its start
    and end dates, in order. A monthly day past the month's end is its last day; so is Feb 29
    of a yearly schedule in a year that has none."""
    start = date.fromisoformat(rule["start_date"])
    first = max(first, start)
    if rule["end_date"]:
        last = min(last, date.fromisoformat(rule["end_date"]))
    if first > last:
        return
    interval = rule["interval"]
    if rule["frequency"] in ("daily", "weekly"):
        step = interval * (7 if rule["frequency"] == "weekly" else 1)
        day = start + timedelta(days=-(-(first - start).days // step) * step)
        while day <= last:
            yield day
            if (date.max - day).days < step:
                return
            day += timedelta(days=step)
        return
    months = interval * (1 if rule["frequency"] == "monthly" else 12)
    day_of_month = rule["day_of_month"] if rule["frequency"] == "monthly" else start.day
    base = start.year * 12 + start.month - 1
    number = max(0, (first.year * 12 + first.month - 1 - base) // months)
    while True:
        year, month = divmod(base + number * months, 12)
        if year > 9999:
            return
        day = date(year, month + 1, min(day_of_month, calendar.monthrange(year, month + 1)[1]))
        if day > last:
            return
        if day >= first:
            yield day
        number += 1


def is_scheduled(rule: Any, day: date) -> bool:
    return next(schedule_dates(rule, day, day), None) == day


def recorded_dates(conn: Session, recurring_id: int, since: str) -> dict[str, str]:
    return {
        row["date"]: row["status"]
        for row in conn.execute(
            "select date, status from recurring_occurrences where recurring_id = ? and date >= ?", (recurring_id, since)
        )
    }


def recurring_response(conn: Session, row: Any, today: date) -> dict:
    next_date = None
    if row["paused_on"] is None:  # a paused template has no next date until it is resumed
        recorded = recorded_dates(conn, row["id"], today.isoformat())
        next_date = next(
            (d.isoformat() for d in schedule_dates(row, today, date.max) if d.isoformat() not in recorded), None
        )
    result = {key: row[key] for key in row.keys() if key != "posted_through"}
    return {**result, "paused": row["paused_on"] is not None, "next_date": next_date}


def list_recurring(conn: Session, today: date | None = None) -> list[dict]:
    today = today or date.today()
    rows = conn.execute(f"{RECURRING_SELECT} order by r.description collate nocase, r.id").fetchall()
    return [recurring_response(conn, row, today) for row in rows]


def fetch_recurring(conn: Session, recurring_id: int) -> Any:
    row = conn.execute(f"{RECURRING_SELECT} where r.id = ?", (recurring_id,)).fetchone()
    if row is None:
        raise NotFound(f"Recurring expense {recurring_id} not found.")
    return row


def get_recurring(conn: Session, recurring_id: int, today: date | None = None) -> dict:
    return recurring_response(conn, fetch_recurring(conn, recurring_id), today or date.today())


def check_schedule(rule: dict, today: date, posted_through: str | None) -> None:
    """Refuse, in one sentence, a schedule whose fields do not fit together."""
    if rule["day_of_month"] is not None and rule["frequency"] != "monthly":
        raise InvalidInput("Invalid field 'day_of_month': only a monthly schedule has a day of the month.")
    if rule["end_date"] is not None and rule["end_date"] < rule["start_date"]:
        raise InvalidInput(
            f"Invalid field 'end_date': {rule['end_date']} is before start_date {rule['start_date']}."
        )
    since = date.fromisoformat(posted_through) + timedelta(days=1) if posted_through else date.min
    backlog = sum(1 for _ in zip(range(MAX_CATCH_UP + 1), schedule_dates(rule, since, today)))
    if backlog > MAX_CATCH_UP:
        raise InvalidInput(
            f"Invalid field 'start_date': {rule['start_date']} would post more than {MAX_CATCH_UP} past "
            "expenses at once; choose a later start date."
        )


def create_recurring(
    conn: Session, rule: RecurringCreate,
    today: date | None = None,
) -> dict:
    """A new template. Dates already due are posted by the next post_due (the API runs it at once)."""
    today = today or date.today()
    fields = rule.model_dump()
    if fields["frequency"] == "monthly" and fields["day_of_month"] is None:
        fields["day_of_month"] = int(fields["start_date"][8:])
    check_schedule(fields, today, None)
    with conn.write():
        require_category(conn, rule.category_id)
        # Column names come from the model's fixed field list, never from the request.
        recurring_id = conn.execute(
            f"insert into recurring ({', '.join(fields)}) values ({', '.join('?' for _ in fields)})",
            list(fields.values()),
        ).lastrowid
        return recurring_response(conn, fetch_recurring(conn, recurring_id), today)


def update_recurring(
    conn: Session, recurring_id: int, changes: RecurringUpdate, today: date | None = None,
) -> dict:
    """Change a template; expenses it already posted stay as they are. A changed schedule
    applies from today on: earlier dates are not posted afterwards."""
    today = today or date.today()
    sent = provided_fields(changes, CLEARABLE_RECURRING_FIELDS)
    with conn.write():
        current = fetch_recurring(conn, recurring_id)
        merged = {name: current[name] for name in type(changes).model_fields} | sent
        if merged["frequency"] != "monthly" and "day_of_month" not in sent:
            merged["day_of_month"] = None
        elif merged["frequency"] == "monthly" and merged["day_of_month"] is None:
            merged["day_of_month"] = int(merged["start_date"][8:])
        posted_through = current["posted_through"]
        if posted_through and any(merged[name] != current[name] for name in SCHEDULE_FIELDS):
            posted_through = min(posted_through, (today - timedelta(days=1)).isoformat())
        check_schedule(merged, today, posted_through)
        if "category_id" in sent:
            require_category(conn, merged["category_id"])
        assignments = ", ".join(f"{name} = ?" for name in merged)
        conn.execute(
            f"update recurring set {assignments}, posted_through = ? where id = ?",
            [*merged.values(), posted_through, recurring_id],
        )
        return recurring_response(conn, fetch_recurring(conn, recurring_id), today)


def pause_recurring(conn: Session, recurring_id: int, today: date | None = None) -> dict:
    """Pause a template from today: nothing is posted while it is paused (pausing twice is fine)."""
    today = today or date.today()
    with conn.write():
        fetch_recurring(conn, recurring_id)
        conn.execute("update recurring set paused_on = ? where id = ? and paused_on is null",
                     (today.isoformat(), recurring_id))
        return recurring_response(conn, fetch_recurring(conn, recurring_id), today)


def resume_recurring(conn: Session, recurring_id: int, today: date | None = None) -> dict:
    """Resume a paused template (resuming one that runs is fine); the result lists in `skipped`
    the dates this skipped.

    The dates that fell due while it was paused, from the day it was paused to the day before
    today, are recorded as skipped: they are not back-posted (a paused gym membership is not
    paid for afterwards), and each can still be posted by hand. Today's date and later ones post
    as usual, and so does any date before the pause that was not posted yet."""
    today = today or date.today()
    skipped: list[str] = []
    with conn.write():
        rule = fetch_recurring(conn, recurring_id)
        if rule["paused_on"] is not None:
            since = date.fromisoformat(rule["paused_on"])
            if rule["posted_through"]:
                since = max(since, date.fromisoformat(rule["posted_through"]) + timedelta(days=1))
            recorded = recorded_dates(conn, recurring_id, since.isoformat())
            skipped = [day.isoformat() for day in schedule_dates(rule, since, today - timedelta(days=1))
                       if day.isoformat() not in recorded]
            conn.executemany(
                "insert into recurring_occurrences (recurring_id, date, status) values (?, ?, 'skipped')",
                ((recurring_id, day) for day in skipped),
            )
            conn.execute("update recurring set paused_on = null where id = ?", (recurring_id,))
        return {**recurring_response(conn, fetch_recurring(conn, recurring_id), today), "skipped": skipped}


def delete_recurring(conn: Session, recurring_id: int) -> None:
    """Delete a template and its bookkeeping; the expenses it posted stay."""
    with conn.write():
        conn.execute("delete from recurring_occurrences where recurring_id = ?", (recurring_id,))
        if not conn.execute("delete from recurring where id = ?", (recurring_id,)).rowcount:
            raise NotFound(f"Recurring expense {recurring_id} not found.")


def record_posting(conn: Session, rule: Any, day: str) -> int:
    """Insert the expense of `rule` on `day` and the record that it was posted. The caller's
    transaction holds both, so a crash leaves either both or neither."""
    expense_id = conn.execute(
        "insert into expenses (amount, description, category_id, date) values (?, ?, ?, ?)",
        (rule["amount"], rule["description"], rule["category_id"], day),
    ).lastrowid
    conn.execute(
        "insert into recurring_occurrences (recurring_id, date, status, expense_id) values (?, ?, 'posted', ?) "
        "on conflict (recurring_id, date) do update set status = 'posted', expense_id = excluded.expense_id, "
        "recorded_at = datetime('now')",
        (rule["id"], day, expense_id),
    )
    check_totals(conn, [day[:7]])
    return expense_id


DUE_TEMPLATES = f"""{RECURRING_SELECT}
where c.id is not null and r.paused_on is null and r.start_date <= ? and (r.posted_through is null
    or (r.posted_through < ? and (r.end_date is null or r.posted_through < r.end_date)))
order by r.id"""


def post_due(conn: Session, today: date) -> int:
    """Post every date of every template that is due up to and including `today`; return how
    many expenses were posted. See post_due_listed."""
    return len(post_due_listed(conn, today))


def post_due_listed(conn: Session, today: date, recurring_id: int | None = None) -> list[dict]:
    """Post every date of every template (or of the one template `recurring_id`) that is due up
    to and including `today`, except paused ones; return what was posted, in order of template
    and date: recurring_id, date, amount, expense_id.

    Idempotent: a date that was posted or skipped is never posted again (the primary key of
    recurring_occurrences, checked in the same transaction as the insert), whatever the number
    of processes, crashes, or a clock that goes back (templates remember how far they were
    posted, and a date before that is never looked at again).
    """
    day = today.isoformat()
    if conn.execute(f"select exists ({DUE_TEMPLATES})", (day, day)).fetchone()[0] == 0:
        return []  # nothing due: no write transaction, so the minutely check costs no disk write
    posted: list[dict] = []
    with conn.write():
        # Read again inside the write lock: another process may have posted meanwhile.
        for rule in conn.execute(DUE_TEMPLATES, (day, day)).fetchall():
            if recurring_id is not None and rule["id"] != recurring_id:
                continue
            since = date.fromisoformat(rule["posted_through"]) + timedelta(days=1) if rule["posted_through"] else date.min
            recorded = recorded_dates(conn, rule["id"], since.isoformat())
            # One template whose dates cannot be posted leaves the others' postings standing.
            conn.execute("savepoint template")
            try:
                dates = [due.isoformat() for due in schedule_dates(rule, since, today) if due.isoformat() not in recorded]
                done = [{"recurring_id": rule["id"], "date": due, "amount": rule["amount"],
                         "expense_id": record_posting(conn, rule, due)} for due in dates]
                conn.execute("update recurring set posted_through = ? where id = ?", (day, rule["id"]))
                posted += done
            except TotalTooLarge as exc:
                conn.execute("rollback to template")
                log.warning("Recurring expense %d was not posted (it will be tried again): %s", rule["id"], exc)
            conn.execute("release template")
    if posted:
        log.info("Posted %d recurring expense%s due by %s", len(posted), "" if len(posted) == 1 else "s", day)
    return posted


def scheduled_rule(conn: Session, recurring_id: int, day: str) -> Any:
    rule = fetch_recurring(conn, recurring_id)
    if not is_scheduled(rule, date.fromisoformat(day)):
        raise InvalidInput(f"Invalid field 'date': {day} is not a date of recurring expense {recurring_id}'s schedule.")
    return rule


def occurrence(conn: Session, recurring_id: int, day: str) -> Any:
    return conn.execute(
        "select recurring_id, date, status, expense_id from recurring_occurrences where recurring_id = ? and date = ?",
        (recurring_id, day),
    ).fetchone()


def skip_occurrence(
    conn: Session, recurring_id: int, day: str
) -> dict:
    """Mark one date of a template as skipped, so that it is never posted (skipping twice is fine)."""
    with conn.write():
        scheduled_rule(conn, recurring_id, day)
        found = occurrence(conn, recurring_id, day)
        if found is not None and found["status"] == "posted":
            raise Conflict(f"Recurring expense {recurring_id} was already posted for {day}; delete that expense instead.")
        if found is None:
            conn.execute(
                "insert into recurring_occurrences (recurring_id, date, status) values (?, ?, 'skipped')",
                (recurring_id, day),
            )
        return dict(occurrence(conn, recurring_id, day))


def post_occurrence(
    conn: Session, recurring_id: int, day: str
) -> dict:
    """Post one date of a template now, dated that date; once: a second time is refused. A
    skipped date can be posted this way after all."""
    with conn.write():
        rule = scheduled_rule(conn, recurring_id, day)
        found = occurrence(conn, recurring_id, day)
        if found is not None and found["status"] == "posted":
            raise Conflict(f"Recurring expense {recurring_id} was already posted for {day}.")
        require_category(conn, rule["category_id"])
        return fetch_expense(conn, record_posting(conn, rule, day))


def upcoming(conn: Session, today: date, days: int = 30) -> list[dict]:
    """Every running template's dates from today to `days` days on that are not posted yet, in
    date order; skipped ones are included with status "skipped". Paused templates have none."""
    last = today + timedelta(days=min(days, (date.max - today).days))
    found = []
    for rule in conn.execute(f"{RECURRING_SELECT} where r.paused_on is null order by r.id").fetchall():
        recorded = recorded_dates(conn, rule["id"], today.isoformat())
        for day in schedule_dates(rule, today, last):
            status = recorded.get(day.isoformat(), "scheduled")
            if status != "posted":
                found.append({
                    "recurring_id": rule["id"], "date": day.isoformat(), "amount": rule["amount"],
                    "description": rule["description"], "category_id": rule["category_id"],
                    "category_name": rule["category_name"], "status": status,
                })
    found.sort(key=lambda item: (item["date"], item["recurring_id"]))
    return found


class RecurringPoster:
    """Posts due recurring expenses while the server runs: every `period` seconds and just
    after midnight, on its own thread and connection; stopped by `stop()`."""

    def __init__(self, database: Database, today: Any = date.today, period: float = 60.0):
        self.database = database
        self.today = today
        self.period = period
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_once(self) -> int:
        try:
            conn = self.database.open()
            try:
                return post_due(conn, self.today())
            finally:
                conn.close()
        except (DatabaseUnavailable, sqlite3.Error) as exc:
            log.warning("Could not post recurring expenses: %s", exc)
            return 0

    def seconds_to_wait(self) -> float:
        now = datetime.now()
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time())
        return max(0.5, min(self.period, (midnight - now).total_seconds() + 0.5))

    def _run(self) -> None:
        while not self._stop.wait(self.seconds_to_wait()):
            self.run_once()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="recurring-poster", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
