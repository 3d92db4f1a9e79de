"""Create a benchmark SQLite database in the schema of the older build.

Usage: python bench/make_db.py PATH [--rows N] [--seed S]
"""

import argparse
import datetime
import os
import random
import sqlite3
import sys
import time

SEED_DDL = """\
CREATE TABLE IF NOT EXISTS categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    color TEXT NOT NULL DEFAULT '#6c757d',
    created_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE TABLE IF NOT EXISTS expenses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    amount REAL NOT NULL CHECK(amount > 0),
    description TEXT NOT NULL,
    category_id INTEGER NOT NULL REFERENCES categories(id),
    date TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT (datetime('now'))
);
CREATE INDEX IF NOT EXISTS idx_expenses_date ON expenses(date);
CREATE INDEX IF NOT EXISTS idx_expenses_category ON expenses(category_id);
"""

CATEGORIES = [
    ("Food", "#e4572e"),
    ("Transport", "#17bebb"),
    ("Utilities", "#ffc914"),
    ("Rent", "#2e282a"),
    ("Health", "#76b041"),
    ("Fun", "#ff6f91"),
    ("Travel", "#3d5a80"),
    ("Books", "#8d6a9f"),
    ("Gifts", "#c84c09"),
    ("Clothes", "#4f6d7a"),
    ("Café", "#a98467"),
    ("Other", "#6c757d"),
]

FIRST_DATE = datetime.date(2019, 1, 1)
LAST_DATE = datetime.date(2024, 12, 31)
CREATED_AT_START = datetime.datetime(2019, 1, 1, 8, 0, 0)
MIN_CENTS = 50
MAX_CENTS = 200_000

ITEMS = [
    "groceries", "lunch", "dinner with friends", "coffee", "bus ticket",
    "taxi home", "electricity bill", "water bill", "internet", "monthly rent",
    "pharmacy", "dentist", "cinema", "concert tickets", "train to Lyon",
    "hotel, 2 nights", "paperback", "e-book", "birthday present",
    "winter jacket", "running shoes", "croissant & latte", "parking",
    "phone plan", "gym membership", "flowers", "board game", "haircut",
    "fuel", "museum entry", "bakery", "sushi", "pizza night", "snacks",
]

MERCHANTS = [
    "Café Müller", "Boulangerie Élise", "日本食堂", "Tesco", "Lidl",
    "Shell", "Deutsche Bahn", "Amazon", "IKEA", "Zürich Apotheke",
    "Crème de la Crème", "Señor Taco", "Bücherhalle", "Uber", "Netflix",
    "Station Café", "Kiosk am Markt", "ラーメン屋", "Corner Shop", "Décathlon",
]

NOTES = [
    "split with Anna", "reimbursable", "paid cash", "card ending 4242",
    "receipt lost", "see email", "shared, 3 people", "tip included",
]

EMOJI = ["🍕", "☕", "🚌", "🎁", "📚", "✈️", "💡", "🎬", "🧾", "😀"]

FORMULA_PREFIXES = ["=SUM(A1:A3) ", "+49 ", "-refund ", "@"]


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    if args.rows < 0:
        parser.error("--rows must be >= 0")
    return args


def all_dates():
    days = (LAST_DATE - FIRST_DATE).days + 1
    return [(FIRST_DATE + datetime.timedelta(days=d)).isoformat() for d in range(days)]


def pick(rng_random, items):
    return items[int(rng_random() * len(items))]


def make_description(rng_random):
    item = pick(rng_random, ITEMS)
    merchant = pick(rng_random, MERCHANTS)
    roll = rng_random()
    if roll < 0.30:
        text = f"{item} at {merchant}"
    elif roll < 0.50:
        text = f"{item}, {merchant}"
    elif roll < 0.62:
        text = f'{merchant} "{item}"'
    elif roll < 0.72:
        text = f"{item} {pick(rng_random, EMOJI)}"
    elif roll < 0.80:
        text = f"{item} ({pick(rng_random, NOTES)})"
    elif roll < 0.90:
        text = f"{item} – order #{int(rng_random() * 100_000)}"
    elif roll < 0.92:
        text = f"{item}\n{pick(rng_random, NOTES)}"
    else:
        text = item.capitalize()
    if rng_random() < 0.01:
        text = pick(rng_random, FORMULA_PREFIXES) + text
    return text


def make_cents(rng_random):
    # Log-uniform: many small expenses, a few large ones.
    cents = int(MIN_CENTS * (MAX_CENTS / MIN_CENTS) ** rng_random())
    return min(max(cents, MIN_CENTS), MAX_CENTS)


def clock_strings():
    return [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86_400)]


def created_at_strings(rng_random, rows):
    """Yield strictly increasing 'YYYY-MM-DD HH:MM:SS' timestamps spread over the date range."""
    span_seconds = ((LAST_DATE - FIRST_DATE).days + 1) * 86_400 - CREATED_AT_START.hour * 3600
    max_step = max(1, 2 * span_seconds // max(rows, 1) - 1)
    clock = clock_strings()
    day_cache = {}
    start_day = CREATED_AT_START.date()
    seconds = CREATED_AT_START.hour * 3600
    for _ in range(rows):
        seconds += 1 + int(rng_random() * max_step)
        day_index, second_of_day = divmod(seconds, 86_400)
        day = day_cache.get(day_index)
        if day is None:
            day = day_cache[day_index] = (start_day + datetime.timedelta(days=day_index)).isoformat()
        yield f"{day} {clock[second_of_day]}"


def expense_rows(rows, seed):
    rng = random.Random(seed)
    rng_random = rng.random
    dates = all_dates()
    n_categories = len(CATEGORIES)
    created_at = created_at_strings(rng_random, rows)
    for expense_id in range(1, rows + 1):
        yield (
            expense_id,
            make_cents(rng_random) / 100,
            make_description(rng_random),
            1 + int(rng_random() * n_categories),
            pick(rng_random, dates),
            next(created_at),
        )


def category_rows():
    created = CREATED_AT_START.strftime("%Y-%m-%d %H:%M:%S")
    return [(i, name, color, created) for i, (name, color) in enumerate(CATEGORIES, 1)]


def split_seed_ddl():
    """Seed DDL as (tables, indexes): indexes are built after the bulk insert."""
    cut = SEED_DDL.index("CREATE INDEX")
    return SEED_DDL[:cut], SEED_DDL[cut:]


def build_database(path, rows, seed):
    """Create PATH (must not exist) with ROWS expenses; return elapsed seconds."""
    started = time.perf_counter()
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("pragma journal_mode = memory")
        conn.execute("pragma synchronous = off")
        conn.execute("pragma cache_size = -200000")
        tables_ddl, index_ddl = split_seed_ddl()
        conn.executescript(tables_ddl)
        conn.execute("begin")
        conn.executemany(
            "insert into categories (id, name, color, created_at) values (?, ?, ?, ?)",
            category_rows(),
        )
        conn.executemany(
            "insert into expenses (id, amount, description, category_id, date, created_at)"
            " values (?, ?, ?, ?, ?, ?)",
            expense_rows(rows, seed),
        )
        conn.execute("commit")
        conn.executescript(index_ddl)
        conn.execute("pragma journal_mode = wal")
    finally:
        conn.close()
    return time.perf_counter() - started


def main(argv=None):
    args = parse_args(argv)
    if os.path.exists(args.path):
        print(f"make_db: refusing to overwrite existing {args.path}", file=sys.stderr)
        return 1
    seconds = build_database(args.path, args.rows, args.seed)
    print(f"rows: {args.rows}  seconds: {seconds:.2f}  path: {args.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
