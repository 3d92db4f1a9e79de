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
        click.echo(f"  {'line':>6}  {'date':<10}  {'amount':>12}  {'category':<16}  {'action':<15}  description")
        for row in first:
            action = "import" if row["selected"] else ROW_ACTIONS[row["status"]]
            click.echo(f"  {row['line']:>6}  {row['date'] or '':<10}  {money(row['amount']):>12}  "
                       f"{category_of(row)[:16]:<16}  {action:<15}  {row['description']}")

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


IMPORT_OPTION_NAMES = {"category_map": "--map-category", "include_lines": "--include", "skip_lines": "--skip",
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
@click.option("--include-duplicates", is_flag=True, help="Import the rows flagged as duplicates too.")
@click.option("--include-income", is_flag=True, help="Import money-in rows too (as expenses).")
@click.option("--include", "include_lines", metavar="LINE", multiple=True, type=click.IntRange(1),
              help="Import this flagged row (by its line in the file) anyway. Repeatable.")
@click.option("--skip", "skip_lines", metavar="LINE", multiple=True, type=click.IntRange(1),
              help="Leave out this row (by its line in the file). Repeatable.")
@click.option("--map-category", "category_pairs", metavar="NAME_IN_FILE=CATEGORY", multiple=True,
              help="Put the file's category NAME_IN_FILE in CATEGORY (an existing one, else made new). Repeatable.")
@user_errors
def import_command(file: Path, dry_run: bool, profile: str | None, save_profile: str | None,
                   category: str | None, date_format: str | None, include_duplicates: bool,
                   include_income: bool, include_lines: tuple[int, ...], skip_lines: tuple[int, ...],
                   category_pairs: tuple[str, ...]) -> None:
    """Import a bank file (CSV, OFX/QFX, QIF), after a preview.

    Shows how the file is read, the first rows as they would be stored, and every row it
    will not import (duplicates of expenses you have, money in, rows with problems). The
    import is one transaction: all of it or nothing; `imports revert ID` undoes it.

    \b
    Examples:
      expense-tracker import statement.csv --dry-run
      expense-tracker import statement.csv --category Food --date-format DD/MM/YYYY
      expense-tracker import card.qif --map-category "Eating out=Food" --include 14
    """
    data = file.read_bytes()
    name = file.name
    conn = open_existing(create=True)
    progress = ShowProgress()
    try:
        try:
            run_import_command(conn, data, name, progress, dry_run=dry_run, profile=profile,
                               save_profile=save_profile, category=category, date_format=date_format,
                               include_duplicates=include_duplicates, include_income=include_income,
                               include_lines=include_lines, skip_lines=skip_lines, category_pairs=category_pairs)
        except ImportError as exc:
            raise UserError(f"Reading bank files is not available in this installation ({exc}).") from None
        finally:
            progress.clear()
    finally:
        conn.close()


def run_import_command(conn: sqlite3.Connection, data: bytes, name: str, progress: ShowProgress, *,
                       dry_run: bool, profile, save_profile, category, date_format, include_duplicates,
                       include_income, include_lines, skip_lines, category_pairs) -> None:
    if date_format is not None:
        from tracker import (
            bank_files,  # only here: the parsers would slow every other command's start
        )

        if date_format not in bank_files.DATE_FORMATS:
            raise UserError(f"Invalid --date-format {date_format!r}: use one of {', '.join(bank_files.DATE_FORMATS)}.")
    default_id = category_id_of(conn, category)
    category_map, mapped = parse_category_map(conn, category_pairs)
    fields: dict[str, Any] = {
        "profile": profile, "save_profile": save_profile, "default_category_id": default_id,
        "category_map": category_map, "include_lines": sorted(set(include_lines)), "skip_lines": sorted(set(skip_lines)),
    }
    plan = plan_import(conn, data, name, import_options(**fields), progress)
    used_profile = plan.profile
    if date_format is None and len(plan.date_formats) > 1 and used_profile is None:
        progress.clear()
        raise UserError(f"The dates in {name} fit more than one format; choose one: "
                        f"--date-format {date_format_choices(plan.date_formats)}.")
    if date_format is not None:
        # Start from the mapping this file would get (profile or guess) and change only the dates.
        mapping = dict(preview_of(plan)["mapping"], date_format=date_format)
        fields["mapping"] = mapping
        if save_profile is None and used_profile is not None:
            fields["save_profile"] = used_profile
        plan = plan_import(conn, data, name, import_options(**fields), progress, reuse=plan)
    if include_duplicates or include_income:
        flagged = {item.row.line for item in plan.rows
                   if (include_duplicates and item.status == "duplicate") or (include_income and item.status == "income")}
        if flagged - set(fields["include_lines"]):
            fields["include_lines"] = sorted(flagged | set(fields["include_lines"]))
            plan = plan_import(conn, data, name, import_options(**fields), progress, reuse=plan)
    options = import_options(**fields)
    preview = preview_of(plan)
    preview["profile"] = used_profile
    progress.clear()
    names = {c["id"]: c["name"] for c in list_categories(conn)}
    print_preview(preview, names, mapped, names.get(default_id))
    click.echo("")
    if preview["unknown_categories"]:
        unknown = preview["unknown_categories"]
        listed = ", ".join(unknown[:5]) + (", …" if len(unknown) > 5 else "")
        raise UserError(f"{name} has categories that don't exist yet ({listed}); put each in an existing or a new "
                        f"category with --map-category, e.g. --map-category {shlex.quote(unknown[0] + '=' + unknown[0])}.")
    if preview["needs_default_category"]:
        raise UserError(f"Some rows of {name} have no category; choose the category they go in with --category "
                        f"(one of: {', '.join(sorted(names.values(), key=str.casefold))}).")
    skipped = skipped_words(plan.rows)
    because = f" ({skipped} skipped)" if skipped else ""
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
