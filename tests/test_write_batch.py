"""Writes that queue behind another share one transaction and one commit (tracker.db.WriteBatch):
every caller gets its own answer after the commit, a failing write is undone alone, and a failed
commit reaches every caller of its batch."""

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.conftest import expense
from tracker.db import Database, Session, WriteBatch, init_database
from tracker.errors import Conflict


def insert(description, wait=None):
    def work(conn):
        if wait is not None:
            wait.wait(5)
        row_id = conn.execute(
            "insert into expenses (amount, description, category_id, date) values (1, ?, 1, '2025-03-01')",
            (description,)).lastrowid
        return row_id

    return work


def descriptions(path):
    with sqlite3.connect(path) as conn:
        return sorted(row[0] for row in conn.execute("select description from expenses"))


def test_write_batch_queued_writes_share_a_commit_and_each_gets_its_answer(db_path):
    init_database(db_path)
    database = Database(db_path)
    opened = []
    batch = WriteBatch(lambda: opened.append(1) or database.open())
    first_inside = threading.Event()
    release = threading.Event()

    def first(conn):
        first_inside.set()
        release.wait(5)
        return insert("first")(conn)

    with ThreadPoolExecutor(9) as pool:
        head = pool.submit(batch.run, first)
        assert first_inside.wait(5)
        queued = [pool.submit(batch.run, insert(f"queued {n}")) for n in range(8)]
        while len(batch._pending) < 8:  # every queued write waits for the first batch's turn
            threading.Event().wait(0.01)
        release.set()
        ids = [head.result(5)] + [future.result(5) for future in queued]
    assert len(set(ids)) == 9
    assert descriptions(db_path) == sorted(["first"] + [f"queued {n}" for n in range(8)])
    assert len(opened) == 2  # the first write's batch, then one for the eight that queued


def test_write_batch_failing_write_undone_alone(db_path):
    init_database(db_path)
    database = Database(db_path)
    release = threading.Event()

    def refused(conn):
        insert("refused")(conn)
        raise Conflict("This one is refused.")

    with ThreadPoolExecutor(4) as pool:
        head = pool.submit(database.batch.run, insert("first", release))
        while not database.batch._turn.locked():
            threading.Event().wait(0.01)
        others = [pool.submit(database.batch.run, work) for work in (insert("before"), refused, insert("after"))]
        while len(database.batch._pending) < 3:
            threading.Event().wait(0.01)
        release.set()
        head.result(5)
        assert others[0].result(5) and others[2].result(5)
        with pytest.raises(Conflict, match="This one is refused."):
            others[1].result(5)
    assert descriptions(db_path) == ["after", "before", "first"]


class CommitFails(Session):
    def execute(self, sql, *args):
        if sql == "commit":
            raise sqlite3.OperationalError("database or disk is full")
        return super().execute(sql, *args)


def test_write_batch_failed_commit_reaches_every_caller_and_writes_nothing(db_path):
    init_database(db_path)

    def open_failing():
        conn = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False, factory=CommitFails)
        conn.write_lock = None
        return conn

    batch = WriteBatch(open_failing)
    with pytest.raises(sqlite3.OperationalError, match="disk is full"):
        batch.run(insert("lost"))
    assert descriptions(db_path) == []


def test_write_batch_concurrent_posts_all_land_with_their_own_answers(server):
    """Eight scripts add expenses at once through the real server; one of them names a category
    that does not exist. Every other expense is answered 201 with itself and is in the file."""
    def post_many(worker):
        answers = []
        with httpx.Client(base_url=server.url, timeout=30) as client:
            for n in range(15):
                category = 999 if worker == 3 and n % 5 == 0 else 1 + n % 3
                body = expense(description=f"w{worker} n{n}", amount=round(worker + 1 + n / 100, 2), category_id=category)
                answers.append((body, client.post("/expenses", json=body)))
        return answers

    with ThreadPoolExecutor(8) as pool:
        results = [answer for answers in pool.map(post_many, range(8)) for answer in answers]
    created = []
    for body, response in results:
        if body["category_id"] == 999:
            assert response.status_code == 400, response.text
            assert "999" in response.json()["detail"]
            continue
        assert response.status_code == 201, response.text
        got = response.json()
        assert (got["description"], got["amount"], got["category_id"]) == (
            body["description"], body["amount"], body["category_id"])
        created.append(got["id"])
    assert len(set(created)) == len(created) == 8 * 15 - 3
    with sqlite3.connect(server.db_path) as conn:
        rows = dict(conn.execute("select id, description from expenses").fetchall())
    assert sorted(rows) == sorted(created)
