"""Categories: list, create and delete."""

from fastapi import APIRouter, Request, Response

from api.deps import DB
from api.models import CategoryId, CategoryResponse, ErrorBody
from tracker.categories import create_category, delete_category, list_categories
from tracker.models import CategoryCreate

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
