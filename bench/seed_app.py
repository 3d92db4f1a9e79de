# ruff: noqa: UP045, B008  (written as the seed is: Optional, Depends in defaults)
"""The seed implemented literally, for bench/throughput.py: one file, FastAPI, sqlite3, a connection
per request through a yield dependency, Pydantic models, CORS allow_origins=["*"] and nothing else.

Only the routes the benchmark uses. The database is $SEED_DB (default expenses.db).
"""

import os
import sqlite3
from datetime import date as Date
from typing import Optional

from fastapi import Depends, FastAPI, HTTPException, Query
from fastapi.middleware.cors import CORSMiddleware
from pydantic import BaseModel, Field, field_validator

DB_PATH = os.environ.get("SEED_DB", "expenses.db")

app = FastAPI(title="Expense Tracker")
app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"])


def get_db():
    # check_same_thread=False: FastAPI runs a sync dependency's code before and after its yield in
    # different worker threads, and sqlite3 then refuses the close (a 500 under concurrent load).
    conn = sqlite3.connect(DB_PATH, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys = ON")
    try:
        yield conn
    finally:
        conn.close()


def init_db():
    conn = sqlite3.connect(DB_PATH)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript("""
        CREATE TABLE IF NOT EXISTS categories (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL UNIQUE,
            color TEXT NOT NULL DEFAULT '#6c757d',
            created_at TEXT NOT NULL DEFAULT (datetime('now'))
        );
        CREATE TABLE IF NOT EXISTS expenses (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            amount REAL NOT NULL CHECK(amount > 0),
            description TEXT NOT NULL,
            category_id INTEGER NOT NULL REFERENCES categories(id),
            date TEXT NOT NULL,
            created_at TEXT NOT NULL DEFAULT (datetime('now'))
        );
        CREATE INDEX IF NOT EXISTS idx_expenses_date ON expenses(date);
        CREATE INDEX IF NOT EXISTS idx_expenses_category ON expenses(category_id);
    """)
    for name in ("Food", "Transport", "Utilities"):
        conn.execute("INSERT OR IGNORE INTO categories (name) VALUES (?)", (name,))
    conn.commit()
    conn.close()


init_db()


class ExpenseCreate(BaseModel):
    amount: float = Field(gt=0)
    description: str = Field(min_length=1, max_length=200)
    category_id: int
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")

    @field_validator("date")
    @classmethod
    def real_date(cls, value):
        Date.fromisoformat(value)
        return value


class ExpenseResponse(BaseModel):
    id: int
    amount: float
    description: str
    category_id: int
    category_name: str
    date: str
    created_at: str


SORTS = {"date": "e.date", "amount": "e.amount", "created_at": "e.created_at"}
ORDERS = {"asc": "ASC", "desc": "DESC"}


@app.get("/expenses", response_model=list[ExpenseResponse])
def list_expenses(
    date_from: Optional[str] = None,
    date_to: Optional[str] = None,
    category_id: Optional[int] = None,
    sort: str = Query("date", pattern="^(date|amount|created_at)$"),
    order: str = Query("desc", pattern="^(asc|desc)$"),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0),
    db: sqlite3.Connection = Depends(get_db),
):
    query = ("SELECT e.*, c.name AS category_name FROM expenses e "
             "JOIN categories c ON e.category_id = c.id WHERE 1=1")
    params = []
    if date_from:
        query += " AND e.date >= ?"
        params.append(date_from)
    if date_to:
        query += " AND e.date <= ?"
        params.append(date_to)
    if category_id:
        query += " AND e.category_id = ?"
        params.append(category_id)
    query += f" ORDER BY {SORTS[sort]} {ORDERS[order]} LIMIT ? OFFSET ?"
    params += [limit, offset]
    return [dict(row) for row in db.execute(query, params).fetchall()]


@app.post("/expenses", response_model=ExpenseResponse, status_code=201)
def create_expense(expense: ExpenseCreate, db: sqlite3.Connection = Depends(get_db)):
    if not db.execute("SELECT id FROM categories WHERE id = ?", (expense.category_id,)).fetchone():
        raise HTTPException(status_code=400, detail="Category not found")
    cursor = db.execute(
        "INSERT INTO expenses (amount, description, category_id, date) VALUES (?, ?, ?, ?)",
        (expense.amount, expense.description, expense.category_id, expense.date),
    )
    db.commit()
    row = db.execute(
        "SELECT e.*, c.name AS category_name FROM expenses e "
        "JOIN categories c ON e.category_id = c.id WHERE e.id = ?",
        (cursor.lastrowid,),
    ).fetchone()
    return dict(row)


@app.get("/health")
def health(db: sqlite3.Connection = Depends(get_db)):
    db.execute("SELECT 1")
    return {"status": "ok", "database": "connected"}
