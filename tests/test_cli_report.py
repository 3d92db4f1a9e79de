"""`expense-tracker report`: a year at a glance from the command line."""

import json
from datetime import date

import pytest


def ok(result) -> str:
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def spent(run):
    for amount, category, day in [
        ("12.50", "Food", "2025-01-05"), ("0.10", "Food", "2025-01-20"), ("0.20", "Food", "2025-01-21"),
        ("1234.50", "Utilities", "2025-03-01"), ("2.75", "Transport", "2025-03-09"), ("9", "Food", "2025-04-01"),
    ]:
        ok(run("add", "--amount", amount, "--description", "Thing", "--category", category, "--date", day))


def test_report_prints_an_aligned_table(run, spent):
    assert ok(run("report", "--from", "2025-01", "--to", "2025-03")) == (
        "2025-01 to 2025-03 (3 months), by category\n"
        "Category   2025-01  2025-02   2025-03     Total\n"
        "Utilities     0.00     0.00  1,234.50  1,234.50\n"
        "Food         12.80     0.00      0.00     12.80\n"
        "Transport     0.00     0.00      2.75      2.75\n"
        "Total        12.80     0.00  1,237.25  1,250.05\n"
    )


def test_report_csv_is_the_export(run, spent):
    result = run("report", "--from", "2025-02", "--to", "2025-03", "--csv")
    assert result.exit_code == 0, result.output
    # Bytes: click's Result.stdout turns \r\n into \n.
    assert result.stdout_bytes.decode() == (
        "Category,2025-02,2025-03,Total\r\n"
        "Utilities,0.00,1234.50,1234.50\r\n"
        "Transport,0.00,2.75,2.75\r\n"
        "Total,0.00,1237.25,1237.25\r\n"
    )


def test_report_json_is_the_api_answer(run, spent):
    result = json.loads(ok(run("report", "--from", "2025-04", "--to", "2025-05", "--json")))
    assert result == {
        "from": "2025-04", "to": "2025-05", "by": "category", "months": ["2025-04", "2025-05"],
        "rows": [{"id": 1, "name": "Food", "color": "#e67e22", "totals": [9.0, 0.0], "total": 9.0}],
        "month_totals": [9.0, 0.0], "total": 9.0,
    }


def test_report_default_is_the_last_12_months(run, spent):
    this_month = date.today().isoformat()[:7]
    result = json.loads(ok(run("report", "--json")))
    assert len(result["months"]) == 12 and result["to"] == this_month


def test_report_empty_months_show_zeros(run, spent):
    assert ok(run("report", "--from", "2023-01", "--to", "2023-02")) == (
        "2023-01 to 2023-02 (2 months), by category\n"
        "Category  2023-01  2023-02  Total\n"
        "Total        0.00     0.00   0.00\n"
    )


@pytest.mark.parametrize(("args", "error"), [
    (["--from", "2025-07", "--to", "2025-02"],
     "Error: The first month 2025-07 is after the last month 2025-02; 'from' must not be after 'to'.\n"),
    (["--from", "2025-7"], "Error: Invalid --from: must be a month in the form YYYY-MM, got '2025-7'.\n"),
    (["--to", "2025-00"], "Error: Invalid --to: must be a month in the form YYYY-MM, got '2025-00'.\n"),
    (["--from", "2000-01", "--to", "2025-01"],
     "Error: From 2000-01 to 2025-01 is 301 months; a report covers at most 120 months.\n"),
    (["--csv", "--json"], "Error: Choose one of --csv and --json.\n"),
])
def test_report_bad_period_is_one_line(run, spent, args, error):
    result = run("report", *args)
    assert result.exit_code == 2
    assert result.stderr == error


def test_report_help_has_an_example(run):
    assert "expense-tracker report --from 2025-01 --to 2025-12" in ok(run("report", "--help"))
