"""An upgrade's progress, for the window to show while a large file is brought up to date."""

import sqlite3
from collections.abc import Callable

Report = Callable[[float, str], None]


class Progress:
    """How far an upgrade is: `report(fraction, step)` is told the fraction of the work done and
    the step under way (a sentence fragment for the window, e.g. "Building the search index").

    The work is counted in weights, roughly the seconds each step takes per million expenses on
    this kind of machine, so the fraction moves evenly whatever the file's size.
    """

    def __init__(self, report: Report | None = None, total: float = 1.0):
        self.report = report
        self.total = max(total, 1e-9)
        self.done = 0.0

    def step(self, name: str) -> None:
        if self.report is not None:
            self.report(min(self.done / self.total, 1.0), name)

    def advance(self, weight: float, name: str) -> None:
        self.done += weight
        self.step(name)


# Expenses per chunk of the steps that go through every expense, so that progress moves.
CHUNK_IDS = 100_000

def id_chunks(conn: sqlite3.Connection) -> list[tuple[int, int]]:
    """The expenses' ids as ranges (low, high] of CHUNK_IDS each, covering every expense."""
    low, high = conn.execute("select min(id), max(id) from expenses").fetchone()
    if low is None:
        return []
    return [(start, min(start + CHUNK_IDS, high)) for start in range(low - 1, high, CHUNK_IDS)]


def run_chunked(conn: sqlite3.Connection, sql: str, weight: float, name: str, progress: Progress) -> None:
    """`sql` over every chunk of expense ids, reporting progress as the chunks go."""
    chunks = id_chunks(conn)
    for low, high in chunks:
        conn.execute(sql, (low, high))
        progress.advance(weight / len(chunks), name)
    if not chunks:
        progress.advance(weight, name)
