"""Search: q on /expenses, /expenses/count and /expenses/export (and the library functions)."""

import shutil
import sqlite3
import subprocess
import unicodedata
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tracker.search
from api.app import create_app
from conftest import BASE_URL, expense
from tracker.db import connect, init_database
from tracker.expenses import count_expenses, expense_totals, list_expenses
from tracker.export import export_csv
from tracker.migrations import MIGRATIONS, SEED_SCHEMA
from tracker.search import plan_search
from tracker.search_index import fold_in_python, fold_sql, is_accent, search_fold_map

SQLITE_CLI = shutil.which("sqlite3")


def found(client, q, **params):
    response = client.get("/expenses", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return [e["description"] for e in response.json()]


MATCHES = [
    # (case, description, q)
    ("plain", "Lunch at work", "lunch"),
    ("accent_in_text", "Café Müller", "cafe"),
    ("upper_query", "Café Müller", "CAF"),
    ("accent_in_query", "Café Müller", "afé"),
    ("accent_both_upper", "café", "CAFÉ"),
    ("umlaut", "Café Müller", "muller"),
    ("decomposed_text", "Cafe\u0301 noir", "café"),
    ("decomposed_query", "Café noir", "cafe\u0301"),
    ("sharp_s", "Straße 5", "strasse"),
    ("sharp_s_query", "Strasse 5", "straße"),
    ("ligature", "ﬁne dining", "fine"),
    ("full_width", "ＡＢＣ shop", "abc"),
    ("stroke", "Łódź trip", "lodz"),
    ("ae", "Æble", "aeble"),
    ("greek_accent", "Ελληνικά", "ελληνικα"),
    ("cyrillic_case", "Молоко", "МОЛОКО"),
    ("japanese", "ラーメン屋", "ラーメン"),
    ("emoji", "pizza 🍕 night", "🍕"),
    ("middle_of_word", "supermarket", "erma"),
    ("two_words_any_order", "dinner with friends", "friends dinner"),
    ("short_one_char", "Café", "é"),
    ("short_two_chars", "Café", "FE"),
    ("short_and_long", "Café Müller", "ll cafe"),
    ("double_quote", 'Lunch with "Sam"', '"sam"'),
    ("fts_and", "rock AND roll", "AND"),
    ("fts_near", "NEAR(x y) bar", "near("),
    ("fts_star", "5* hotel", "5*"),
    ("fts_minus", "-refund shoes", "-refund"),
    ("fts_column", "text:abc", "text:"),
    ("fts_caret", "^start", "^st"),
    ("sql_quote", "Robert'); drop table expenses;--", "'); drop"),
    ("sql_like_wildcards", "100% _off_", "% _o"),
    ("backslash", "a\\b\\c", "\\b\\"),
]


@pytest.mark.parametrize("case, description, q", MATCHES, ids=[m[0] for m in MATCHES])
def test_search_matches_ignoring_case_and_accents(client, add, case, description, q):
    add(description=description)
    add(description="Tofu 7")
    assert found(client, q) == [description]
    assert client.get("/expenses/count", params={"q": q}).json() == {"count": 1}


MISSES = [
    ("different_word", "Café Müller", "tea"),
    ("all_words_needed", "dinner with friends", "dinner family"),
    ("no_partial_trigram", "Café", "caff"),
    ("short_absent", "Café", "zq"),
    ("quote_absent", "Lunch", '"'),
    ("operators_are_text", "lunch dinner", "lunch OR dinnerx"),
]


@pytest.mark.parametrize("case, description, q", MISSES, ids=[m[0] for m in MISSES])
def test_search_misses(client, add, case, description, q):
    add(description=description)
    assert found(client, q) == []
    assert client.get("/expenses/count", params={"q": q}).json() == {"count": 0}


@pytest.mark.parametrize("q", ["", " ", "   \t ", "\u3000"], ids=["empty", "space", "blanks", "ideographic_space"])
def test_search_blank_q_is_no_filter(client, add, q):
    add(description="one")
    add(description="two")
    assert sorted(found(client, q)) == ["one", "two"]
    assert client.get("/expenses/count", params={"q": q}).json() == {"count": 2}


@pytest.mark.parametrize(
    "path, q, detail",
    [
        ("/expenses", "a\x00b", "Invalid query parameter 'q': must not contain NUL characters."),
        ("/expenses/count", "a\x00b", "Invalid query parameter 'q': must not contain NUL characters."),
        ("/expenses/export", "a\x00b", "Invalid query parameter 'q': must not contain NUL characters."),
        ("/expenses", "x" * 201, "Invalid query parameter 'q': string should have at most 200 characters."),
    ],
    ids=["nul", "nul_count", "nul_export", "too_long"],
)
def test_search_invalid_q_is_422(client, path, q, detail):
    response = client.get(path, params={"q": q})
    assert response.status_code == 422
    assert response.json() == {"detail": detail}


@pytest.mark.parametrize("q", ['"', '""', '"a', "*", "AND", "OR NOT", "NEAR(", "NEAR(a b, 2)", "-", "^", ":", "(", ")",
                                "{a b}", "a:b", "'", "%", "_", "\\", "é*", "\U0001F600", "\ufffd", "\u0301", "\u200b"])
def test_search_any_text_is_literal_never_an_error(client, add, q):
    add(description="plain")
    for path in ("/expenses", "/expenses/count", "/expenses/export"):
        response = client.get(path, params={"q": q})
        assert response.status_code == 200, (path, response.text)


def test_search_library_functions(client, add, db_path):
    add(description="Café Müller", date="2025-03-01")
    add(description="Tea", date="2025-03-02")
    conn = connect(db_path)
    try:
        page, cursor = list_expenses(conn, q="CAFE")
        assert [e["description"] for e in page] == ["Café Müller"] and cursor is None
        assert count_expenses(conn, q="müll") == 1
        csv_text = b"".join(export_csv(connect(db_path), q="tea")).decode()
        assert csv_text.splitlines()[1:] == [f"{page[0]['id'] + 1},12.50,Tea,Food,2025-03-02"]
    finally:
        conn.close()


def test_search_export_csv(client, add):
    add(description="Café =1+1", date="2025-03-01")
    add(description="other", date="2025-03-02")
    response = client.get("/expenses/export", params={"q": "cafe"})
    assert response.status_code == 200
    assert response.text.splitlines() == ["id,amount,description,category,date", "1,12.50,Café =1+1,Food,2025-03-01"]


# ---------------------------------------------------------------------------
# Combined with every filter, sort, order, offset and cursor, under every plan
# ---------------------------------------------------------------------------

ROWS = [
    # description, amount, category_id, date
    (f"{word} {n}", amount, 1 + n % 3, f"2025-0{1 + n % 3}-{10 + n % 9:02d}")
    for n, (word, amount) in enumerate(
        [("Café Müller", 3.5), ("cafe latte", 2.0), ("Tea", 1.0), ("CAFÉ noir", 2.0), ("bus", 2.5)] * 8
    )
]
QUERIES = ["cafe", "café 1", "e", "mu", "zz", "tea", "noir 2"]
FILTERS = [
    {},
    {"category_id": 2},
    {"date_from": "2025-02-01", "date_to": "2025-02-28"},
    {"date_from": "2025-01-15", "category_id": 1},
    {"sort": "amount", "order": "asc"},
    {"sort": "created_at", "order": "desc", "category_id": 3},
    {"sort": "amount", "order": "desc", "date_to": "2025-02-15"},
]
# Settings that force each way plan_search can take (see the constants it uses).
PLANS = {
    "few_matches_by_id": {},
    "walk": {"SEARCH_PROBE_ROWS": 1, "SEARCH_DRIVE_COST": 1e9, "SEARCH_COLLECT_COST": 1e9, "SEARCH_WALK_COST": 0},
    "drive": {"SEARCH_PROBE_ROWS": 1, "SEARCH_WALK_COST": 1e9, "SEARCH_COLLECT_COST": 1e9, "SEARCH_DRIVE_COST": 0},
    "member": {"SEARCH_PROBE_ROWS": 1, "SEARCH_WALK_COST": 1e9, "SEARCH_DRIVE_COST": 1e9,
               "SEARCH_COLLECT_COST": 0, "SEARCH_MEMBER_COST": 0},
}


def model_fold(text):
    return fold_in_python(text, str.maketrans(search_fold_map()))


def expected_rows(rows, q, params):
    terms = model_fold(q).split()
    chosen = [
        row for row in rows
        if all(term in model_fold(row["description"]) for term in terms)
        and ("category_id" not in params or row["category_id"] == params["category_id"])
        and row["date"] >= params.get("date_from", "")
        and row["date"] <= params.get("date_to", "9999")
    ]
    sort = params.get("sort", "date")
    return sorted(chosen, key=lambda row: (row[sort], row["id"]), reverse=params.get("order", "desc") == "desc")


@pytest.fixture(scope="module")
def searchable(tmp_path_factory):
    path = tmp_path_factory.mktemp("search") / "expenses.db"
    with TestClient(create_app(path), base_url=BASE_URL) as client:
        rows = []
        for description, amount, category_id, day in ROWS:
            response = client.post("/expenses", json=expense(
                description=description, amount=amount, category_id=category_id, date=day))
            rows.append(response.json())
    return path, rows


@pytest.mark.parametrize("plan", PLANS)
@pytest.mark.parametrize("params", FILTERS, ids=[urlencode(f) or "none" for f in FILTERS])
def test_search_combines_with_filters_sort_and_paging(searchable, monkeypatch, plan, params):
    path, rows = searchable
    for name, value in PLANS[plan].items():
        monkeypatch.setattr(tracker.search, name, value)
    with TestClient(create_app(path), base_url=BASE_URL) as client:
        for q in QUERIES:
            expected = [row["id"] for row in expected_rows(rows, q, params)]
            query = {"q": q, **params}
            assert [e["id"] for e in client.get("/expenses", params={**query, "limit": 200}).json()] == expected, q
            assert client.get("/expenses/count", params=query).json() == {"count": len(expected)}, q
            assert [e["id"] for e in client.get("/expenses", params={**query, "limit": 3, "offset": 2}).json()] == expected[2:5]
            walked, cursor = [], None
            while True:
                response = client.get("/expenses", params={**query, "limit": 4, **({"cursor": cursor} if cursor else {})})
                walked += [e["id"] for e in response.json()]
                cursor = response.headers.get("X-Next-Cursor")
                if cursor is None:
                    break
            assert walked == expected, q
            export = {k: v for k, v in query.items() if k not in ("sort", "order")}
            exported = client.get("/expenses/export", params=export).text.splitlines()[1:]
            assert [int(line.split(",")[0]) for line in exported] == [
                row["id"] for row in expected_rows(rows, q, {**export, "sort": "date", "order": "desc"})
            ], q


PLAN_CONDITIONS = {
    "few_matches_by_id": "e.id in (select rowid from expense_search where expense_search match ?)",
    "walk": "exists (select 1 from expense_search_text t where t.id = e.id and instr(t.text, ?) > 0)",
    "drive": "e.id in (select rowid from expense_search where expense_search match ?)",
    "member": "+e.id in (select rowid from expense_search where expense_search match ?)",
}


@pytest.mark.parametrize("plan", PLANS)
def test_search_plan_chosen(searchable, monkeypatch, plan):
    path, _ = searchable
    for name, value in PLANS[plan].items():
        monkeypatch.setattr(tracker.search, name, value)
    conn = connect(path)
    try:
        assert plan_search(conn, "CAFÉ", 10, lambda: 40).conditions == [PLAN_CONDITIONS[plan]]
    finally:
        conn.close()


# ---------------------------------------------------------------------------
# The index follows every write, whoever makes it
# ---------------------------------------------------------------------------


def index_is_sound(path):
    conn = sqlite3.connect(path)
    try:
        conn.execute("insert into expense_search (expense_search, rank) values ('integrity-check', 1)")
        texts = conn.execute("select count(*) from expense_search_text").fetchone()[0]
        return texts == conn.execute("select count(*) from expenses").fetchone()[0]
    finally:
        conn.close()


def test_search_follows_update_and_delete(client, add, db_path):
    created = add(description="Café")
    assert client.put(f"/expenses/{created['id']}", json={"description": "Thé vert"}).status_code == 200
    assert found(client, "cafe") == []
    assert found(client, "the") == ["Thé vert"]
    assert client.put(f"/expenses/{created['id']}", json={"amount": 3}).status_code == 200
    assert found(client, "vert") == ["Thé vert"]
    assert client.delete(f"/expenses/{created['id']}").status_code == 204
    assert found(client, "the") == []
    assert index_is_sound(db_path)


def test_search_follows_delete_and_reinsert_with_the_same_id(client, add, db_path):
    """As the trash does: the row leaves expenses and comes back with its id."""
    created = add(description="Crème brûlée")
    assert client.delete(f"/expenses/{created['id']}").status_code == 204
    assert found(client, "creme") == []
    assert client.post(f"/trash/{created['id']}/restore").json()["id"] == created["id"]
    assert found(client, "creme") == ["Crème brûlée"]
    assert client.get("/expenses/count", params={"q": "brulee"}).json() == {"count": 1}
    assert index_is_sound(db_path)


def test_search_insert_or_replace_by_another_program(client, add, db_path):
    created = add(description="Old text")
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute(
            "insert or replace into expenses (id, amount, description, category_id, date) values (?, 1, 'Nouvel été', 1, '2025-01-01')",
            (created["id"],),
        )
    conn.close()
    assert found(client, "old") == []
    assert found(client, "ete") == ["Nouvel été"]
    assert index_is_sound(db_path)


@pytest.mark.skipif(SQLITE_CLI is None, reason="the sqlite3 command-line tool is not installed")
def test_search_indexes_writes_of_the_sqlite3_tool(client, add, db_path):
    """The triggers are plain SQL: another program's writes are folded and indexed too."""
    add(description="Keep")
    script = (
        "insert into expenses (amount, description, category_id, date) values (2, 'Crêpe SUZETTE', 1, '2025-01-02');"
        "update expenses set description = 'Église Saint-Étienne' where description = 'Keep';"
    )
    subprocess.run([SQLITE_CLI, str(db_path), script], check=True, capture_output=True, timeout=30)
    assert found(client, "crepe suz") == ["Crêpe SUZETTE"]
    assert found(client, "eglise etienne") == ["Église Saint-Étienne"]
    assert found(client, "keep") == []
    assert index_is_sound(db_path)


def test_search_index_filled_when_an_old_file_is_upgraded(tmp_path):
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(";".join(SEED_SCHEMA))
    conn.execute("insert into categories (name) values ('Food')")
    conn.executemany(
        "insert into expenses (amount, description, category_id, date) values (?, ?, 1, '2024-01-05')",
        [(1, "Café Müller"), (2, "ÉCOLE"), (3, "plain"), (4, "e\u0301te\u0301")],
    )
    conn.commit()
    conn.close()
    with TestClient(create_app(path), base_url=BASE_URL) as client:
        assert found(client, "cafe") == ["Café Müller"]
        assert found(client, "ecole") == ["ÉCOLE"]
        assert found(client, "été") == ["e\u0301te\u0301"]
        assert client.get("/expenses/count").json() == {"count": 4}
    conn = sqlite3.connect(path)
    assert conn.execute("pragma user_version").fetchone()[0] == len(MIGRATIONS)
    conn.close()
    assert index_is_sound(path)


# ---------------------------------------------------------------------------
# The fold: the triggers' SQL and the migration's Python agree
# ---------------------------------------------------------------------------

FOLD_CASES = [
    ("Café Müller", "cafe muller"), ("ÉCOLE", "ecole"), ("Straße", "strasse"), ("ﬁ", "fi"), ("ＡＢＣ", "abc"),
    ("İstanbul", "istanbul"), ("Ǆ", "dz"), ("Łódź", "lodz"), ("Æ Œ Ø", "ae oe o"), ("ΆΈ", "αε"),
    ("e\u0301", "e"), ("한국어", "한국어"), ("日本", "日本"), ("Tab\there", "tab\there"), ("", ""),
    ("x" * 1005 + "É", "x" * 1005 + "É"),  # only the first 1000 characters are folded
    ("É" * 1001, "e" * 1000 + "É"),
]


@pytest.mark.parametrize("text, folded", FOLD_CASES, ids=[str(n) for n in range(len(FOLD_CASES))])
def test_fold_sql_and_python_agree(client, db_path, text, folded):
    conn = connect(db_path)
    try:
        in_sql = conn.execute(f"select {fold_sql('x')} from (select ? as x)", (text,)).fetchone()[0]
    finally:
        conn.close()
    assert in_sql == folded
    assert model_fold(text) == folded


@pytest.fixture(scope="module")
def fold_conn(tmp_path_factory):
    path = tmp_path_factory.mktemp("fold") / "expenses.db"
    init_database(path)
    conn = connect(path)
    yield conn
    conn.close()


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=40))
def test_fold_sql_and_python_agree_on_any_text(fold_conn, text):
    in_sql = fold_conn.execute(f"select {fold_sql('x')} from (select ? as x)", (text,)).fetchone()[0]
    assert in_sql == model_fold(text)


def test_fold_map_values_are_folded():
    folds = search_fold_map()
    assert all(folds.get(char, char) == char for value in folds.values() for char in value)
    assert all(not unicodedata.combining(char) or not is_accent(char) for value in folds.values() for char in value)


def test_search_short_term_many_matches_totals_scan_the_texts(db_path):
    """A 1- or 2-character term that matches more rows than the probe reads: the totals of all of
    them read the matching ids from one scan of the folded texts, and agree with every row."""
    init_database(db_path)
    rows = [(1.5 if n % 3 else 2.25, "Bus" if n % 3 else "Train", 1 + n % 2, f"2025-0{1 + n % 9}-10")
            for n in range(3000)]
    with sqlite3.connect(db_path) as raw:
        raw.executemany("insert into expenses (amount, description, category_id, date) values (?, ?, ?, ?)", rows)
    conn = connect(db_path)
    plan = plan_search(conn, "bu", None, lambda: 3000)
    assert plan.conditions[0].startswith("e.id in (select t.id from expense_search_text t")
    buses = [r for r in rows if r[1] == "Bus"]
    assert expense_totals(conn, q="bu") == {"count": len(buses), "total": sum(r[0] for r in buses)}
    assert count_expenses(conn, q="bu", category_id=1) == sum(1 for r in buses if r[2] == 1)
    conn.close()
