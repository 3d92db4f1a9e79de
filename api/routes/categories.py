"""Categories: list, create, rename and recolour, and delete."""

from fastapi import APIRouter, Request, Response

from api.deps import DB
from api.models import CategoryId, CategoryResponse, ErrorBody
from tracker.categories import create_category, delete_category, list_categories, update_category
from tracker.models import CategoryCreate, CategoryUpdate

router = APIRouter()


@router.get("/categories", response_model=list[CategoryResponse])
def get_categories(conn: DB):
    return list_categories(conn)


@router.post(
    "/categories",
    status_code=201,
    response_model=CategoryResponse,
    responses={409: {"model": ErrorBody, "description": "Category already exists"}},
)
def post_category(category: CategoryCreate, conn: DB, request: Request):
    return create_category(conn, category)


@router.put(
    "/categories/{category_id}",
    response_model=CategoryResponse,
    responses={
        404: {"model": ErrorBody, "description": "No such category"},
        409: {"model": ErrorBody, "description": "Category already exists"},
    },
)
def put_category(category_id: CategoryId, changes: CategoryUpdate, conn: DB, request: Request):
    """Rename and/or recolour a category; its expenses, budgets and the summary follow."""
    return update_category(conn, category_id, name=changes.name, color=changes.color)


@router.delete(
    "/categories/{category_id}",
    status_code=204,
    responses={
        400: {"model": ErrorBody, "description": "Cannot delete category with existing expenses (or a foreign Host)"},
        404: {"model": ErrorBody, "description": "No such category"},
    },
)
def remove_category(category_id: CategoryId, conn: DB, request: Request):
    delete_category(conn, category_id)
    return Response(status_code=204)
