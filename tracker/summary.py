"""A month's summary, and month-by-month totals, read from the totals the triggers keep."""

import sqlite3
from typing import Any

from tracker.budgets import OVERALL_BUDGET_KEY, OVERALL_BUDGET_SELECT, budget_status
from tracker.money import cents_to_amount
from tracker.months import month_range
from tracker.splits import COUNT_CORRECTION


def month_summary(conn: sqlite3.Connection, month: str) -> dict:
    """A month's total, count and totals by category; with `budgets` (each category that has
    one, spending or not) and `overall_budget` only when such budgets are set."""
    # One statement: on the new connection every request has, each statement costs a parse.
    rows = conn.execute(
        f"""select c.id as category_id, c.name, coalesce(t.total_cents, 0) as total_cents,
            coalesce(t.count, 0) as count, b.amount_cents
        from categories c
        left join monthly_totals t on t.month = ? and t.category_id = c.id
        left join budgets b on b.category_id = c.id
        where t.count > 0 or b.amount_cents is not null
        union all
        {OVERALL_BUDGET_SELECT}
        union all
        select {COUNT_CORRECTION}, '', 0, count, null from monthly_totals
        where month = ? and category_id = {COUNT_CORRECTION} and count <> 0""",
        (month, OVERALL_BUDGET_KEY, month),
    ).fetchall()
    # A split expense is counted in each category it has a part in, and once in the month's count.
    correction = sum(r["count"] for r in rows if r["category_id"] == COUNT_CORRECTION)
    rows = [r for r in rows if r["category_id"] != COUNT_CORRECTION]
    spent = sorted((r for r in rows if r["count"]), key=lambda r: (-r["total_cents"], r["name"]))
    total_cents = sum(r["total_cents"] for r in spent)
    summary: dict[str, Any] = {
        "month": month,
        "total": cents_to_amount(total_cents),
        "count": sum(r["count"] for r in spent) + correction,
        "by_category": [
            {"category_name": r["name"], "total": cents_to_amount(r["total_cents"]), "count": r["count"]} for r in spent
        ],
    }
    # By name as SQLite's "collate nocase, name" orders them: ASCII letters folded, then exact.
    budgeted = sorted(
        (r for r in rows if r["category_id"] is not None and r["amount_cents"] is not None),
        key=lambda r: (r["name"].encode("utf-8", "surrogatepass").lower(), r["name"]),
    )
    if budgeted:
        summary["budgets"] = [
            {"category_id": r["category_id"], "category_name": r["name"],
             **budget_status(r["amount_cents"], r["total_cents"])}
            for r in budgeted
        ]
    for r in rows:
        if r["category_id"] is None:
            summary["overall_budget"] = budget_status(r["amount_cents"], total_cents)
    # Only when some expense of the month is in another currency, like budgets: a summary
    # in the home currency alone stays what it always was.
    by_currency = spent_by_currency(conn, month, total_cents, summary["count"])
    if by_currency is not None:
        summary["by_currency"] = by_currency
    return summary


def spent_by_currency(conn: sqlite3.Connection, month: str, total_cents: int, count: int) -> list[dict] | None:
    """What was spent in each currency in the month: `amount` in that currency, `home_amount` in
    the home one (each currency once). The home currency's share is the month's total less the foreign
    ones, which the triggers keep in currency_totals (a row per currency)."""
    from tracker.settings import home_currency

    home = home_currency(conn)
    foreign = [
        (code, milli / 1000, cents, n) for code, milli, cents, n in conn.execute(
            "select currency, amount_milli, home_cents, count from currency_totals where month = ? and count > 0",
            (month,))
    ]
    if not foreign:
        return None
    home_cents = total_cents - sum(row[2] for row in foreign)
    home_count = count - sum(row[3] for row in foreign)
    home_total = cents_to_amount(home_cents)
    spent = [{"currency": home, "amount": home_total, "home_amount": home_total, "count": home_count}] if home_count > 0 else []
    from tracker.currencies import minor_units

    spent += [{"currency": code, "amount": round(amount, minor_units().get(code, 2)),
               "home_amount": cents_to_amount(cents), "count": n}
              for code, amount, cents, n in foreign]
    return sorted(spent, key=lambda item: (-item["home_amount"], item["currency"]))


def month_totals(conn: sqlite3.Connection, first: str, last: str, category_id: int | None = None) -> list[dict]:
    """Total and count of every month from `first` to `last`, months without expenses included."""
    months = month_range(first, last)
    where, params = "month >= ? and month <= ?", [first, last]
    if category_id is not None:
        where += " and category_id = ?"
        params.append(category_id)
    # Added up in Python: the categories of a month may together pass SQLite's 64-bit sum().
    cents = dict.fromkeys(months, 0)
    counts = dict.fromkeys(months, 0)
    for row in conn.execute(f"select month, total_cents, count from monthly_totals where {where}", params):
        if row["month"] in cents:  # (not so a month that another program wrote oddly, e.g. '2025-1-')
            cents[row["month"]] += row["total_cents"]
            counts[row["month"]] += row["count"]
    return [{"month": m, "total": cents_to_amount(cents[m]), "count": counts[m]} for m in months]
