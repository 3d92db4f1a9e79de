"""Money in whole cents: a script's float noise is the cent it stands for, a real fraction of a
cent is refused in words, and no total, however large, gives a 5xx."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import expense_tracker as et
from conftest import expense

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
    assert client.get("/expenses/export").text.splitlines()[1].split(",")[1] == repr(meant)


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
cents = st.integers(min_value=1, max_value=et.MAX_AMOUNT * 100)
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
