"""The schema, as an ordered list of migrations: PRAGMA user_version records how many have run."""

import sqlite3

from tracker.learning import create_learning
from tracker.progress import Progress, run_chunked
from tracker.search_index import SEARCH_INDEX_WEIGHT, create_search_index

# Stamped into files this app creates, to tell them from other programs' SQLite files.
APPLICATION_ID = 0x45587054


SEED_SCHEMA = [
    """create table if not exists categories (
    id integer primary key autoincrement,
    name text not null unique,
    color text not null default '#6c757d',
    created_at text not null default (datetime('now'))
)""",
    """create table if not exists expenses (
    id integer primary key autoincrement,
    amount real not null check(amount > 0),
    description text not null,
    category_id integer not null references categories(id),
    date text not null,
    created_at text not null default (datetime('now'))
)""",
    "create index if not exists idx_expenses_date on expenses(date)",
    "create index if not exists idx_expenses_category on expenses(category_id)",
]

DEFAULT_CATEGORIES = [("Food", "#e67e22"), ("Transport", "#3498db"), ("Utilities", "#8e44ad")]

# Adds the totals of the expenses with ids in (?, ?]: run over chunks of ids, it adds up the same as once.
FILL_MONTHLY_TOTALS = """insert into monthly_totals (month, category_id, total_cents, count)
    select substr(date, 1, 7), category_id, sum(cast(round(amount * 100) as integer)), count(*)
    from expenses where id > ? and id <= ? group by 1, 2
    on conflict (month, category_id) do update
        set total_cents = total_cents + excluded.total_cents, count = count + excluded.count"""

# Totals per month and category, kept exact in integer cents by triggers, so that a month's
# summary reads a dozen rows instead of every expense of the month.
MONTHLY_TOTALS_SCHEMA = [
    """create table if not exists monthly_totals (
    month text not null,
    category_id integer not null,
    total_cents integer not null,
    count integer not null,
    primary key (month, category_id)
) without rowid""",
    """create trigger if not exists expenses_totals_insert after insert on expenses begin
    insert into monthly_totals (month, category_id, total_cents, count)
    values (substr(new.date, 1, 7), new.category_id, cast(round(new.amount * 100) as integer), 1)
    on conflict (month, category_id) do update
        set total_cents = total_cents + excluded.total_cents, count = count + 1;
end""",
    """create trigger if not exists expenses_totals_delete after delete on expenses begin
    update monthly_totals
        set total_cents = total_cents - cast(round(old.amount * 100) as integer), count = count - 1
        where month = substr(old.date, 1, 7) and category_id = old.category_id;
end""",
    """create trigger if not exists expenses_totals_update
after update of amount, date, category_id on expenses begin
    update monthly_totals
        set total_cents = total_cents - cast(round(old.amount * 100) as integer), count = count - 1
        where month = substr(old.date, 1, 7) and category_id = old.category_id;
    insert into monthly_totals (month, category_id, total_cents, count)
    values (substr(new.date, 1, 7), new.category_id, cast(round(new.amount * 100) as integer), 1)
    on conflict (month, category_id) do update
        set total_cents = total_cents + excluded.total_cents, count = count + 1;
end""",
    FILL_MONTHLY_TOTALS,
    "create index if not exists idx_expenses_amount on expenses(amount)",
    "create index if not exists idx_expenses_created_at on expenses(created_at)",
    # Covering indexes for the list's filters, so that a page's ids come from the index alone.
    "create index if not exists idx_expenses_category_date_amount on expenses(category_id, date, amount)",
    "create index if not exists idx_expenses_date_amount on expenses(date, amount)",
]


def migrate_seed_schema(conn: sqlite3.Connection, is_new: bool, progress: Progress | None = None) -> None:
    for statement in SEED_SCHEMA:
        conn.execute(statement)
    if is_new:
        conn.executemany(
            "insert or ignore into categories (name, color) values (?, ?)", DEFAULT_CATEGORIES
        )


# The slow statements of migrate_monthly_totals and their weights (see Progress).
MONTHLY_TOTALS_WEIGHTS = {
    FILL_MONTHLY_TOTALS: 0.8,
    "create index if not exists idx_expenses_amount on expenses(amount)": 0.55,
    "create index if not exists idx_expenses_created_at on expenses(created_at)": 0.3,
    "create index if not exists idx_expenses_category_date_amount on expenses(category_id, date, amount)": 0.8,
    "create index if not exists idx_expenses_date_amount on expenses(date, amount)": 0.65,
}


def migrate_monthly_totals(conn: sqlite3.Connection, is_new: bool, progress: Progress | None = None) -> None:
    progress = progress or Progress()
    for statement in MONTHLY_TOTALS_SCHEMA:
        weight = MONTHLY_TOTALS_WEIGHTS.get(statement, 0.0)
        if statement == FILL_MONTHLY_TOTALS:
            run_chunked(conn, statement, weight, "Adding up the monthly totals", progress)
            continue
        if weight:
            progress.step("Indexing the expenses")
        conn.execute(statement)
        if weight:
            progress.advance(weight, "Indexing the expenses")


# Applied in order; PRAGMA user_version records how many have run. Never reorder or edit one
# that has shipped: append a new one.
def migrate_settings(conn: sqlite3.Connection, is_new: bool, progress: Progress | None = None) -> None:
    conn.execute("create table if not exists settings (key text primary key, value text not null) without rowid")


# A deleted expense moves here whole, so that it can come back with the same id; the category's
# name and colour travel with it in case the category is deleted meanwhile.
TRASH_AND_IMPORT_SCHEMA = [
    """create table if not exists deleted_expenses (
    id integer primary key,
    amount real not null,
    description text not null,
    category_id integer not null,
    category_name text not null,
    category_color text not null,
    date text not null,
    created_at text not null,
    import_batch_id integer,
    deleted_at text not null default (datetime('now')),
    reverted_batch_id integer
)""",
    "create index if not exists idx_deleted_expenses_deleted_at on deleted_expenses(deleted_at)",
    "create index if not exists idx_deleted_expenses_reverted on deleted_expenses(reverted_batch_id) where reverted_batch_id is not null",  # noqa: E501 (shipped)
    """create table if not exists import_batches (
    id integer primary key autoincrement,
    file_name text not null,
    imported_at text not null default (datetime('now')),
    profile text,
    rows_in_file integer not null,
    imported integer not null,
    skipped integer not null,
    status text not null default 'imported' check (status in ('imported', 'reverted')),
    reverted_at text
)""",
    """create table if not exists import_profiles (
    name text primary key,
    signature text not null,
    mapping text not null,
    updated_at text not null default (datetime('now'))
)""",
    "create index if not exists idx_import_profiles_signature on import_profiles(signature)",
    # Adding a nullable column is instant whatever the table's size.
    "alter table expenses add column import_batch_id integer",
    "create index if not exists idx_expenses_import_batch on expenses(import_batch_id) where import_batch_id is not null",
    # While a batch is being written its rows skip the per-row totals trigger, and the batch adds
    # its totals in one statement at the end (in the same transaction): a third of the import's time.
    "create table if not exists import_in_progress (batch_id integer primary key)",
    "drop trigger if exists expenses_totals_insert",
    """create trigger expenses_totals_insert after insert on expenses
when new.import_batch_id is null
    or not exists (select 1 from import_in_progress where batch_id = new.import_batch_id)
begin
    insert into monthly_totals (month, category_id, total_cents, count)
    values (substr(new.date, 1, 7), new.category_id, cast(round(new.amount * 100) as integer), 1)
    on conflict (month, category_id) do update
        set total_cents = total_cents + excluded.total_cents, count = count + 1;
end""",
]


# --- Budgets, recurring expenses and search (one migration) ---------------------------------

# The overall monthly budget is the setting OVERALL_BUDGET_KEY, in cents: every request opens a
# connection that parses the whole schema, so a table earns its place.
BUDGETS_RECURRING_SCHEMA = [
    # Monthly limits in integer cents, like monthly_totals, so that spent and remaining are exact.
    """create table if not exists budgets (
    category_id integer primary key references categories(id) on delete cascade,
    amount_cents integer not null check (amount_cents > 0)
)""",
    # Also for programs that delete categories with foreign keys off (the sqlite3 tool's default).
    """create trigger if not exists categories_budget_delete after delete on categories begin
    delete from budgets where category_id = old.id;
end""",
    # AUTOINCREMENT: a deleted template's id is never reused, so its bookkeeping can never
    # stand in the way of a new template.
    """create table if not exists recurring (
    id integer primary key autoincrement,
    amount real not null check (amount > 0),
    description text not null,
    category_id integer not null references categories(id),
    frequency text not null check (frequency in ('daily', 'weekly', 'monthly', 'yearly')),
    interval integer not null default 1 check (interval >= 1),
    day_of_month integer check (day_of_month between 1 and 31),
    start_date text not null,
    end_date text,
    posted_through text,
    created_at text not null default (datetime('now'))
)""",
    # One row per template and date that was posted or skipped: the primary key is what makes
    # posting idempotent across processes, crashes and clocks. It is written in the same
    # transaction as the expense it records. expense_id is deliberately not a foreign key:
    # deleting (or trashing) that expense must stay possible and must not re-post the date.
    """create table if not exists recurring_occurrences (
    recurring_id integer not null references recurring(id) on delete cascade,
    date text not null,
    status text not null check (status in ('posted', 'skipped')),
    expense_id integer,
    recorded_at text not null default (datetime('now')),
    primary key (recurring_id, date)
) without rowid""",
]


def migrate_trash_and_imports(conn: sqlite3.Connection, is_new: bool, progress: Progress | None = None) -> None:
    for statement in TRASH_AND_IMPORT_SCHEMA:
        conn.execute(statement)


def migrate_budgets_recurring_search(conn: sqlite3.Connection, is_new: bool, progress: Progress | None = None) -> None:
    for statement in BUDGETS_RECURRING_SCHEMA:
        conn.execute(statement)
    create_search_index(conn, progress or Progress())


def migrate_recurring_pause(conn: sqlite3.Connection, is_new: bool, progress: Progress | None = None) -> None:
    # The day a template was paused; null while it runs. A nullable column: instant on any file.
    conn.execute("alter table recurring add column paused_on text")


LEARNING_WEIGHT = 1.0  # noting every expense for learning: ~1 s per million


def migrate_rules_and_learning(conn: sqlite3.Connection, is_new: bool, progress: Progress | None = None) -> None:
    # Imported here: these modules need tracker.db, which needs this one.
    from tracker.bulk import create_edits
    from tracker.rules import create_rules

    (progress or Progress()).step("Getting ready to learn your categories")
    create_rules(conn)
    create_edits(conn)
    create_learning(conn)


def migrate_tags(conn: sqlite3.Connection, is_new: bool, progress: Progress | None = None) -> None:
    # New tables only (and the small edits table rebuilt for its new actions): instant on any file.
    from tracker.bulk import create_tag_edits
    from tracker.tags import create_tags

    create_tags(conn)
    create_tag_edits(conn)


# --- Currencies (one migration) -----------------------------------------------------------------

# An expense's money in the home currency, in the cents monthly_totals adds up.
HOME_CENTS_NEW = "cast(round(coalesce(new.home_amount, new.amount) * 100) as integer)"
HOME_CENTS_OLD = "cast(round(coalesce(old.home_amount, old.amount) * 100) as integer)"

ADD_NEW_CURRENCY = f"""insert into currency_totals (month, currency, amount_milli, home_cents, count)
    select substr(new.date, 1, 7), new.currency, cast(round(new.amount * 1000) as integer), {HOME_CENTS_NEW}, 1
    where new.currency is not null
    on conflict (month, currency) do update set amount_milli = amount_milli + excluded.amount_milli,
        home_cents = home_cents + excluded.home_cents, count = count + 1;"""
SUBTRACT_OLD_CURRENCY = f"""update currency_totals set amount_milli = amount_milli - cast(round(old.amount * 1000) as integer),
        home_cents = home_cents - {HOME_CENTS_OLD}, count = count - 1
    where old.currency is not null and month = substr(old.date, 1, 7) and currency = old.currency;"""

# currency null: the home currency (every seed row); home_amount null: the same as amount.
# Adding nullable columns is instant whatever the table's size (no row is rewritten), and the
# triggers, recreated, add up the home amount for any program that writes the file.
CURRENCIES_SCHEMA = [
    "alter table expenses add column currency text",
    "alter table expenses add column home_amount real",
    "alter table expenses add column rate real",
    "alter table expenses add column rate_source text",
    "alter table deleted_expenses add column currency text",
    "alter table deleted_expenses add column home_amount real",
    "alter table deleted_expenses add column rate real",
    "alter table deleted_expenses add column rate_source text",
    # The month panel's spending by currency: per month and foreign currency, the amounts in
    # thousandths (every minor unit up to BHD's 3 decimals, exact), the home cents and the count,
    # kept by the triggers below like monthly_totals (a month reads a row per currency).
    """create table if not exists currency_totals (
    month text not null,
    currency text not null,
    amount_milli integer not null,
    home_cents integer not null,
    count integer not null,
    primary key (month, currency)
) without rowid""",
    "drop trigger if exists expenses_totals_insert",
    f"""create trigger expenses_totals_insert after insert on expenses
when new.import_batch_id is null
    or not exists (select 1 from import_in_progress where batch_id = new.import_batch_id)
begin
    insert into monthly_totals (month, category_id, total_cents, count)
    values (substr(new.date, 1, 7), new.category_id, {HOME_CENTS_NEW}, 1)
    on conflict (month, category_id) do update
        set total_cents = total_cents + excluded.total_cents, count = count + 1;
end""",
    "drop trigger if exists expenses_totals_delete",
    f"""create trigger expenses_totals_delete after delete on expenses begin
    update monthly_totals
        set total_cents = total_cents - {HOME_CENTS_OLD}, count = count - 1
        where month = substr(old.date, 1, 7) and category_id = old.category_id;
end""",
    f"""create trigger expenses_currency_insert after insert on expenses
when new.currency is not null and (new.import_batch_id is null
    or not exists (select 1 from import_in_progress where batch_id = new.import_batch_id))
begin
    {ADD_NEW_CURRENCY}
end""",
    f"""create trigger expenses_currency_delete after delete on expenses when old.currency is not null begin
    {SUBTRACT_OLD_CURRENCY}
end""",
    f"""create trigger expenses_currency_update
after update of amount, home_amount, currency, date on expenses
when old.currency is not null or new.currency is not null
begin
    {SUBTRACT_OLD_CURRENCY}
    {ADD_NEW_CURRENCY}
end""",
    "drop trigger if exists expenses_totals_update",
    f"""create trigger expenses_totals_update
after update of amount, home_amount, date, category_id on expenses begin
    update monthly_totals
        set total_cents = total_cents - {HOME_CENTS_OLD}, count = count - 1
        where month = substr(old.date, 1, 7) and category_id = old.category_id;
    insert into monthly_totals (month, category_id, total_cents, count)
    values (substr(new.date, 1, 7), new.category_id, {HOME_CENTS_NEW}, 1)
    on conflict (month, category_id) do update
        set total_cents = total_cents + excluded.total_cents, count = count + 1;
end""",
    # A change of home currency, kept so that one undo puts back the old one: the setting and
    # each expense's currency columns as they were.
    """create table if not exists home_currency_changes (
    id integer primary key autoincrement,
    old_currency text not null,
    new_currency text not null,
    rows integer not null,
    converted integer not null,
    max_id integer not null,
    made_at text not null default (datetime('now')),
    undone_at text
)""",
    """create table if not exists home_currency_rows (
    change_id integer not null,
    expense_id integer not null,
    currency text,
    home_amount real,
    rate real,
    rate_source text,
    primary key (change_id, expense_id)
) without rowid""",
]


def migrate_currencies(conn: sqlite3.Connection, is_new: bool, progress: Progress | None = None) -> None:
    from tracker.tags import TAG_TOTAL_TRIGGERS, tag_total_triggers

    for statement in CURRENCIES_SCHEMA:
        conn.execute(statement)
    # A tag's totals, like a category's, in the home currency (the tags' migration came first).
    for name in TAG_TOTAL_TRIGGERS:
        conn.execute(f"drop trigger if exists {name}")
    for statement in tag_total_triggers("coalesce(row.home_amount, row.amount)", "amount, date, home_amount"):
        conn.execute(statement)


def migrate_splits(conn: sqlite3.Connection, is_new: bool, progress: Progress | None = None) -> None:
    # A new table and triggers (see tracker.splits): instant on any file, no row is rewritten.
    from tracker.splits import create_splits

    create_splits(conn)


def migrate_split_triggers(conn: sqlite3.Connection, is_new: bool, progress: Progress | None = None) -> None:
    # The split expenses' totals triggers, shorter: the same totals, less schema for each new
    # connection to parse (see tracker.splits). Instant: no row is rewritten.
    from tracker.splits import create_split_triggers

    create_split_triggers(conn)


MIGRATIONS = [
    migrate_seed_schema, migrate_monthly_totals, migrate_settings, migrate_trash_and_imports,
    migrate_budgets_recurring_search, migrate_recurring_pause, migrate_rules_and_learning,
    migrate_tags, migrate_currencies, migrate_splits, migrate_split_triggers,
]

# Each migration's weight in an upgrade (see Progress); the search index's are in search_index.py.
MIGRATION_WEIGHTS = [0.0, sum(MONTHLY_TOTALS_WEIGHTS.values()), 0.0, 0.05, SEARCH_INDEX_WEIGHT, 0.0, LEARNING_WEIGHT,
                     0.0, 0.0, 0.0, 0.0]
assert len(MIGRATION_WEIGHTS) == len(MIGRATIONS)
