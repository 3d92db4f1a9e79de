"""Importing bank files: a plan (the preview, with duplicates and categories), then one transaction
per batch, which can be reverted."""

import difflib
import json
import re
import threading
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.categories import require_category
from tracker.categorise import Categoriser, learn_latest
from tracker.config import MAX_AMOUNT
from tracker.db import Session
from tracker.errors import AppError, Conflict, ImportBusy, InvalidInput, NotFound
from tracker.expenses import MOVE_TO_TRASH
from tracker.learning import note_batch_for_learning
from tracker.money import check_totals
from tracker.search_index import fold_in_python, search_fold_map
from tracker.trash import restore_rows

if TYPE_CHECKING:  # the parsers load only when a file is read: most commands never do
    from tracker import bank_files
    from tracker.models import ImportOptions

DUPLICATE_DAYS = 3
INCOME_REASON = "Money in: this app tracks expenses, so it is skipped unless you include it."
# Problems an included row (--include LINE, include_lines) is imported despite, and how.
INCLUDABLE_PROBLEMS = {
    "no debit/credit mark": "included as money out.",
    "pending — not booked yet": "included as it stands.",
}
PREVIEW_ROWS = 20
MAX_LISTED_ROWS = 5000
IMPORT_CHUNK_ROWS = 5000
Progress = Callable[[str, int, int], None]
# One bank file is read at a time in this process: reading one takes up to a few hundred MB, and
# three 60 MB uploads at once took 7.3 GB before. Another one waits this long, then is refused.
IMPORT_WAIT_S = 2.0
IMPORT_SLOT = threading.Lock()


def take_import_slot() -> None:
    if not IMPORT_SLOT.acquire(timeout=IMPORT_WAIT_S):
        raise ImportBusy("Another import is in progress; try again when it has finished.")


@contextmanager
def import_slot() -> Iterator[None]:
    take_import_slot()
    try:
        yield
    finally:
        IMPORT_SLOT.release()


@dataclass(slots=True)  # one per row of the file: slots save about 100 bytes each
class PlannedRow:
    row: "bank_files.ParsedRow"
    status: str  # ready, duplicate, income or problem
    reason: str | None = None
    match: dict | None = None
    category_id: int | None = None
    selected: bool = False
    # Where the category comes from: chosen (by the person), file, rule, learned or default;
    # and in words ("rule 3: contains REWE", "like 14 earlier expenses with REWE").
    category_source: str | None = None
    category_reason: str | None = None
    description: str | None = None  # a rule's cleaner description, else the file's


def import_currencies(conn, selected: list[PlannedRow]):
    """(currency, home_amount, rate, rate_source) of each row: the file's currency (an OFX CURDEF or
    CURRENCY, a CSV column of codes) at the ECB rate of its date; all null in the home currency."""
    from tracker.currencies import convert
    from tracker.home_currency import Rates
    from tracker.settings import home_currency

    home = home_currency(conn)
    rates = Rates(home)
    nothing = (None, None, None, None)

    def money(item: PlannedRow) -> tuple:
        currency = item.row.currency
        if currency is None or currency == home:
            return nothing
        found = rates.get(currency, item.row.date)
        if found is None:
            raise InvalidInput(f"Line {item.row.line}: the European Central Bank publishes no rate for {currency} "
                               f"on {item.row.date}; nothing was imported.")
        return (currency, convert(float(item.row.amount), found[0], home), float(found[0]), found[1])

    return money


@dataclass
class ImportPlan:
    file_name: str
    table: "bank_files.Table"
    mapping: "bank_files.Mapping"
    date_formats: list[str]
    profile: str | None
    rows: list[PlannedRow]
    unknown_categories: list[str]
    needs_default_category: bool
    # Rows the person asked for (include_lines) that cannot be imported, with why: an import
    # refuses rather than silently leaving them out.
    refused_includes: list[tuple[int, str]] = field(default_factory=list)


def no_progress(phase: str, done: int, total: int) -> None:
    pass


NOT_LETTERS = re.compile(r"[\W\d_]+")


def similar_text(text: str) -> str:
    """A description reduced to what identifies the payee: no case, accents, digits or punctuation."""
    text = text.casefold()
    if not text.isascii():
        text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return NOT_LETTERS.sub(" ", text).strip()


def descriptions_match(a: str, b: str) -> bool:
    if a == b:
        return True
    if min(len(a), len(b)) >= 3 and (a in b or b in a):
        return True
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return matcher.real_quick_ratio() >= 0.6 and matcher.quick_ratio() >= 0.6 and matcher.ratio() >= 0.6


def read_bank_file(data: bytes, file_name: str) -> "bank_files.Table":
    # Imported when first needed: the parsers and the encoding detector would slow every start.
    from tracker import bank_files

    try:
        return bank_files.read_file(data, file_name)
    except bank_files.BankFileError as exc:
        raise AppError(f"{file_name or 'The file'} cannot be imported: {exc}") from None


def load_profile(conn: Session, name: str) -> dict:
    row = conn.execute("select name, mapping from import_profiles where name = ?", (name,)).fetchone()
    if row is None:
        raise NotFound(f"There is no import profile named {name!r}.")
    return {"name": row["name"], "mapping": json.loads(row["mapping"])}


def choose_mapping(
    conn: Session, table: "bank_files.Table", options: "ImportOptions"
) -> tuple["bank_files.Mapping", list[str], str | None]:
    """The mapping sent, else the named profile, else the profile saved for this header, else a guess."""
    from tracker import bank_files

    guess = bank_files.guess_mapping(table)
    profile = None
    if options.mapping is not None:
        raw = options.mapping
    elif options.profile is not None:
        saved = load_profile(conn, options.profile)
        profile, raw = saved["name"], saved["mapping"]
    else:
        row = conn.execute(
            "select name, mapping from import_profiles where signature = ? order by updated_at desc limit 1",
            (bank_files.header_signature(table),),
        ).fetchone()
        if row is None:
            return guess.mapping, guess.date_formats, None
        profile, raw = row["name"], json.loads(row["mapping"])
    try:
        mapping = bank_files.Mapping.from_json(raw)
    except bank_files.BankFileError as exc:
        raise InvalidInput(f"Invalid field 'mapping': {exc}") from None
    formats = guess.date_formats
    if mapping.date is not None and mapping.date != guess.mapping.date and mapping.date < len(table.columns):
        formats = bank_files.date_formats_of(table, mapping)  # the formats of the column chosen
    return mapping, formats, profile


def resolve_categories(conn: Session, planned: list[PlannedRow], options: "ImportOptions") -> list[str]:
    """Give rows their category id; returns the file's category names that need a choice.

    In this order: the person's choice for the row, the file's own category, the person's rules,
    what their expenses taught (tracker.categorise), and only then the default category."""
    by_name = {row["name"].casefold(): row["id"] for row in conn.execute("select id, name from categories")}
    chosen = {name.casefold(): choice for name, choice in options.category_map.items()}
    unknown: dict[str, None] = {}
    categoriser = Categoriser(conn, options.default_category_id)
    for item in planned:
        name = item.row.category
        item.description = item.row.description
        if item.row.line in options.row_categories:
            item.category_id, item.category_source, item.category_reason = (
                options.row_categories[item.row.line], "chosen", "chosen by you")
            continue
        if name:
            item.category_source, item.category_reason = "file", "the file's category"
            key = name.casefold()
            if key in by_name:
                item.category_id = by_name[key]
                continue
            choice = chosen.get(key)
            if choice is None:
                unknown[name] = None
            elif choice.id is not None:
                item.category_id = choice.id
                continue
            else:
                item.category_id = 0  # made when the batch is written
                continue
        placed = categoriser.place(item.row.description or "", float(item.row.amount or 0))
        item.category_id, item.category_source, item.category_reason = placed.category_id, placed.source, placed.reason
        if placed.description:
            item.description = placed.description
        if item.category_id is None:
            item.category_source = item.category_reason = None
    return list(unknown)


def is_same_row(item: PlannedRow, cents: int, day: str, key: str, fingerprint: int) -> bool:
    """False for a row whose (cents, date, text, record) merely has the same hash."""
    row = item.row
    return (round(row.amount * 100), row.date, similar_text(row.description), row.fingerprint) == (
        cents, day, key, fingerprint)


def find_duplicates(conn: Session, planned: list[PlannedRow], progress: Progress) -> None:
    """Flag rows that match an expense (same amount, date within a few days, similar description)
    or an earlier row of the same file that is the same record (rows that differ in a running
    balance, a reference or an id are separate purchases, as the file says). Each expense explains
    at most one row, so that two real identical purchases are not both hidden behind one old expense."""
    candidates = [p for p in planned if p.status in ("ready", "income") and p.row.date]
    if not candidates:
        return
    first = (date.fromisoformat(min(p.row.date for p in candidates)) - timedelta(days=DUPLICATE_DAYS)).isoformat()
    last = (date.fromisoformat(max(p.row.date for p in candidates)) + timedelta(days=DUPLICATE_DAYS)).isoformat()
    # Only amounts that occur in the file matter. The scan reads the (date, amount) index alone;
    # an expense's text is read only when its amount and day fit a row of the file.
    wanted = {round(p.row.amount * 100) for p in candidates}
    day_numbers: dict[str, int] = {}
    existing: dict[tuple[int, int], list[int]] = {}
    for expense_id, day, cents in conn.execute(
        "select id, date, cast(round(amount * 100) as integer) from expenses where date between ? and ?",
        (first, last),
    ):
        if cents in wanted:
            number = day_numbers.get(day)
            if number is None:
                try:
                    number = day_numbers[day] = date.fromisoformat(day).toordinal()
                except ValueError:  # written by another program; it cannot match a real date
                    continue
            existing.setdefault((cents, number), []).append(expense_id)
    details: dict[int, tuple] = {}

    def detail(expense_id: int) -> tuple:
        if expense_id not in details:
            row = conn.execute("select date, amount, description from expenses where id = ?", (expense_id,)).fetchone()
            details[expense_id] = (row[0], row[1], row[2], similar_text(row[2]))
        return details[expense_id]

    nearest_first = sorted(range(-DUPLICATE_DAYS, DUPLICATE_DAYS + 1), key=abs)
    # Keyed by a hash of (cents, date, text), not the tuple: 200,000 rows' texts again took 50 MB.
    seen_in_file: dict[int, PlannedRow] = {}
    for number, item in enumerate(candidates):
        if number % IMPORT_CHUNK_ROWS == 0:
            progress("Looking for duplicates", number, len(candidates))
        if item.status != "ready":
            continue
        cents, key = round(item.row.amount * 100), similar_text(item.row.description)
        day = date.fromisoformat(item.row.date).toordinal()
        fingerprint = item.row.fingerprint
        twin = seen_in_file.setdefault(hash((cents, item.row.date, key, fingerprint)), item)
        if twin is not item and is_same_row(twin, cents, item.row.date, key, fingerprint):
            item.status, item.reason = "duplicate", f"Same date, amount and description as line {twin.row.line} of this file."
            item.match = {"id": None, "line": twin.row.line, "date": twin.row.date,
                          "amount": float(twin.row.amount), "description": twin.row.description}
            continue
        for offset in nearest_first:
            pool = existing.get((cents, day + offset))
            if not pool:
                continue
            found = next((i for i, other in enumerate(pool) if descriptions_match(key, detail(other)[3])), None)
            if found is None:
                continue
            other_id = pool.pop(found)
            other_date, other_amount, other_description, _ = detail(other_id)
            gap = abs(offset)
            when = "the same day" if gap == 0 else f"{gap} day{'s' if gap > 1 else ''} apart"
            item.status = "duplicate"
            item.reason = f"Looks like expense {other_id}: same amount, {when}, similar description."
            item.match = {"id": other_id, "line": None, "date": other_date,
                          "amount": other_amount, "description": other_description}
            break
    progress("Looking for duplicates", len(candidates), len(candidates))


def plan_import(
    conn: Session,
    data: bytes,
    file_name: str,
    options: "ImportOptions",
    progress: Progress = no_progress,
    reuse: ImportPlan | None = None,
    table: "bank_files.Table | None" = None,
) -> ImportPlan:
    """What importing `data` would do. `reuse`, an earlier plan of the same bytes, saves reading
    the file again (and parsing it, when the mapping is the same); so does `table`, the file read."""
    from tracker import bank_files

    progress("Reading the file", 0, 1)
    if table is None:
        table = reuse.table if reuse is not None else read_bank_file(data, file_name)
    mapping, date_formats, profile = choose_mapping(conn, table, options)
    try:
        if reuse is not None and reuse.mapping == mapping:
            parsed = [item.row for item in reuse.rows]
        else:
            parsed = bank_files.parse_rows(table, mapping)
    except bank_files.BankFileError as exc:
        raise InvalidInput(f"Invalid field 'mapping': {exc}") from None
    progress("Reading the file", 1, 1)
    plan = ImportPlan(file_name, table, mapping, date_formats, profile, [], [], False)
    return decide_rows(conn, plan, parsed, options, progress)


def decide_rows(
    conn: Session, plan: ImportPlan, parsed: list, options: "ImportOptions", progress: Progress
) -> ImportPlan:
    """What becomes of each parsed row, given the expenses and categories there are now."""
    planned = []
    include = set(options.include_lines)
    for row in parsed:
        if row.problem and row.line in include and row.problem in INCLUDABLE_PROBLEMS and row.date and row.amount:
            # The person asked for this row: what it lacks has a plain answer (see INCLUDABLE_PROBLEMS).
            reason = f"{row.problem[:1].upper()}{row.problem[1:]}; {INCLUDABLE_PROBLEMS[row.problem]}"
            planned.append(PlannedRow(row, "income" if row.is_income else "ready", reason))
        elif row.problem:
            planned.append(PlannedRow(row, "problem", row.problem[:1].upper() + row.problem[1:]))
        elif row.is_income:
            planned.append(PlannedRow(row, "income", INCOME_REASON))
        elif row.amount > MAX_AMOUNT:  # bank_files already refuses more than two decimals
            planned.append(PlannedRow(row, "problem", "The amount is too large."))
        else:
            planned.append(PlannedRow(row, "ready"))
    find_duplicates(conn, planned, progress)
    learn_latest(conn, progress)
    unknown = resolve_categories(conn, planned, options)
    skip = set(options.skip_lines)
    needs_default = False
    for item in planned:
        if item.status == "problem":
            continue
        wanted = (item.status == "ready" or item.row.line in include) and item.row.line not in skip
        if wanted and item.category_id is None and not item.row.category:
            needs_default = True
        item.selected = wanted and item.category_id is not None
    plan.rows, plan.unknown_categories, plan.needs_default_category = planned, unknown, needs_default
    lines = {item.row.line for item in planned}
    plan.refused_includes = [(item.row.line, item.reason or "it has a problem") for item in planned
                             if item.status == "problem" and item.row.line in include and item.row.line not in skip]
    plan.refused_includes += [(line, "the file has no row on that line") for line in sorted(include - lines)]
    return plan


def preview_of(plan: ImportPlan) -> dict:
    """What the user reviews: the first rows as they would be stored, and every row that needs a decision."""
    counts = {"rows": len(plan.rows), "ready": 0, "duplicate": 0, "income": 0, "problem": 0}
    for item in plan.rows:
        counts[item.status] += 1
    counts["selected"] = sum(item.selected for item in plan.rows)
    sources: dict[str, int] = {}
    for item in plan.rows:
        if item.selected and item.category_source:
            sources[item.category_source] = sources.get(item.category_source, 0) + 1
    listed = [item for number, item in enumerate(plan.rows) if number < PREVIEW_ROWS or item.status != "ready"]
    return {
        "file_name": plan.file_name,
        "kind": plan.table.kind,
        "encoding": plan.table.encoding,
        "delimiter": plan.table.delimiter,
        "has_header": plan.table.has_header,
        "columns": plan.table.columns,
        "mapping": plan.mapping.to_json(),
        "date_formats": plan.date_formats,
        "profile": plan.profile,
        "unknown_categories": plan.unknown_categories,
        "needs_default_category": plan.needs_default_category,
        "counts": counts,
        "category_sources": sources,
        "rows": [row_view(item) for item in listed[:MAX_LISTED_ROWS]],
        "all_rows_listed": len(listed) == len(plan.rows) and len(listed) <= MAX_LISTED_ROWS,
    }


def row_view(item: PlannedRow) -> dict:
    row = item.row
    return {
        "line": row.line, "date": row.date, "amount": float(row.amount) if row.amount is not None else None,
        "description": item.description if item.description is not None else row.description,
        "file_description": row.description, "category": row.category, "category_id": item.category_id or None,
        "category_source": item.category_source, "category_reason": item.category_reason,
        "status": item.status, "reason": item.reason, "match": item.match, "selected": item.selected,
    }


BATCH_SELECT = """select id, file_name, imported_at, profile, rows_in_file, imported, skipped, status, reverted_at
from import_batches"""


def run_import(
    conn: Session,
    data: bytes,
    file_name: str,
    options: "ImportOptions",
    progress: Progress = no_progress,
    reuse: ImportPlan | None = None,
) -> dict:
    """Import the rows the plan selects as one batch, in one transaction: all of them or none.

    The file is read and planned before the transaction, so that other writers wait only for the
    writing: a 60 MB file read inside it blocked `expense-tracker add` for 40 s."""
    # Seven indexes take the new rows; a bigger page cache for this short-lived connection
    # saves about a quarter of the writing time on a large file.
    conn.execute("pragma cache_size = -65536")
    seen = data_version(conn)
    plan = plan_import(conn, data, file_name, options, progress, reuse)
    require_complete_choices(plan)
    with conn.write():
        if data_version(conn) != seen:
            # Another connection wrote since the plan: decide the rows again against what is
            # there now (duplicates, categories), without reading the file again.
            plan = decide_rows(conn, plan, [item.row for item in plan.rows], options, progress)
            require_complete_choices(plan)
        for category_id in {item.category_id for item in plan.rows if item.selected and item.category_id}:
            require_category(conn, category_id)
        made = create_mapped_categories(conn, options)
        selected = [item for item in plan.rows if item.selected]
        batch_id = conn.execute(
            "insert into import_batches (file_name, profile, rows_in_file, imported, skipped) values (?, ?, ?, ?, ?)",
            (file_name, None, len(plan.rows), len(selected), len(plan.rows) - len(selected)),
        ).lastrowid
        conn.execute("insert into import_in_progress (batch_id) values (?)", (batch_id,))
        money = import_currencies(conn, selected)
        for start in range(0, len(selected), IMPORT_CHUNK_ROWS):
            progress("Importing", start, len(selected))
            conn.executemany(
                """insert into expenses (amount, description, category_id, date, import_batch_id,
                    currency, home_amount, rate, rate_source) values (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                [
                    (float(item.row.amount), (item.description or item.row.description)[:200],
                     item.category_id or made[item.row.category.casefold()], item.row.date, batch_id,
                     *money(item))
                    for item in selected[start:start + IMPORT_CHUNK_ROWS]
                ],
            )
        conn.execute(
            """insert into monthly_totals (month, category_id, total_cents, count)
            select substr(date, 1, 7), category_id, sum(cast(round(coalesce(home_amount, amount) * 100) as integer)),
                count(*)
            from expenses where import_batch_id = ? group by 1, 2
            on conflict (month, category_id) do update
                set total_cents = total_cents + excluded.total_cents, count = count + excluded.count""",
            (batch_id,),
        )
        conn.execute(
            """insert into currency_totals (month, currency, amount_milli, home_cents, count)
            select substr(date, 1, 7), currency, sum(cast(round(amount * 1000) as integer)),
                sum(cast(round(home_amount * 100) as integer)), count(*)
            from expenses where import_batch_id = ? and currency is not null group by 1, 2
            on conflict (month, currency) do update set amount_milli = amount_milli + excluded.amount_milli,
                home_cents = home_cents + excluded.home_cents, count = count + excluded.count""",
            (batch_id,),
        )
        split_rows(conn, batch_id, selected, options)
        check_totals(conn)
        index_batch_for_search(conn, batch_id)
        note_batch_for_learning(conn, batch_id)
        conn.execute("delete from import_in_progress where batch_id = ?", (batch_id,))
        progress("Importing", len(selected), len(selected))
        profile = save_profile(conn, plan, options)
        conn.execute("update import_batches set profile = ? where id = ?", (profile, batch_id))
        return get_batch(conn, batch_id)


def split_rows(conn: Session, batch_id: int, selected: list[PlannedRow], options: "ImportOptions") -> None:
    """Split the rows the person split before importing (options.row_parts, by line), once the batch
    is written and added up: the parts' triggers then move its money into the parts' categories."""
    wanted = getattr(options, "row_parts", None) or {}
    if not wanted:
        return
    from tracker.splits import check_parts, write_parts

    lines = {item.row.line: index for index, item in enumerate(selected)}
    missing = sorted(set(wanted) - set(lines))
    if missing:
        raise InvalidInput(f"Line {missing[0]} is split but not imported; import it, or leave its parts out.")
    ids = [row[0] for row in conn.execute("select id from expenses where import_batch_id = ? order by id", (batch_id,))]
    for line, parts in sorted(wanted.items()):
        expense_id = ids[lines[line]]
        row = conn.execute("select amount, currency from expenses where id = ?", (expense_id,)).fetchone()
        from tracker.settings import home_currency

        try:
            checked = check_parts(parts, row["amount"], row["currency"] or home_currency(conn))
        except InvalidInput as exc:
            raise InvalidInput(f"Line {line}: {exc}") from None
        write_parts(conn, expense_id, checked)


def data_version(conn: Session) -> int:
    """A number that changes when another connection commits to the file."""
    return conn.execute("pragma data_version").fetchone()[0]


def plural_rows(count: int) -> str:
    return "the row" if count == 1 else f"{count} rows"


def require_complete_choices(plan: ImportPlan) -> None:
    if plan.refused_includes:
        said = "; ".join(f"line {line}: {reason.rstrip('.')}" for line, reason in plan.refused_includes[:5])
        more = f" (and {len(plan.refused_includes) - 5} more)" if len(plan.refused_includes) > 5 else ""
        raise InvalidInput(
            f"Invalid field 'include_lines': {plural_rows(len(plan.refused_includes))} asked for cannot be imported "
            f"({said}){more}; leave them out of include_lines, or fix them in the file."
        )
    if plan.needs_default_category:
        raise InvalidInput(
            "Invalid field 'default_category_id': some rows have no category; choose the category they go in."
        )
    if plan.unknown_categories:
        names = ", ".join(plan.unknown_categories[:5])
        raise InvalidInput(
            f"Invalid field 'category_map': the file has categories that don't exist yet ({names}); "
            "map each to an existing category or a new one."
        )


def index_batch_for_search(conn: Session, batch_id: int) -> None:
    """What the search triggers do for each new row, for a whole batch: folded in Python, the
    same fold as fold_sql, about ten times faster than the SQL on many rows."""
    table = str.maketrans(search_fold_map())
    rows = conn.execute("select id, description from expenses where import_batch_id = ?", (batch_id,))
    while batch := rows.fetchmany(IMPORT_CHUNK_ROWS):  # all 200,000 at once took 130 MB more
        conn.executemany(
            "insert into expense_search_text (id, text) values (?, ?)",
            [(row[0], fold_in_python(row[1], table)) for row in batch],
        )
    conn.execute(
        """insert into expense_search (rowid, text) select t.id, t.text
        from expense_search_text t join expenses e on e.id = t.id where e.import_batch_id = ?""",
        (batch_id,),
    )


def create_mapped_categories(conn: Session, options: "ImportOptions") -> dict[str, int]:
    made = {}
    for name, choice in options.category_map.items():
        if choice.new is None:
            continue
        row = conn.execute("select id from categories where name = ? collate nocase", (choice.new,)).fetchone()
        made[name.casefold()] = row[0] if row else conn.execute(
            "insert into categories (name, color) values (?, ?)", (choice.new, "#6c757d")
        ).lastrowid
    return made


def save_profile(conn: Session, plan: ImportPlan, options: "ImportOptions") -> str:
    """Remember this mapping, so the next file with the same header is read the same way."""
    from tracker import bank_files

    name = options.save_profile or plan.profile or Path(plan.file_name).stem[:100] or "Imported file"
    conn.execute(
        """insert into import_profiles (name, signature, mapping, updated_at) values (?, ?, ?, datetime('now'))
        on conflict (name) do update set signature = excluded.signature, mapping = excluded.mapping,
            updated_at = excluded.updated_at""",
        (name, bank_files.header_signature(plan.table), json.dumps(plan.mapping.to_json())),
    )
    return name


def get_batch(conn: Session, batch_id: int) -> dict:
    row = conn.execute(f"{BATCH_SELECT} where id = ?", (batch_id,)).fetchone()
    if row is None:
        raise NotFound(f"Import batch {batch_id} not found.")
    return dict(row)


def list_batches(conn: Session) -> list[dict]:
    return [dict(row) for row in conn.execute(f"{BATCH_SELECT} order by id desc")]


def revert_batch(conn: Session, batch_id: int) -> dict:
    """Move exactly the expenses this batch added to the trash; `restore_batch` undoes it."""
    with conn.write():
        batch = get_batch(conn, batch_id)
        if batch["status"] == "reverted":
            raise Conflict(f"Import batch {batch_id} is already reverted.")
        conn.execute(f"{MOVE_TO_TRASH} where e.import_batch_id = ?", (batch_id, batch_id))
        conn.execute("delete from expenses where import_batch_id = ?", (batch_id,))
        conn.execute(
            "update import_batches set status = 'reverted', reverted_at = datetime('now') where id = ?", (batch_id,)
        )
        return get_batch(conn, batch_id)


def restore_batch(conn: Session, batch_id: int) -> dict:
    with conn.write():
        batch = get_batch(conn, batch_id)
        if batch["status"] != "reverted":
            raise Conflict(f"Import batch {batch_id} is not reverted, so there is nothing to undo.")
        restore_rows(conn, "reverted_batch_id = ?", (batch_id,))
        conn.execute("update import_batches set status = 'imported', reverted_at = null where id = ?", (batch_id,))
        return get_batch(conn, batch_id)


def list_profiles(conn: Session) -> list[dict]:
    rows = conn.execute("select name, mapping, updated_at from import_profiles order by name")
    return [{"name": r["name"], "mapping": json.loads(r["mapping"]), "updated_at": r["updated_at"]} for r in rows]


def delete_profile(conn: Session, name: str) -> None:
    with conn.write():
        if not conn.execute("delete from import_profiles where name = ?", (name,)).rowcount:
            raise NotFound(f"There is no import profile named {name!r}.")
