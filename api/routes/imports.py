"""Bank imports: preview and import an uploaded file, past batches, saved profiles."""

import logging
from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import StreamingResponse
from pydantic import ValidationError

from api.deps import DB
from api.models import ErrorBody, ExpenseId, ImportBatch, ImportPreview, ImportProfile
from api.progress import Put, progress_event, progress_stream
from tracker.config import MAX_UPLOAD_BYTES
from tracker.db import Database, Session
from tracker.errors import InvalidInput
from tracker.imports import (
    IMPORT_SLOT,
    delete_profile,
    get_batch,
    import_slot,
    list_batches,
    list_profiles,
    plan_import,
    preview_of,
    restore_batch,
    revert_batch,
    run_import,
    take_import_slot,
)
from tracker.models import ImportOptions, describe_validation_error

log = logging.getLogger("expense_tracker")
router = APIRouter()


def upload(file: UploadFile, options: str | None) -> tuple[bytes, str, ImportOptions]:
    try:
        chosen = ImportOptions.model_validate_json(options) if options else ImportOptions()
    except ValidationError as exc:
        errors = exc.errors()
        if errors and errors[0]["type"] == "json_invalid":
            reason = (errors[0].get("ctx") or {}).get("error", "syntax error")
            raise InvalidInput(f"Invalid field 'options': it must be a JSON object ({reason}).") from None
        located = [{**error, "loc": ("body", "options", *error.get("loc", ()))} for error in errors]
        raise InvalidInput(describe_validation_error(located)) from None
    return file.file.read(), (file.filename or "file")[:255], chosen


upload_form = "A bank file (CSV, OFX/QFX or QIF) as `file`, and optionally `options`: an ImportOptions object as JSON text."


import_errors = {
    400: {"model": ErrorBody, "description": (
        "The file is not a bank file this app can read (the sentence says which line and why).")},
    404: {"model": ErrorBody, "description": "No saved profile of that name"},
    429: {"model": ErrorBody, "description": "Another import is in progress (one file is read at a time)"},
}


@router.post("/imports/preview", response_model=ImportPreview, description=upload_form, responses=import_errors)
def post_import_preview(
    conn: DB, file: UploadFile, options: Annotated[str | None, Form(max_length=MAX_UPLOAD_BYTES)] = None
):
    with import_slot():
        data, name, chosen = upload(file, options)
        return preview_of(plan_import(conn, data, name, chosen))


@router.post(
    "/imports",
    status_code=201,
    response_model=ImportBatch,
    description=f"{upload_form} Imports the selected rows as one batch, all or nothing. "
    "With `Accept: application/x-ndjson` the answer is a stream of progress lines "
    '(`{"phase", "done", "total"}`) ending with `{"batch": …}` or `{"error": …, "status": …}`.',
    responses={200: {"content": {"application/x-ndjson": {}}, "description": "Progress, then the batch."}, **import_errors},
)
def post_import(
    conn: DB, request: Request, file: UploadFile, options: Annotated[str | None, Form(max_length=MAX_UPLOAD_BYTES)] = None
):
    database: Database = request.app.state.database
    if "application/x-ndjson" not in request.headers.get("accept", ""):
        with import_slot():
            data, name, chosen = upload(file, options)
            return run_import(conn, data, name, chosen)
    take_import_slot()  # given back by the import's thread when it ends
    try:
        data, name, chosen = upload(file, options)
        lines = import_progress(database, data, name, chosen, finished=IMPORT_SLOT.release)
    except BaseException:
        IMPORT_SLOT.release()
        raise
    return StreamingResponse(lines, media_type="application/x-ndjson")


@router.get("/imports", response_model=list[ImportBatch])
def get_imports(conn: DB):
    return list_batches(conn)


@router.get("/imports/profiles", response_model=list[ImportProfile])
def get_profiles(conn: DB):
    return list_profiles(conn)


@router.delete(
    "/imports/profiles/{name}", status_code=204, responses={404: {"model": ErrorBody, "description": "No such profile"}}
)
def remove_profile(name: Annotated[str, PathParam(max_length=100)], conn: DB, request: Request):
    delete_profile(conn, name)
    return Response(status_code=204)


batch_errors = {
    404: {"model": ErrorBody, "description": "No such batch"},
    409: {"model": ErrorBody, "description": "Already in that state"},
}


@router.get("/imports/{batch_id}", response_model=ImportBatch, responses=batch_errors)
def get_import(batch_id: ExpenseId, conn: DB):
    return get_batch(conn, batch_id)


@router.post("/imports/{batch_id}/revert", response_model=ImportBatch, responses=batch_errors)
def post_revert(batch_id: ExpenseId, conn: DB, request: Request):
    return revert_batch(conn, batch_id)


@router.post("/imports/{batch_id}/restore", response_model=ImportBatch, responses=batch_errors)
def post_unrevert(batch_id: ExpenseId, conn: DB, request: Request):
    return restore_batch(conn, batch_id)


def import_progress(
    database: Database, data: bytes, file_name: str, options: ImportOptions, finished: Callable[[], None] = lambda: None
) -> Iterator[bytes]:
    """The import on its own thread, which calls `finished` when it ends (even if nobody reads the
    stream), and its progress as JSON lines."""

    def run(conn: Session, put: Put) -> dict:
        return {"batch": run_import(conn, data, file_name, options, lambda *step: put(progress_event(*step)))}

    return progress_stream(database, f"Import of {file_name}", run,
                           "The import failed unexpectedly; nothing was imported.", finished)
