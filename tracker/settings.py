"""Settings: the currency and the first day of the week, stored in the file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracker.db import Session
from tracker.validation import provided_fields

if TYPE_CHECKING:  # Pydantic loads only for the commands that validate input
    from tracker.models import SettingsUpdate

DEFAULT_SETTINGS = {"currency": "USD", "week_start": 1}


def get_settings(conn: Session) -> dict:
    stored = {row["key"]: row["value"] for row in conn.execute("select key, value from settings")}
    settings = dict(DEFAULT_SETTINGS)
    if stored.get("currency"):
        settings["currency"] = stored["currency"]
    if str(stored.get("week_start", "")).isdigit():
        settings["week_start"] = int(stored["week_start"])
    return settings


def home_currency(conn: Session) -> str:
    return get_settings(conn)["currency"]


def update_settings(conn: Session, changes: SettingsUpdate) -> dict:
    """As the seed: a new currency relabels the amounts entered without one. Expenses entered in
    another currency get their home amounts in the new one (see tracker.home_currency)."""
    fields = provided_fields(changes)
    with conn.write():
        if "currency" in fields and fields["currency"] != home_currency(conn) and conn.execute(
                "select 1 from expenses where currency is not null limit 1").fetchone():
            from tracker.home_currency import change_in_transaction

            change_in_transaction(conn, fields.pop("currency"), convert_home_rows=False)
        for name, value in fields.items():
            conn.execute(
                "insert into settings (key, value) values (?, ?) on conflict (key) do update set value = excluded.value",
                (name, str(value)),
            )
        return get_settings(conn)
