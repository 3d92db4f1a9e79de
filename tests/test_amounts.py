"""Money in whole cents: a script's float noise is the cent it stands for, a real fraction of a
cent is refused in words, and no total, however large, gives a 5xx."""

import sqlite3
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import expense
from tracker.config import MAX_AMOUNT

# (what a script computed, what it meant)
NOISY_AMOUNTS = [
    ("one_plus_fourteen_hundredths", 1 + 14 / 100, 1.14),  # 1.1400000000000001
    ("tenth_plus_two_tenths", 0.1 + 0.2, 0.3),  # 0.30000000000000004
    ("seven_cents_times_three", 0.07 * 3, 0.21),  # 0.21000000000000002
    ("thousand_cents_summed", sum([0.01] * 1000), 10.0),  # 9.999999999999831
    ("large_sum", 10_000_000.1 + 0.2, 10_000_000.3),  # 10000000.299999999
    ("large_product", 123_456.78 * 3, 370_370.34),  # 370370.33999999997
]


@pytest.mark.parametrize("case, sent, meant", NOISY_AMOUNTS, ids=[c[0] for c in NOISY_AMOUNTS])
def test_amount_float_noise_is_stored_as_the_cent(client, case, sent, meant):
    assert sent != meant  # the noise is really there
    response = client.post("/expenses", json=expense(amount=sent, date="2025-03-14"))
    assert response.status_code == 201, response.text
    assert response.json()["amount"] == meant
    assert client.get(f"/expenses/{response.json()['id']}").json()["amount"] == meant
    assert client.get("/summary?month=2025-03").json()["total"] == meant
    assert client.get("/expenses/export").text.splitlines()[1].split(",")[1] == f"{meant:.2f}"


@pytest.mark.parametrize("path", ["/budgets/overall", "/budgets/1"])
def test_budget_float_noise_is_stored_as_the_cent(client, path):
    response = client.put(path, json={"amount": 0.1 + 0.2})
    assert response.status_code == 200, response.text
    assert response.json()["amount"] == 0.3


def test_recurring_float_noise_is_stored_as_the_cent(client):
    body = {"amount": 1 + 14 / 100, "description": "Rent", "category_id": 1, "frequency": "monthly",
            "start_date": "2999-01-01"}
    response = client.post("/recurring", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["amount"] == 1.14
    assert client.put(f"/recurring/{response.json()['id']}", json={"amount": 0.1 + 0.2}).json()["amount"] == 0.3


def test_update_expense_float_noise_is_stored_as_the_cent(client, add):
    created = add()
    assert client.put(f"/expenses/{created['id']}", json={"amount": 0.1 + 0.2}).json()["amount"] == 0.3


SUB_CENT_AMOUNTS = [
    ("three_decimals", 12.345),
    ("tenth_of_a_cent", 0.001),
    ("half_cent_typed", 1.005),  # as a float 1.00499999999999989...: still a half cent typed
    ("under_a_cent", 0.004),
    ("smallest_float", 5e-324),
    ("half_cent_near_max", 999_999_999_999.995),
    ("tenth_of_cent_near_max", 999_999_999_999.999),
    ("twentieth_of_cent_at_a_billion", 1_000_000_000.0006),
]


@pytest.mark.parametrize("case, sent", SUB_CENT_AMOUNTS, ids=[c[0] for c in SUB_CENT_AMOUNTS])
def test_amount_real_fraction_of_a_cent_is_422(client, case, sent):
    response = client.post("/expenses", json=expense(amount=sent))
    assert response.status_code == 422
    assert response.json() == {"detail": f"Invalid field 'amount': must have at most 2 decimal places, got {sent!r}."}
    assert client.get("/expenses").json() == []


# Script arithmetic on whole cents whose exact result is whole cents again.
cents = st.integers(min_value=1, max_value=MAX_AMOUNT * 100)
small_cents = st.integers(min_value=1, max_value=10**9)


@st.composite
def script_amounts(draw):
    kind = draw(st.sampled_from(["divide", "sum", "times", "unit_price"]))
    if kind == "divide":
        c = draw(cents)
        return c, c / 100
    if kind == "sum":
        a, b = draw(small_cents), draw(small_cents)
        return a + b, a / 100 + b / 100
    if kind == "times":
        a, n = draw(small_cents), draw(st.integers(min_value=1, max_value=12))
        return a * n, a / 100 * n
    a, b = draw(small_cents), draw(st.integers(min_value=0, max_value=99))
    return a * 100 + b, a + b / 100


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(script_amounts())
def test_amount_script_arithmetic_is_stored_as_exact_cents(client, computed):
    meant_cents, sent = computed
    response = client.post("/expenses", json=expense(amount=sent))
    assert response.status_code == 201, (sent, response.text)
    assert response.json()["amount"] == round(sent, 2) == meant_cents / 100


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(min_value=0, max_value=10**11 - 1), st.integers(min_value=1, max_value=9))
def test_amount_with_a_third_decimal_is_422(client, whole_cents, tenth_of_cent):
    sent = float(f"{whole_cents / 100:.2f}{tenth_of_cent}")  # e.g. 12.34 and 5 -> 12.345
    response = client.post("/expenses", json=expense(amount=sent))
    assert response.status_code == 422, (sent, response.text)
    assert "2 decimal places" in response.json()["detail"]


# ---------------------------------------------------------------------------
# Totals past what SQLite's 64-bit integers hold
# ---------------------------------------------------------------------------

LARGEST = 1_000_000_000_000  # MAX_AMOUNT: 10**14 cents
INT64_MAX = 2**63 - 1  # the most an SQLite integer holds


def fill_month(db_path, month, category_id, room_cents):
    """Make a month's total in a category MAX_TOTAL_CENTS - room_cents, as about 92,000 expenses
    of the largest amount would (written straight to the file: 92,000 requests take minutes)."""
    with sqlite3.connect(db_path) as conn:
        conn.execute(
            """insert into monthly_totals (month, category_id, total_cents, count) values (?, ?, ?, 1)
            on conflict (month, category_id) do update set total_cents = excluded.total_cents""",
            (month, category_id, INT64_MAX - room_cents),
        )
    conn.close()


def refused_as_too_large(response, month="2025-03", category="Food"):
    assert response.status_code == 409, response.text
    assert response.json() == {"detail": f"The total of {month} in {category} would be larger than this app can "
                                         "add up (at most 92,233,720,368,547,758.07); nothing was saved."}


def test_total_past_64_bits_post_is_409(client, db_path):
    fill_month(db_path, "2025-03", 1, room_cents=50)
    before = client.get("/summary?month=2025-03").json()
    refused_as_too_large(client.post("/expenses", json=expense(amount=LARGEST, date="2025-03-14")))
    assert client.get("/summary?month=2025-03").json() == before
    assert client.get("/expenses").json() == []
    # What still fits is taken.
    assert client.post("/expenses", json=expense(amount=0.5, date="2025-03-14")).status_code == 201


@pytest.mark.parametrize("changes", [{"date": "2025-03-14"}, {"amount": LARGEST}], ids=["date", "amount"])
def test_total_past_64_bits_put_is_409(client, db_path, add, changes):
    created = add(amount=LARGEST if "date" in changes else 1, date="2025-04-01" if "date" in changes else "2025-03-01")
    fill_month(db_path, "2025-03", 1, room_cents=10**13)
    refused_as_too_large(client.put(f"/expenses/{created['id']}", json=changes))
    assert client.get(f"/expenses/{created['id']}").json() == created


def test_total_past_64_bits_trash_restore_is_409(client, db_path, add):
    created = add(amount=LARGEST, date="2025-03-14")
    client.delete(f"/expenses/{created['id']}")
    fill_month(db_path, "2025-03", 1, room_cents=10**13)
    refused_as_too_large(client.post(f"/trash/{created['id']}/restore"))
    assert [item["id"] for item in client.get("/trash").json()] == [created["id"]]


def test_total_past_64_bits_recurring_post_is_409(client, db_path):
    rule = client.post("/recurring", json={"amount": LARGEST, "description": "Rent", "category_id": 1,
                                           "frequency": "monthly", "start_date": "2999-01-01"}).json()
    fill_month(db_path, "2999-01", 1, room_cents=10**13)
    refused_as_too_large(client.post(f"/recurring/{rule['id']}/post", json={"date": "2999-01-01"}), "2999-01")
    assert client.get("/expenses").json() == []


def test_total_past_64_bits_import_is_409(client, db_path):
    fill_month(db_path, "2025-03", 1, room_cents=10**13)
    data = b"Date,Description,Amount,Category\n2025-03-14,Big,-1000000000000.00,Food\n2025-04-01,Small,-1.00,Food\n"
    refused_as_too_large(client.post("/imports", files={"file": ("big.csv", data, "text/csv")}))
    assert client.get("/expenses").json() == [] and client.get("/imports").json() == []


def test_total_past_64_bits_recurring_due_posts_the_other_templates(client, db_path):
    first = date.today().replace(day=1).isoformat()  # one date due: the server posts up to today
    fill_month(db_path, first[:7], 1, room_cents=10**13)
    body = {"description": "Rent", "frequency": "monthly", "start_date": first}
    client.post("/recurring", json={**body, "amount": LARGEST, "category_id": 1})
    response = client.post("/recurring", json={**body, "amount": 5, "category_id": 2})
    assert response.status_code == 201, response.text
    assert [(e["amount"], e["category_id"]) for e in client.get("/expenses").json()] == [(5.0, 2)]


def test_month_totals_past_64_bits_are_read_without_error(client, db_path):
    # Each category fits; together the month's total does not fit SQLite's sum().
    fill_month(db_path, "2025-03", 1, room_cents=2**61)
    fill_month(db_path, "2025-03", 2, room_cents=2**61)
    total = 2 * (INT64_MAX - 2**61) / 100
    months = client.get("/summary/months?from=2025-02&to=2025-03")
    assert months.status_code == 200, months.text
    assert months.json() == [{"month": "2025-02", "total": 0.0, "count": 0}, {"month": "2025-03", "total": total, "count": 2}]
    summary = client.get("/summary?month=2025-03")
    assert summary.status_code == 200 and summary.json()["total"] == total


def test_total_past_64_bits_in_one_import_is_409(client):
    # 92,234 rows of nearly the largest amount in one month: SQLite's sum() of the batch itself
    # overflows. (Amounts differ by a cent each, so that none is taken for a duplicate.)
    rows = "".join(f"2025-03-14,Big,-{(10**14 - n) // 100}.{(10**14 - n) % 100:02d},Food\n" for n in range(92_234))
    response = client.post("/imports", files={"file": ("big.csv", f"Date,Description,Amount,Category\n{rows}".encode())})
    assert response.status_code == 409, response.text
    assert response.json() == {"detail": "A total would be larger than this app can add up "
                                         "(at most 92,233,720,368,547,758.07); nothing was saved."}
    assert client.get("/expenses/count").json() == {"count": 0}
