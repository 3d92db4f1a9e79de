"""`import` of a bank file after a preview, and `imports list/revert/restore/profiles`."""

import json
import shlex
import sqlite3
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from desktop.cli.common import (
    CONTEXT,
    UserError,
    category_id_of,
    checked_positive,
    command_hint,
    db_option,
    local_time,
    open_existing,
    plural,
    user_errors,
    version_option,
)
from tracker.categories import find_category_id, list_categories
from tracker.config import MAX_ID
from tracker.errors import NotFound
from tracker.imports import (
    MAX_LISTED_ROWS,
    PREVIEW_ROWS,
    list_batches,
    list_profiles,
    plan_import,
    preview_of,
    restore_batch,
    revert_batch,
    run_import,
)

if TYPE_CHECKING:
    from tracker.models import ImportOptions


class ShowProgress:
    """A status line on stderr for long files, when stderr is a terminal; nothing otherwise."""

    def __init__(self) -> None:
        stream = sys.stderr
        self.live = stream is not None and stream.isatty()
        self.shown = False

    def __call__(self, phase: str, done: int, total: int) -> None:
        if not self.live:
            return
        count = f": {done:,} of {total:,}" if total > 1 else "…"
        self.write(f"\r\033[K{phase}{count}")
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.write("\r\033[K")
            self.shown = False

    @staticmethod
    def write(text: str) -> None:
        # Straight to the terminal: click.echo would strip the "clear line" code.
        sys.stderr.write(text)
        sys.stderr.flush()


DELIMITER_NAMES = {";": "semicolon", ",": "comma", "\t": "tab", "|": "pipe", " ": "space"}


def column_name(columns: list[str], index: Any) -> str:
    if isinstance(index, int) and 0 <= index < len(columns):
        return f'"{columns[index]}"'
    return f"column {index + 1}" if isinstance(index, int) else str(index)


def describe_mapping(mapping: dict, columns: list[str]) -> str:
    """The column mapping in words: where each field comes from."""
    if not mapping or not columns:
        return "the fields of the file"
    parts = []
    if mapping.get("date") is not None:
        fmt = mapping.get("date_format")
        parts.append(f"date from {column_name(columns, mapping['date'])}" + (f" ({fmt})" if fmt else ""))
    else:
        parts.append("no date column")
    notes = []
    if mapping.get("decimal") == ",":
        notes.append("decimal comma")
    if mapping.get("amount") is not None:
        if mapping.get("direction") is not None:
            notes.append(f"money in or out from {column_name(columns, mapping['direction'])}")
        elif mapping.get("money_out_is_negative") is not None:
            notes.append("money out is " + ("negative" if mapping["money_out_is_negative"] else "positive"))
        parts.append(f"amount from {column_name(columns, mapping['amount'])}" + (f" ({', '.join(notes)})" if notes else ""))
    else:
        if mapping.get("debit") is not None:
            parts.append(f"money out from {column_name(columns, mapping['debit'])}" + (f" ({', '.join(notes)})" if notes else ""))
        if mapping.get("credit") is not None:
            parts.append(f"money in from {column_name(columns, mapping['credit'])}")
        if mapping.get("debit") is None and mapping.get("credit") is None:
            parts.append("no amount column")
    described = mapping.get("description")
    described = described if isinstance(described, list) else [described] if described is not None else []
    parts.append("description from " + " + ".join(column_name(columns, c) for c in described) if described
                 else "no description column")
    parts.append(f"category from {column_name(columns, mapping['category'])}" if mapping.get("category") is not None
                 else "no category column")
    return "; ".join(parts)


ROW_ACTIONS = {"duplicate": "skip: duplicate", "income": "skip: income", "problem": "problem", "ready": "skip"}


def money(amount: float | None) -> str:
    return "" if amount is None else f"{amount:,.2f}"


SOURCE_WORDS = {"chosen": "chosen by you", "file": "from the file", "rule": "by your rules",
                "learned": "learned from your expenses", "default": "default (--category)"}


def short_source(row: dict) -> str:
    """rule 3, learned, file, default or chosen: where the row's category comes from."""
    source = row.get("category_source") or ""
    if source == "rule":
        return row["category_reason"].split(":")[0]
    return source


def print_preview(preview: dict, category_names: dict[int, str], mapped: dict[str, str], default: str | None) -> None:
    """The same preview as the window's import dialog, as text."""
    kind = preview["kind"].upper()
    about = [kind, preview["encoding"]]
    if preview["delimiter"]:
        about.append(f"{DELIMITER_NAMES.get(preview['delimiter'], repr(preview['delimiter']))}-separated")
    if preview["kind"] == "csv":
        about.append("with a header row" if preview["has_header"] else "no header row")
    counts = preview["counts"]
    profile = (f'"{preview["profile"]}" (saved earlier)' if preview["profile"]
               else "none saved for these columns; they were guessed")
    click.echo(f"File:      {preview['file_name']}: {', '.join(about)}")
    click.echo(f"Profile:   {profile}")
    click.echo(f"Columns:   {describe_mapping(preview['mapping'], preview['columns'])}")
    click.echo(f"Rows:      {counts['rows']:,} in the file: {counts['ready']:,} ready, "
               f"{plural(counts['duplicate'], 'duplicate')}, {counts['income']:,} income, "
               f"{counts['problem']:,} with problems; {counts['selected']:,} to import")
    sources = preview.get("category_sources") or {}
    if sources:
        said = [f"{sources[key]:,} {words}" for key, words in SOURCE_WORDS.items() if sources.get(key)]
        click.echo(f"Category:  {', '.join(said)}")

    def category_of(row: dict) -> str:
        if row["category_id"]:
            return category_names.get(row["category_id"], str(row["category_id"]))
        if row["category"]:
            target = mapped.get(row["category"].casefold())
            return target if target else f"{row['category']}?"
        return default or ""

    first = preview["rows"][:min(PREVIEW_ROWS, counts["rows"])]
    if first:
        click.echo("")
        click.echo("First rows, as they would be stored:")
        click.echo(f"  {'line':>6}  {'date':<10}  {'amount':>12}  {'category':<16}  {'because':<8}  {'action':<15}  "
                   "description")
        for row in first:
            action = "import" if row["selected"] else ROW_ACTIONS[row["status"]]
            because = short_source(row)
            click.echo(f"  {row['line']:>6}  {row['date'] or '':<10}  {money(row['amount']):>12}  "
                       f"{category_of(row)[:16]:<16}  {because:<8}  {action:<15}  {row['description']}")
        reasons = sorted({row["category_reason"] for row in first if row.get("category_source") in ("rule", "learned")})
        if reasons:
            click.echo("  because: " + "; ".join(reasons[:5]) + ("; …" if len(reasons) > 5 else ""))

    sections = [
        ("duplicate", "Duplicates (skipped unless --include LINE or --include-duplicates):"),
        ("income", "Money in (skipped unless --include LINE or --include-income):"),
        ("problem", "Problems (never imported):"),
    ]
    for status, title in sections:
        flagged = [row for row in preview["rows"] if row["status"] == status]
        if not flagged:
            continue
        click.echo("")
        click.echo(title)
        for row in flagged:
            included = "  (will be imported)" if row["selected"] else ""
            click.echo(f"  line {row['line']}  {row['date'] or '?'}  {money(row['amount']) or '?'}  "
                       f"{row['description']}{included}")
            if row["reason"] and status != "income":
                click.echo(f"      {row['reason']}")
            match = row["match"]
            if match:
                which = f"expense {match['id']}" if match["id"] is not None else f"line {match['line']} of this file"
                click.echo(f"      matches {which}: {match['date']}  {money(match['amount'])}  {match['description']}")
    if not preview["all_rows_listed"]:
        click.echo("")
        click.echo(f"(Only the first {MAX_LISTED_ROWS:,} flagged rows are listed.)")


def skipped_words(plan_rows: list) -> str:
    """Why rows are left out, e.g. '3 duplicates and 1 income row'."""
    counts = {"duplicate": 0, "income": 0, "problem": 0, "ready": 0}
    for item in plan_rows:
        if not item.selected:
            counts[item.status] += 1
    words = [text for text in (
        counts["duplicate"] and plural(counts["duplicate"], "duplicate"),
        counts["income"] and plural(counts["income"], "income row"),
        counts["problem"] and plural(counts["problem"], "row with a problem", "rows with problems"),
        counts["ready"] and plural(counts["ready"], "row named by --skip", "rows named by --skip"),
    ) if text]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1] if words else ""


def parse_category_map(conn: sqlite3.Connection, pairs: tuple[str, ...]) -> tuple[dict, dict[str, str]]:
    """--map-category 'NAME IN FILE=CATEGORY': an existing category (name or id), else a new one."""
    chosen, shown = {}, {}
    for pair in pairs:
        name, sep, target = pair.partition("=")
        if not sep or not name.strip() or not target.strip():
            raise UserError(f"Invalid --map-category {pair!r}: write NAME_IN_FILE=CATEGORY, "
                            "e.g. --map-category 'Eating out=Food'.")
        name, target = name.strip(), target.strip()
        try:
            existing = find_category_id(conn, target)
            chosen[name] = {"id": existing}
            shown[name.casefold()] = next(c["name"] for c in list_categories(conn) if c["id"] == existing)
        except NotFound:
            chosen[name] = {"new": target}
            shown[name.casefold()] = f"{target} (new)"
    return chosen, shown


def parse_row_categories(conn: sqlite3.Connection, pairs: tuple[str, ...]) -> dict[int, int]:
    """--set-category LINE=CATEGORY: an existing category's name or id for that row."""
    chosen = {}
    for pair in pairs:
        line, _, target = pair.partition("=")
        if not line.strip().isdigit() or int(line) < 1 or not target.strip():
            raise UserError(f"Invalid --set-category {pair!r}: write LINE=CATEGORY, e.g. --set-category 7=Rent.")
        chosen[int(line)] = category_id_of(conn, target.strip())
    return chosen


IMPORT_OPTION_NAMES = {"row_categories": "--set-category", "row_parts": "--split",
                       "category_map": "--map-category", "include_lines": "--include", "skip_lines": "--skip",
                       "profile": "--profile", "save_profile": "--save-profile", "default_category_id": "--category",
                       "mapping": "--date-format"}


def import_options(**fields: Any) -> "ImportOptions":
    from pydantic import ValidationError

    from tracker.models import ImportOptions  # only here: loading Pydantic takes longer than the rest of a start

    try:
        return ImportOptions(**fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        option = IMPORT_OPTION_NAMES.get(str(error["loc"][0]), str(error["loc"][0]))
        message = str(error["msg"]).removeprefix("Value error, ")
        raise UserError(f"Invalid {option}: {message[0].lower()}{message[1:]}.") from None


def date_format_choices(formats: list[str]) -> str:
    return formats[0] if len(formats) == 1 else ", ".join(formats[:-1]) + " or " + formats[-1]


Question = tuple[str, str]  # the sentence when it is the only one, the clause among several


def ask(questions: list[Question], name: str) -> None:
    """Every question of this run in one line: the options that answer each."""
    if len(questions) == 1:
        raise UserError(questions[0][0])
    if questions:
        raise UserError(f"{name} needs {len(questions)} answers: " + "; ".join(q[1] for q in questions) + ".")


def quoted_columns(columns: list[str]) -> str:
    shown = ", ".join(f'"{c}"' for c in columns[:12])
    return shown + (", …" if len(columns) > 12 else "")


def column_question(columns: list[str], value: str, option: str) -> Question:
    clause = (f"there is no column {value!r} for {option}: give one of {quoted_columns(columns)} "
              f"or its number (1 to {len(columns)})")
    return f"The file has no column {value!r} for {option}; give one of {quoted_columns(columns)} " \
           f"or its number (1 to {len(columns)}).", clause


def column_index(columns: list[str], value: str) -> int | None:
    """The column a person named: its name in the file (any case) or its number from 1."""
    folded = [c.strip().casefold() for c in columns]
    text = value.strip()
    if text.casefold() in folded:
        return folded.index(text.casefold())
    if text.isdigit() and 1 <= int(text) <= len(columns):
        return int(text) - 1
    return None


def missing_column_question(columns: list[str], what: str, option: str) -> Question:
    clause = f"no column is known to hold the {what}: choose it with {option} (one of {quoted_columns(columns)})"
    return f"No column is known to hold the {what}; choose it with {option} (one of {quoted_columns(columns)}).", clause


def include_hint(problem: str, line: int) -> str:
    """What answers an included row's problem, in words."""
    if problem.startswith(("the date", "no date")):
        return f"choose another --date-column or --date-format, or leave out --include {line}"
    if problem.startswith(("the amount", "no amount")):
        return f"choose another --amount-column, or leave out --include {line}"
    if problem == "zero amount":
        return f"an expense of 0.00 cannot be stored; leave out --include {line}"
    return f"correct the row in the file, or leave out --include {line}"


def include_questions(plan_rows: list, include_lines: tuple[int, ...], skip_lines: tuple[int, ...]) -> list[Question]:
    """Why a row named by --include cannot be imported (never silently nothing)."""
    rows = {item.row.line: item for item in plan_rows}
    lines = sorted(rows)
    span = f"lines {lines[0]} to {lines[-1]}" if lines else "no lines"
    questions = []
    for line in sorted(set(include_lines)):
        item = rows.get(line)
        if item is None:
            clause = f"line {line} is not a row of the file (its rows are on {span}): leave out --include {line}"
        elif line in skip_lines:
            clause = f"line {line} is named by both --include and --skip: keep one"
        elif item.status == "problem":
            problem = item.row.problem or ""
            clause = f"line {line} cannot be imported ({problem}): {include_hint(problem, line)}"
        else:
            continue
        questions.append((f"{clause[0].upper()}{clause[1:]}.", clause))
    return questions


SPLIT_SYNTAX = "write LINE=CATEGORY:AMOUNT[:NOTE],CATEGORY:AMOUNT, e.g. --split 2=Food:30,Household:24.50:soap"


def parse_row_splits(conn: sqlite3.Connection, splits: tuple[str, ...]) -> dict[int, list[dict]]:
    """--split LINE=CATEGORY:AMOUNT[:NOTE],...: the parts of the row of that line (the `line`
    column of the preview), each an existing category's name or id, an amount and maybe a note."""
    chosen: dict[int, list[dict]] = {}
    for text in splits:
        line, sep, rest = text.partition("=")
        if not sep or not line.strip().isdigit() or int(line) < 1 or not rest.strip():
            raise UserError(f"Invalid --split {text!r}: {SPLIT_SYNTAX}.")
        parts = []
        for piece in rest.split(","):
            category, _, tail = piece.partition(":")
            amount, _, note = tail.partition(":")
            try:
                value = float(amount.strip())
            except ValueError:
                what = f"{amount.strip()!r} is not an amount" if amount.strip() else f"{piece.strip()!r} has no amount"
                raise UserError(f"Invalid --split {text!r}: {what}; {SPLIT_SYNTAX}.") from None
            if not category.strip():
                raise UserError(f"Invalid --split {text!r}: {piece.strip()!r} has no category; {SPLIT_SYNTAX}.")
            parts.append({"category_id": category_id_of(conn, category.strip()),
                          "amount": checked_positive("--split", value), "note": note.strip()})
        if int(line) in chosen:
            raise UserError(f"Line {int(line)} is split by two --split options; give its parts once.")
        chosen[int(line)] = parts
    return chosen


def split_questions(conn: sqlite3.Connection, plan_rows: list, splits: dict[int, list[dict]]) -> list[Question]:
    """Why a row named by --split cannot be split so (never silently nothing)."""
    from tracker.errors import InvalidInput
    from tracker.settings import home_currency
    from tracker.splits import check_parts

    rows = {item.row.line: item for item in plan_rows}
    lines = sorted(rows)
    span = f"lines {lines[0]} to {lines[-1]}" if lines else "no lines"
    questions = []
    for line, parts in sorted(splits.items()):
        item = rows.get(line)
        if item is None:
            clause = f"line {line} of --split is not a row of the file (its rows are on {span})"
        elif not item.selected:
            clause = f"line {line} is split but not imported: leave out its --split, or import it with --include {line}"
        else:
            try:
                check_parts(parts, float(item.row.amount), item.row.currency or home_currency(conn))
                continue
            except InvalidInput as exc:
                said = str(exc).rstrip(".")
                clause = f"line {line}: {said[0].lower()}{said[1:]}"
        questions.append((f"{clause[0].upper()}{clause[1:]}.", clause))
    return questions


@click.command("import", context_settings=CONTEXT)
@db_option
@version_option
@click.argument("file", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Show the preview only; import nothing.")
@click.option("--profile", metavar="NAME", help="Read the columns as this saved profile says.")
@click.option("--save-profile", metavar="NAME",
              help="Save the column mapping under this name (default: the profile used, else the file's name).")
@click.option("--category", metavar="NAME|ID", help="The category of rows that have none in the file.")
@click.option("--date-format", metavar="FMT", help="How to read the dates, e.g. DD/MM/YYYY, when they fit several.")
@click.option("--date-column", metavar="COLUMN",
              help="The column of the date: its name in the file or its number, e.g. Buchungstag or 1.")
@click.option("--amount-column", metavar="COLUMN",
              help="The column of the amount (one column, signed or with a debit/credit mark beside it).")
@click.option("--description-column", "description_columns", metavar="COLUMN", multiple=True,
              help="A column of the description; repeat it to join several (payee first, then purpose).")
@click.option("--include-duplicates", is_flag=True, help="Import the rows flagged as duplicates too.")
@click.option("--include-income", is_flag=True, help="Import money-in rows too (as expenses).")
@click.option("--include", "include_lines", metavar="LINE", multiple=True, type=click.IntRange(1),
              help="Import this flagged row (by its line in the file) anyway. Repeatable.")
@click.option("--skip", "skip_lines", metavar="LINE", multiple=True, type=click.IntRange(1),
              help="Leave out this row (by its line in the file). Repeatable.")
@click.option("--map-category", "category_pairs", metavar="NAME_IN_FILE=CATEGORY", multiple=True,
              help="Put the file's category NAME_IN_FILE in CATEGORY (an existing one, else made new). Repeatable.")
@click.option("--set-category", "row_pairs", metavar="LINE=CATEGORY", multiple=True,
              help="Put the row of this line in CATEGORY, whatever the rules or learning say. Repeatable.")
@click.option("--split", "row_splits", metavar="LINE=CATEGORY:AMOUNT[:NOTE],CATEGORY:AMOUNT", multiple=True,
              help=("Split the row of this LINE (the `line` column that --dry-run prints) into parts, each in "
                    "an existing category (name or id), adding up exactly to the row's amount, e.g. "
                    "--split 2=Food:30,Household:24.50:soap. Repeatable."))
@user_errors
def import_command(file: Path, dry_run: bool, profile: str | None, save_profile: str | None,
                   category: str | None, date_format: str | None, date_column: str | None,
                   amount_column: str | None, description_columns: tuple[str, ...], include_duplicates: bool,
                   include_income: bool, include_lines: tuple[int, ...], skip_lines: tuple[int, ...],
                   category_pairs: tuple[str, ...], row_pairs: tuple[str, ...], row_splits: tuple[str, ...]) -> None:
    """Import a bank file (CSV, OFX/QFX, QIF), after a preview.

    Shows how the file is read, the first rows as they would be stored, and every row it
    will not import (duplicates of expenses you have, money in, rows with problems). Rows
    without a category in the file go where your rules (`rule add`) put them, else where
    your earlier expenses like them went, else in --category. The
    import is one transaction: all of it or nothing; `imports revert ID` undoes it. When
    something needs your choice (the date format, a column, a category, a row), one run
    lists every question with the option that answers it.

    \b
    Examples:
      expense-tracker import statement.csv --dry-run
      expense-tracker import statement.csv --category Food --date-format DD/MM/YYYY
      expense-tracker import card.qif --map-category "Eating out=Food" --include 14
      expense-tracker import statement.csv --category Food --set-category 7=Rent
      expense-tracker import statement.csv --split 2=Food:30,Household:12.50:soap,Drinks:12
      expense-tracker import konto.csv --date-column Buchungstag --amount-column 5
      expense-tracker import konto.csv --description-column Payee --description-column Memo
    """
    data = file.read_bytes()
    name = file.name
    conn = open_existing(create=True)
    progress = ShowProgress()
    try:
        try:
            run_import_command(conn, data, name, progress, dry_run=dry_run, profile=profile,
                               save_profile=save_profile, category=category, date_format=date_format,
                               columns={"date": date_column, "amount": amount_column},
                               description_columns=description_columns,
                               include_duplicates=include_duplicates, include_income=include_income,
                               include_lines=include_lines, skip_lines=skip_lines, category_pairs=category_pairs,
                               row_pairs=row_pairs, row_splits=row_splits)
        except ImportError as exc:
            raise UserError(f"Reading bank files is not available in this installation ({exc}).") from None
        finally:
            progress.clear()
    finally:
        conn.close()


COLUMN_OPTIONS = {"date": "--date-column", "amount": "--amount-column"}


def chosen_mapping(conn: sqlite3.Connection, table, name: str, profile: str | None, date_format: str | None,
                   columns: dict[str, str | None], description_columns: tuple[str, ...],
                   questions: list[Question]):
    """The mapping to read the file with (profile or guess, then the person's columns and date
    format), its date formats, the profile it came from, and whether the person changed it."""
    from tracker import bank_files
    from tracker.imports import choose_mapping

    mapping, formats, used_profile = choose_mapping(conn, table, import_options(profile=profile))
    chosen: dict[str, Any] = {}
    for role, value in columns.items():
        if value is not None:
            index = column_index(table.columns, value)
            if index is None:
                questions.append(column_question(table.columns, value, COLUMN_OPTIONS[role]))
            else:
                chosen[role] = index
    if description_columns:
        indexes = [column_index(table.columns, value) for value in description_columns]
        for value, index in zip(description_columns, indexes):
            if index is None:
                questions.append(column_question(table.columns, value, "--description-column"))
        if None not in indexes:
            chosen["description"] = indexes
    if chosen:
        guess = bank_files.choose_columns(table, mapping, **chosen)
        mapping, formats = guess.mapping, guess.date_formats
    if mapping.date is None:
        questions.append(missing_column_question(table.columns, "date", "--date-column"))
    if mapping.amount is None and mapping.debit is None and mapping.credit is None:
        questions.append(missing_column_question(table.columns, "amount", "--amount-column"))
    if date_format is not None:
        mapping.date_format = date_format
    elif len(formats) > 1 and (used_profile is None or "date" in chosen):
        choices = date_format_choices(formats)
        questions.append((f"The dates in {name} fit more than one format; choose one: --date-format {choices}.",
                          f"the dates fit more than one format (choose one: --date-format {choices})"))
    return mapping, used_profile, bool(chosen) or date_format is not None


def run_import_command(conn: sqlite3.Connection, data: bytes, name: str, progress: ShowProgress, *,
                       dry_run: bool, profile, save_profile, category, date_format, columns, description_columns,
                       include_duplicates, include_income, include_lines, skip_lines, category_pairs,
                       row_pairs=(), row_splits=()) -> None:
    from tracker import bank_files  # only here: the parsers would slow every other command's start
    from tracker.imports import read_bank_file

    if date_format is not None and date_format not in bank_files.DATE_FORMATS:
        raise UserError(f"Invalid --date-format {date_format!r}: use one of {', '.join(bank_files.DATE_FORMATS)}.")
    default_id = category_id_of(conn, category)
    category_map, mapped = parse_category_map(conn, category_pairs)
    fields: dict[str, Any] = {
        "profile": profile, "save_profile": save_profile, "default_category_id": default_id,
        "category_map": category_map, "include_lines": sorted(set(include_lines)), "skip_lines": sorted(set(skip_lines)),
        "row_categories": parse_row_categories(conn, row_pairs),
    }
    splits = parse_row_splits(conn, row_splits)
    progress("Reading the file", 0, 1)
    table = read_bank_file(data, name)
    questions: list[Question] = []
    mapping, used_profile, changed = chosen_mapping(conn, table, name, profile, date_format, columns,
                                                    description_columns, questions)
    if mapping.date is None or (mapping.amount is None and mapping.debit is None and mapping.credit is None):
        progress.clear()
        ask(questions, name)  # the rows cannot be read without a date and an amount
    if changed:
        fields["mapping"] = mapping.to_json()
        if save_profile is None and used_profile is not None:
            fields["save_profile"] = used_profile
    plan = plan_import(conn, data, name, import_options(**fields), progress, table=table)
    if include_duplicates or include_income:
        flagged = {item.row.line for item in plan.rows
                   if (include_duplicates and item.status == "duplicate") or (include_income and item.status == "income")}
        if flagged - set(fields["include_lines"]):
            fields["include_lines"] = sorted(flagged | set(fields["include_lines"]))
            plan = plan_import(conn, data, name, import_options(**fields), progress, reuse=plan)
    options = import_options(**fields, row_parts=splits)
    preview = preview_of(plan)
    preview["profile"] = used_profile
    progress.clear()
    names = {c["id"]: c["name"] for c in list_categories(conn)}
    if not questions:  # the dates and columns are settled: the preview shows what would be stored
        print_preview(preview, names, mapped, names.get(default_id))
        click.echo("")
    questions += include_questions(plan.rows, include_lines, skip_lines)
    questions += split_questions(conn, plan.rows, splits)
    if preview["unknown_categories"]:
        unknown = preview["unknown_categories"]
        listed = ", ".join(unknown[:5]) + (", …" if len(unknown) > 5 else "")
        example = f"--map-category {shlex.quote(unknown[0] + '=' + unknown[0])}"
        questions.append((
            f"{name} has categories that don't exist yet ({listed}); put each in an existing or a new "
            f"category with --map-category, e.g. {example}.",
            f"the file has categories that don't exist yet ({listed}): put each in an existing or a new "
            f"category with --map-category, e.g. {example}"))
    if preview["needs_default_category"]:
        choices = ", ".join(sorted(names.values(), key=str.casefold))
        questions.append((
            f"Some rows of {name} have no category; choose the category they go in with --category "
            f"(one of: {choices}).",
            f"some rows have no category: choose the category they go in with --category (one of: {choices})"))
    ask(questions, name)
    skipped = skipped_words(plan.rows)
    because = f" ({skipped} skipped)" if skipped else ""
    for line, parts in sorted(splits.items()):
        said = ", ".join(f"{names.get(part['category_id'], part['category_id'])} {money(part['amount'])}"
                         + (f" ({part['note']})" if part["note"] else "") for part in parts)
        click.echo(f"Line {line} is split: {said}.")
    if dry_run:
        click.echo(f"Dry run: {plural(preview['counts']['selected'], 'expense')} would be imported from {name}"
                   f"{because}; nothing was changed.")
        return
    if preview["counts"]["selected"] == 0:
        click.echo(f"Nothing to import from {name}{because}; nothing was changed.")
        return
    batch = run_import(conn, data, name, options, progress=progress, reuse=plan)
    progress.clear()
    if batch["skipped"] != len(plan.rows) - preview["counts"]["selected"]:  # the data changed meanwhile
        because = f" ({plural(batch['skipped'], 'row')} skipped)" if batch["skipped"] else ""
    click.echo(f"Imported {plural(batch['imported'], 'expense')} from {name} as batch {batch['id']}{because}; "
               f"undo with: {command_hint('imports', 'revert', str(batch['id']))}")
    if batch["profile"]:
        click.echo(f'The column mapping is saved as profile "{batch["profile"]}" for the next file like it.')


@click.group(context_settings=CONTEXT)
@db_option
@version_option
def imports() -> None:
    """List, revert or restore past imports of bank files.

    \b
    Examples:
      expense-tracker imports list
      expense-tracker imports revert 3
      expense-tracker imports restore 3
    """


batch_id_argument = click.argument("batch_id", metavar="ID", type=click.IntRange(1, MAX_ID))


def format_batch(batch: dict) -> str:
    counted = f"{batch['imported']:,} of {batch['rows_in_file']:,} rows"
    notes = [f"profile {batch['profile']}"] if batch["profile"] else []
    if batch["status"] == "reverted":
        notes.append(f"reverted {local_time(batch['reverted_at'])}")
    extra = f"  ({'; '.join(notes)})" if notes else ""
    return (f"{batch['id']:>5}  {local_time(batch['imported_at'])}  {batch['status']:<8}  {counted:<20}  "
            f"{batch['file_name']}{extra}")


@imports.command("list", context_settings=CONTEXT)
@db_option
@version_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@user_errors
def imports_list(as_json: bool) -> None:
    """List the imports, newest first.

    Columns: id, when, rows imported of rows in the file, status, file name.

    \b
    Example:
      expense-tracker imports list
    """
    conn = open_existing()
    try:
        batches = list_batches(conn)
    finally:
        conn.close()
    for batch in batches:
        click.echo(json.dumps(batch, ensure_ascii=False) if as_json else format_batch(batch))
    if not batches and not as_json:
        click.echo("No imports yet.", err=True)


@imports.command("revert", context_settings=CONTEXT)
@db_option
@version_option
@batch_id_argument
@user_errors
def imports_revert(batch_id: int) -> None:
    """Undo an import.

    Exactly the expenses it added move to the trash; `imports restore ID` undoes this.

    \b
    Example:
      expense-tracker imports revert 3
    """
    conn = open_existing()
    try:
        batch = revert_batch(conn, batch_id)
    finally:
        conn.close()
    click.echo(f"Reverted import {batch['id']} ({batch['file_name']}): its expenses are in the trash; "
               f"undo with: {command_hint('imports', 'restore', str(batch['id']))}")


@imports.command("restore", context_settings=CONTEXT)
@db_option
@version_option
@batch_id_argument
@user_errors
def imports_restore(batch_id: int) -> None:
    """Undo the revert of an import.

    Its expenses come back from the trash with their ids.

    \b
    Example:
      expense-tracker imports restore 3
    """
    conn = open_existing()
    try:
        batch = restore_batch(conn, batch_id)
    finally:
        conn.close()
    click.echo(f"Restored import {batch['id']} ({batch['file_name']}): its expenses are back.")


@imports.command("profiles", context_settings=CONTEXT)
@db_option
@version_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@user_errors
def imports_profiles(as_json: bool) -> None:
    """List the saved column mappings (profiles).

    `import --profile NAME` uses one; an import saves one.

    \b
    Example:
      expense-tracker imports profiles
    """
    conn = open_existing()
    try:
        profiles = list_profiles(conn)
    finally:
        conn.close()
    for profile in profiles:
        if as_json:
            click.echo(json.dumps(profile, ensure_ascii=False))
        else:
            click.echo(f"{profile['name']}  (saved {local_time(profile['updated_at'])})")
    if not profiles and not as_json:
        click.echo("No saved profiles yet; an import saves one.", err=True)
