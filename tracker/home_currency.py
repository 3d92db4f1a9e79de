"""Changing the home currency: every expense's home amount recomputed at its date's rate, in
chunks with progress, as one step that one undo takes back (the old setting and amounts)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from tracker.currencies import check_currency, convert, ecb_rate
from tracker.db import Session
from tracker.errors import InvalidInput, NotFound

CHUNK_ROWS = 20_000
ProgressReport = Callable[[int, int], None]  # (rows done, rows in all)

SET_HOME = "insert into settings (key, value) values ('currency', ?) on conflict (key) do update set value = excluded.value"


class Rates:
    """ECB rates to one currency, looked up once per (currency, date)."""

    def __init__(self, target: str) -> None:
        self.target = target
        self.cache: dict[tuple[str, str], tuple[Decimal, str] | None] = {}

    def get(self, source: str, day: str) -> tuple[Decimal, str] | None:
        key = (source, day)
        if key not in self.cache:
            try:
                rate = ecb_rate(source, self.target, day)
                self.cache[key] = (rate.rate, rate.source)
            except InvalidInput:
                self.cache[key] = None
        return self.cache[key]


def converted_row(rates: Rates, old_home: str, row) -> tuple:
    """(currency, home_amount, rate, rate_source) of an expense once `rates.target` is home.
    `row`: id, amount, date, currency (null: old_home), home_amount."""
    currency = row["currency"] or old_home
    if currency == rates.target:
        return (None, None, None, None)
    found = rates.get(currency, row["date"])
    if found is not None:
        return (currency, convert(row["amount"], found[0], rates.target), float(found[0]), found[1])
    # No ECB rate for the expense's own currency (BHD, say): through its old home amount.
    through = rates.get(old_home, row["date"])
    if through is None:
        raise InvalidInput(
            f"The European Central Bank publishes no rate from {old_home} to {rates.target} on {row['date']}, "
            f"so the home currency cannot change to {rates.target}.")
    old_home_amount = row["home_amount"] if row["home_amount"] is not None else row["amount"]
    home_amount = convert(old_home_amount, through[0], rates.target)
    rate = Decimal(repr(home_amount)) / Decimal(repr(row["amount"]))
    return (currency, home_amount, float(rate), f"{through[1]} via {old_home}")


def recompute(conn: Session, where: str, params: tuple, old_home: str, new_home: str,
              progress: ProgressReport | None, done: int = 0, total: int = 0) -> int:
    rates = Rates(new_home)
    last_id, changed = 0, 0
    while True:
        rows = conn.execute(
            f"select id, amount, date, currency, home_amount from expenses where id > ? and ({where}) order by id limit ?",
            (last_id, *params, CHUNK_ROWS),
        ).fetchall()
        if not rows:
            return changed
        conn.executemany(
            "update expenses set currency = ?, home_amount = ?, rate = ?, rate_source = ? where id = ?",
            [(*converted_row(rates, old_home, row), row["id"]) for row in rows],
        )
        last_id = rows[-1]["id"]
        changed += len(rows)
        if progress is not None:
            progress(min(done + changed, total), total)


def change_home_currency(conn: Session, new_home: str, convert_home_rows: bool = True,
                         progress: ProgressReport | None = None) -> dict:
    """Make `new_home` the home currency. convert_home_rows: the expenses in the old home currency
    keep their money (1200 USD stays 1200 USD, its home amount now in `new_home`); without it they
    are taken to be in the new one (the seed's setting, which only relabelled). Foreign expenses get
    their home amounts at the ECB rate of their date either way (a typed rate was to the old home)."""
    new_home = check_currency(new_home)
    with conn.write():
        return change_in_transaction(conn, new_home, convert_home_rows, progress)


def change_in_transaction(conn: Session, new_home: str, convert_home_rows: bool = True,
                          progress: ProgressReport | None = None) -> dict:
    """change_home_currency inside the caller's write transaction."""
    from tracker.settings import home_currency

    old_home = home_currency(conn)
    if new_home == old_home:
        return {"old_currency": old_home, "currency": new_home, "expenses": 0, "change_id": None}
    max_id = conn.execute("select coalesce(max(id), 0) from expenses").fetchone()[0]
    change_id = conn.execute(
        """insert into home_currency_changes (old_currency, new_currency, rows, converted, max_id)
        values (?, ?, 0, ?, ?)""",
        (old_home, new_home, int(convert_home_rows), max_id),
    ).lastrowid
    conn.execute(
        """insert into home_currency_rows (change_id, expense_id, currency, home_amount, rate, rate_source)
        select ?, id, currency, home_amount, rate, rate_source from expenses where currency is not null""",
        (change_id,),
    )
    where = "1" if convert_home_rows else "currency is not null"
    total = conn.execute(f"select count(*) from expenses where {where}").fetchone()[0]
    changed = recompute(conn, where, (), old_home, new_home, progress, 0, total)
    conn.execute("update home_currency_changes set rows = ? where id = ?", (changed, change_id))
    conn.execute(SET_HOME, (new_home,))
    check_all_totals(conn)
    return {"old_currency": old_home, "currency": new_home, "expenses": changed, "change_id": change_id}


def undo_home_currency(conn: Session, progress: ProgressReport | None = None) -> dict:
    """Take back the last change of home currency: the old setting, and every expense's currency,
    home amount and rate as they were (expenses added since are recomputed to the old home)."""
    from tracker.settings import home_currency

    with conn.write():
        change = conn.execute(
            "select * from home_currency_changes where undone_at is null order by id desc limit 1").fetchone()
        if change is None:
            raise NotFound("There is no change of home currency to undo.")
        if home_currency(conn) != change["new_currency"]:
            raise InvalidInput(
                f"The home currency is no longer {change['new_currency']}, so that change cannot be undone.")
        old_home, max_id = change["old_currency"], change["max_id"]
        total = conn.execute("select count(*) from expenses").fetchone()[0]
        # Expenses added since the change: in the currency they were entered in, to the old home.
        added = recompute(conn, "id > ?" if change["converted"] else "id > ? and currency is not null", (max_id,),
                          change["new_currency"], old_home, progress, 0, total)
        conn.execute(
            """update expenses set currency = null, home_amount = null, rate = null, rate_source = null
            where id <= ? and (currency is not null or home_amount is not null)""", (max_id,))
        conn.execute(
            """update expenses set (currency, home_amount, rate, rate_source) = (
                select r.currency, r.home_amount, r.rate, r.rate_source from home_currency_rows r
                where r.change_id = ? and r.expense_id = expenses.id)
            where id in (select expense_id from home_currency_rows where change_id = ?)""",
            (change["id"], change["id"]))
        conn.execute(SET_HOME, (old_home,))
        conn.execute("update home_currency_changes set undone_at = datetime('now') where id = ?", (change["id"],))
        conn.execute("delete from home_currency_rows where change_id = ?", (change["id"],))
        check_all_totals(conn)
        if progress is not None:
            progress(total, total)
    return {"old_currency": change["new_currency"], "currency": old_home, "expenses": change["rows"] + added,
            "change_id": change["id"]}


def check_all_totals(conn: Session) -> None:
    from tracker.money import check_totals

    check_totals(conn)
