"""The search index's schema: text folded for search in SQL and in Python, the trigram FTS5
table over it, and the triggers that keep it right whoever writes the file."""

import functools
import sqlite3
import unicodedata

from tracker.progress import Progress, run_chunked

# Search folds text (case, accents, compatibility forms) one character at a time through the
# table search_fold_map, in plain SQL, so that the triggers work for any program that writes to
# the file, such as the sqlite3 command-line tool, which has none of this app's Python functions.
# (A trigger calling a Python function would make every other program's insert fail with
# "no such function".) The query text is folded by the same SQL, so both always agree.
SEARCH_FOLD_LENGTH = 1000  # characters folded per description; any rest is indexed as it is
SEARCH_ACCENT_BLOCKS = ((0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F))
# Where characters that fold live: the Basic Multilingual Plane, plane 1 (e.g. mathematical
# letters) and the CJK compatibility ideographs of plane 2.
SEARCH_FOLD_RANGES = ((0x41, 0x5A), (0x80, 0x1FFFF), (0x2F800, 0x2FA1F))


def is_accent(char: str) -> bool:
    return any(low <= ord(char) <= high for low, high in SEARCH_ACCENT_BLOCKS)


# Latin letters that Unicode does not decompose but that people write without their stroke.
LATIN_BASES = {"æ": "ae", "œ": "oe", "ø": "o", "đ": "d", "ð": "d", "ł": "l", "ħ": "h", "ŧ": "t", "ı": "i", "þ": "th"}


def fold_char(char: str) -> str:
    if 0xAC00 <= ord(char) <= 0xD7A3:  # Hangul syllables stay whole (NFKD would split them)
        return char
    folded = "".join(c for c in unicodedata.normalize("NFKD", char) if not is_accent(c)).casefold()
    return "".join(LATIN_BASES.get(c, c) for c in folded)


@functools.cache
def search_fold_map() -> dict[str, str]:
    """Every character that search folds, and what it folds to (already fully folded)."""
    folds = {}
    for low, high in SEARCH_FOLD_RANGES:
        for code in range(low, high + 1):
            char = chr(code)
            if 0xD800 <= code <= 0xDFFF or (
                not unicodedata.decomposition(char) and char.casefold() == char and not is_accent(char)
                and char not in LATIN_BASES
            ):
                continue
            folded = fold_char(char)
            for _ in range(4):  # until nothing changes: a folded character never folds again
                refolded = "".join(fold_char(c) for c in folded)
                if refolded == folded:
                    break
                folded = refolded
            if folded != char:
                folds[char] = folded
    return folds


def fold_sql(text: str) -> str:
    """SQL folding the text expression `text` for search: ASCII text is only lowercased, other
    text goes through search_fold_map one character at a time.

    group_concat sees the characters in order: SQLite keeps a FROM-subquery's ORDER BY when
    the subquery has a LIMIT and the outer query is an aggregate (select.c, "Beware of these
    cases where the ORDER BY clause may not be safely omitted").
    """
    return f"""(case when {text} glob '*[^ -~]*' then (
    select coalesce(group_concat(c, ''), '') from (
        select coalesce(m.folded, substr({text}, p.n, 1)) as c
        from search_positions p left join search_fold_map m on m.ch = substr({text}, p.n, 1)
        where p.n <= length({text}) order by p.n limit {SEARCH_FOLD_LENGTH}
    )) || substr({text}, {SEARCH_FOLD_LENGTH + 1})
    else lower({text}) end)"""


def fold_in_python(text: str, table: dict[int, str]) -> str:
    """What fold_sql computes, in Python (used to fill the index of an existing file quickly)."""
    if text.isascii() and text.isprintable():  # only " " to "~", as the glob of fold_sql
        return text.lower()
    return text[:SEARCH_FOLD_LENGTH].translate(table) + text[SEARCH_FOLD_LENGTH:]


# expense_search_text holds each expense's folded description; expense_search is a trigram
# FTS5 index over it (external content, so the text is stored once). Triggers on expenses keep
# both, whoever writes: a delete and a re-insert with the same id (the trash) leave the index
# right, and so does another program's INSERT OR REPLACE (whose implicit delete fires no
# trigger) because every insert first takes out what is indexed under its id. The fold is in
# one trigger only, on the view expense_search_input: each connection parses every trigger
# when it opens, and every request opens one.
DELETE_FROM_SEARCH = """insert into expense_search (expense_search, rowid, text)
        select 'delete', id, text from expense_search_text where id = {id};
    delete from expense_search_text where id = {id};"""
SEARCH_SYNC = [
    "create view if not exists expense_search_input (id, description) as select null, null where 0",
    f"""create trigger if not exists expense_search_input_insert instead of insert on expense_search_input begin
    {DELETE_FROM_SEARCH.format(id="new.id")}
    insert into expense_search_text (id, text) values (new.id, {fold_sql('new.description')});
    insert into expense_search (rowid, text) select id, text from expense_search_text where id = new.id;
end""",
    # Rows of an import batch being written are indexed all at once by run_import instead.
    """create trigger if not exists expenses_search_insert after insert on expenses
when new.import_batch_id is null
    or not exists (select 1 from import_in_progress where batch_id = new.import_batch_id)
begin
    insert into expense_search_input (id, description) values (new.id, new.description);
end""",
    f"""create trigger if not exists expenses_search_delete after delete on expenses begin
    {DELETE_FROM_SEARCH.format(id="old.id")}
end""",
    f"""create trigger if not exists expenses_search_update after update of id, description on expenses begin
    {DELETE_FROM_SEARCH.format(id="old.id")}
    insert into expense_search_input (id, description) values (new.id, new.description);
end""",
]


# Weights of the slow steps of create_search_index (see Progress).
FOLD_WEIGHT, REBUILD_WEIGHT, OPTIMIZE_WEIGHT = 1.5, 2.0, 0.65
SEARCH_INDEX_WEIGHT = FOLD_WEIGHT + REBUILD_WEIGHT + OPTIMIZE_WEIGHT
BUILDING = "Building the search index"


def create_search_index(conn: sqlite3.Connection, progress: Progress | None = None) -> None:
    progress = progress or Progress()
    progress.step(BUILDING)
    folds = search_fold_map()
    conn.execute("create table if not exists search_fold_map (ch text primary key, folded text not null) without rowid")
    conn.executemany("insert or replace into search_fold_map (ch, folded) values (?, ?)", folds.items())
    conn.execute("create table if not exists search_positions (n integer primary key)")
    conn.executemany(
        "insert or ignore into search_positions (n) values (?)", ((n,) for n in range(1, SEARCH_FOLD_LENGTH + 1))
    )
    conn.execute("create table if not exists expense_search_text (id integer primary key, text text not null)")
    conn.execute(
        "create virtual table if not exists expense_search using fts5(text, content='expense_search_text', "
        "content_rowid='id', tokenize='trigram case_sensitive 1', columnsize=0)"
    )
    # Existing rows are folded in Python (the same fold, from the same table, about ten times
    # faster than the SQL on a million rows); values that are not text go through the SQL.
    table = str.maketrans(folds)
    conn.create_function(
        "expense_tracker_fold", 1, lambda text: fold_in_python(text, table) if isinstance(text, str) else None,
        deterministic=True,
    )
    try:
        fill = ("insert into expense_search_text (id, text) select id, "
                f"coalesce(expense_tracker_fold(description), {fold_sql('description')}) "
                "from expenses where id > ? and id <= ?")
        run_chunked(conn, fill, FOLD_WEIGHT, BUILDING, progress)
    finally:
        conn.create_function("expense_tracker_fold", 1, None)
    # One segment to start from: rebuild leaves a few large segments of similar sizes, which
    # later commits would merge in steps of tens of milliseconds (a 80 ms POST on 1M rows).
    conn.execute("insert into expense_search (expense_search) values ('rebuild')")
    progress.advance(REBUILD_WEIGHT, BUILDING)
    conn.execute("insert into expense_search (expense_search) values ('optimize')")
    progress.advance(OPTIMIZE_WEIGHT, BUILDING)
    # Each write adds a small segment to the index. By default FTS5 merges segments a little
    # after every commit once 4 are alike, which more than doubled the CPU time of adding an
    # expense; 16 halves that, and a search then reads at most a few dozen segments. A level
    # reaching 'crisismerge' segments is merged all at once, inside one unlucky commit (half
    # a second on a 1M-row file at the default 16): 64 leaves merging to the small steps.
    # These settings live in the index, so they hold for every program that writes.
    conn.execute("insert into expense_search (expense_search, rank) values ('automerge', 16)")
    conn.execute("insert into expense_search (expense_search, rank) values ('crisismerge', 64)")
    for statement in SEARCH_SYNC:
        conn.execute(statement)
