"""Many expenses at once: a new category, to the trash, back from it, or tidied by the rules and
what was learned; each such edit is one step that POST /edits/{edit_id}/undo takes back.

Included before the expenses router, so that /expenses/bulk is not taken for an expense id."""

from fastapi import APIRouter

from api.deps import DB
from api.models import Edit, EditId, EditResult, ErrorBody, TidyPreview, UndoResult
from tracker.bulk import Selection, apply_changes, change_tags, delete_many, list_edits, restore_many, set_category, undo_edit
from tracker.categorise import preview_tidy
from tracker.errors import InvalidInput
from tracker.models import BulkEdit, ExpenseSelection, TidyApply

router = APIRouter()


def selection_of(body: ExpenseSelection) -> Selection:
    if (body.ids is None) == (body.filter is None):
        raise InvalidInput("Say which expenses: send either ids or filter (an empty filter {} means all).")
    if body.ids is not None:
        return Selection(ids=body.ids)
    return Selection(date_from=body.filter.date_from, date_to=body.filter.date_to,
                     category_id=body.filter.category_id, q=body.filter.q, tag=body.filter.tag)


@router.post(
    "/expenses/bulk",
    response_model=EditResult,
    responses={404: {"model": ErrorBody, "description": "A listed expense does not exist (or is not in the trash)"}},
)
def post_bulk_edit(edit: BulkEdit, conn: DB):
    """Move the chosen expenses to a category, to the trash, or (by ids) back from the trash; or tag or
    untag them."""
    if edit.action == "restore":
        if edit.ids is None:
            raise InvalidInput("Restore takes ids: the trash's expenses are not in the list's filters.")
        return restore_many(conn, edit.ids, dry_run=edit.dry_run)
    selection = selection_of(edit)
    if edit.action == "delete":
        return delete_many(conn, selection, dry_run=edit.dry_run)
    if edit.action in ("add_tags", "remove_tags"):
        if not edit.tags:
            raise InvalidInput("Tagging needs tags: at least one.")
        return change_tags(conn, selection, edit.tags, add=edit.action == "add_tags", dry_run=edit.dry_run)
    if edit.category_id is None:
        raise InvalidInput("Moving to a category needs category_id.")
    return set_category(conn, selection, edit.category_id, dry_run=edit.dry_run)


@router.post(
    "/expenses/tidy/preview",
    response_model=TidyPreview,
    responses={404: {"model": ErrorBody, "description": "A listed expense does not exist"}},
)
def post_tidy_preview(chosen: ExpenseSelection, conn: DB):
    """What the rules and learning would change among the chosen expenses (nothing is changed)."""
    return preview_tidy(conn, selection_of(chosen).expense_ids(conn))


@router.post(
    "/expenses/tidy",
    response_model=EditResult,
    responses={409: {"model": ErrorBody, "description": "An expense changed or went since the preview"}},
)
def post_tidy(tidy: TidyApply, conn: DB):
    """Make the changes of a tidy preview (those the person kept), as one edit."""
    return apply_changes(conn, [change.model_dump() for change in tidy.changes])


@router.get("/edits", response_model=list[Edit])
def get_edits(conn: DB):
    """The latest 20 edits of many expenses, newest first."""
    return list_edits(conn)


@router.post(
    "/edits/{edit_id}/undo",
    response_model=UndoResult,
    responses={404: {"model": ErrorBody, "description": "No such edit"},
               409: {"model": ErrorBody, "description": "Already undone"}},
)
def post_undo_edit(edit_id: EditId, conn: DB):
    return undo_edit(conn, edit_id)
