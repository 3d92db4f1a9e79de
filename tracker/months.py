"""Calendar months as YYYY-MM text: the next, the previous, the last day, a range."""

import calendar

from tracker.errors import InvalidInput

MAX_TREND_MONTHS = 240


def month_range(first: str, last: str) -> list[str]:
    if first > last:
        raise InvalidInput(f"The first month {first} is after the last month {last} (from must not be after to).")
    year, month = int(first[:4]), int(first[5:])
    months = []
    while True:
        current = f"{year:04d}-{month:02d}"
        months.append(current)
        if current == last:
            return months
        if len(months) >= MAX_TREND_MONTHS:
            raise InvalidInput(
                f"From {first} to {last} is more than {MAX_TREND_MONTHS} months; ask for at most {MAX_TREND_MONTHS} at once."
            )
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def next_month(month: str) -> str:
    if month == "9999-12":
        return "9999-13"  # after every real month, so a range starting there is empty
    year, number = int(month[:4]), int(month[5:7])
    return f"{year + 1:04d}-01" if number == 12 else f"{year:04d}-{number + 1:02d}"


def previous_month(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - 1:04d}-12" if number == 1 else f"{year:04d}-{number - 1:02d}"


def last_day(month: str) -> str:
    year, number = int(month[:4]), int(month[5:7])
    return f"{month}-{calendar.monthrange(year, number)[1]:02d}"
