"""Money in whole cents: amounts as the API shows them, and month totals that must fit in 64 bits."""

import sqlite3
from collections.abc import Iterable

from tracker.errors import TotalTooLarge

# A month's total in a category is kept in monthly_totals as an SQLite integer: 64 bits, at most
# this many cents. (About 92,000 expenses of MAX_AMOUNT in one month and category.) Past it,
# SQLite's + does not fail: it turns the total into an inexact float. So every write that adds
# to the totals looks, before its commit, for a total that is no longer an integer.
MAX_TOTAL_CENTS = 2**63 - 1

# An expense `e`'s money in the home currency, in the cents every total adds up (home_amount is
# null for an expense in the home currency).
HOME_CENTS = "cast(round(coalesce(e.home_amount, e.amount) * 100) as integer)"


def check_totals(conn: sqlite3.Connection, months: Iterable[str] | None = None) -> None:
    """Refuse (the caller's transaction then rolls back) a write that took a month's total in a
    category past MAX_TOTAL_CENTS. `months`: the months written to; None: every month."""
    where, params = ("t.month = ?", [(month,) for month in sorted(set(months))]) if months is not None else ("1", [()])
    for param in params:
        row = conn.execute(
            f"""select t.month, coalesce(c.name, 'category ' || t.category_id) from monthly_totals t
            left join categories c on c.id = t.category_id where {where} and typeof(t.total_cents) <> 'integer'""",
            param,
        ).fetchone()
        if row is not None:
            raise TotalTooLarge(
                f"The total of {row[0]} in {row[1]} would be larger than this app can add up "
                f"(at most {MAX_TOTAL_CENTS // 100:,}.{MAX_TOTAL_CENTS % 100:02d}); nothing was saved."
            )


def cents_to_amount(cents: int | float) -> float:
    return round(cents) / 100


def to_cents(amount: float) -> int:
    return round(amount * 100)
