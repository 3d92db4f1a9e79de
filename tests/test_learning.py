"""Categories learned from the person's own expenses: words, the notes the triggers keep, guesses."""

import sqlite3

import pytest

from tracker.db import init_database
from tracker.learning import Learner, catch_up, create_learning, words


@pytest.mark.parametrize(
    "description, expected",
    [
        ("REWE SAGT DANKE 12345678 // BERLIN", ("rewe", "berlin", "reweberlin")),
        ("REWE Markt GmbH Hamburg 4711", ("rewe", "markt", "rewemarkt", "hamburg")),
        ("Kartenzahlung REWE 4411 12.03 18:22", ("rewe",)),
        ("CARD PAYMENT TO TESCO STORES 3456 ON 03-11-2026", ("tesco", "stores", "tescostores")),
        ("AMZNMKTPLACE*AB12CD34E", ("amznmktplace",)),
        ("SAINSBURY'S S/MKT", ("sainsburys", "mkt", "sainsburysmkt")),
        ("Café Müller", ("cafe", "muller", "cafemuller")),
        ("XXXX XXXX XXXX 1234", ()),
        ("", ()),
    ],
)
def test_words_leave_out_numbers_references_and_bank_noise(description, expected):
    assert words(description) == expected


@pytest.fixture
def learning_db(tmp_path):
    path = tmp_path / "expenses.db"
    init_database(path)
    conn = sqlite3.connect(path, isolation_level=None)
    create_learning(conn)
    conn.executemany("insert or ignore into categories (name) values (?)", [("Groceries",), ("Rent",)])
    yield conn
    conn.close()


def category_id(conn, name):
    return conn.execute("select id from categories where name = ?", (name,)).fetchone()[0]


def add(conn, description, category, date="2026-11-02"):
    return conn.execute(
        "insert into expenses (amount, description, category_id, date) values (9.5, ?, ?, ?)",
        (description, category_id(conn, category), date),
    ).lastrowid


def guess(conn, description):
    conn.execute("begin")
    catch_up(conn)
    conn.execute("commit")
    found = Learner(conn).guess(description)
    if found is None:
        return None
    name = conn.execute("select name from categories where id = ?", (found.category_id,)).fetchone()[0]
    return name, found.word, found.uses


def test_learning_one_merchant_through_the_noise(learning_db):
    add(learning_db, "REWE SAGT DANKE 12345678 // BERLIN", "Groceries")
    add(learning_db, "REWE SAGT DANKE 87654321 // BERLIN", "Groceries")
    assert guess(learning_db, "REWE Markt GmbH Hamburg 4711") == ("Groceries", "REWE", 2)


def test_learning_a_correction_by_another_program_teaches(learning_db):
    first = add(learning_db, "MIETE WHG 12 HAUSVERWALTUNG SCHMIDT", "Food")
    assert guess(learning_db, "Miete Whg 12 Hausverwaltung Schmidt") == ("Food", "Miete", 1)
    # Any program may fix the category: a plain UPDATE, as the sqlite3 CLI would make it.
    learning_db.execute("update expenses set category_id = ? where id = ?", (category_id(learning_db, "Rent"), first))
    assert guess(learning_db, "Miete Whg 12 Hausverwaltung Schmidt") == ("Rent", "Miete", 1)


def test_learning_forgets_deleted_expenses_and_deleted_categories(learning_db):
    gone = add(learning_db, "NETFLIX.COM 41517483", "Groceries")
    learning_db.execute("delete from expenses where id = ?", (gone,))
    assert guess(learning_db, "NETFLIX.COM 99999999") is None
    learning_db.execute("insert into categories (name) values ('Streaming')")
    add(learning_db, "NETFLIX.COM 41517483", "Streaming")
    assert guess(learning_db, "NETFLIX.COM 1") == ("Streaming", "NETFLIX", 1)
    learning_db.execute("delete from expenses where category_id = ?", (category_id(learning_db, "Streaming"),))
    learning_db.execute("delete from categories where name = 'Streaming'")
    assert guess(learning_db, "NETFLIX.COM 1") is None


def test_learning_a_place_alone_does_not_decide(learning_db):
    for number in range(3):
        add(learning_db, f"REWE {number}0 BERLIN", "Groceries")
    # An unknown shop in a known city: the default category decides, not the city.
    assert guess(learning_db, "Aral Tankstelle 55 BERLIN") is None


def test_learning_two_categories_as_likely_leaves_the_default(learning_db):
    add(learning_db, "AMAZON.DE 1", "Groceries")
    add(learning_db, "AMAZON.DE 2", "Rent")
    assert guess(learning_db, "AMAZON.DE 3") is None


def test_learning_catch_up_counts_in_batches(learning_db):
    learning_db.execute("begin")
    for number in range(250):
        add(learning_db, f"TESCO STORES {number} LONDON", "Groceries")
    learning_db.execute("commit")
    learning_db.execute("begin")
    assert catch_up(learning_db, batch=100) == 250
    learning_db.execute("commit")
    assert learning_db.execute("select count(*) from learning_changes").fetchone()[0] == 0
    assert learning_db.execute("select uses from learned_words where word = 'tesco'").fetchone()[0] == 250


def test_learning_catch_up_a_few_rounds_at_a_time(learning_db):
    learning_db.execute("begin")
    for number in range(250):
        add(learning_db, f"TESCO STORES {number} LONDON", "Groceries")
    assert catch_up(learning_db, batch=100, rounds=1) == 100
    assert catch_up(learning_db, batch=100, rounds=2) == 150
    assert catch_up(learning_db, batch=100, rounds=1) == 0
    learning_db.execute("commit")
