"""A year at a glance: spending of a period of whole months, by category (or another grouping) × month.

Read from monthly_totals (kept by triggers), so a year's report reads a few hundred rows whatever
the number of expenses. Cents are added up in Python: exact, and never past SQLite's 64-bit sum().
"""

import csv
import io
import sqlite3
from collections.abc import Callable
from datetime import date
from typing import Literal

from tracker.errors import InvalidInput
from tracker.money import cents_to_amount
from tracker.months import month_range
from tracker.validation import check_month

DEFAULT_MONTHS = 12
MAX_REPORT_MONTHS = 120

# One row of a grouping: (key, name, colour, {month: cents}); key is the category's id (or a tag's).
GroupRow = tuple[int | str, str, str | None, dict[str, int]]
Grouping = Callable[[sqlite3.Connection, str, str], list[GroupRow]]


def by_category(conn: sqlite3.Connection, first: str, last: str) -> list[GroupRow]:
    """Each category with spending in the months first..last, with its cents in each month."""
    groups: dict[int, GroupRow] = {}
    for category_id, name, color, month, cents in conn.execute(
        """select t.category_id, c.name, c.color, t.month, t.total_cents from monthly_totals t
        join categories c on c.id = t.category_id
        where t.month >= ? and t.month <= ? and t.count > 0""",
        (first, last),
    ):
        group = groups.setdefault(category_id, (category_id, name, color, {}))
        group[3][month] = group[3].get(month, 0) + cents
    return list(groups.values())


# Tags have no colour of their own: the chart gives each one of these, by its id.
TAG_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
              "#bcbd22", "#17becf")


def by_tag(conn: sqlite3.Connection, first: str, last: str) -> list[GroupRow]:
    """Each tag with spending in the months first..last (from tag_monthly_totals). An expense with
    two tags is in both rows, so the month totals add up the rows, not the spending."""
    groups: dict[int, GroupRow] = {}
    for tag_id, name, month, cents in conn.execute(
        """select t.tag_id, g.name, t.month, t.total_cents from tag_monthly_totals t
        join tags g on g.id = t.tag_id
        where t.month >= ? and t.month <= ? and t.count > 0""",
        (first, last),
    ):
        group = groups.setdefault(tag_id, (tag_id, f"#{name}", TAG_COLORS[tag_id % len(TAG_COLORS)], {}))
        group[3][month] = group[3].get(month, 0) + cents
    return list(groups.values())


# What `by` may be; the API's and the CLI's choices follow this dict.
GROUPINGS: dict[str, Grouping] = {"category": by_category, "tag": by_tag}
ReportBy = Literal[tuple(GROUPINGS)]  # Literal["category", …]


def month_index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def month_of(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def report_period(first: str | None, last: str | None, today: date | None = None) -> tuple[str, str]:
    """The period asked for, checked: `last` defaults to this month, `first` to 11 months before `last`."""
    for option, value in (("from", first), ("to", last)):
        if value is not None:
            try:
                check_month(value)
            except ValueError:
                raise InvalidInput(f"The month '{option}' must be a month in the form YYYY-MM, got {value!r}.") from None
    last = last or (today or date.today()).isoformat()[:7]
    first = first or month_of(max(month_index(last) - (DEFAULT_MONTHS - 1), month_index("0001-01")))
    if first > last:
        raise InvalidInput(f"The first month {first} is after the last month {last}; 'from' must not be after 'to'.")
    months = month_index(last) - month_index(first) + 1
    if months > MAX_REPORT_MONTHS:
        raise InvalidInput(
            f"From {first} to {last} is {months} months; a report covers at most {MAX_REPORT_MONTHS} months."
        )
    return first, last


def report(
    conn: sqlite3.Connection, first: str | None = None, last: str | None = None, by: str = "category",
    today: date | None = None,
) -> dict:
    """Spending of the months first..last (default: the 12 months ending with this one) by `by`.

    rows: each group with spending (name, colour, a total for every month, 0 where nothing was
    spent, and its total), largest total first; month_totals: each month's total; total: all.
    """
    if by not in GROUPINGS:
        raise InvalidInput(f"A report is by {' or '.join(repr(name) for name in GROUPINGS)}, not {by!r}.")
    first, last = report_period(first, last, today)
    months = month_range(first, last)
    groups = GROUPINGS[by](conn, first, last)
    groups.sort(key=lambda group: (-sum(group[3].values()), group[1]))
    column_cents = [sum(group[3].get(month, 0) for group in groups) for month in months]
    return {
        "from": first,
        "to": last,
        "by": by,
        "months": months,
        "rows": [
            {
                "id": key,
                "name": name,
                "color": color,
                "totals": [cents_to_amount(cents.get(month, 0)) for month in months],
                "total": cents_to_amount(sum(cents.values())),
            }
            for key, name, color, cents in groups
        ],
        "month_totals": [cents_to_amount(cents) for cents in column_cents],
        "total": cents_to_amount(sum(column_cents)),
    }


def money_text(amount: float) -> str:
    """An amount as the export writes it, with two decimals and no float noise: 1234.50."""
    cents = round(amount * 100)
    return f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def spreadsheet_safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (as the expense export does)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def report_csv(result: dict) -> str:
    """The report as CSV: Category, one column per month, Total; one row per group and a Total row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([result["by"].capitalize(), *result["months"], "Total"])
    for row in result["rows"]:
        writer.writerow([spreadsheet_safe(row["name"]), *map(money_text, row["totals"]), money_text(row["total"])])
    writer.writerow(["Total", *map(money_text, result["month_totals"]), money_text(result["total"])])
    return buffer.getvalue()


def report_filename(result: dict) -> str:
    return f"report-{result['from']}-to-{result['to']}.csv"
