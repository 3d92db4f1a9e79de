"""Bank-file uploads within bounds: caps that refuse in a sentence, peak memory of a real server,
one import at a time, and the file read outside the write lock."""

import concurrent.futures
import re
import threading
from contextlib import closing
from pathlib import Path

import httpx
import pytest

import tracker.imports
from tests.conftest import start_server, stop_server
from tracker import bank_files
from tracker.config import BUSY_TIMEOUT_S
from tracker.db import Database, connect
from tracker.expenses import create_expense, list_expenses
from tracker.imports import IMPORT_SLOT, import_slot, run_import
from tracker.models import ExpenseCreate, ImportOptions

# A German bank's export: Latin-1, semicolons, decimal commas, DD.MM.YYYY, one income row.
GIRO = (
    "Buchungstag;Verwendungszweck;Betrag;Kategorie\n"
    "03.03.2025;REWE Markt München;-23,45;Food\n"
    "04.03.2025;Gehalt März;2.500,00;\n"
    "05.03.2025;DB Fahrkarte;-1.234,50;Transport\n"
    "06.03.2025;Bäckerei Müller;-3,20;Food\n"
).encode("latin-1")

PEAK_LIMIT_MB = 500
UPLOAD_MB = 60


# ---------------------------------------------------------------------------
# Caps, each refused with a sentence that names it
# ---------------------------------------------------------------------------


def rows_csv(count: int) -> bytes:
    return b"Date,Text,Amount\n" + b"".join(b"2024-01-%02d,Shop %d,-1.00\n" % (i % 28 + 1, i) for i in range(count))


def rows_qif(count: int) -> bytes:
    return b"!Type:Bank\n" + b"".join(b"D01/02/2024\nT-1.00\nPShop\n^\n" for _ in range(count))


def rows_ofx(count: int) -> bytes:
    body = b"".join(b"<STMTTRN><DTPOSTED>20240102<TRNAMT>-1.00<NAME>Shop</STMTTRN>\n" for _ in range(count))
    return b"OFXHEADER:100\n\n<OFX><BANKTRANLIST>\n" + body + b"</BANKTRANLIST></OFX>\n"


@pytest.mark.parametrize("make", [rows_csv, rows_qif, rows_ofx], ids=["csv", "qif", "ofx"])
def test_rows_past_the_cap_refused_naming_the_cap(make, monkeypatch):
    monkeypatch.setattr(bank_files, "MAX_ROWS", 50)
    assert len(bank_files.read_file(make(45)).records) == 45
    with pytest.raises(bank_files.BankFileError, match=r"^The file has more than 50 rows, .*import each file\.$"):
        bank_files.read_file(make(51))


@pytest.mark.parametrize(("data", "words"), [
    pytest.param(b"Date,Text,Amount\n2024-01-01,A,-1.00\n" + b",".join([b"1"] * 501) + b"\n",
                 "Line 3: this row has more than 500 columns", id="columns"),
    pytest.param(b"Date,Text,Amount\n2024-01-01,A,-1.00\n2024-01-02," + b"x" * 100_000 + b",-1.00\n",
                 "Line 3: this row is longer than 100,000 characters", id="row_length"),
    pytest.param(b'Date,Text,Amount\n2024-01-01,"' + b"x\n" * 60_000 + b'",-1.00\n',
                 "Line 2: this row is longer than 100,000 characters", id="row_of_many_lines"),
])
def test_row_past_a_cap_refused_naming_line_and_cap(data, words):
    with pytest.raises(bank_files.BankFileError) as raised:
        bank_files.read_file(data)
    assert str(raised.value).startswith(words)
    assert str(raised.value).endswith("so the file cannot be imported.")


def test_rows_up_to_the_caps_are_read():
    data = rows_csv(3) + b"2024-02-01," + b"y" * 90_000 + b",-2.00\n"
    table = bank_files.read_file(data)
    rows = bank_files.parse_rows(table, bank_files.guess_mapping(table).mapping)
    assert [(r.line, r.date, str(r.amount), r.problem) for r in rows][-1] == (5, "2024-02-01", "2.00", None)
    assert len(rows[-1].description) == bank_files.MAX_DESCRIPTION


# ---------------------------------------------------------------------------
# The file is read outside the write lock
# ---------------------------------------------------------------------------


@pytest.fixture
def database(db_path):
    database = Database(db_path)
    database.ensure_ready()
    yield database
    database.close()


def import_while_adding(database, monkeypatch, *, shared_lock: bool, expense: ExpenseCreate):
    """Import GIRO on a thread whose parse waits until an expense has been added on another
    connection; returns (whether the add finished while the parse waited, the import's result)."""
    parsing, added, waited, result = threading.Event(), threading.Event(), [], {}
    parse_rows = bank_files.parse_rows

    def parse_when_added(table, mapping):
        parsing.set()
        waited.append(added.wait(2 * BUSY_TIMEOUT_S))
        return parse_rows(table, mapping)

    def run():
        with closing(database.open()) as conn:
            options = ImportOptions(default_category_id=1)
            result["batch"] = run_import(conn, GIRO, "giro.csv", options)

    monkeypatch.setattr(bank_files, "parse_rows", parse_when_added)
    importer = threading.Thread(target=run)
    importer.start()
    assert parsing.wait(10)
    try:
        # This process's connections queue behind its write lock; another process's only meet SQLite's.
        opened = database.open() if shared_lock else connect(database.path)
        with closing(opened) as conn:
            create_expense(conn, expense)
    finally:
        added.set()
        importer.join(30)
    return waited == [True], result


@pytest.mark.parametrize("shared_lock", [True, False], ids=["same_process", "other_process"])
def test_add_while_a_file_is_read_succeeds_at_once(database, monkeypatch, shared_lock):
    lunch = ExpenseCreate(amount=12.5, description="Lunch", category_id=1, date="2025-03-14")
    added_during_parse, result = import_while_adding(database, monkeypatch, shared_lock=shared_lock, expense=lunch)
    assert added_during_parse
    assert result["batch"]["imported"] == 3
    with closing(database.open()) as conn:
        descriptions = sorted(e["description"] for e in list_expenses(conn, limit=10)[0])
    assert descriptions == ["Bäckerei Müller", "DB Fahrkarte", "Lunch", "REWE Markt München"]


def test_expense_added_while_a_file_is_read_is_a_duplicate(database, monkeypatch):
    same = ExpenseCreate(amount=23.45, description="REWE Markt München", category_id=1, date="2025-03-03")
    added_during_parse, result = import_while_adding(database, monkeypatch, shared_lock=True, expense=same)
    assert added_during_parse
    assert (result["batch"]["imported"], result["batch"]["skipped"]) == (2, 2)
    with closing(database.open()) as conn:
        descriptions = sorted(e["description"] for e in list_expenses(conn, limit=10)[0])
    assert descriptions == ["Bäckerei Müller", "DB Fahrkarte", "REWE Markt München"]


# ---------------------------------------------------------------------------
# One import at a time
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("route", ["/imports/preview", "/imports"])
def test_second_import_while_one_runs_refused_in_a_sentence(client, route, monkeypatch):
    monkeypatch.setattr(tracker.imports, "IMPORT_WAIT_S", 0.1)
    with import_slot():  # as an import of another request holds it
        response = client.post(route, files={"file": ("giro.csv", GIRO, "text/csv")})
    assert response.status_code == 429
    assert response.json() == {"detail": "Another import is in progress; try again when it has finished."}
    assert client.post(route, files={"file": ("giro.csv", GIRO, "text/csv")},
                       data={"options": '{"default_category_id": 1}'}).status_code in (200, 201)


def test_streamed_import_gives_the_slot_back(client):
    for _ in range(2):
        response = client.post("/imports", files={"file": ("giro.csv", GIRO, "text/csv")},
                               data={"options": '{"default_category_id": 1}'},
                               headers={"accept": "application/x-ndjson"})
        assert response.status_code == 200 and '"batch"' in response.text.splitlines()[-1]
    assert IMPORT_SLOT.acquire(timeout=5)
    IMPORT_SLOT.release()


# ---------------------------------------------------------------------------
# Peak memory of a real server (VmHWM) for 60 MB uploads of pathological shapes
# ---------------------------------------------------------------------------


def tiny_rows() -> bytes:
    return b"1,2\n" * (UPLOAD_MB * 1024 * 1024 // 4)


def wide_rows() -> bytes:
    row = b",".join([b"12"] * 100_000) + b"\n"
    return row * (UPLOAD_MB * 1024 * 1024 // len(row))


def giant_line() -> bytes:
    return b"Date,Text,Amount\n2024-01-01," + b"x" * (UPLOAD_MB * 1024 * 1024) + b",-1.00\n"


def long_rows() -> bytes:
    """Rows just under the row cap, each with a long description, none alike: all are imported."""
    def letters(number: int) -> bytes:
        return bytes(97 + number // 26 ** power % 26 for power in range(4))

    rows = [b"Date,Text,Amount\n"]
    rows += [b"2024-%02d-%02d,Payee %s %s,-%d.%02d\n" % (i % 12 + 1, i % 28 + 1, letters(i), b"d" * 390, i % 900 + 1, i % 100)
             for i in range(LONG_ROWS)]
    return b"".join(rows)


LONG_ROWS = 149_000  # just under bank_files.MAX_ROWS
SHAPES = {"tiny_rows": tiny_rows, "wide_rows": wide_rows, "giant_line": giant_line, "long_rows": long_rows}
REFUSED = ["tiny_rows", "wide_rows", "giant_line"]


@pytest.fixture(scope="module")
def upload_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("uploads")
    for name, make in SHAPES.items():
        (folder / f"{name}.csv").write_bytes(make())
    return folder


def peak_mb(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status)[1]) // 1024


def post_file(url: str, route: str, path: Path) -> httpx.Response:
    with path.open("rb") as file:
        return httpx.post(f"{url}{route}", files={"file": (path.name, file, "text/csv")},
                          data={"options": '{"default_category_id": 1}'}, timeout=120)


@pytest.fixture
def running(db_path):
    server = start_server(db_path)
    yield server
    stop_server(server)


@pytest.mark.parametrize("route", ["/imports/preview", "/imports"])
@pytest.mark.parametrize("shape", REFUSED)
def test_upload_past_a_cap_refused_with_peak_memory_bounded(running, upload_files, shape, route):
    response = post_file(running.url, route, upload_files / f"{shape}.csv")
    assert peak_mb(running.process.pid) <= PEAK_LIMIT_MB
    assert response.status_code == 400, response.text
    assert re.fullmatch(r"[^\n]+ cannot be imported: .*(more than 150,000 rows|longer than 100,000 characters)[^\n]*\.",
                        response.json()["detail"])


@pytest.mark.parametrize("shape", ["tiny_rows", "wide_rows"])
def test_concurrent_uploads_peak_memory_bounded(running, upload_files, shape):
    path = upload_files / f"{shape}.csv"
    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        responses = list(pool.map(lambda route: post_file(running.url, route, path),
                                  ["/imports/preview", "/imports", "/imports/preview"]))
    assert peak_mb(running.process.pid) <= PEAK_LIMIT_MB
    for response in responses:
        assert response.status_code in (400, 429), response.text
        assert response.json()["detail"].endswith(".")


def test_upload_of_long_rows_read_whole_with_peak_memory_bounded(running, upload_files):
    path = upload_files / "long_rows.csv"
    assert path.stat().st_size > UPLOAD_MB * 1024 * 1024 * 0.95
    preview = post_file(running.url, "/imports/preview", path)
    assert peak_mb(running.process.pid) <= PEAK_LIMIT_MB
    assert preview.status_code == 200, preview.text
    result = preview.json()
    assert result["counts"] == {"rows": LONG_ROWS, "ready": LONG_ROWS, "duplicate": 0, "income": 0, "problem": 0,
                                "selected": LONG_ROWS}
    assert result["rows"][1]["description"].startswith("Payee baaa ddd") and len(result["rows"]) == 20
    batch = post_file(running.url, "/imports", path)
    assert peak_mb(running.process.pid) <= PEAK_LIMIT_MB
    assert batch.status_code == 201, batch.text
    assert (batch.json()["imported"], batch.json()["skipped"]) == (LONG_ROWS, 0)
    assert bank_files.MAX_ROWS - 5000 < LONG_ROWS <= bank_files.MAX_ROWS  # the file is at the cap


def test_large_ofx_read_one_transaction_at_a_time_reads_the_same(monkeypatch):
    files = sorted((Path(__file__).parent / "fixtures" / "import").glob("*.ofx"))
    samples = Path(__file__).resolve().parents[2] / "shared" / "import-samples"
    files += sorted(p for p in samples.glob("*") if p.suffix in (".ofx", ".qfx"))
    assert files
    whole = [bank_files.read_file(path.read_bytes(), path.name).records for path in files]
    monkeypatch.setattr(bank_files, "_OFX_WHOLE_TREE", 0)
    assert [bank_files.read_file(path.read_bytes(), path.name).records for path in files] == whole


def test_large_ofx_logs_no_line_per_transaction(caplog, monkeypatch):
    monkeypatch.setattr(bank_files, "_OFX_WHOLE_TREE", 0)
    caplog.set_level("INFO")
    bank_files.read_file(rows_ofx(30), "many.ofx")
    assert len(caplog.records) < 3
