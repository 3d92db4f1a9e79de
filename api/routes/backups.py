"""Backups: list, make one now, restore one."""

from fastapi import APIRouter, Request

from api.models import Backup, BackupList, ErrorBody, RestoreResult
from tracker.backups import backup_dir, list_backups, manual_backup, restore_backup
from tracker.db import Database
from tracker.errors import NotFound
from tracker.models import RestoreRequest

router = APIRouter()


@router.get("/backups", response_model=BackupList)
def get_backups(request: Request):
    path = request.app.state.database.path
    return {"folder": str(backup_dir(path)), "backups": list_backups(path)}


@router.post(
    "/backups", status_code=201, response_model=Backup,
    responses={400: {"model": ErrorBody, "description": "The backup could not be made or failed its check"}},
)
def post_backup(request: Request):
    database: Database = request.app.state.database
    database.ensure_ready()
    made = manual_backup(database.path)
    return next(b for b in list_backups(database.path) if b["name"] == made.name)


@router.post(
    "/backups/restore",
    response_model=RestoreResult,
    responses={
        400: {"model": ErrorBody, "description": (
            "The backup failed its checks (damaged, not exactly this app's schema, or larger than it is on disk), "
            "so nothing was restored")},
        404: {"model": ErrorBody, "description": "No such backup"},
    },
)
def post_backup_restore(choice: RestoreRequest, request: Request):
    database: Database = request.app.state.database
    known = {b["name"] for b in list_backups(database.path)}
    if choice.name not in known:
        raise NotFound(f"There is no backup named {choice.name!r}; GET /backups lists them.")
    # Replication stops around it and starts again after: Litestream then sends the restored file.
    with request.app.state.replica.paused():
        result = restore_backup(database.path, backup_dir(database.path) / choice.name, database.write_lock)
        database.close()
        database.ready = False  # opened again by the next request
    return result
