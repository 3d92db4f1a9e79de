"""Issue 7, in the real app window (pywebview, WebKitGTK, under Xvfb), as a new user would do it.

Done when: a new user can import a real-looking export of their bank, see the duplicates, revert
the import, delete and undo, and restore yesterday's backup — in the window. The steps are acted
out by tests/window_import_driver.py (the bank file is chosen in GTK's native file dialog, typed
into with xdotool); this test prepares the database and the file, then checks what the driver saw
and what the database holds afterwards.
"""

import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import date, datetime, time, timedelta

from conftest import ROOT
from tracker.backups import daily_backup
from tracker.db import connect, init_database
from tracker.expenses import create_expense
from tracker.models import ExpenseCreate

# A German bank's CSV export, as its customers download it: Latin-1, semicolons, CRLF, decimal
# commas with dots for thousands, DD.MM.YYYY, two date columns, payee and purpose apart, one
# money-in row (the salary), and a category column with the app's own category names.
BANK_CSV = (
    "Buchungstag;Valuta;Buchungstext;Auftraggeber / Empfänger;Verwendungszweck;Betrag (EUR);Kategorie\r\n"
    "03.03.2025;03.03.2025;Kartenzahlung;REWE Markt GmbH;REWE SAGT DANKE München;-23,45;Food\r\n"
    "04.03.2025;04.03.2025;Gutschrift;Arbeitgeber AG;Gehalt März 2025;2.500,00;\r\n"
    "05.03.2025;05.03.2025;Lastschrift;DB Vertrieb GmbH;DB Fahrkarte Köln-Berlin;-1.234,50;Transport\r\n"
    "06.03.2025;06.03.2025;Kartenzahlung;Bäckerei Müller;Brötchen und Kaffee;-3,20;Food\r\n"
    "07.03.2025;07.03.2025;Dauerauftrag;Stadtwerke Düsseldorf;Strom Abschlag März;-58,00;Utilities\r\n"
).encode("latin-1")

IMPORTED = {  # description as imported (payee · purpose): amount, category
    "REWE Markt GmbH · REWE SAGT DANKE München": ("$23.45", "Food"),
    "DB Vertrieb GmbH · DB Fahrkarte Köln-Berlin": ("$1,234.50", "Transport"),
    "Bäckerei Müller · Brötchen und Kaffee": ("$3.20", "Food"),
    "Stadtwerke Düsseldorf · Strom Abschlag März": ("$58.00", "Utilities"),
}
SALARY = "Arbeitgeber AG · Gehalt März 2025"
BEFORE_BACKUP = "Coffee with Anna"
AFTER_BACKUP = "Added after the backup"
DRIVER_TIMEOUT_S = 240


def prepare_database(db, yesterday):
    """A database with one expense, yesterday's automatic backup of it, then one expense more."""
    init_database(db)
    conn = connect(db)
    try:
        create_expense(conn, ExpenseCreate(
            amount=4.2, description=BEFORE_BACKUP, category_id=1, date="2025-03-02"))
        backup = daily_backup(db, yesterday)
        # Made yesterday, so it says so in the Backups list ("Made"), as a real one would.
        made = datetime.combine(yesterday, time(18, 30)).timestamp()
        os.utime(backup, (made, made))
        create_expense(conn, ExpenseCreate(
            amount=12.0, description=AFTER_BACKUP, category_id=3, date="2025-03-08"))
    finally:
        conn.close()
    return backup


def rows_of(path, sql):
    with closing(sqlite3.connect(path)) as conn:
        return conn.execute(sql).fetchall()


def test_window_import_duplicates_revert_undo_restore(app_env, tmp_path):
    yesterday = date.today() - timedelta(days=1)
    db = tmp_path / "data" / "expenses.db"
    db.parent.mkdir()
    backup = prepare_database(db, yesterday)
    bank_file = tmp_path / "Downloads" / "Umsaetze_Girokonto_Maerz_2025.csv"
    bank_file.parent.mkdir()
    bank_file.write_bytes(BANK_CSV)

    try:
        result = subprocess.run(
            [sys.executable, str(ROOT / "tests" / "window_import_driver.py"),
             str(db), str(bank_file), yesterday.isoformat()],
            cwd=ROOT, env={**app_env, "LANG": "C.UTF-8"}, capture_output=True, text=True,
            timeout=DRIVER_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired as exc:
        err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        raise AssertionError(f"the window driver did not finish in {DRIVER_TIMEOUT_S} s\n"
                             f"stdout: {out[-2000:]}\nstderr: {err[-3000:]}") from None
    lines = result.stdout.strip().splitlines()
    try:
        seen = json.loads(lines[-1])
    except (IndexError, ValueError):
        raise AssertionError(f"the driver printed no report (exit {result.returncode})\n"
                             f"stdout: {result.stdout[-2000:]}\nstderr: {result.stderr[-3000:]}") from None
    assert "failed" not in seen, f"{seen['failed']}\nseen: {json.dumps(seen, ensure_ascii=False)[-3000:]}\n" \
        f"stderr:\n{result.stderr[-3000:]}"
    assert result.returncode == 0, result.stderr[-3000:]
    assert seen["loaded"] == "true"
    assert seen["rows_at_start"] == [AFTER_BACKUP, BEFORE_BACKUP]

    # The file was chosen in the native file dialog, read as what it is, and previewed.
    assert seen["dialog_title"] == "Select File"  # WebKitGTK's title for a file input's chooser
    assert seen["first_about"] == (
        "Umsaetze_Girokonto_Maerz_2025.csv: a CSV file in latin-1, columns separated by semicolons, "
        "with a header row. The columns were guessed from the file; check them below.")
    assert seen["first_counts"] == "5 rows: 4 to import, 0 duplicates, 1 money in, 0 with a problem"
    assert [(r["description"], r["category"], r["amount"], r["status"], r["ticked"]) for r in seen["first_preview"]] == [
        ("REWE Markt GmbH · REWE SAGT DANKE München", "Food", "$23.45", "Ready", True),
        (SALARY, "–", "$2,500.00", "Money in", False),
        ("DB Vertrieb GmbH · DB Fahrkarte Köln-Berlin", "Transport", "$1,234.50", "Ready", True),
        ("Bäckerei Müller · Brötchen und Kaffee", "Food", "$3.20", "Ready", True),
        ("Stadtwerke Düsseldorf · Strom Abschlag März", "Utilities", "$58.00", "Ready", True),
    ]
    assert seen["first_button"] == "Import 4 expenses"

    # Imported: the toast says so (with Undo), and the rows are in the main table.
    assert seen["import_toast"] == "Imported 4 expenses from Umsaetze_Girokonto_Maerz_2025.csv; 1 skipped."
    assert seen["import_undo_button"] == "Undo"
    table = {r["description"]: (r["amount"], r["category"]) for r in seen["rows_after_import"]}
    assert {name: table.get(name) for name in IMPORTED} == IMPORTED
    assert SALARY not in table and BEFORE_BACKUP in table and AFTER_BACKUP in table
    assert [(b["file_name"], b["imported"], b["skipped"], b["status"]) for b in seen["batches_after_import"]] == [
        ("Umsaetze_Girokonto_Maerz_2025.csv", 4, 1, "imported")]

    # The same file again: all four are duplicates of what was just imported; nothing to import.
    assert seen["second_counts"] == "5 rows: 0 to import, 4 duplicates, 1 money in, 0 with a problem"
    duplicates = [r for r in seen["second_preview"] if r["status"] == "Duplicate"]
    assert len(duplicates) == 4 and not any(r["ticked"] for r in duplicates)
    rewe = next(r for r in duplicates if r["description"].startswith("REWE"))
    assert rewe["details"][0] == "Looks like: Mar 3, 2025, REWE Markt GmbH · REWE SAGT DANKE München, $23.45"
    assert seen["second_hint"] == "Nothing to import: tick the rows you want."
    assert seen["second_button_disabled"] is True
    assert len(seen["batches_after_second"]) == 1, "closing the second preview imported something"

    # Reverted from Past imports, after a confirmation: the rows leave the table.
    assert seen["batches_before_revert"][0]["button"] == "Revert"
    assert seen["revert_confirm"]["heading"] == "Revert this import?"
    assert seen["revert_confirm"]["yes"] == "Revert import"
    assert seen["revert_status"] == (
        "Reverted the import of Umsaetze_Girokonto_Maerz_2025.csv: 4 expenses moved to the trash.")
    assert seen["batches_after_revert"][0]["button"] == "Undo revert"
    assert [r["description"] for r in seen["rows_after_revert"]] == [AFTER_BACKUP, BEFORE_BACKUP]
    assert [b["status"] for b in seen["batch_api_after_revert"]] == ["reverted"]

    # Deleted with the row's Delete button, brought back by the toast's Undo under the same id.
    assert seen["delete_toast"] == f"Deleted “{BEFORE_BACKUP}”."
    assert seen["in_api_after_delete"] == []
    assert seen["undo_toast"] == f"Restored “{BEFORE_BACKUP}”."
    assert isinstance(seen["id_before_delete"], int)
    assert seen["id_after_undo"] == seen["id_before_delete"]
    assert seen["row_id_after_undo"] == seen["row_id_before_delete"] == str(seen["id_before_delete"])
    assert [r["description"] for r in seen["rows_before_restore"]] == [AFTER_BACKUP, BEFORE_BACKUP]

    # Yesterday's backup restored: the later expense is gone, the data from before is kept aside.
    assert seen["restored_name"] == backup.name == f"expenses-{yesterday.isoformat()}.db"
    assert seen["restore_confirm"]["yes"] == "Replace my data"
    safety = sorted((db.parent / "backups").glob("*-before-restore.db"))
    assert len(safety) == 1, sorted(p.name for p in (db.parent / "backups").iterdir())
    assert seen["restore_toast"].startswith(f"Restored the backup of {seen['backups_listed']['yesterday']}")
    assert seen["restore_toast"].endswith(f"Your data from before is kept as {safety[0].name}.")
    assert [r["description"] for r in seen["rows_after_restore"]] == [BEFORE_BACKUP]
    assert seen["batches_after_restore"] == []

    # The database afterwards: as it was yesterday (the backup has no import in it) ...
    assert rows_of(db, "select id, description, amount, date from expenses") == [
        (seen["id_before_delete"], BEFORE_BACKUP, 4.2, "2025-03-02")]
    assert rows_of(db, "select count(*) from import_batches") == [(0,)]
    # ... and the data from before the restore kept whole in the safety backup: the reverted batch,
    # its rows in the trash, and the two expenses.
    assert rows_of(safety[0], "select file_name, rows_in_file, imported, skipped, status from import_batches") == [
        ("Umsaetze_Girokonto_Maerz_2025.csv", 5, 4, 1, "reverted")]
    assert sorted(rows_of(safety[0], "select description from expenses")) == [(AFTER_BACKUP,), (BEFORE_BACKUP,)]
    assert sorted(r[0] for r in rows_of(
        safety[0], "select description from deleted_expenses where reverted_batch_id is not null")) == sorted(IMPORTED)
