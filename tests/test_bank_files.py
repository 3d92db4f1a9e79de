"""Bank export files: what a user sees after reading a file, guessing its columns and parsing its rows."""

from __future__ import annotations

import os
import random
from decimal import Decimal
from pathlib import Path

import pytest

from tracker.bank_files import (
    DATE_FORMATS,
    BankFileError,
    Mapping,
    ParsedRow,
    guess_mapping,
    header_signature,
    parse_rows,
    read_file,
)

FIXTURES = Path(__file__).parent / "fixtures" / "import"
SAMPLES = Path(os.environ.get("EXPENSE_TRACKER_IMPORT_SAMPLES")
               or Path(__file__).resolve().parents[2] / "shared" / "import-samples")


def rows_of(data: bytes, file_name: str = "") -> list[ParsedRow]:
    table = read_file(data, file_name)
    return parse_rows(table, guess_mapping(table).mapping)


def seen(rows: list[ParsedRow]) -> list[tuple]:
    """A row as the import preview shows it: line, date, amount, in/out, description, problem."""
    return [(r.line, r.date, None if r.amount is None else str(r.amount), "in" if r.is_income else "out",
             r.description, r.problem) for r in rows]


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# ---------------------------------------------------------------------------
# Our own fixture files, row by row
# ---------------------------------------------------------------------------

FIXTURE_ROWS = [
    pytest.param("german_latin1.csv", [
        (2, "2024-01-02", "4.50", "out", "Bäckerei Müller · Brötchen und Kaffee", None),
        (3, "2024-01-03", "1234.56", "out", "Stadtwerke Köln · Strom Januar", None),
        (4, "2024-01-05", "2500.00", "in", "Arbeitgeber GmbH · Gehalt Januar", None),
        (5, "2024-01-31", "7.90", "out", "Kontoführung", None),
    ], id="german_latin1_semicolon_decimal_comma"),
    pytest.param("utf8_bom.csv", [
        (2, "2024-02-01", "3.80", "out", "Café Crème — Zürich", None),
        (3, "2024-02-02", "45.10", "out", "Grocery “Fresh” Market", None),
        (4, "2024-02-03", "12.00", "in", "Refund", None),
    ], id="utf8_bom"),
    pytest.param("french_cp1252_euro.csv", [
        (2, "2024-03-15", "78.40", "out", "Prélèvement EDF – facture n°12", None),
        (3, "2024-03-16", "20.00", "out", "Retrait DAB 20 €", None),
        (4, "2024-03-18", "1850.00", "in", "Virement reçu de l’employeur", None),
    ], id="cp1252_euro_sign"),
    pytest.param("quoted_newlines.csv", [
        (2, "2024-04-01", "950.00", "out", "Smith, John · Rent for April (paid late, sorry)", None),
        (4, "2024-04-02", "19.99", "out", 'ACME "Widgets" Ltd · Order 77', None),
        (5, "2024-04-03", "3000.00", "in", "Employer · Salary April", None),
    ], id="quoted_newlines_and_delimiters"),
    pytest.param("debit_credit_columns.csv", [
        (2, "2024-05-21", "23.45", "out", "TESCO STORES 3141", None),
        (3, "2024-05-22", "2100.00", "in", "SALARY ACME LTD", None),
        (4, "2024-05-28", "6.80", "out", "TFL TRAVEL CHARGE", None),
    ], id="separate_paid_out_paid_in"),
    pytest.param("debit_credit_flag.csv", [
        (2, "2024-06-10", "23.10", "out", "REWE Markt · Einkauf", None),
        (3, "2024-06-11", "310.00", "in", "Finanzamt · Steuererstattung", None),
        (4, "2024-06-12", "89.90", "out", "Deutsche Bahn · Fahrkarte", None),
    ], id="soll_haben_flag_column"),
    pytest.param("us_dates.csv", [
        (2, "2024-01-15", "4.25", "out", "Coffee Shop", None),
        (3, "2024-01-20", "1500.00", "in", "Paycheck", None),
        (4, "2024-01-31", "120.00", "out", "Electric Co", None),
    ], id="us_dates_parentheses_negative"),
    pytest.param("ambiguous_dates.csv", [
        (2, "2024-01-02", "3.20", "out", "Bakery", None),
        (3, "2024-05-03", "12.00", "out", "Books", None),
        (4, "2024-11-12", "30.00", "out", "Gift", None),
    ], id="ambiguous_dates_month_first_in_a_comma_file"),
    pytest.param("preamble.csv", [
        (7, "2024-07-01", "12.99", "out", "Netflix · Abo Juli", None),
        (8, "2024-07-15", "450.00", "in", "Max Mustermann · Miete Anteil", None),
        (9, None, "437.01", "in", "(no description)", "no date"),
    ], id="preamble_and_summary_row"),
    pytest.param("headerless.csv", [
        (1, "2024-08-01", "15.00", "out", "Pizzeria Da Mario", None),
        (2, "2024-08-02", "42.30", "out", "Tankstelle Shell", None),
        (3, "2024-08-05", "1200.00", "in", "Gehalt August", None),
    ], id="headerless"),
    pytest.param("pending.csv", [
        (2, None, "25.99", "out", "AMAZON MARKETPLACE", "pending — not booked yet"),
        (3, None, "12.50", "out", "TESCO", "pending — not booked yet"),
        (4, "2024-09-03", "33.10", "out", "WAITROSE", None),
        (5, "2024-09-02", "150.00", "in", "PAYMENT RECEIVED - THANK YOU", None),
    ], id="pending_dates"),
    pytest.param("damaged.csv", [
        (2, "2024-10-01", "3.50", "out", "Bakery", None),
        (3, None, "1.00", "out", "Impossible date", "the date '31.02.2024' is not a real date"),
        (4, "2024-10-02", None, "out", "Bad amount", "the amount '12,3,4' is not a number"),
        (5, "2024-10-03", "0.00", "out", "Zero", "zero amount"),
        (6, None, "5.00", "out", "No date", "no date"),
        (7, "2024-10-04", None, "out", "No amount", "no amount"),
        (8, "2024-10-05", None, "out", "Short row", "no amount"),
        (9, "2024-10-06", "2.80", "out", "Coffee", None),
    ], id="damaged_rows"),
    pytest.param("two_accounts.ofx", [
        (16, "2024-01-02", "42.50", "out", "AT&T WIRELESS · Phone bill", None),
        (24, "2024-01-03", "1500.00", "in", "ACME PAYROLL", None),
        (37, "2024-01-10", "9.99", "out", "CAFÉ ROMA", None),
    ], id="ofx_bank_and_credit_card"),
    pytest.param("bank.qif", [
        (2, "2024-01-15", "1234.56", "out", "Landlord · Rent January", None),
        (8, "2024-01-20", "2000.00", "in", "Employer", None),
        (13, "2024-01-22", "15.00", "out", "Cinema", None),
    ], id="qif_bank_skipping_investments"),
]


@pytest.mark.parametrize(("name", "expected"), FIXTURE_ROWS)
def test_rows_from_fixture(name: str, expected: list[tuple]) -> None:
    assert seen(rows_of(fixture(name), name)) == expected


FIXTURE_TABLES = [
    ("german_latin1.csv", "csv", "latin-1", ";", True),
    ("utf8_bom.csv", "csv", "utf-8-sig", ",", True),
    ("french_cp1252_euro.csv", "csv", "cp1252", ";", True),
    ("debit_credit_flag.csv", "csv", "utf-8", ";", True),
    ("preamble.csv", "csv", "utf-8", ";", True),
    ("headerless.csv", "csv", "utf-8", ";", False),
    ("two_accounts.ofx", "ofx", "cp1252", None, True),
    ("bank.qif", "qif", "utf-8", None, True),
]


@pytest.mark.parametrize(("name", "kind", "encoding", "delimiter", "has_header"), FIXTURE_TABLES)
def test_read_file_kind_encoding_delimiter(name: str, kind: str, encoding: str, delimiter: str | None,
                                           has_header: bool) -> None:
    table = read_file(fixture(name), name)
    assert (table.kind, table.encoding, table.delimiter, table.has_header) == (kind, encoding, delimiter, has_header)


def test_read_file_columns_named_after_header_or_numbered() -> None:
    assert read_file(fixture("utf8_bom.csv")).columns == ["Date", "Description", "Amount"]
    assert read_file(fixture("headerless.csv")).columns == ["Column 1", "Column 2", "Column 3", "Column 4"]
    assert read_file(fixture("two_accounts.ofx")).columns == ["Date", "Amount", "Payee", "Memo"]
    assert read_file(fixture("bank.qif")).columns == ["Date", "Amount", "Payee", "Memo", "Category"]


def test_categories_from_file() -> None:
    assert [r.category for r in rows_of(fixture("french_cp1252_euro.csv"))] == ["Énergie", "Espèces", "Salaire"]
    assert [r.category for r in rows_of(fixture("us_dates.csv"))] == ["Dining", "Income", "Utilities"]
    assert [r.category for r in rows_of(fixture("bank.qif"))] == ["Housing:Rent", "Salary", None]


# ---------------------------------------------------------------------------
# Column guessing
# ---------------------------------------------------------------------------


def test_guess_mapping_booking_date_over_value_date() -> None:
    data = (b"Valutadatum;Buchungstag;Verwendungszweck;Betrag\n"
            b"05.01.2024;03.01.2024;Miete;-800,00\n")
    guess = guess_mapping(read_file(data))
    assert guess.mapping.date == 1
    assert rows_of(data)[0].date == "2024-01-03"


GUESS_BY_LANGUAGE = [
    pytest.param("Date,Payee,Amount,Category\n2024-01-02,Shop,-5.00,Food\n",
                 dict(date=0, amount=2, description=[1], category=3), id="english"),
    pytest.param("Buchungstag;Auftraggeber/Empfänger;Buchungstext;Betrag;Kategorie\n"
                 "02.01.2024;REWE;Kartenzahlung;-5,00;Lebensmittel\n",
                 dict(date=0, amount=3, description=[1, 2], category=4), id="german"),
    pytest.param("Date de l'opération;Libellé;Débit;Crédit\n02/01/2024;CB Carrefour;5,00;\n",
                 dict(date=0, debit=2, credit=3, description=[1]), id="french_debit_credit"),
    pytest.param("Fecha;Concepto;Importe\n02/01/2024;Mercadona;-5,00\n",
                 dict(date=0, amount=2, description=[1]), id="spanish"),
    pytest.param("Дата;Описание;Сумма\n02.01.2024;Пятёрочка;-5,00\n",
                 dict(date=0, amount=2, description=[1]), id="russian"),
    pytest.param("Date,Description,Withdrawal,Deposit,Balance\n01/02/2024,ATM,20.00,,100.00\n",
                 dict(date=0, debit=2, credit=3, description=[1]), id="withdrawal_deposit_not_balance"),
    pytest.param("Datum;Text;Soll;Haben;Saldo\n02.01.2024;Miete;800,00;0,00;1.000,00\n",
                 dict(date=0, debit=2, credit=3, description=[1]), id="soll_haben_columns"),
    pytest.param("Date,Amount,Type,Description\n01/02/2024,5.00,DR,Shop\n01/03/2024,9.00,CR,Refund\n",
                 dict(date=0, amount=1, direction=2, description=[3]), id="dr_cr_flag"),
]


@pytest.mark.parametrize(("text", "expected"), GUESS_BY_LANGUAGE)
def test_guess_mapping_header_names(text: str, expected: dict) -> None:
    mapping = guess_mapping(read_file(text.encode())).mapping
    assert {key: getattr(mapping, key) for key in expected} == expected


def test_guess_mapping_headerless_by_content() -> None:
    data = ("AT12;Einkauf bei Billa Filiale 123 Wien;02.01.2024;03.01.2024;-12,40;EUR\n"
            "AT12;Gehalt Jänner;05.01.2024;05.01.2024;+2.100,00;EUR\n").encode()
    guess = guess_mapping(read_file(data))
    assert (guess.mapping.date, guess.mapping.amount, guess.mapping.description) == (2, 4, [1])
    assert [(r.date, str(r.amount), r.is_income) for r in parse_rows(read_file(data), guess.mapping)] == [
        ("2024-01-02", "12.40", False), ("2024-01-05", "2100.00", True)]


def test_guess_mapping_headerless_split_columns_more_filled_is_money_out() -> None:
    data = (b"02.01.2024\tBILLA\t02.01.2024\t\t12,40\n"
            b"03.01.2024\tGehalt\t03.01.2024\t2.100,00\t\n"
            b"04.01.2024\tSPAR\t04.01.2024\t\t8,10\n")
    mapping = guess_mapping(read_file(data)).mapping
    assert (mapping.debit, mapping.credit) == (4, 3)


def test_guess_mapping_unsigned_amounts_are_money_out() -> None:
    data = b"Date,Merchant,Amount\n2024-01-02,Shop,5.00\n2024-01-03,Cafe,3.20\n"
    guess = guess_mapping(read_file(data))
    assert guess.mapping.money_out_is_negative is False
    assert [(str(r.amount), r.is_income) for r in rows_of(data)] == [("5.00", False), ("3.20", False)]


def test_guess_mapping_card_statement_with_charges_positive() -> None:
    data = (b"Date,Description,Amount\n01/02/2024,Shop,25.00\n01/03/2024,Cafe,3.20\n01/04/2024,Books,12.00\n"
            b"01/05/2024,Fuel,40.00\n01/06/2024,Payment - thank you,-80.20\n")
    guess = guess_mapping(read_file(data))
    assert guess.mapping.money_out_is_negative is False
    assert [r.is_income for r in rows_of(data)] == [False, False, False, False, True]


def test_guess_mapping_ofx_and_qif_are_fixed() -> None:
    ofx = guess_mapping(read_file(fixture("two_accounts.ofx"))).mapping
    qif = guess_mapping(read_file(fixture("bank.qif"))).mapping
    assert (ofx.date, ofx.amount, ofx.description, ofx.category) == (0, 1, [2, 3], None)
    assert (qif.date, qif.amount, qif.description, qif.category) == (0, 1, [2, 3], 4)


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------

DATE_CASES = [
    pytest.param(["2012/3/22", "2012/3/24"], ["YYYY/MM/DD"], ["2012-03-22", "2012-03-24"], id="no_zero_padding"),
    pytest.param(["6/12/15", "6/13/15"], ["MM/DD/YY"], ["2015-06-12", "2015-06-13"], id="us_short_year"),
    pytest.param(["2020-01-01T13:45:00", "2020-01-02T08:00:00"], ["YYYY-MM-DD"], ["2020-01-01", "2020-01-02"],
                 id="iso_datetime"),
    pytest.param(["2020-01-01 13:45", "2020-01-31 08:00"], ["YYYY-MM-DD"], ["2020-01-01", "2020-01-31"],
                 id="date_and_time"),
    pytest.param(["03.04.18", "29.03.18"], ["DD.MM.YY"], ["2018-04-03", "2018-03-29"], id="german_short_year"),
    pytest.param(["31.12.2023", "01.01.2024"], ["DD.MM.YYYY"], ["2023-12-31", "2024-01-01"], id="german"),
    pytest.param(["12/31/2023", "1/1/2024"], ["MM/DD/YYYY"], ["2023-12-31", "2024-01-01"], id="us"),
    pytest.param(["2/14'2020", "12/1'2020"], ["M/D'YYYY"], ["2020-02-14", "2020-12-01"], id="quicken"),
    pytest.param(["20240131", "20240201"], ["YYYYMMDD"], ["2024-01-31", "2024-02-01"], id="compact"),
    pytest.param(["3 Sep 2024", "12-Oct-2024"], ["DD MMM YYYY"], ["2024-09-03", "2024-10-12"], id="month_names"),
    pytest.param(["01/02/2024", "03/04/2024"], ["MM/DD/YYYY", "DD/MM/YYYY"], ["2024-01-02", "2024-03-04"],
                 id="ambiguous_month_first_in_a_point_file"),
]


@pytest.mark.parametrize(("values", "formats", "dates"), DATE_CASES)
def test_dates_format_decided_from_all_rows(values: list[str], formats: list[str], dates: list[str]) -> None:
    data = "Date,Description,Amount\n" + "".join(f"{v},Shop,-1.00\n" for v in values)
    guess = guess_mapping(read_file(data.encode()))
    assert guess.date_formats == formats
    assert [r.date for r in parse_rows(read_file(data.encode()), guess.mapping)] == dates


def test_dates_ambiguous_day_first_in_a_decimal_comma_file() -> None:
    data = b"Datum;Text;Betrag\n01.02.2024;A;-1,00\n03.04.2024;B;-2,00\n"
    assert guess_mapping(read_file(data)).date_formats == ["DD.MM.YYYY"]
    data = b"Date;Text;Amount\n01/02/2024;A;-1,00\n03/04/2024;B;-2,00\n"
    guess = guess_mapping(read_file(data))
    assert guess.date_formats == ["DD/MM/YYYY", "MM/DD/YYYY"]
    assert [r.date for r in parse_rows(read_file(data), guess.mapping)] == ["2024-02-01", "2024-04-03"]


def test_dates_user_choice_of_ambiguous_format() -> None:
    table = read_file(fixture("ambiguous_dates.csv"))
    guess = guess_mapping(table)
    assert guess.date_formats == ["MM/DD/YYYY", "DD/MM/YYYY"]
    guess.mapping.date_format = "DD/MM/YYYY"
    assert [r.date for r in parse_rows(table, guess.mapping)] == ["2024-02-01", "2024-03-05", "2024-12-11"]


def test_dates_format_names_listed() -> None:
    for name in ["YYYY-MM-DD", "DD/MM/YYYY", "MM/DD/YYYY", "DD.MM.YYYY", "DD.MM.YY", "MM/DD/YY", "DD/MM/YY",
                 "YYYY/MM/DD", "M/D'YYYY"]:
        assert name in DATE_FORMATS


# ---------------------------------------------------------------------------
# Amounts
# ---------------------------------------------------------------------------

AMOUNT_CASES = [
    pytest.param(["1.500,00", "-4,50", "12,23"], [("1500.00", "in"), ("4.50", "out"), ("12.23", "in")],
                 id="decimal_comma_point_thousands"),
    pytest.param(["1,000.00", "-12.50"], [("1000.00", "in"), ("12.50", "out")], id="decimal_point_comma_thousands"),
    pytest.param(["-,01", "-4320,4", "100,23"], [("0.01", "out"), ("4320.40", "out"), ("100.23", "in")],
                 id="sberbank_short_forms"),
    pytest.param(["$1,234.56", "-$7.00"], [("1234.56", "in"), ("7.00", "out")], id="dollar_prefix"),
    pytest.param(["+ $73.01", "- $12.01"], [("73.01", "in"), ("12.01", "out")], id="sign_space_dollar"),
    pytest.param(["(12.50)", "20.00"], [("12.50", "out"), ("20.00", "in")], id="parentheses_negative"),
    pytest.param(["-100", "250"], [("100.00", "out"), ("250.00", "in")], id="whole_numbers"),
    pytest.param(["12,50-", "3,00"], [("12.50", "out"), ("3.00", "in")], id="trailing_minus"),
    pytest.param(["€ 12,50", "-12,50 EUR"], [("12.50", "in"), ("12.50", "out")], id="euro_sign_and_code"),
    pytest.param(["£3.50", "-£1,200.00"], [("3.50", "in"), ("1200.00", "out")], id="pound"),
    pytest.param(["R$ 1.234,56", "-R$ 10,00"], [("1234.56", "in"), ("10.00", "out")], id="brazilian_real"),
    pytest.param(["USD 5.00", "-7.25 USD"], [("5.00", "in"), ("7.25", "out")], id="usd_code"),
    pytest.param(["1 234,56", "-2 000,00"], [("1234.56", "in"), ("2000.00", "out")], id="space_thousands"),
    pytest.param(["12.50 CR", "7.25 DR"], [("12.50", "in"), ("7.25", "out")], id="cr_dr_suffix"),
]


@pytest.mark.parametrize(("cells", "expected"), AMOUNT_CASES)
def test_amounts_read_as_decimal(cells: list[str], expected: list[tuple[str, str]]) -> None:
    data = 'Date;Description;Amount\n' + "".join(f'"0{i + 1}.02.2024";"Shop";"{c}"\n' for i, c in enumerate(cells))
    rows = rows_of(data.encode())
    assert [r.problem for r in rows] == [None] * len(cells)
    assert all(isinstance(r.amount, Decimal) for r in rows)
    assert [(str(r.amount), "in" if r.is_income else "out") for r in rows] == expected


@pytest.mark.parametrize(("cell", "problem"), [
    pytest.param("abc", "the amount 'abc' is not a number", id="letters"),
    pytest.param("12,3,4", "the amount '12,3,4' is not a number", id="three_commas"),
    pytest.param("1.2.3,00", "the amount '1.2.3,00' is not a number", id="bad_grouping"),
    pytest.param("--5,00", "the amount '--5,00' is not a number", id="two_signs"),
    pytest.param("0,005", "the amount '0,005' has more than two decimal places", id="three_decimals"),
    pytest.param("5.000.000.000.000,00", "the amount '5.000.000.000.000,00' is too large", id="too_large"),
    pytest.param("0,00", "zero amount", id="zero"),
])
def test_amounts_problem_in_words(cell: str, problem: str) -> None:
    data = f"Date;Description;Amount\n01.02.2024;Shop;-1,50\n02.02.2024;Shop;{cell}\n".encode()
    assert rows_of(data)[1].problem == problem


# ---------------------------------------------------------------------------
# Encodings, line ends, damaged and foreign files
# ---------------------------------------------------------------------------

ENCODING_CASES = [
    pytest.param("Дата;Описание;Сумма\n01.02.2020;Оплата в магазине Пятёрочка;-100,50\n", "cp1251", "cp1251",
                 "Оплата в магазине Пятёрочка", id="cp1251_cyrillic"),
    pytest.param("Datum;Text;Betrag\n01.02.2020;Überweisung Müller Straße;-100,50\n", "latin-1", "latin-1",
                 "Überweisung Müller Straße", id="latin1"),
    pytest.param("Datum;Text;Betrag\n01.02.2020;Gebühr „Konto“ 5 €;-5,00\n", "cp1252", "cp1252",
                 "Gebühr „Konto“ 5 €", id="cp1252_c1_bytes"),
    pytest.param("Date,Text,Amount\n2020-02-01,Crème brûlée,-5.00\n", "utf-8", "utf-8", "Crème brûlée", id="utf8"),
    pytest.param("Date,Text,Amount\n2020-02-01,Crème brûlée,-5.00\n", "utf-16", "utf-16", "Crème brûlée",
                 id="utf16_bom"),
    pytest.param("Date,Text,Amount\n2020-02-01,Crème brûlée,-5.00\n", "utf-16-le", "utf-16-le", "Crème brûlée",
                 id="utf16_without_bom"),
    pytest.param("Datum;Text;Betrag\n01.02.2020;Überweisung Müller;-100,50\n", "cp850", "cp437 cp850",
                 "Überweisung Müller", id="dos_cp850_or_the_equal_cp437"),
]


def test_encoding_utf8_with_one_damaged_byte_stays_utf8() -> None:
    data = "Date,Text,Amount\n2024-01-01,Café,-1.00\n2024-01-02,Crème brûlée,-2.00\n".encode() + b"2024-01-03,B\xe4d,-3.00\n"
    table = read_file(data)
    assert table.encoding == "utf-8"
    assert [r.description for r in parse_rows(table, guess_mapping(table).mapping)] == [
        "Café", "Crème brûlée", "B\ufffdd"]


def test_encoding_stray_nul_byte_dropped() -> None:
    assert [r.description for r in rows_of(b"Date,Text,Amount\n2024-01-01,A\x00B,-1.00\n")] == ["AB"]


@pytest.mark.parametrize(("text", "written_as", "read_as", "description"), ENCODING_CASES)
def test_encoding_detected(text: str, written_as: str, read_as: str, description: str) -> None:
    table = read_file(text.encode(written_as))
    assert table.encoding in read_as.split()
    assert parse_rows(table, guess_mapping(table).mapping)[0].description == description


LINE_END_CASES = [
    pytest.param(b"Date,Text,Amount\n2024-01-01,A,-1.00\n2024-01-02,B,-2.00\n", id="lf"),
    pytest.param(b"Date,Text,Amount\r\n2024-01-01,A,-1.00\r\n2024-01-02,B,-2.00\r\n", id="crlf"),
    pytest.param(b"Date,Text,Amount\r2024-01-01,A,-1.00\r2024-01-02,B,-2.00\r", id="cr_only"),
    pytest.param(b"Date,Text,Amount\n2024-01-01,A,-1.00\n2024-01-02,B,-2.00", id="no_final_newline"),
    pytest.param(b"Date,Text,Amount\n2024-01-01,A,-1.00\n2024-01-02,B,-2.00\n\x00", id="trailing_nul"),
    pytest.param(b"Date,Text,Amount\n\n2024-01-01,A,-1.00\n\n2024-01-02,B,-2.00\n\n", id="blank_lines"),
]


@pytest.mark.parametrize("data", LINE_END_CASES)
def test_line_ends_read_alike(data: bytes) -> None:
    rows = rows_of(data)
    assert [(r.date, str(r.amount), r.description) for r in rows] == [
        ("2024-01-01", "1.00", "A"), ("2024-01-02", "2.00", "B")]
    blank = b"\n\n" in data
    assert [r.line for r in rows] == ([3, 5] if blank else [2, 3])


NOT_BANK_FILES = [
    pytest.param(b"", "empty", id="empty"),
    pytest.param(b"  \r\n\n", "empty", id="only_whitespace"),
    pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01", "picture", id="png"),
    pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF", id="pdf"),
    pytest.param(b"PK\x03\x04\x14\x00\x06\x00", "CSV", id="xlsx"),
    pytest.param(b"<!DOCTYPE html>\n<html><table><tr><td>1</td></tr></table></html>", "web page", id="html_as_xls"),
    pytest.param(random.Random(7).randbytes(3000), "not a text file", id="random_bytes"),
    pytest.param(b"Name\nAlice\nBob\n", "only one column", id="one_column_csv"),
    pytest.param(b"Date,Description,Amount\n", "no rows", id="header_only"),
    pytest.param(b"OFXHEADER:100\nDATA:OFXSGML\n\n<OFX><SIGNONMSGSRSV1></SIGNONMSGSRSV1></OFX>\n",
                 "no transactions", id="ofx_without_transactions"),
    pytest.param(b"!Type:Invst\nD1/2'2024\nNBuy\nT10.00\n^\n", "no bank", id="qif_investments_only"),
]


@pytest.mark.parametrize(("data", "words"), NOT_BANK_FILES)
def test_not_a_bank_file_refused_in_words(data: bytes, words: str) -> None:
    with pytest.raises(BankFileError) as raised:
        read_file(data, "upload.bin")
    message = str(raised.value)
    assert words in message
    assert message.endswith(".") and "\n" not in message


@pytest.mark.parametrize(("name", "words"), [
    pytest.param("statement.ofx", "no <OFX> section", id="ofx"),
    pytest.param("statement.QFX", "no <OFX> section", id="qfx"),
    pytest.param("statement.qif", "no bank, cash or credit-card transactions", id="qif"),
])
def test_not_a_bank_file_named_like_one(name: str, words: str) -> None:
    with pytest.raises(BankFileError, match=words):
        read_file(b"Date,Text,Amount\n2024-01-01,A,-1.00\n", name)


def test_csv_unclosed_quote_names_the_line() -> None:
    with pytest.raises(BankFileError) as raised:
        read_file(b'Date,Text,Amount\n2024-01-01,A,-1.00\n2024-01-02,"' + b"x" * 200_000)
    assert raised.value.line == 3
    assert str(raised.value).startswith("Line 3: ")


def test_description_whitespace_collapsed_and_capped() -> None:
    data = ("Date,Text,Amount\n2024-01-01,\"  Two\tspaces   and\u00a0more  \",-1.00\n"
            f"2024-01-02,{'x' * 300},-1.00\n2024-01-03,,-1.00\n").encode()
    rows = rows_of(data)
    assert rows[0].description == "Two spaces and more"
    assert len(rows[1].description) == 200 and rows[1].description.endswith("…")
    assert rows[2].description == "(no description)" and rows[2].problem is None


def test_damaged_files_refused_in_words_or_read_never_crash() -> None:
    pick = random.Random(11)
    originals = [p.read_bytes() for p in sorted(FIXTURES.iterdir())]
    inserts = [b'"', b";", b",", b"\t", b"\n", b"\r", b"<", b">", b"^", b"-", b"\x00", b"\xe4", b"</STMTTRN>"]
    for _ in range(300):
        data = bytearray(pick.choice(originals))
        for _ in range(pick.randint(1, 6)):
            at = pick.randrange(len(data) or 1)
            data[at:at + pick.randint(0, 20)] = pick.choice(inserts + [bytes([pick.randrange(256)])])
        try:
            table = read_file(bytes(data))
            rows = parse_rows(table, guess_mapping(table).mapping)
        except BankFileError as error:
            assert str(error).endswith(".")
            continue
        for row in rows:
            assert row.problem is not None or (row.date and row.amount and row.amount > 0 and row.description)


def test_junk_and_summary_rows_are_problems_not_errors() -> None:
    data = (b"Date,Text,Amount\n2024-01-01,A,-1.00\n2024-01-02,B,-2.00\n2024-01-03,C,-3.00\n,,\n,Total,-6.00\n"
            b"A note at the end with no numbers\nTotal:,,-6.00,extra,cells\n")
    assert [r.problem for r in rows_of(data)] == [
        None, None, None, "no date", "not a transaction (no date and no amount)", "no date"]


# ---------------------------------------------------------------------------
# OFX and QIF details
# ---------------------------------------------------------------------------


def test_ofx_xml_version_2_with_decimal_comma() -> None:
    data = b"""<?xml version="1.0" encoding="UTF-8"?>
<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" NEWFILEUID="NONE"?>
<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><BANKTRANLIST>
<STMTTRN><TRNTYPE>DEBIT</TRNTYPE><DTPOSTED>20240301</DTPOSTED><TRNAMT>-1.200,50</TRNAMT><NAME>Miete</NAME></STMTTRN>
<STMTTRN><TRNTYPE>CREDIT</TRNTYPE><DTPOSTED>20240302</DTPOSTED><TRNAMT>15,00</TRNAMT><MEMO>Zinsen</MEMO></STMTTRN>
</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>"""
    table = read_file(data)
    assert [r.cells[:2] for r in table.records] == [["2024-03-01", "-1200.50"], ["2024-03-02", "15.00"]]
    assert seen(parse_rows(table, guess_mapping(table).mapping)) == [
        (4, "2024-03-01", "1200.50", "out", "Miete", None), (5, "2024-03-02", "15.00", "in", "Zinsen", None)]


def test_ofx_without_name_or_memo_names_the_kind() -> None:
    data = (b"OFXHEADER:100\nDATA:OFXSGML\n\n<OFX><BANKTRANLIST>\n<STMTTRN><TRNTYPE>CHECK<DTPOSTED>20240105"
            b"<TRNAMT>-20.00<CHECKNUM>1001</STMTTRN>\n<STMTTRN><TRNTYPE>ATM<DTPOSTED>20240106<TRNAMT>-40.00"
            b"</STMTTRN>\n</BANKTRANLIST></OFX>\n")
    assert [r.description for r in rows_of(data)] == ["Check #1001", "ATM withdrawal"]


def test_ofx_damaged_transaction_is_a_problem_row() -> None:
    data = (b"OFXHEADER:100\n\n<OFX><BANKTRANLIST>\n"
            b"<STMTTRN><DTPOSTED>20240105<TRNAMT>-20.00<NAME>Good</STMTTRN>\n"
            b"<STMTTRN><DTPOSTED>20240106<NAME>Bad</NAME>stray text<TRNAMT>-1.00</STMTTRN>\n"
            b"<STMTTRN><DTPOSTED>20240107<TRNAMT>-30.00<NAME>Also good</STMTTRN>\n</BANKTRANLIST></OFX>")
    assert seen(rows_of(data)) == [
        (4, "2024-01-05", "20.00", "out", "Good", None),
        (5, None, None, "out", "(damaged transaction)", "not a transaction (no date and no amount)"),
        (6, "2024-01-07", "30.00", "out", "Also good", None)]


def test_qif_day_first_dates_decided_from_all_rows() -> None:
    data = b"!Type:Cash\nD11/10/2013\nT-5.00\nPA\n^\nD23/10/2013\nT-6.50\nPB\n^\n"
    guess = guess_mapping(read_file(data))
    assert guess.date_formats == ["DD/MM/YYYY"]
    assert [r.date for r in rows_of(data)] == ["2013-10-11", "2013-10-23"]


def test_qif_last_record_without_caret_and_cp1252() -> None:
    rows = rows_of(b"!Type:CCard\r\nD03/03/10\r\nT-379.00\r\nPSOME \xa3$\x99\x80 CHARACTERS")
    assert seen(rows) == [(2, "2010-03-03", "379.00", "out", "SOME £$™€ CHARACTERS", None)]


def test_qif_memorized_and_account_lists_skipped() -> None:
    data = (b"!Account\nNChecking\nTBank\n^\n!Type:Bank\nD1/5'2024\nT-9.00\nPShop\n^\n"
            b"!Type:Memorized\nT-50.00\nPRent\n^\n!Type:Cat\nNFood\n^\n")
    assert [(r.date, r.description) for r in rows_of(data)] == [("2024-01-05", "Shop")]


# ---------------------------------------------------------------------------
# Mappings: saving, loading, refusing
# ---------------------------------------------------------------------------


def test_mapping_json_round_trip() -> None:
    mapping = Mapping(date=1, debit=4, credit=5, description=[3, 2], category=6, date_format="DD.MM.YY",
                      decimal=",", money_out_is_negative=False)
    assert Mapping.from_json(mapping.to_json()) == mapping
    assert Mapping.from_json({"date": 0, "amount": 1}) == Mapping(date=0, amount=1)


@pytest.mark.parametrize(("data", "words"), [
    pytest.param([1, 2], "not a set of named settings", id="not_a_dict"),
    pytest.param({"date": 0, "colour": "red"}, "unknown setting 'colour'", id="unknown_key"),
    pytest.param({"date": "first"}, "date setting", id="index_not_a_number"),
    pytest.param({"date": -1}, "date setting", id="negative_index"),
    pytest.param({"amount": True}, "amount setting", id="boolean_index"),
    pytest.param({"description": 3}, "list of columns", id="description_not_a_list"),
    pytest.param({"date_format": "YYYY-DD-MM"}, "date format 'YYYY-DD-MM'", id="unknown_date_format"),
    pytest.param({"decimal": ";"}, "decimal separator", id="bad_decimal"),
    pytest.param({"money_out_is_negative": "yes"}, "true or false", id="bad_sign_setting"),
])
def test_mapping_from_json_refuses_nonsense(data: object, words: str) -> None:
    with pytest.raises(BankFileError, match=words):
        Mapping.from_json(data)  # type: ignore[arg-type]


@pytest.mark.parametrize(("mapping", "words"), [
    pytest.param(Mapping(amount=2), "date", id="no_date_column"),
    pytest.param(Mapping(date=0), "amount", id="no_amount_column"),
    pytest.param(Mapping(date=0, amount=7), "Column 8 does not exist: the file has 3 columns.", id="out_of_range"),
    pytest.param(Mapping(date=0, amount=2, description=[9]), "Column 10 does not exist", id="description_out_of_range"),
    pytest.param(Mapping(date=0, debit=2, direction=1), "amount column", id="direction_without_amount"),
])
def test_parse_rows_refuses_unusable_mapping(mapping: Mapping, words: str) -> None:
    with pytest.raises(BankFileError, match=words):
        parse_rows(read_file(fixture("ambiguous_dates.csv")), mapping)


def test_header_signature_same_kind_of_file() -> None:
    first = read_file(b"Date;Text;Amount\n01.01.2024;A;-1,00\n")
    second = read_file(b'"date";"TEXT";" Amount "\n05.05.2024;B;-9,00\n02.05.2024;C;-3,00\n')
    other = read_file(b"Date;Text;Betrag\n01.01.2024;A;-1,00\n")
    assert header_signature(first) == header_signature(second) != header_signature(other)
    assert header_signature(read_file(fixture("headerless.csv"))) == "csv:;:4 columns"
    assert header_signature(read_file(fixture("two_accounts.ofx"))) == "ofx::4 columns"
    assert header_signature(read_file(fixture("bank.qif"))) == "qif::5 columns"


# ---------------------------------------------------------------------------
# Speed
# ---------------------------------------------------------------------------


def big_csv(rows: int) -> bytes:
    """About 70 bytes a row, like a German bank export: 100,000 rows make about 7 MB."""
    pick = random.Random(3)
    lines = ["Buchungstag;Valuta;Empfänger;Verwendungszweck;Betrag;Währung"]
    for number in range(rows):
        day = f"{pick.randint(1, 28):02d}.{pick.randint(1, 12):02d}.20{pick.randint(10, 24)}"
        amount = f"{pick.choice(['-', ''])}{pick.choice(['', '1.', '2.'])}{pick.randint(100, 999)},{pick.randint(0, 99):02d}"
        lines.append(f"{day};{day};REWE Markt {number % 977};Kartenzahlung {number};{amount};EUR")
    return "\r\n".join(lines).encode("utf-8")


def test_large_file_reads_every_row() -> None:
    # Its speed is measured by bench/import_bench.py, not asserted here.
    data = big_csv(100_000)
    assert 6_000_000 < len(data) < 8_000_000
    table = read_file(data)
    rows = parse_rows(table, guess_mapping(table).mapping)
    assert len(rows) == 100_000 and all(r.problem is None for r in rows)


# ---------------------------------------------------------------------------
# The seventeen real export files in shared/import-samples (see its README)
# ---------------------------------------------------------------------------
# Facts checked for each file, as the README states them:
#   Tx    transactions: rows without a problem, plus rows whose only problem is "zero amount" (the README
#         counts the 0.00 opening balance and the 0,00 account-closing row; the app cannot store 0.00)
#   Out   sum of money-out amounts of the rows without a problem
#   In    sum of money-in amounts of the rows without a problem
#   first and last transaction date in file order
# Sparkasse: its pending row is a problem row, so 17 booked transactions and Out = 1280.46 without it.

SAMPLE_FACTS = {
    "csv2ofx__schwab-checking.csv": (4, "235.27", "20.00", "2022-08-17", "2022-08-04"),
    "csv2ofx__mint.csv": (4, "5000.00", "2000.00", "2015-06-12", "2015-06-14"),
    "ledger-autosync__venmo.csv": (4, "47.03", "123.04", "2020-01-01", "2020-01-04"),
    "ofxstatement-austrian__ing-diba.csv": (6, "1534.56", "542.53", "2013-12-31", "2013-08-13"),
    "ofxstatement-austrian__easybank-giro.csv": (10, "1586.17", "23.31", "2014-01-01", "2015-10-07"),
    "ofxstatement-sparkasse-freiburg__simple2.csv": (17, "1280.46", "1410.22", "2018-04-03", "2018-03-21"),
    "bank2ynab__test_delimiter_tab.csv": (73, "6458.90", "1878.20", "2017-09-18", "2017-10-19"),
    "ofxstatement-russian__sberbank.csv": (11, "9870.41", "17209.24", "2019-10-31", "2019-04-01"),
    "hledger__sample.fr.cp1252.csv": (3, "30.00", "50.00", "2012-03-22", "2012-03-24"),
    "ofxparse__checking.ofx": (3, "59.51", "0.01", "2011-03-31", "2011-04-07"),
    "ledger-autosync__accented_characters_latin1.ofx": (1, "58.73", "0", "2014-09-20", "2014-09-20"),
    "ofxtools__stmtrs_euro.ofx": (2, "500.00", "0", "2005-10-04", "2005-10-20"),
    "ofxtools__br_nubank_cc.ofx": (6, "1280.91", "0", "2024-03-23", "2024-03-22"),
    "beancount_reds_importers__360Checking.qfx": (4, "100", "1333.55", "2023-02-28", "2023-01-12"),
    "quiffen__test.qif": (6, "135.00", "99.50", "2020-02-10", "2020-02-10"),
    "qif2json__windows-1252.qif": (1, "379.00", "0", "2010-03-03", "2010-03-03"),
    "qifparse__file.qif": (3, "54.50", "31.00", "2013-10-23", "2013-10-11"),
}


def sample(name: str) -> bytes:
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"real export samples not found at {SAMPLES} (set EXPENSE_TRACKER_IMPORT_SAMPLES)")
    return path.read_bytes()


@pytest.mark.parametrize("name", sorted(SAMPLE_FACTS))
def test_real_sample_readme_facts(name: str) -> None:
    rows = rows_of(sample(name), name)
    tx, out, income, first, last = SAMPLE_FACTS[name]
    booked = [r for r in rows if r.problem in (None, "zero amount")]
    clean = [r for r in rows if r.problem is None]
    assert len(booked) == tx
    assert sum((r.amount for r in clean if not r.is_income), Decimal(0)) == Decimal(out)
    assert sum((r.amount for r in clean if r.is_income), Decimal(0)) == Decimal(income)
    assert (booked[0].date, booked[-1].date) == (first, last)


def test_real_samples_every_file_has_facts() -> None:
    if not SAMPLES.is_dir():
        pytest.skip(f"real export samples not found at {SAMPLES} (set EXPENSE_TRACKER_IMPORT_SAMPLES)")
    assert sorted(p.name for p in SAMPLES.iterdir() if p.name != "README.md") == sorted(SAMPLE_FACTS)


def test_real_sample_sparkasse_pending_row() -> None:
    rows = rows_of(sample("ofxstatement-sparkasse-freiburg__simple2.csv"))
    assert len(rows) == 18
    assert [(r.line, r.problem, str(r.amount)) for r in rows if r.problem not in (None, "zero amount")] == [
        (2, "pending — not booked yet", "22.59")]


def test_real_sample_tab_junk_row() -> None:
    rows = rows_of(sample("bank2ynab__test_delimiter_tab.csv"))
    assert len(rows) == 74
    assert [(r.line, r.problem) for r in rows if r.problem] == [(71, "not a transaction (no date and no amount)")]


def test_real_sample_table_shapes() -> None:
    shapes = {name: (t.kind, t.encoding, t.delimiter, t.has_header) for name in SAMPLE_FACTS
              for t in [read_file(sample(name), name)]}
    assert shapes["ofxstatement-austrian__ing-diba.csv"] == ("csv", "latin-1", ";", True)
    assert shapes["ofxstatement-austrian__easybank-giro.csv"] == ("csv", "latin-1", ";", False)
    assert shapes["bank2ynab__test_delimiter_tab.csv"] == ("csv", "latin-1", "\t", False)
    assert shapes["ofxstatement-russian__sberbank.csv"] == ("csv", "utf-8-sig", ";", True)
    assert shapes["hledger__sample.fr.cp1252.csv"] == ("csv", "cp1252", ",", True)
    assert shapes["ledger-autosync__accented_characters_latin1.ofx"][:2] == ("ofx", "cp1252")
    assert shapes["qif2json__windows-1252.qif"][:2] == ("qif", "cp1252")


def test_real_sample_descriptions_keep_their_letters() -> None:
    assert rows_of(sample("hledger__sample.fr.cp1252.csv"))[2].description == "CAFÉ — €20 REÇU"
    assert rows_of(sample("ledger-autosync__accented_characters_latin1.ofx"))[0].description == (
        "Virement Interac à: Jean")
    assert rows_of(sample("ofxstatement-russian__sberbank.csv"))[1].description == "ATM 762019"


# ---------------------------------------------------------------------------
# Real files that came in wrong (issue 15): what the person gets from each
# ---------------------------------------------------------------------------

DIRECTION_MARKS = [
    pytest.param(  # a UK card statement: unsigned charges, `CR` on credits in a column without a name
        "Date,Description,Amount,\n"
        "12/03/2024,TESCO STORES 2331,23.45,\n"
        "13/03/2024,PAYMENT RECEIVED - THANK YOU,500.00,CR\n"
        "14/03/2024,SHELL UK 4432,40.10,\n", "utf-8",
        [(2, "2024-03-12", "23.45", "out", "TESCO STORES 2331", None),
         (3, "2024-03-13", "500.00", "in", "PAYMENT RECEIVED - THANK YOU", None),
         (4, "2024-03-14", "40.10", "out", "SHELL UK 4432", None)], id="card_cr_in_unnamed_last_column"),
    pytest.param(  # a card statement marking its credits in the amount itself
        "Date,Description,Amount\n"
        "12/03/2024,TESCO STORES 2331,23.45\n"
        "13/03/2024,PAYMENT RECEIVED,500.00 CR\n"
        "14/03/2024,SHELL UK 4432,40.10\n", "utf-8",
        [(2, "2024-03-12", "23.45", "out", "TESCO STORES 2331", None),
         (3, "2024-03-13", "500.00", "in", "PAYMENT RECEIVED", None),
         (4, "2024-03-14", "40.10", "out", "SHELL UK 4432", None)], id="card_cr_after_amount"),
    pytest.param(  # an account statement marking only its debits
        "Posting Date;Details;Amount;Type\n"
        "02.04.2024;SEPA Lastschrift Stadtwerke;80,00;D\n"
        "03.04.2024;Gehalt April;2.100,00;\n"
        "05.04.2024;Kartenzahlung Aldi;31,20;D\n", "utf-8",
        [(2, "2024-04-02", "80.00", "out", "SEPA Lastschrift Stadtwerke", None),
         (3, "2024-04-03", "2100.00", "in", "Gehalt April", None),
         (4, "2024-04-05", "31.20", "out", "Kartenzahlung Aldi", None)], id="debit_marks_only"),
    pytest.param(  # German Soll/Haben marks (kept as it was)
        "Buchungstag;Valuta;Empfänger;Verwendungszweck;Umsatz;Soll/Haben\n"
        "03.03.2025;05.03.2025;REWE;Einkauf;23,45;S\n"
        "04.03.2025;04.03.2025;Arbeitgeber;Gehalt;2.500,00;H\n", "latin-1",
        [(2, "2025-03-03", "23.45", "out", "REWE · Einkauf", None),
         (3, "2025-03-04", "2500.00", "in", "Arbeitgeber · Gehalt", None)], id="soll_haben_marks"),
    pytest.param(  # both kinds of mark: an unmarked row says neither
        "Date,Amount,Type,Description\n"
        "01/02/2024,5.00,DR,Shop\n01/03/2024,9.00,CR,Refund\n01/04/2024,7.00,,Cafe\n", "utf-8",
        [(2, "2024-01-02", "5.00", "out", "Shop", None),
         (3, "2024-01-03", "9.00", "in", "Refund", None),
         (4, "2024-01-04", "7.00", "out", "Cafe", "no debit/credit mark")], id="dr_cr_marks_unmarked_row"),
]


@pytest.mark.parametrize(("text", "encoding", "expected"), DIRECTION_MARKS)
def test_direction_marks_empty_mark_is_the_columns_usual_sense(text: str, encoding: str, expected: list) -> None:
    assert seen(rows_of(text.encode(encoding))) == expected


BOOKING_AND_VALUE_DATES = [
    pytest.param("Buchung;Valuta;Auftraggeber/Empfänger;Buchungstext;Verwendungszweck;Saldo;Währung;Betrag;Währung\n"
                 "28.02.2025;03.03.2025;REWE Markt GmbH;Lastschrift;REWE SAGT DANKE 1234;1.234,56;EUR;-23,45;EUR\n"
                 "27.02.2025;03.03.2025;Stadtwerke;Lastschrift;Strom Februar;1.258,01;EUR;-80,00;EUR\n",
                 ["2025-02-28", "2025-02-27"], id="ing_de_buchung_valuta"),
    pytest.param("Buchungstag;Wertstellung (Valuta);Vorgang;Buchungstext;Umsatz in EUR\n"
                 "28.02.2025;03.03.2025;Lastschrift;REWE SAGT DANKE;-23,45\n",
                 ["2025-02-28"], id="comdirect_wertstellung_valuta"),
    pytest.param("Valutadatum;Buchungsdatum;Verwendungszweck;Betrag\n"
                 "03.03.2025;28.02.2025;Miete März;-800,00\n",
                 ["2025-02-28"], id="valutadatum_before_buchungsdatum"),
    pytest.param("Transactiedatum,Valutadatum,Omschrijving,Bedrag\n"
                 "20250228,20250303,Albert Heijn 1234,-23.45\n20250227,20250301,NS Reizigers,-8.10\n",
                 ["2025-02-28", "2025-02-27"], id="dutch_transactiedatum_valutadatum"),
    pytest.param("Boekdatum;Valutadatum;Naam tegenpartij;Bedrag\n"
                 "28-02-2025;03-03-2025;Jumbo;-12,40\n",
                 ["2025-02-28"], id="dutch_boekdatum_valutadatum"),
    pytest.param("Posting Date,Transaction Date,Description,Amount\n"
                 "03/03/2025,02/28/2025,AMAZON.COM,-23.45\n03/01/2025,02/27/2025,UBER TRIP,-8.10\n",
                 ["2025-02-28", "2025-02-27"], id="english_transaction_over_posting"),
    pytest.param("Value Date,Booking Date,Description,Amount\n"
                 "03/03/2025,28/02/2025,TESCO,-23.45\n",
                 ["2025-02-28"], id="english_booking_over_value"),
]


@pytest.mark.parametrize(("text", "dates"), BOOKING_AND_VALUE_DATES)
def test_dates_booking_or_transaction_date_over_value_date(text: str, dates: list[str]) -> None:
    assert [r.date for r in rows_of(text.encode())] == dates


DESCRIPTION_COLUMNS = [
    pytest.param(  # the account holder's name on every row, beside the payee and the purpose
        "Name;Buchungstag;Beguenstigter/Zahlungspflichtiger;Verwendungszweck;Betrag\n"
        "Max Mustermann;03.03.2025;BVG;Fahrschein AB;-2,90\n"
        "Max Mustermann;03.03.2025;REWE Markt;REWE SAGT DANKE 123;-12,90\n"
        "Max Mustermann;04.03.2025;Netto;Einkauf;-7,90\n"
        "Max Mustermann;05.03.2025;Stadtwerke;Strom März;-80,00\n",
        ["BVG · Fahrschein AB", "REWE Markt · REWE SAGT DANKE 123", "Netto · Einkauf", "Stadtwerke · Strom März"],
        id="holder_name_repeated"),
    pytest.param(  # a product name on every row, and a counterparty column of no known name
        "Datum;Produkt;Gegenpartei;Betrag\n"
        "03.03.2025;Visa Classic Kreditkarte;Lidl;-12,90\n"
        "04.03.2025;Visa Classic Kreditkarte;Shell;-50,00\n"
        "05.03.2025;Visa Classic Kreditkarte;Amazon;-33,00\n"
        "06.03.2025;Visa Classic Kreditkarte;Rossmann;-4,95\n",
        ["Lidl", "Shell", "Amazon", "Rossmann"], id="product_repeated"),
    pytest.param(
        "Buchungstag;Beguenstigter/Zahlungspflichtiger;Buchungstext;Betrag\n"
        "03.03.2025;  BVG  ;Fahrschein;-2,90\n04.03.2025;REWE;Kartenzahlung;-12,90\n",
        ["BVG · Fahrschein", "REWE · Kartenzahlung"], id="payee_then_purpose_trimmed"),
]


@pytest.mark.parametrize(("text", "descriptions"), DESCRIPTION_COLUMNS)
def test_description_payee_then_purpose_never_a_repeated_name(text: str, descriptions: list[str]) -> None:
    assert [r.description for r in rows_of(text.encode())] == descriptions
