"""CSV export: streamed in batches, cells that a spreadsheet would run as formulas neutralised."""

import csv
import io
import sqlite3
from collections.abc import Iterator, Sequence

from tracker.config import EXPORT_BATCH_ROWS, EXPORT_MMAP_BYTES
from tracker.expenses import count_expenses, drive_by_tag, filter_clause
from tracker.search import plan_search


def csv_neutralised(column: str) -> str:
    """SQL for a text column whose cells cannot start a spreadsheet formula."""
    return (
        f"case when substr({column}, 1, 1) in ('=', '+', '-', '@', char(9), char(13)) "
        f"then '''' || {column} else {column} end"
    )


EXPORT_HEADER = "id,amount,description,category,date\r\n"
# Amounts with their two decimals, as money is written ("80.00", not Python's "80.0"). Every stored
# amount is a whole cent below MAX_AMOUNT (14 digits), so SQLite's printf, exact to 16 significant
# digits, writes that cent without float noise; formatting in SQL keeps the export's speed.
EXPORT_SELECT = f"""select e.id, printf('%.2f', e.amount), {csv_neutralised('e.description')},
    {csv_neutralised("coalesce(c.name, '')")}, e.date
from expenses e left join categories c on c.id = e.category_id"""


def export_csv(
    conn: sqlite3.Connection,
    date_from: str | None = None,
    date_to: str | None = None,
    category_id: int | None = None,
    q: str | None = None,
    tag: Sequence[str] | None = None,
) -> Iterator[bytes]:
    """The CSV export in chunks of rows as they are read; closes the connection when done.

    The query starts before this returns, so a database error surfaces here, not mid-stream.
    q: search text, tag: tags, as for list_expenses.
    """
    conditions, params = filter_clause(date_from, date_to, category_id, tag,
                                       drive_by_tag(conn, date_from, date_to, category_id, tag))
    search = plan_search(conn, q, None, lambda: count_expenses(conn, date_from, date_to, category_id, tag=tag))
    conditions += search.conditions
    params += search.params
    where = f"where {' and '.join(conditions)}" if conditions else ""
    conn.row_factory = None
    # Reading the file through a memory map instead of one read() call per page cuts a full
    # export's time by about a fifth when rows are stored out of date order.
    conn.execute(f"pragma mmap_size = {EXPORT_MMAP_BYTES}")
    cursor = conn.execute(f"{EXPORT_SELECT} {where} order by e.date desc, e.id desc", params)
    return csv_chunks(conn, cursor)


def csv_chunks(conn: sqlite3.Connection, cursor: sqlite3.Cursor) -> Iterator[bytes]:
    try:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        yield EXPORT_HEADER.encode()
        while rows := cursor.fetchmany(EXPORT_BATCH_ROWS):
            writer.writerows(rows)
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    finally:
        conn.close()
