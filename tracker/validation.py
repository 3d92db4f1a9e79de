"""What a valid value is, for every face of the app: one place for each rule and its message."""

import re
from datetime import date
from typing import Any


def check_text(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("must not be empty")
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text (it contains a lone surrogate)") from None
    return value


def check_search(value: str | None) -> str | None:
    if value is not None:
        if "\x00" in value:
            raise ValueError("must not contain NUL characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("must be valid Unicode text (it contains a lone surrogate)") from None
    return value


ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def check_date(value: str) -> str:
    try:
        if not ISO_DATE.fullmatch(value):
            raise ValueError
        date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"must be a real calendar date in the form YYYY-MM-DD, got {value!r}") from None
    return value


# A script's amounts carry binary-float noise: 1 + 14/100 is 1.1400000000000001. Each
# correctly rounded operation is off by at most half a unit in the last place (about 1e-16 of
# the value), so even a sum of a thousand amounts stays within 2e-14 of the cent:
# sum([0.01] * 1000) is 9.999999999999831. An amount within a trillionth of itself of a whole
# cent is that cent; a real fraction of a cent (12.345, 0.001, or 1.005, which as a float is
# 1.00499999999999989...) is a hundred million times farther and refused. Capped at a
# twentieth of a cent: near MAX_AMOUNT a trillionth is a whole cent, while a float there
# still tells tenths of a cent apart (its step is 0.000122, so the cap is 4 steps).
CENT_NOISE_RELATIVE = 1e-12
CENT_NOISE_MAX = 0.0005


def check_cents(value: float) -> float:
    """The whole number of cents `value` stands for (noise removed), or a refusal in words."""
    whole = round(value * 100) / 100
    if abs(value - whole) > min(value * CENT_NOISE_RELATIVE, CENT_NOISE_MAX):
        raise ValueError(f"must have at most 2 decimal places, got {value!r}")
    return whole


def check_month(value: str) -> str:
    if not (len(value) == 7 and value[4] == "-" and value[:4].isascii() and value[:4].isdigit()
            and value[5:] in MONTH_NUMBERS and value[:4] != "0000"):
        raise ValueError(f"must be a month in the form YYYY-MM, got {value!r}")
    return value


MONTH_NUMBERS = {f"{number:02d}" for number in range(1, 13)}


def provided_fields(changes: Any, clearable: tuple[str, ...] = ()) -> dict[str, Any]:
    """The fields of a partial update that change something: those sent with a value, and
    those in `clearable` sent as null (which clears them)."""
    return {
        name: getattr(changes, name)
        for name in type(changes).model_fields
        if name in changes.model_fields_set and (getattr(changes, name) is not None or name in clearable)
    }
