"""Replication: where the continuous copy goes, how it stands, taking over, restoring from it."""

from fastapi import APIRouter, Request
from fastapi import Path as PathParam

from api.models import ErrorBody, ReplicaDestination, ReplicaStatus, ReplicaTakeOver, RestoreResult
from tracker.db import Database
from tracker.errors import NotFound
from tracker.models import ReplicaCreate, ReplicaRestoreRequest
from tracker.replica import (
    ReplicaSupervisor,
    add_destination,
    load_destinations,
    masked,
    remove_destination,
    restore_from_replica,
    take_over,
)

router = APIRouter()

UNREACHABLE = {400: {"model": ErrorBody, "description": "The replica cannot be reached or used."}}


def supervisor_of(request: Request) -> ReplicaSupervisor:
    return request.app.state.replica


def current_status(request: Request) -> dict:
    database: Database = request.app.state.database
    supervisor = supervisor_of(request)
    destinations = [masked(d) for d in load_destinations(database.path)]
    status = supervisor.status()
    if destinations and status["state"] == "off":
        status["state"] = "configured"
        status["message"] = (f"The replica at {destinations[0]['url']} is set; the window and `serve` replicate to it "
                             "while they run.")
    if not destinations:
        status.update(state="off", message="Replication is off.", can_take_over=False, can_restore=False)
    return {**status, "destinations": destinations}


@router.get("/replica", response_model=ReplicaStatus)
def get_replica(request: Request):
    return current_status(request)


@router.post("/replica", status_code=201, response_model=ReplicaDestination,
             responses={409: {"model": ErrorBody, "description": "A replica is already set (Litestream keeps one)."}})
def post_replica(dest: ReplicaCreate, request: Request):
    database: Database = request.app.state.database
    added = add_destination(database.path, dest.model_dump(exclude_none=True))
    if request.app.state.replicate:
        supervisor_of(request).restart()
    return added


def the_destination(request: Request) -> dict:
    destinations = load_destinations(request.app.state.database.path)
    if not destinations:
        raise NotFound("No replica is set; add one first.")
    return destinations[0]


@router.post("/replica/take-over", response_model=ReplicaTakeOver, responses=UNREACHABLE)
def post_take_over(request: Request):
    """Make this computer the replica's writer: what is here replaces the replica's newer changes."""
    database: Database = request.app.state.database
    supervisor = supervisor_of(request)
    with supervisor.paused(force=request.app.state.replicate):
        result = take_over(database.path, the_destination(request))
    return result


@router.post("/replica/restore", response_model=RestoreResult,
             responses={**UNREACHABLE, 404: {"model": ErrorBody, "description": "No replica, or nothing that early"}})
def post_replica_restore(request: Request, choice: ReplicaRestoreRequest | None = None):
    """Replace the data with the replica's (latest, or as it was `at`); what is here is kept as a backup first."""
    database: Database = request.app.state.database
    dest = the_destination(request)
    with supervisor_of(request).paused(force=request.app.state.replicate):
        result = restore_from_replica(dest, database.path, choice.at if choice else None, database.write_lock)
        database.close()
        database.ready = False  # opened again by the next request
    return result


@router.delete("/replica/{name}", status_code=204, responses={404: {"model": ErrorBody, "description": "No such replica"}})
def delete_replica(request: Request, name: str = PathParam(max_length=40)):
    database: Database = request.app.state.database
    supervisor = supervisor_of(request)
    supervisor.stop()
    remove_destination(database.path, name)
    supervisor.dest = None
    if request.app.state.replicate:
        supervisor.start()
