"""The API's documentation page, served from vendored files, and the health check."""

import sqlite3

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import JSONResponse

from api.models import Health
from tracker.db import Database, check_usable, describe_database_error
from tracker.errors import DatabaseUnavailable

SWAGGER_UI = "vendor/swagger-ui-5.35.0"
router = APIRouter()


@router.get("/docs", include_in_schema=False)
def docs():
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="Expense Tracker API",
        swagger_js_url=f"/{SWAGGER_UI}.js",
        swagger_css_url=f"/{SWAGGER_UI}.css",
        swagger_favicon_url="data:,",
    )


@router.get("/health", response_model=Health, response_model_exclude_none=True, responses={503: {"model": Health}})
def health(request: Request):
    database: Database = request.app.state.database
    where = {"file": database.path.name, "folder": database.path.parent.name}
    upgrading = database.upgrading
    if upgrading is not None:
        fraction, step = upgrading
        return {"status": "upgrading", "database": "upgrading", **where, "progress": round(fraction, 3), "step": step}
    try:
        conn = database.open()
        try:
            check_usable(conn, database.path)
        finally:
            conn.close()
    except (DatabaseUnavailable, sqlite3.Error) as exc:
        detail = str(exc) if isinstance(exc, DatabaseUnavailable) else describe_database_error(exc, database.path)
        return JSONResponse(
            {"status": "error", "database": "disconnected", **where, "detail": detail}, status_code=503
        )
    return {"status": "ok", "database": "connected", **where}

