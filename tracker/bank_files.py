"""Read bank export files (CSV, OFX/QFX, QIF) into rows ready to import as expenses.

Pure parsing: bytes in, plain dataclasses out. No database, no web.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import gc
import html
import io
import itertools
import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from xml.etree import ElementTree

import charset_normalizer

MAX_AMOUNT = Decimal(1_000_000_000_000)
CENT = Decimal("0.01")
ZERO = Decimal(0)
NO_AMOUNT = "no amount"
MAX_DESCRIPTION = 200
NO_DESCRIPTION = "(no description)"
DESCRIPTION_JOINER = " · "
OFX_COLUMNS = ["Date", "Amount", "Payee", "Memo"]
QIF_COLUMNS = ["Date", "Amount", "Payee", "Memo", "Category"]

# Caps on one file, so that a 64 MB upload is read within 500 MB whatever its shape. Without
# them a 60 MB CSV of tiny rows (`1,2`) took 3.2 GB. A real bank export has at most tens of
# thousands of rows (ten years of a busy account); the import benchmark uses 100,000. At
# 190,000 rows of long descriptions an OFX file took 490 MB to import, too close to the budget.
MAX_ROWS = 150_000
# Bank exports have 3 to about 40 columns (PayPal's full export, the widest seen, has 41).
MAX_COLUMNS = 500
# A real row is a few hundred characters; a memo field spanning lines stays far below this.
# It also bounds the cells of one row, since csv builds a row's list before we can count it.
MAX_RECORD_CHARS = 100_000
# A text column with the same value on this many rows and more names the account, not the payee.
CONSTANT_ROWS = 4


class BankFileError(ValueError):
    """A file or mapping that cannot be imported; the message is one sentence for a user."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


@dataclass(slots=True)
class Record:
    line: int
    cells: list[str]
    key: str = ""  # what the file names this transaction by beyond its cells (an OFX FITID)
    currency: str = ""  # an OFX transaction's currency (its CURRENCY, else the statement's CURDEF)


@dataclass
class Table:
    kind: str
    encoding: str
    delimiter: str | None
    has_header: bool
    columns: list[str]
    records: list[Record] | _CsvRecords


@dataclass
class Mapping:
    date: int | None = None
    amount: int | None = None
    debit: int | None = None
    credit: int | None = None
    direction: int | None = None
    description: list[int] = field(default_factory=list)
    category: int | None = None
    date_format: str | None = None
    decimal: str = "."
    money_out_is_negative: bool = True
    currency: int | None = None  # a column of ISO 4217 codes (set only when the file has one)

    def to_json(self) -> dict:
        return ({"currency": self.currency} if self.currency is not None else {}) | {
            "date": self.date,
            "amount": self.amount,
            "debit": self.debit,
            "credit": self.credit,
            "direction": self.direction,
            "description": list(self.description),
            "category": self.category,
            "date_format": self.date_format,
            "decimal": self.decimal,
            "money_out_is_negative": self.money_out_is_negative,
        }

    @classmethod
    def from_json(cls, data: dict) -> Mapping:
        if not isinstance(data, dict):
            raise BankFileError("The saved column mapping is not a set of named settings.")
        unknown = sorted(set(data) - set(cls().to_json()) - {"currency"})
        if unknown:
            raise BankFileError(f"The saved column mapping has an unknown setting '{unknown[0]}'.")
        values = {}
        for name in ("date", "amount", "debit", "credit", "direction", "category", "currency"):
            values[name] = _column_index(data.get(name), name)
        description = data.get("description", [])
        if not isinstance(description, list):
            raise BankFileError("The description setting of the saved column mapping must be a list of columns.")
        values["description"] = [_column_index(i, "description") for i in description]
        date_format = data.get("date_format")
        if date_format is not None and date_format not in DATE_FORMATS:
            raise BankFileError(f"The date format '{date_format}' is not one this program knows.")
        decimal = data.get("decimal", ".")
        if decimal not in (".", ","):
            raise BankFileError(f"The decimal separator must be '.' or ',', not '{decimal}'.")
        negative = data.get("money_out_is_negative", True)
        if not isinstance(negative, bool):
            raise BankFileError("The setting money_out_is_negative of the saved column mapping must be true or false.")
        return cls(**values, date_format=date_format, decimal=decimal, money_out_is_negative=negative)


def _column_index(value: object, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BankFileError(f"The {name} setting of the saved column mapping must be a column number, not {value!r}.")
    return value


@dataclass
class Guess:
    mapping: Mapping
    date_formats: list[str]


@dataclass(slots=True)
class ParsedRow:
    line: int
    date: str | None
    amount: Decimal | None
    is_income: bool
    description: str
    category: str | None
    problem: str | None
    # The whole record as the file wrote it (every cell, and its id): two rows of one file with
    # the same date, amount and text are one purchase listed twice only when this is equal too.
    fingerprint: int = 0
    currency: str | None = None  # ISO 4217, from the file; None: the home currency


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------

DATE_FORMATS: dict[str, str] = {
    "YYYY-MM-DD": "%Y-%m-%d",
    "DD.MM.YYYY": "%d.%m.%Y",
    "DD/MM/YYYY": "%d/%m/%Y",
    "MM/DD/YYYY": "%m/%d/%Y",
    "DD.MM.YY": "%d.%m.%y",
    "DD/MM/YY": "%d/%m/%y",
    "MM/DD/YY": "%m/%d/%y",
    "YYYY/MM/DD": "%Y/%m/%d",
    "YYYY.MM.DD": "%Y.%m.%d",
    "DD-MM-YYYY": "%d-%m-%Y",
    "MM-DD-YYYY": "%m-%d-%Y",
    "YYYYMMDD": "%Y%m%d",
    "M/D'YYYY": "%m/%d'%Y",
    "M/D'YY": "%m/%d'%y",
    "DD MMM YYYY": "%d %b %Y",
}

_TIME_SUFFIX = (
    r"(?:(?:T|\s+)\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s*[AaPp]\.?[Mm]\.?)?"
    r"(?:\s*(?:Z|UTC|GMT|[+-]\d{2}:?\d{2}))?)?"
)
_MONTHS = {
    name: number
    for number, names in enumerate(
        ["jan", "feb", "mar mär mrz", "apr", "may mai", "jun", "jul", "aug", "sep", "oct okt", "nov", "dec dez"], 1
    )
    for name in names.split()
}


def _date_regex(pattern: str) -> tuple[re.Pattern[str], str]:
    compact = not any(ch in pattern for ch in "/.-' ")
    day_month = r"(\d{2})" if compact else r"(\d{1,2})"
    parts = {"%Y": r"(\d{4})", "%y": r"(\d{2})", "%m": day_month, "%d": day_month,
             "%b": r"([^\W\d_]{3})[^\W\d_]*\.?", " ": r"[\s.-]+"}
    body = re.sub(r"%[Yymdb]|.", lambda m: parts.get(m[0], re.escape(m[0])), pattern)
    order = "".join(re.findall(r"%([Yymdb])", pattern))
    return re.compile(rf"\s*{body}{_TIME_SUFFIX}\s*"), order


_DATE_REGEXES = {name: _date_regex(pattern) for name, pattern in DATE_FORMATS.items()}
_DAY_FIRST = {name for name in DATE_FORMATS if name.startswith("DD")}
_MONTH_FIRST = {name for name in DATE_FORMATS if name.startswith("M")}


@lru_cache(maxsize=100_000)
def _parse_date(text: str, name: str) -> date | str:
    """The date, or a problem in words."""
    regex, order = _DATE_REGEXES[name]
    match = regex.fullmatch(text)
    if not match:
        return f"the date '{text.strip()}' is not in the format {name}"
    parts = dict(zip(order, match.groups()))
    if "b" in parts:
        month = _MONTHS.get(parts["b"].casefold())
        if month is None:
            return f"the date '{text.strip()}' is not in the format {name}"
    else:
        month = int(parts["m"])
    year = int(parts["Y"]) if "Y" in parts else _two_digit_year(int(parts["y"]))
    try:
        return date(year, month, int(parts["d"]))
    except ValueError:
        return f"the date '{text.strip()}' is not a real date"


def _two_digit_year(year: int) -> int:
    return year + (2000 if year < 69 else 1900)


def _date_candidates(values: Iterable[str], day_first: bool) -> list[str]:
    """Formats that read the most of these dates (all of them, in a clean file); preferred one first."""
    unique = {v for v in set(values) if v.strip()}
    scores = {name: sum(isinstance(_parse_date(v, name), date) for v in unique) for name in _plausible_formats(unique)}
    best = max(scores.values(), default=0)
    if best == 0:
        return []
    found = [name for name, score in scores.items() if score == best]
    preferred = _DAY_FIRST if day_first else _MONTH_FIRST
    return sorted(found, key=lambda name: (name not in preferred, list(DATE_FORMATS).index(name)))


def _plausible_formats(values: set[str]) -> list[str]:
    sample = list(itertools.islice(values, 50))
    return [name for name in DATE_FORMATS if any(isinstance(_parse_date(v, name), date) for v in sample)]


_DATE_HINT = re.compile(r"\s*(?:\d{1,4}\s*[-./']\s*\d{1,2}|\d{8}|\d{1,2}[\s.-]+[^\W\d_]{3})")


def _is_date(text: str) -> bool:
    return bool(_DATE_HINT.match(text)) and any(isinstance(_parse_date(text, name), date) for name in DATE_FORMATS)


# ---------------------------------------------------------------------------
# Amounts
# ---------------------------------------------------------------------------

_CURRENCY = (r"(?:R\$|US\$|C\$|A\$|[$€£¥₽₹₺₩₪₫₴₦₱฿¢₡₲₵₸]|kr\.?|zł|Kč|Ft|руб\.?|р\.|"
             r"EUR|USD|GBP|CHF|JPY|CAD|AUD|NZD|SEK|NOK|DKK|ISK|PLN|CZK|HUF|RON|BGN|RUB|RUR|UAH|BYN|KZT|TRY|"
             r"ILS|BRL|MXN|ARS|CLP|COP|PEN|INR|CNY|RMB|HKD|SGD|KRW|THB|IDR|MYR|PHP|ZAR|AED|SAR)")
_AMOUNT = re.compile(
    rf"(?P<open>\()?(?P<sign1>[-+−])?{_CURRENCY}?(?P<sign2>[-+−])?"
    rf"(?P<body>\d[\d.,']*|[.,]\d+)(?P<sign3>[-+])?{_CURRENCY}?(?P<crdr>CR|DR|Cr|Dr|cr|dr)?(?P<close>\))?"
)
_PLAIN_AMOUNT = re.compile(r"-?\d+(?:[.,]\d+)?")


@lru_cache(maxsize=200_000)
def _split_amount(text: str) -> tuple[bool, str] | None:
    """(is negative, digits with separators) for a money cell, or None when it is not an amount."""
    text = text.strip()
    if _PLAIN_AMOUNT.fullmatch(text):
        return (True, text[1:]) if text[0] == "-" else (False, text)
    match = _AMOUNT.fullmatch("".join(text.split()))
    if not match or not any(ch.isdigit() for ch in match["body"]):
        return None
    signs = [s for s in (match["sign1"], match["sign2"], match["sign3"]) if s]
    if len(signs) > 1 or bool(match["open"]) != bool(match["close"]):
        return None
    negative = bool(signs and signs[0] in "-−")
    if match["open"] or (match["crdr"] or "").upper() == "DR":
        if negative:
            return None
        negative = True
    return negative, match["body"]


_NOT_IN_NUMBER = re.compile(r"[^\d.,'\n]+")
_DIGITS_AS_NINE = str.maketrans("0123456789", "9999999999")


def _decide_decimal(cells: Iterable[str], default: str) -> str:
    """The decimal separator that the money cells of a file agree on (shapes like 9.999,99 vote)."""
    shapes = Counter(_NOT_IN_NUMBER.sub("", "\n".join(cells)).translate(_DIGITS_AS_NINE).split("\n"))
    votes = Counter()
    for shape, count in shapes.items():
        comma, point = shape.rfind(","), shape.rfind(".")
        if comma >= 0 and point >= 0:
            votes["," if comma > point else "."] += count
        elif comma >= 0 or point >= 0:
            sep = "," if comma >= 0 else "."
            if shape.count(sep) > 1:
                votes["." if sep == "," else ","] += count
            elif len(shape) - shape.index(sep) - 1 != 3 or shape.startswith(sep):
                votes[sep] += count
    if votes[","] != votes["."]:
        return "," if votes[","] > votes["."] else "."
    return default


_OTHER_SEPARATORS = {".": ",'", ",": ".'"}
_GROUPED = {".": re.compile(r"(\d{1,3}(?:[,']\d{3})+)(?:\.(\d*))?|(\d*)(?:\.(\d*))?"),
            ",": re.compile(r"(\d{1,3}(?:[.']\d{3})+)(?:,(\d*))?|(\d*)(?:,(\d*))?")}


def _to_decimal(body: str, decimal: str) -> Decimal | None:
    if body.isdigit():
        return Decimal(body)
    if body.count(decimal) == 1 and not any(sep in body for sep in _OTHER_SEPARATORS[decimal]):
        whole, _, fraction = body.partition(decimal)
        return Decimal(f"{whole or '0'}.{fraction or '0'}")
    match = _GROUPED[decimal].fullmatch(body)
    if not match:
        return None
    grouped, grouped_fraction, whole, fraction = match.groups()
    if grouped:
        whole, fraction = re.sub(r"\D", "", grouped), grouped_fraction
    if not whole and not fraction:
        return None
    return Decimal(f"{whole or '0'}.{fraction or '0'}")


_FAST_AMOUNT = {",": re.compile(r"\s*(-?)(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d\d?))?\s*"),
                ".": re.compile(r"\s*(-?)(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d\d?))?\s*")}


def _read_amount(text: str, decimal: str) -> tuple[Decimal | None, str | None]:
    """The signed amount, or a problem in words."""
    fast = _FAST_AMOUNT[decimal].fullmatch(text)
    if fast and len(fast[2]) < 13:
        sign, whole, cents = fast.groups()
        return Decimal(f"{sign}{whole.replace('.' if decimal == ',' else ',', '')}.{(cents or '').ljust(2, '0')}"), None
    split = _split_amount(text)
    value = _to_decimal(split[1], decimal) if split else None
    if value is None:
        return None, f"the amount '{text.strip()}' is not a number"
    if value > MAX_AMOUNT:
        return None, f"the amount '{text.strip()}' is too large"
    cents = value.quantize(CENT)
    if value != cents:
        return None, f"the amount '{text.strip()}' has more than two decimal places"
    value = cents
    return (-value if split[0] else value), None


# ---------------------------------------------------------------------------
# Text encodings
# ---------------------------------------------------------------------------

_ASCII_BYTES = bytes(range(128))


def _decode(data: bytes) -> tuple[str, str]:
    """The text and the Python codec name that read it."""
    data, encoding = _prepare_text(data)
    return data.decode(encoding, "replace"), encoding


def _prepare_text(data: bytes) -> tuple[bytes, str]:
    """The bytes to read as text (without NULs that are not part of it) and the Python codec name
    that reads them. Nothing here holds the whole file as text: a CSV is decoded as it is read."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _even(data.rstrip(b"\x00")), "utf-16"
    nuls = data.rstrip(b"\x00").count(0)
    if nuls > len(data) // 10:
        return _utf16_without_bom(data)
    data = data.replace(b"\x00", b"") if nuls else data.rstrip(b"\x00")
    if not _NOT_SPACE.search(data):
        raise BankFileError("The file is empty.")
    if data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif _is_mostly_utf8(data):
        encoding = "utf-8"
    else:
        encoding = _single_byte_encoding(data)
    _require_text(_head(data, encoding))
    return data, encoding


_NOT_SPACE = re.compile(rb"\S")
_CHUNK_BYTES = 1 << 20


def _decoded_chunks(data: bytes, encoding: str, errors: str = "strict") -> Iterator[str]:
    """The text a megabyte at a time: decoding 64 MB at once would hold up to 256 MB of text."""
    decoder = codecs.getincrementaldecoder(encoding)(errors)
    view = memoryview(data)
    for start in range(0, len(data), _CHUNK_BYTES):
        yield decoder.decode(view[start:start + _CHUNK_BYTES])
    yield decoder.decode(b"", final=True)


def _head(data: bytes, encoding: str) -> str:
    return data[:80_000].decode(encoding, "replace")[:20_000]


def _even(data: bytes) -> bytes:
    return data + b"\x00" if len(data) % 2 else data


def _is_mostly_utf8(data: bytes) -> bool:
    """True when the bytes are UTF-8, allowing a few damaged characters among many good ones."""
    if data.isascii() or _decodes(data, "utf-8"):
        return True
    damaged = good = 0
    for text in _decoded_chunks(data, "utf-8", "replace"):
        damaged += text.count("\ufffd")
        good += len(_NON_ASCII_TEXT.findall(text))
    return good >= 4 * damaged


_NON_ASCII_TEXT = re.compile(r"[^\x00-\x7f\ufffd]")


def _utf16_without_bom(data: bytes) -> tuple[bytes, str]:
    data = _even(data)
    half = len(data) // 2
    for encoding, zeros in (("utf-16-le", data[1::2]), ("utf-16-be", data[0::2])):
        if zeros.count(0) > half * 0.6:
            if not _decodes(data, encoding):
                break
            data = _even(data.rstrip(b"\x00"))
            _require_text(_head(data, encoding))
            return data, encoding
    raise BankFileError("This is not a text file, so it cannot be a bank export.")


def _require_text(text: str) -> None:
    sample = text[:20_000]
    controls = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\t\r\n\f")
    if controls > max(2, len(sample) // 100):
        raise BankFileError("This is not a text file, so it cannot be a bank export.")


def _single_byte_encoding(data: bytes) -> str:
    """Western (cp1252/latin-1) unless the detector clearly finds another script or Central European text."""
    high = bytes(sorted(set(data.translate(None, _ASCII_BYTES))))
    has_c1 = any(0x80 <= byte <= 0x9F for byte in high)
    western = "cp1252" if has_c1 and _decodes(high, "cp1252") else "latin-1"
    later = _non_ascii_lines(data, 49_152, 200)
    sample = data[:49_152] + b"\n" + b"\n".join(later)[:16_384]
    best = charset_normalizer.from_bytes(sample).best()
    if best is None or _codec(western) in {_codec(name) for name in best.could_be_from_charset}:
        return western
    if western == "latin-1" and has_c1 and _decodes(data, best.encoding):
        return _codec(best.encoding)
    if _has_non_latin_letters(str(best)) and best.coherence >= 0.2:
        rival = charset_normalizer.from_bytes(sample, cp_isolation=[western, best.encoding])
        chaos = {_codec(name): m.chaos for m in rival for name in m.could_be_from_charset}
        if chaos.get(_codec(western), 1.0) > best.chaos + 0.05 and _decodes(data, best.encoding):
            return _codec(best.encoding)
        return western
    if _decodes(high, "cp1250") and high.decode("cp1250") != high.decode(western):
        duel = {_codec(m.encoding): m.coherence for m in charset_normalizer.from_bytes(
            sample, cp_isolation=["cp1252", "cp1250"])}
        if duel.get("cp1250", 0) > duel.get("cp1252", 0) + 0.03:
            return "cp1250"
    return western


_HIGH_BYTE = re.compile(rb"[\x80-\xff]")


def _non_ascii_lines(data: bytes, start: int, count: int) -> list[bytes]:
    """Up to `count` lines after `start` with a byte above ASCII (their first 16 KB), found
    without splitting the whole file into lines (a list of millions of lines for tiny rows)."""
    lines, position = [], start
    while len(lines) < count:
        found = _HIGH_BYTE.search(data, position)
        if not found:
            break
        begin = max(data.rfind(b"\n", position, found.start()) + 1, position)
        end = data.find(b"\n", found.start())
        end = len(data) if end < 0 else end
        lines.append(data[begin:min(end, begin + 16_384)].rstrip(b"\r"))
        position = end + 1
    return lines


def _has_non_latin_letters(text: str) -> bool:
    return any(ch.isalpha() and not unicodedata.name(ch, "LATIN").startswith("LATIN") for ch in text if ord(ch) > 0x7F)


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        for _ in _decoded_chunks(data, encoding):
            pass
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _codec(name: str) -> str:
    canonical = codecs.lookup(name).name
    return {"iso8859-1": "latin-1"}.get(canonical, canonical)


# ---------------------------------------------------------------------------
# Reading a file
# ---------------------------------------------------------------------------


@contextlib.contextmanager
def _without_gc_pauses() -> Iterator[None]:
    """Building 100,000 rows sets off full garbage collections that find nothing to free; hold them off."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_file(data: bytes, file_name: str = "") -> Table:
    """Read a bank export (CSV, OFX/QFX or QIF) into a table of raw cells."""
    with _without_gc_pauses():
        return _read_file(data, file_name)


def _read_file(data: bytes, file_name: str) -> Table:
    head = data[:4096].lstrip(codecs.BOM_UTF8).lstrip()
    kind = _foreign_kind(head)
    if kind:
        raise BankFileError(f"This is {kind}, not a bank export (CSV, OFX or QIF).")
    extension = file_name.rpartition(".")[2].casefold() if "." in file_name else ""
    if b"OFXHEADER" in head.upper() or re.search(rb"<\?OFX|<OFX>", head, re.I) or extension in ("ofx", "qfx"):
        return _read_ofx(data)
    if re.search(rb"^\s*!(type|account|option|clear)", head, re.I | re.M) or extension == "qif":
        return _read_qif(data)
    text, encoding = _prepare_text(data)
    return _read_csv(text, encoding)


_FOREIGN_KINDS = [
    (rb"\x89PNG|\xff\xd8\xff|GIF8|BM....\x00\x00", "a picture"),
    (rb"%PDF", "a PDF document"),
    (rb"PK\x03\x04", "a ZIP archive or spreadsheet (save it as CSV first)"),
    (rb"\xd0\xcf\x11\xe0", "an old Excel or Word document (save it as CSV first)"),
    (rb"(?i)<!doctype html|<html", "a web page (save it as CSV first)"),
]


def _foreign_kind(head: bytes) -> str:
    return next((kind for pattern, kind in _FOREIGN_KINDS if re.match(pattern, head, re.S)), "")


def _line_numbers(text: str, offsets: Iterable[int]) -> list[int]:
    """The line of each offset (in increasing order), by counting line breaks between them: a
    list of where every line starts took 2.3 GB for a 64 MB file of empty lines."""
    numbers, line, previous = [], 1, 0
    for offset in offsets:
        line += (text.count("\n", previous, offset) + text.count("\r", previous, offset)
                 - text.count("\r\n", previous, offset))
        numbers.append(line)
        previous = offset
    return numbers


# CSV ----------------------------------------------------------------------

_DELIMITERS = (",", ";", "\t")
_SNIFF_LINES = 300
_SNIFF_CHARS = 1_000_000
_HEADER_SEARCH = 60


def _too_many_rows() -> BankFileError:
    return BankFileError(f"The file has more than {MAX_ROWS:,} rows, more than this app imports at once; "
                         "export a shorter period (for example a year at a time) and import each file.")


def _read_csv(data: bytes, encoding: str) -> Table:
    delimiter = _sniff_delimiter(_sample(data, encoding))
    first, width, count = _survey(data, encoding, delimiter)
    if width < 2:
        raise BankFileError("The file has only one column, so it cannot be a bank export with dates and amounts.")
    header_at = _find_header(first, width)
    if header_at is None:
        records = _csv_records(data, encoding, delimiter)
        skip = next((i for i, r in enumerate(records) if len(r.cells) >= width - 1 and _looks_like_data(r.cells)), 0)
        columns = [f"Column {i + 1}" for i in range(width)]
    else:
        skip = header_at + 1
        header = first[header_at].cells
        columns = [name.strip() or f"Column {i + 1}" for i, name in enumerate(header)]
        columns += [f"Column {i + 1}" for i in range(len(columns), width)]
    if count <= skip:
        raise BankFileError("The file has column names but no rows of data.")
    return Table("csv", encoding, delimiter, header_at is not None, columns,
                 _CsvRecords(data, encoding, delimiter, skip, count - skip))


class _CsvRecords:
    """The records of a CSV file after its header, read again from its bytes each time they are
    walked (about 0.1 s per 100,000 rows) instead of kept as lists of cells: a 60 MB file of tiny
    rows held as lists took 3.2 GB."""

    def __init__(self, data: bytes, encoding: str, delimiter: str, skip: int, count: int) -> None:
        self.data, self.encoding, self.delimiter = data, encoding, delimiter
        self.skip, self.count = skip, count

    def __iter__(self) -> Iterator[Record]:
        return itertools.islice(_csv_records(self.data, self.encoding, self.delimiter), self.skip, None)

    def __len__(self) -> int:
        return self.count


def _text_stream(data: bytes, encoding: str) -> io.TextIOWrapper:
    # newline="": lines end at \n, \r or \r\n and keep their ending, as the csv module wants.
    return io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors="replace", newline="")


def _sample(data: bytes, encoding: str) -> str:
    """The first lines of the text, for sniffing the delimiter."""
    stream, lines, size = _text_stream(data, encoding), [], 0
    while len(lines) < _SNIFF_LINES and size < _SNIFF_CHARS:
        line = stream.readline(_SNIFF_CHARS - size)
        if not line:
            break
        lines.append(line)
        size += len(line)
    return "".join(lines)


def _sniff_delimiter(sample: str) -> str:
    best, best_score = ",", (0, 0)
    for delimiter in _DELIMITERS:
        try:
            widths = Counter(len(row) for row in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
                             if len(row) > 1)
        except csv.Error:
            continue
        if widths:
            width, count = max(widths.items(), key=lambda item: (item[1], item[0]))
            if (count, width) > best_score:
                best, best_score = delimiter, (count, width)
    return best


class _RecordTooLong(Exception):
    pass


class _Lines:
    """The lines of a text, decoded as the csv reader asks for them; a record (one line, or more
    when a quoted cell holds line breaks) may not pass MAX_RECORD_CHARS."""

    def __init__(self, data: bytes, encoding: str) -> None:
        self.stream = _text_stream(data, encoding)
        self.chars = 0  # of the record being read

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self.stream.readline(MAX_RECORD_CHARS + 1)
        if not line:
            raise StopIteration
        self.chars += len(line)
        if self.chars > MAX_RECORD_CHARS:
            raise _RecordTooLong
        return line


def _csv_records(data: bytes, encoding: str, delimiter: str) -> Iterator[Record]:
    """Every record that is not blank, with the line it starts on, refused past the caps."""
    lines = _Lines(data, encoding)
    reader = csv.reader(lines, delimiter=delimiter)
    start = 1
    try:
        for cells in reader:
            if len(cells) > MAX_COLUMNS:
                raise BankFileError(f"Line {start}: this row has more than {MAX_COLUMNS:,} columns, far more than "
                                    "a bank export has, so the file cannot be imported.", start)
            if any(cells) and "".join(cells).strip():
                yield Record(start, cells)
            start = reader.line_num + 1
            lines.chars = 0
    except csv.Error as error:
        raise BankFileError(f"Line {start}: this line cannot be read as CSV ({error}).", start) from None
    except _RecordTooLong:
        raise BankFileError(f"Line {start}: this row is longer than {MAX_RECORD_CHARS:,} characters, far longer "
                            "than a bank export's, so the file cannot be imported.", start) from None


def _survey(data: bytes, encoding: str, delimiter: str) -> tuple[list[Record], int, int]:
    """The first records (where a header may be), the usual number of cells in a row (rows of one
    cell aside) and the number of records, in one pass that keeps no more than the first records."""
    first: list[Record] = []
    widths: Counter[int] = Counter()
    count = 0
    for record in _csv_records(data, encoding, delimiter):
        count += 1
        if count > MAX_ROWS:
            raise _too_many_rows()
        widths[len(record.cells)] += 1
        if len(first) < _HEADER_SEARCH:
            first.append(record)
    widths.pop(1, None)
    width = max(widths.items(), key=lambda item: (item[1], item[0]))[0] if widths else 1
    return first, width, count


def _looks_like_data(cells: list[str]) -> bool:
    return any(_is_date(c) or _split_amount(c) is not None for c in cells if c.strip())


def _find_header(records: list[Record], width: int) -> int | None:
    """Index of the header record, or None for a file whose first row of full width is already data."""
    candidates = [i for i, r in enumerate(records[:_HEADER_SEARCH]) if len(r.cells) >= width - 1]
    for position, index in enumerate(candidates):
        cells = records[index].cells
        if _looks_like_data(cells):
            return None
        named = sum(1 for c in cells if _roles_of(c))
        following = candidates[position + 1] if position + 1 < len(candidates) else None
        if named or (following is not None and _looks_like_data(records[following].cells)):
            return index
    return candidates[0] if candidates else None


# OFX ----------------------------------------------------------------------

_OFX_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9._]*)>")


def _read_ofx(data: bytes) -> Table:
    text, encoding = _decode_ofx(data)
    start = re.search(r"<OFX>", text, re.I)
    if not start:
        raise BankFileError("The OFX file has no <OFX> section, so it holds no transactions.")
    body = _upper_tags(text, start.start())
    found = _ofx_transactions(body)
    if not found:
        raise BankFileError("The OFX file holds no transactions.")
    lines = _line_numbers(text, (start.start() + offset for offset, _ in found))
    decimal = _decide_decimal((cells[1] for _, cells in found if cells is not None), ".")
    default = re.search(r"<CURDEF>\s*([A-Za-z]{3})", body)
    curdef = default[1].upper() if default else ""
    records = [Record(line, _ofx_cells(cells, decimal), cells[4] if cells is not None else "",
                      (cells[5] if cells is not None and cells[5] else curdef))
               for line, (_, cells) in zip(lines, found)]
    return Table("ofx", encoding, None, True, list(OFX_COLUMNS), records)


# A larger OFX file is read one transaction at a time: the tree of a whole 55 MB file of 190,000
# transactions took 640 MB. Real statements are well under a megabyte.
_OFX_WHOLE_TREE = 8_000_000  # characters


def _upper_tags(text: str, start: int) -> str:
    """The text from `start` with tag names in capitals, a megabyte at a time: one substitution
    over a whole 55 MB file made a list of two strings per tag, 145 MB."""
    parts = []
    while start < len(text):
        end = text.find("<", start + _CHUNK_BYTES)  # cut before a tag, never inside one
        end = len(text) if end < 0 else end
        parts.append(_OFX_TAG.sub(_upper_tag, text[start:end]))
        start = end
    return "".join(parts)


def _upper_tag(match: re.Match[str]) -> str:
    return f"<{match[1]}{match[2].upper()}>"


def _ofx_transactions(body: str) -> list[tuple[int, list[str] | None]]:
    """(offset in body, raw cells) of every <STMTTRN>; a damaged or large file is read transaction
    by transaction."""
    offsets = [m.start() for m in re.finditer(r"<STMTTRN>", body)]
    if len(offsets) > MAX_ROWS:
        raise _too_many_rows()
    root = _ofx_tree(body) if len(body) <= _OFX_WHOLE_TREE else None
    if root is not None:
        return [(offset, _ofx_raw_cells(t)) for offset, t in zip(offsets, root.iter("STMTTRN"))]
    blocks = re.finditer(r"<STMTTRN>(.*?)(?=<STMTTRN>|</STMTTRN>|</BANKTRANLIST>|\Z)", body, re.S)
    return [(m.start(), _ofx_raw_cells(_ofx_block(m[1]))) for m in blocks]


def _ofx_block(markup: str) -> ElementTree.Element | None:
    """One transaction's tree; one longer than any real transaction counts as damaged."""
    return _ofx_tree(f"<STMTTRN>{markup}</STMTTRN>") if len(markup) <= MAX_RECORD_CHARS else None


# ofxtools logs a line at INFO for every tree it builds: 190,000 lines for a large file.
logging.getLogger("ofxtools").setLevel(logging.WARNING)


def _ofx_tree(markup: str) -> ElementTree.Element | None:
    from ofxtools.Parser import (
        TreeBuilder,  # imported here: it takes half a second, and few files are OFX
    )

    builder = TreeBuilder()
    try:
        builder.feed(markup)
        return builder.close()
    except Exception:
        return None


def _ofx_raw_cells(transaction: ElementTree.Element | None) -> list[str] | None:
    """Date, amount as written, payee, memo and the transaction's id; None for a damaged transaction."""
    if transaction is None:
        return None
    # CURRENCY: the amount is in CURSYM; ORIGCURRENCY: it was converted into the statement's CURDEF.
    currency = (transaction.findtext("CURRENCY/CURSYM") or "").strip().upper()
    return [_ofx_date(transaction), (transaction.findtext("TRNAMT") or "").strip(),
            _ofx_text(transaction, "NAME", "PAYEE/NAME"), _ofx_memo(transaction), _ofx_text(transaction, "FITID"),
            currency]


def _ofx_cells(raw: list[str] | None, decimal: str) -> list[str]:
    if raw is None:
        return ["", "", "(damaged transaction)", ""]
    return [raw[0], _ofx_amount(raw[1], decimal), raw[2], raw[3]]


def _decode_ofx(data: bytes) -> tuple[str, str]:
    data = data.rstrip(b"\x00")
    charset = re.search(rb"CHARSET:\s*([\w-]+)", data[:1024])
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data.decode("utf-8-sig"), "utf-8-sig"
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    declared = {b"1252": "cp1252", b"ISO-8859-1": "latin-1"}.get(charset[1].upper() if charset else b"")
    if declared and _decodes(data, declared):
        return data.decode(declared), declared
    return _decode(data)


def _ofx_date(transaction: ElementTree.Element) -> str:
    raw = (transaction.findtext("DTPOSTED") or transaction.findtext("DTUSER") or "").strip()
    if len(raw) >= 8 and raw[:8].isdigit():
        try:
            return date(int(raw[:4]), int(raw[4:6]), int(raw[6:8])).isoformat()
        except ValueError:
            pass
    return raw


def _ofx_amount(raw: str, decimal: str) -> str:
    split = _split_amount(raw)
    value = _to_decimal(split[1], decimal) if split else None
    if value is None:
        return raw
    return str(-value if split[0] else value)


def _ofx_memo(transaction: ElementTree.Element) -> str:
    memo = _ofx_text(transaction, "MEMO")
    if memo or _ofx_text(transaction, "NAME", "PAYEE/NAME"):
        return memo
    kind = _OFX_TYPES.get(_ofx_text(transaction, "TRNTYPE").upper(), "")
    number = _ofx_text(transaction, "CHECKNUM")
    return " ".join(filter(None, [kind or (number and "Check"), number and f"#{number}"]))


_OFX_TYPES = {"ATM": "ATM withdrawal", "CHECK": "Check", "POS": "Card payment", "XFER": "Transfer", "FEE": "Fee",
              "SRVCHG": "Service charge", "INT": "Interest", "DIV": "Dividend", "DEP": "Deposit",
              "DIRECTDEP": "Direct deposit", "DIRECTDEBIT": "Direct debit", "REPEATPMT": "Standing order",
              "PAYMENT": "Payment", "CASH": "Cash withdrawal"}


def _ofx_text(transaction: ElementTree.Element, *paths: str) -> str:
    for path in paths:
        value = transaction.findtext(path)
        if value and value.strip():
            return html.unescape(value.strip())
    return ""


# QIF ----------------------------------------------------------------------

_QIF_MONEY_SECTIONS = {"bank", "cash", "ccard", "oth a", "oth l"}


def _read_qif(data: bytes) -> Table:
    text, encoding = _decode(data)
    records: list[Record] = []
    section = ""
    current: dict[str, str] | None = None
    start = 0

    def flush() -> None:
        nonlocal current
        if current and ("D" in current or "T" in current):
            if len(records) >= MAX_ROWS:
                raise _too_many_rows()
            records.append(Record(start, [current.get(k, "") for k in "DTPML"]))
        current = None

    for number, line in enumerate(_lines_of(text), 1):
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("!"):
            flush()
            header = stripped[1:].casefold()
            if header.startswith("type:"):
                section = header[5:].strip()
            elif header.startswith("account"):
                section = "account"
            continue
        if section not in _QIF_MONEY_SECTIONS:
            continue
        if stripped.startswith("^"):
            flush()
            continue
        if current is None:
            current, start = {}, number
        code, value = stripped[0], stripped[1:].strip()
        if code == "D" and "D" not in current:
            current["D"] = "".join(value.split())
        elif code in "TU" and "T" not in current:
            current["T"] = value
        elif code in "PM" and code not in current:
            current[code] = value
        elif code == "L":
            current["L"] = _qif_category(value)
    flush()
    if not records:
        raise BankFileError("The QIF file holds no bank, cash or credit-card transactions.")
    return Table("qif", encoding, None, True, list(QIF_COLUMNS), records)


def _lines_of(text: str) -> Iterator[str]:
    """The lines of a text one at a time (split at \\r\\n, \\r or \\n): a list of the 950,000 lines
    of a 52 MB file took 100 MB."""
    return (m[1] for m in _LINE.finditer(text))


_LINE = re.compile(r"([^\r\n]*)(?:\r\n|\r|\n|\Z)")


def _qif_category(value: str) -> str:
    if value.startswith("["):
        return ""
    return value.split("/", 1)[0].strip()


# ---------------------------------------------------------------------------
# Guessing the column mapping
# ---------------------------------------------------------------------------


def _normalise(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[\W_]+", " ", plain).split())


_VALUE_DATE_WORDS = ["valuta", "valutadatum", "value date", "valeur", "wertstellung", "wertstellungsdatum",
                     "date de valeur", "fecha valor", "rentedatum", "дата валютирования", "data waluty"]
_ROLE_WORDS: dict[str, list[list[str]]] = {
    # The day of the purchase first, then the day the bank booked it; the value date (when the
    # money moved, often days later) only when the file has no other date.
    "date": [
        ["transaction date", "trans date", "transactiedatum", "transactie datum", "date de l operation",
         "date operation", "fecha operacion", "fecha de operacion", "дата совершения операции",
         "data transakcji", "umsatzdatum", "belegdatum", "kaufdatum"],
        ["buchungstag", "buchungsdatum", "buchung", "booking date", "posting date", "posted date", "post date",
         "boekdatum", "boekingsdatum", "datum boeking", "date comptable", "дата операции", "data operacji",
         "data ksiegowania"],
        ["date", "datum", "fecha", "дата", "data", "datetime", "date time", "день"],
        _VALUE_DATE_WORDS,
    ],
    "amount": [
        ["amount", "betrag", "montant", "importe", "сумма", "umsatz", "valor", "bedrag", "kwota", "importo",
         "summe", "buchungsbetrag", "transaction amount", "amount eur", "amount usd"],
    ],
    "debit": [
        ["debit", "debits", "debit amount", "withdrawal", "withdrawals", "soll", "ausgang", "out", "money out",
         "paid out", "outflow", "ausgaben", "belastung", "debito", "cargo", "cargos", "расход", "списание",
         "debet", "uitgaven", "spent"],
    ],
    "credit": [
        ["credit", "credits", "credit amount", "deposit", "deposits", "haben", "eingang", "in", "money in",
         "paid in", "inflow", "einnahmen", "gutschrift", "credito", "abono", "abonos", "приход", "зачисление",
         "поступление", "inkomsten", "received"],
    ],
    "payee": [
        ["payee", "beguenstigter zahlungspflichtiger", "begunstigter zahlungspflichtiger", "beguenstigter",
         "begunstigter", "zahlungsempfanger", "empfanger", "auftraggeber empfanger", "auftraggeber",
         "zahlungspflichtiger", "merchant", "counterparty", "beneficiaire", "beneficiario", "получатель",
         "контрагент", "payee name", "name", "tegenrekening naam", "kontrahent"],
    ],
    "description": [
        ["description", "memo", "verwendungszweck", "libelle", "concepto", "описание", "назначение платежа",
         "text", "details", "narrative", "remarque", "note", "notes", "beschreibung", "descripcion",
         "omschrijving", "opis", "descrizione", "particulars", "transaction details", "communication",
         "mitteilung", "reference", "detail", "tytul", "описание операции"],
        ["buchungstext", "umsatzart", "transaction type", "type"],
    ],
    "category": [
        ["category", "kategorie", "categorie", "categoria", "категория", "rubrik", "category name"],
    ],
}
_NOT_AMOUNT = ("balance", "saldo", "kontostand", "solde", "остаток", "running", "fee", "gebuhr")
_NOT_TEXT = ("account", "konto", "iban", "bic", "compte", "cuenta", "счет", "счёт", "card", "karte", "карты",
             "currency", "wahrung", "devise", "moneda", "валюта", "status")


@lru_cache(maxsize=4096)
def _roles_of(name: str) -> dict[str, tuple[int, int]]:
    """Role -> (tier, 0 for an exact name, 1 for a phrase inside the name); lower is stronger."""
    norm = _normalise(name)
    if not norm:
        return {}
    padded = f" {norm} "
    found: dict[str, tuple[int, int]] = {}
    for role, tiers in _ROLE_WORDS.items():
        for tier, words in enumerate(tiers):
            for word in words:
                exact = norm == word
                if exact or (len(word) > 3 and f" {word} " in padded):
                    rank = (tier, 0 if exact else 1)
                    if role not in found or rank < found[role]:
                        found[role] = rank
    if any(f" {w} " in padded for w in _NOT_AMOUNT):
        for role in ("amount", "debit", "credit"):
            found.pop(role, None)
    if any(w in norm for w in _NOT_TEXT):
        for role in ("payee", "description"):
            found.pop(role, None)
    if "date" in found and any(f" {w} " in padded for w in _VALUE_DATE_WORDS):
        found["date"] = (len(_ROLE_WORDS["date"]) - 1, 0)  # "Wertstellung (Valuta)" is a value date
    if "date" in found:
        for role in ("amount", "debit", "credit", "payee", "description"):
            found.pop(role, None)
    return found


_DEBIT_WORDS = {"d", "dr", "db", "debit", "débit", "debito", "débito", "soll", "s", "out", "withdrawal",
                "expense", "ausgang", "belastung", "cargo", "расход", "списание", "lastschrift", "payment", "af"}
_CREDIT_WORDS = {"c", "cr", "credit", "crédit", "credito", "crédito", "haben", "h", "in", "deposit", "income",
                 "eingang", "gutschrift", "abono", "приход", "зачисление", "refund", "bij"}
_PENDING_WORDS = {"pending", "umsatz vorgemerkt", "vorgemerkt", "nicht gebucht", "ausstehend", "en attente",
                  "pendiente", "pendente", "в обработке", "не обработано", "in bearbeitung", "pending transaction"}


@dataclass
class _Profile:
    filled: int = 0
    dates: int = 0
    amounts: int = 0
    negatives: int = 0
    decimals: int = 0
    directions: int = 0
    letters: int = 0
    length: int = 0
    value: str | None = None  # the first value, and whether another one follows
    varies: bool = False

    @property
    def constant(self) -> bool:
        """The same value on every row of a file of several rows: an account or product name, not a description."""
        return self.filled >= CONSTANT_ROWS and not self.varies

    def share(self, count: int) -> float:
        return count / self.filled if self.filled else 0.0


def _profiles(table: Table) -> list[_Profile]:
    records: Iterable[Record] = table.records
    if len(table.records) > 3000:
        step = len(table.records) / 3000
        wanted = {int(i * step) for i in range(3000)}
        records = (r for i, r in enumerate(table.records) if i in wanted)
    profiles = [_Profile() for _ in table.columns]
    for record in records:
        for profile, cell in zip(profiles, record.cells):
            cell = cell.strip()
            if not cell or cell.casefold() in _PENDING_WORDS:
                continue
            profile.filled += 1
            profile.length += len(cell)
            if profile.value is None:
                profile.value = cell
            elif not profile.varies and cell != profile.value:
                profile.varies = True
            if _is_date(cell):
                profile.dates += 1
                continue
            split = _split_amount(cell)
            if split is not None:
                profile.amounts += 1
                profile.negatives += split[0]
                profile.decimals += bool(re.search(r"[.,]\d{1,2}$", split[1])) or cell[0] in "+-−("
            elif cell.casefold() in _DEBIT_WORDS or cell.casefold() in _CREDIT_WORDS:
                profile.directions += 1
            if any(ch.isalpha() for ch in cell):
                profile.letters += 1
    return profiles


def guess_mapping(table: Table) -> Guess:
    """A first mapping to show the user, with every date format that fits the file."""
    if table.kind == "ofx":
        mapping = Mapping(date=0, amount=1, description=[2, 3])
    elif table.kind == "qif":
        mapping = Mapping(date=0, amount=1, description=[2, 3], category=4)
    else:
        mapping = _guess_csv_columns(table)
    money = [c for c in (mapping.amount, mapping.debit, mapping.credit) if c is not None]
    money_cells, dates = _money_and_dates(table, money, mapping.date)
    mapping.decimal = _decide_decimal(money_cells, "," if table.delimiter == ";" else ".")
    formats: list[str] = []
    if mapping.date is not None:
        day_first = mapping.decimal == "," or table.delimiter == ";"
        formats = _date_candidates(dates, day_first)
        mapping.date_format = formats[0] if formats else None
    return Guess(mapping, formats)


def date_formats_of(table: Table, mapping: Mapping) -> list[str]:
    """Every date format that reads the mapping's date column, the likeliest first."""
    if mapping.date is None:
        return []
    day_first = mapping.decimal == "," or table.delimiter == ";"
    return _date_candidates(_column(table, mapping.date), day_first)


def choose_columns(table: Table, mapping: Mapping, date: int | None = None, amount: int | None = None,
                   description: list[int] | None = None) -> Guess:
    """The mapping with the columns a person chose (by index) for the date, the amount (one signed
    column) or the description, the rest as they were; with the date formats that fit the date column."""
    mapping = Mapping.from_json(mapping.to_json())
    if amount is not None:
        mapping.amount, mapping.debit, mapping.credit = amount, None, None
        if mapping.direction == amount:
            mapping.direction = None
        cells = list(_column(table, amount))
        mapping.decimal = _decide_decimal(cells, mapping.decimal)
        if mapping.direction is None:
            signs = [split[0] for split in map(_split_amount, itertools.islice(cells, 5000)) if split]
            negatives = sum(signs)
            mapping.money_out_is_negative = len(signs) - negatives < 4 * negatives if signs else True
    if description is not None:
        mapping.description = list(description)
    formats = date_formats_of(table, mapping) if mapping.date is not None else []
    if date is not None:
        mapping.date = date
        formats = date_formats_of(table, mapping)
        mapping.date_format = formats[0] if formats else None
    return Guess(mapping, formats)


def _money_and_dates(table: Table, money: list[int], date_column: int | None) -> tuple[list[str], set[str]]:
    """The cells of the money columns and the different dates, in one walk over the records."""
    cells: list[str] = []
    dates: set[str] = set()
    for record in table.records:
        row = record.cells
        cells.extend(row[i] for i in money if i < len(row))
        if date_column is not None and date_column < len(row):
            dates.add(row[date_column])
    return cells, dates


def _column(table: Table, index: int) -> Iterator[str]:
    return (r.cells[index] for r in table.records if index < len(r.cells))


def _guess_csv_columns(table: Table) -> Mapping:
    profiles = _profiles(table)
    named = [_roles_of(name) if table.has_header else {} for name in table.columns]
    mapping = Mapping()
    used: set[int] = set()

    def best(role: str, accept: Callable[[_Profile], bool]) -> int | None:
        options = [(named[i][role], -p.filled, i) for i, p in enumerate(profiles)
                   if role in named[i] and i not in used and accept(p)]
        if not options:
            return None
        index = min(options)[2]
        used.add(index)
        return index

    def is_money(p: _Profile) -> bool:
        return p.share(p.amounts) >= 0.3

    def may_be_money(p: _Profile) -> bool:
        return p.filled == 0 or is_money(p)

    mapping.date = best("date", lambda p: p.share(p.dates) >= 0.5)
    if mapping.date is None:
        mapping.date = next((i for i, p in enumerate(profiles) if p.filled and p.share(p.dates) >= 0.8), None)
    if mapping.date is not None:
        used.add(mapping.date)
    debit, credit = best("debit", may_be_money), best("credit", may_be_money)
    amount = best("amount", is_money)
    if debit is not None and credit is not None and (profiles[debit].filled or profiles[credit].filled):
        mapping.debit, mapping.credit = debit, credit
    elif amount is not None:
        mapping.amount = amount
    elif (debit is not None and profiles[debit].filled) or (credit is not None and profiles[credit].filled):
        mapping.debit, mapping.credit = debit, credit
    else:
        _guess_money_by_content(table, profiles, used, mapping)
    amounts = profiles[mapping.amount] if mapping.amount is not None else None
    if amounts is not None and amounts.negatives == 0:
        mapping.direction = next((i for i, p in enumerate(profiles) if i not in used and p.filled
                                  and p.directions == p.filled and _has_both_directions(table, i)), None)
        if mapping.direction is not None:
            used.add(mapping.direction)
    if amounts is not None and mapping.direction is None:
        mapping.money_out_is_negative = amounts.amounts - amounts.negatives < 4 * amounts.negatives
    mapping.category = best("category", lambda p: p.filled > 0)
    mapping.currency = _currency_column(table, named, used)

    def best_text(role: str) -> int | None:
        """A column that varies before one that repeats one value (the account holder's name)."""
        for accept in (lambda p: p.varies, lambda p: not p.constant, lambda p: True):
            found = best(role, lambda p, accept=accept: p.letters > 0 and accept(p))
            if found is not None:
                return found
        return None

    payee, text = best_text("payee"), best_text("description")
    chosen = [i for i in (payee, text) if i is not None]
    mapping.description = [i for i in chosen if not profiles[i].constant] or chosen
    if not mapping.description or all(profiles[i].constant for i in mapping.description):
        texts = [(not p.constant, p.length / p.filled, -i) for i, p in enumerate(profiles)
                 if i not in used and p.filled and p.share(p.letters) >= 0.5]
        if texts and (not mapping.description or max(texts)[0]):
            mapping.description = [-max(texts)[2]]
    return mapping


_CURRENCY_NAMES = ("currency", "wahrung", "devise", "moneda", "валюта", "currency code", "ccy")


def _currency_column(table: Table, named: list, used: set[int]) -> int | None:
    """A column named as a currency whose cells are ISO 4217 codes (the first rows tell)."""
    if not table.has_header:
        return None
    from tracker.currencies import minor_units

    for index, name in enumerate(table.columns):
        if index in used or _normalise(name) not in _CURRENCY_NAMES:
            continue
        cells = [record.cells[index].strip().upper() for record in itertools.islice(table.records, 50)
                 if index < len(record.cells) and record.cells[index].strip()]
        if cells and all(cell in minor_units() for cell in cells):
            used.add(index)
            return index
    return None


def _has_both_directions(table: Table, index: int) -> bool:
    """True for a column of debit and credit marks (or of one mark only, as in a card statement)."""
    words = {r.cells[index].strip().casefold() for r in itertools.islice(table.records, 5000)
             if index < len(r.cells)} - {""}
    return len(words) == 1 or (bool(words & _DEBIT_WORDS) and bool(words & _CREDIT_WORDS))


def _guess_money_by_content(table: Table, profiles: list[_Profile], used: set[int], mapping: Mapping) -> None:
    money = [i for i, p in enumerate(profiles) if i not in used and p.filled
             and p.share(p.amounts) >= 0.8 and p.share(p.decimals) >= 0.3]
    if len(money) >= 2 and _complementary(table, money[0], money[1]):
        first, second = money[0], money[1]
        if profiles[second].filled > profiles[first].filled:
            first, second = second, first
        mapping.debit, mapping.credit = first, second
        used.update((first, second))
    elif money:
        mapping.amount = money[0]
        used.add(money[0])


def _complementary(table: Table, a: int, b: int) -> bool:
    both = total = 0
    for record in itertools.islice(table.records, 5000):
        cells = record.cells
        x = _nonzero(cells[a]) if a < len(cells) else False
        y = _nonzero(cells[b]) if b < len(cells) else False
        total += x or y
        both += x and y
    return total > 0 and both <= total * 0.05


def _nonzero(cell: str) -> bool:
    split = _split_amount(cell)
    return bool(split) and any(ch in "123456789" for ch in split[1])


def header_signature(table: Table) -> str:
    """A stable key for 'the same kind of file', to find a saved mapping."""
    delimiter = {"\t": "tab", None: ""}.get(table.delimiter, table.delimiter)
    if table.kind == "csv" and table.has_header:
        return f"csv:{delimiter}:" + "|".join(_normalise(name) for name in table.columns)
    return f"{table.kind}:{delimiter}:{len(table.columns)} columns"


# ---------------------------------------------------------------------------
# Rows as they would be stored
# ---------------------------------------------------------------------------


def parse_rows(table: Table, mapping: Mapping) -> list[ParsedRow]:
    """Every record as a row to import, or with the problem that keeps it out."""
    _check_mapping(table, mapping)
    date_format = mapping.date_format
    if date_format is None:
        day_first = mapping.decimal == "," or table.delimiter == ";"
        date_format = (_date_candidates(_column(table, mapping.date), day_first) or ["YYYY-MM-DD"])[0]
    read = _RowReader(mapping, date_format, _status_columns(table, mapping), _unmarked_sense(table, mapping))
    with _without_gc_pauses():
        return [read(record) for record in table.records]


def _check_mapping(table: Table, mapping: Mapping) -> None:
    if mapping.date is None:
        raise BankFileError("Choose which column holds the date.")
    if mapping.amount is None and mapping.debit is None and mapping.credit is None:
        raise BankFileError("Choose which column holds the amount (or the money-out and money-in columns).")
    if mapping.direction is not None and mapping.amount is None:
        raise BankFileError("A debit/credit column needs an amount column beside it.")
    if mapping.date_format is not None and mapping.date_format not in DATE_FORMATS:
        raise BankFileError(f"The date format '{mapping.date_format}' is not one this program knows.")
    if mapping.decimal not in (".", ","):
        raise BankFileError(f"The decimal separator must be '.' or ',', not '{mapping.decimal}'.")
    count = len(table.columns)
    for index in [mapping.date, mapping.amount, mapping.debit, mapping.credit, mapping.direction,
                  mapping.category, *mapping.description]:
        if index is not None and not 0 <= index < count:
            raise BankFileError(f"Column {index + 1} does not exist: the file has {count} columns.")


def _unmarked_sense(table: Table, mapping: Mapping) -> bool | None:
    """What a row with an empty debit/credit mark is, from the marks the column does hold: a card
    statement marks only its credits (`CR`), so an unmarked row is a charge; a column of debit
    marks only leaves the credits unmarked. None (a problem) when it holds both kinds."""
    if mapping.direction is None or mapping.amount is None:
        return None
    marks = {_cell(r.cells, mapping.direction).casefold() for r in itertools.islice(table.records, 5000)} - {""}
    if marks and marks <= _CREDIT_WORDS:
        return False
    if marks and marks <= _DEBIT_WORDS:
        return True
    return None


def _status_columns(table: Table, mapping: Mapping) -> list[int]:
    """Columns of a few short, repeated words, which may say that a row is pending."""
    values: list[set[str]] = [set() for _ in table.columns]
    for record in itertools.islice(table.records, 2000):
        for column, cell in zip(values, record.cells):
            if len(column) <= 20:
                column.add(cell.strip().casefold())
    return [i for i, column in enumerate(values)
            if i != mapping.date and len(column) <= 20 and all(len(v) < 30 for v in column)]


Money = tuple[Decimal | None, bool, str | None]


# Cleaned texts remembered, for the payees that repeat: remembering every one held each row's
# cell twice more (280 MB for 200,000 rows of long descriptions).
_TEXTS_KEPT = 10_000


def _currency_problem(currency: str, amount: Decimal | None) -> str | None:
    from tracker.currencies import minor_units

    places = minor_units().get(currency)
    if places is None:
        return f"unknown currency {currency}"
    if amount is not None and amount != amount.quantize(Decimal(1).scaleb(-places)):
        return f"{amount} has more decimals than {currency} has"
    return None


class _RowReader:
    """Turns one record into a ParsedRow under one mapping."""

    def __init__(self, mapping: Mapping, date_format: str, status: list[int], unmarked_is_income: bool | None) -> None:
        self.mapping = mapping
        self.unmarked_is_income = unmarked_is_income
        self.date_format = date_format
        self.status = status
        self.pending: dict[str, bool] = {}
        self.dates: dict[str, str | None] = {}
        self.texts: dict[str, str] = {}
        self.not_text = {mapping.date, mapping.amount, mapping.debit, mapping.credit, mapping.direction,
                         *mapping.description}
        self.money = self._signed if mapping.amount is not None else self._split

    def __call__(self, record: Record) -> ParsedRow:
        cells, mapping = record.cells, self.mapping
        raw_date = cells[mapping.date].strip() if mapping.date < len(cells) else ""
        iso = self.dates.get(raw_date)
        if iso is None and raw_date:
            iso = self.dates[raw_date] = _iso_date(raw_date, self.date_format)
        amount, is_income, money_problem = self.money(cells)
        if self._is_pending(cells, raw_date if iso is None else ""):
            problem = "pending — not booked yet"
        elif iso is None and not any(ch.isdigit() for ch in raw_date):
            problem = "no date" if money_problem != NO_AMOUNT else "not a transaction (no date and no amount)"
        elif iso is None:
            problem = _parse_date(raw_date, self.date_format)
        elif money_problem:
            problem = money_problem
        elif amount == 0:
            problem = "zero amount"
        else:
            problem = None
        category = _clean_text(_cell(cells, mapping.category)) or None
        fingerprint = hash((tuple(cells), record.key))
        currency = (_cell(cells, mapping.currency).strip().upper() if mapping.currency is not None else record.currency) or None
        if currency is not None and problem is None:
            problem = _currency_problem(currency, amount)
        return ParsedRow(record.line, iso, amount, is_income, self._description(cells), category, problem, fingerprint,
                         currency)

    def _is_pending(self, cells: list[str], unread_date: str) -> bool:
        if unread_date and unread_date.casefold() in _PENDING_WORDS:
            return True
        for index in self.status:
            if index < len(cells):
                cell = cells[index]
                flag = self.pending.get(cell)
                if flag is None:
                    flag = self.pending[cell] = cell.strip().casefold() in _PENDING_WORDS
                if flag:
                    return True
        return False

    def _signed(self, cells: list[str]) -> Money:
        mapping = self.mapping
        raw = cells[mapping.amount].strip() if mapping.amount < len(cells) else ""
        value, problem = _read_amount(raw, mapping.decimal) if raw else (None, NO_AMOUNT)
        if value is None:
            return None, False, problem
        if mapping.direction is not None:
            flag = _cell(cells, mapping.direction)
            if not flag and self.unmarked_is_income is not None:
                return abs(value), self.unmarked_is_income, None
            return _by_direction(abs(value), flag)
        if raw[-1] in "Rr" and raw[-2:].upper() in ("CR", "DR"):  # `500.00CR`: marked, whatever the sign convention
            return abs(value), raw[-2:].upper() == "CR", None
        is_income = value > 0 if mapping.money_out_is_negative else value < 0
        return abs(value), is_income, None

    def _split(self, cells: list[str]) -> Money:
        mapping = self.mapping
        out_raw, in_raw = _cell(cells, mapping.debit), _cell(cells, mapping.credit)
        if not out_raw and not in_raw:
            return None, False, NO_AMOUNT
        out_value, out_problem = _read_amount(out_raw, mapping.decimal) if out_raw else (ZERO, None)
        in_value, in_problem = _read_amount(in_raw, mapping.decimal) if in_raw else (ZERO, None)
        if out_problem or in_problem:
            return None, False, out_problem or in_problem
        net = abs(in_value) - abs(out_value)
        return abs(net), net > 0, None

    def _description(self, cells: list[str]) -> str:
        parts = []
        for index in self.mapping.description:
            if index < len(cells):
                text = self.texts.get(cells[index])
                if text is None:
                    text = _clean_text(cells[index])
                    if len(self.texts) < _TEXTS_KEPT:
                        self.texts[cells[index]] = text
                if text:
                    parts.append(text)
        if len(parts) > 1:
            parts = _without_repeats(parts)
        elif not parts:
            fallback = next((c for i, c in enumerate(cells) if i not in self.not_text and _has_letters(c)), "")
            parts = [_clean_text(fallback) or NO_DESCRIPTION]
        description = DESCRIPTION_JOINER.join(parts)
        if len(description) > MAX_DESCRIPTION:
            description = description[: MAX_DESCRIPTION - 1].rstrip() + "…"
        return description


def _without_repeats(parts: list[str]) -> list[str]:
    """Drop a part that another part already contains (a memo that repeats the payee)."""
    if len(parts) == 2:
        first, second = parts
        return [first] if second in first else [second] if first in second else parts
    kept: list[str] = []
    for text in parts:
        for other in kept:
            if text in other:
                break
        else:
            kept = [other for other in kept if other not in text]
            kept.append(text)
    return kept


def _cell(cells: list[str], index: int | None) -> str:
    return cells[index].strip() if index is not None and index < len(cells) else ""


def _has_letters(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def _by_direction(value: Decimal, flag: str) -> Money:
    word = flag.casefold()
    if word in _DEBIT_WORDS:
        return value, False, None
    if word in _CREDIT_WORDS:
        return value, True, None
    if not word:
        return value, False, "no debit/credit mark"
    return value, False, f"the type '{flag}' says neither debit nor credit"


def _iso_date(text: str, date_format: str) -> str | None:
    parsed = _parse_date(text, date_format)
    return parsed.isoformat() if isinstance(parsed, date) else None


_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")


def _clean_text(text: str) -> str:
    return " ".join((text if text.isprintable() else _CONTROL.sub(" ", text)).split())
