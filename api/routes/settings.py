"""Settings: currency and the first day of the week."""

from fastapi import APIRouter, Request

from api.deps import DB
from api.models import Settings
from tracker.models import SettingsUpdate
from tracker.settings import get_settings, update_settings

router = APIRouter()


@router.get("/settings", response_model=Settings)
def read_settings(conn: DB):
    return get_settings(conn)


@router.put("/settings", response_model=Settings)
def write_settings(changes: SettingsUpdate, conn: DB, request: Request):
    return update_settings(conn, changes)
