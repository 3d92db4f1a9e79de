"""Search: the words of a query, and the cheapest way to find the expenses that hold them all."""

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from tracker.errors import InvalidInput
from tracker.search_index import fold_sql
from tracker.validation import check_search

# Search: every whitespace-separated term of q must occur in the description, ignoring case and
# accents. Terms are folded by the same SQL as the descriptions (fold_sql), so that both sides
# always agree. A term of 3 or more characters is looked up in the trigram index. A shorter
# term has no trigram to look up (the trigram tokenizer cannot match fewer than 3 characters),
# so it is found with instr() over the folded texts: correct, and fast when the term is common,
# but a rare 1- or 2-character term means reading every folded text once. The user's text only
# ever reaches FTS5 inside a quoted string, so quotes, *, AND, NEAR( and the like are plain text.
SEARCH_PROBE_ROWS = 1000
# Rough costs per row, in microseconds, measured on a 1M-row file: testing a row's folded text
# while reading rows in the caller's order (walk); fetching a match by id to filter and sort it
# (drive); collecting a match from the index, and testing a row read in the caller's order
# against that collection (member).
SEARCH_WALK_COST = 2.0
SEARCH_DRIVE_COST = 1.5
SEARCH_COLLECT_COST = 0.4
SEARCH_MEMBER_COST = 0.5
# Testing one folded text when reading expense_search_text through (a scan for short terms).
SEARCH_SCAN_COST = 0.1


@dataclass
class SearchPlan:
    """How to find the rows of a search: `conditions` on `expenses e`, and `count_sql`, which
    counts the matches among all expenses (for a count with no other filter)."""

    conditions: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    count_sql: str = ""
    count_params: list[Any] = field(default_factory=list)


def search_terms(conn: sqlite3.Connection, q: str | None) -> list[str]:
    """The folded terms of q, each once; none for an empty or blank q."""
    if q is None or not q.strip():
        return []
    try:
        check_search(q)
    except ValueError as exc:
        raise InvalidInput(f"Invalid query parameter 'q': {exc}.") from None
    folded = conn.execute(f"select {fold_sql('x')} from (select ? as x)", (q,)).fetchone()[0]
    return list(dict.fromkeys(folded.split()))


def fts_phrases(terms: list[str]) -> str:
    """An FTS5 query that is each term as a quoted string (all of them must match)."""
    return " ".join('"' + term.replace('"', '""') + '"' for term in terms)


def contains_all(alias: str, terms: list[str]) -> str:
    return " and ".join(f"instr({alias}.text, ?) > 0" for _ in terms)


def plan_search(conn: sqlite3.Connection, q: str | None, wanted: int | None, filtered_rows: Any) -> SearchPlan:
    """Plan the search q by how many rows match it.

    `wanted`: how many matching rows the caller reads in its order (None: all of them);
    `filtered_rows()`: how many rows the caller's other filters let through.
    """
    terms = search_terms(conn, q)
    if not terms:
        return SearchPlan()
    long_terms = [term for term in terms if len(term) >= 3]
    short_terms = [term for term in terms if len(term) < 3]
    text_check = (
        [f"exists (select 1 from expense_search_text t where t.id = e.id and {contains_all('t', short_terms)})"]
        if short_terms else []
    )
    walk = SearchPlan(
        [f"exists (select 1 from expense_search_text t where t.id = e.id and {contains_all('t', terms)})"], terms
    )
    if not long_terms:
        walk.count_sql = f"select count(*) from expense_search_text t where {contains_all('t', terms)}"
        walk.count_params = terms
        probe = [row[0] for row in conn.execute(
            f"select id from expense_search_text t where {contains_all('t', terms)} order by id limit ?",
            [*terms, SEARCH_PROBE_ROWS + 1],
        )]
        if len(probe) <= SEARCH_PROBE_ROWS:  # few matches: read exactly those rows
            ids = json.dumps(probe)
            return SearchPlan(["e.id in (select value from json_each(?))"], [ids], "select json_array_length(?)", [ids])
        found, last = len(probe), probe[-1]
    else:
        match = fts_phrases(long_terms)
        matching = "select rowid from expense_search where expense_search match ?"
        if short_terms:
            count_sql = (f"select count(*) from expense_search s join expense_search_text t on t.id = s.rowid "
                         f"where s.expense_search match ? and {contains_all('t', short_terms)}")
        else:
            count_sql = "select count(*) from expense_search where expense_search match ?"
        count_params = [match, *short_terms]
        walk.count_sql, walk.count_params = count_sql, count_params
        found, last = conn.execute(
            f"select count(*), max(rowid) from ({matching} limit ?)", (match, SEARCH_PROBE_ROWS + 1)
        ).fetchone()
        driven = SearchPlan([f"e.id in ({matching})", *text_check], [match, *short_terms], count_sql, count_params)
        if found <= SEARCH_PROBE_ROWS:  # few matches: read exactly those rows
            return driven
    # Many matches. Estimate how many from how far into the ids the probe had to read, and how
    # many rows a walk in the caller's order would test before it has what it wants.
    # (Two subqueries: SQLite looks min() and max() up in the index only when each is alone.)
    low, high = conn.execute("select (select min(id) from expenses), (select max(id) from expenses)").fetchone()
    density = found / max(1, last - low + 1)
    matches = density * (high - low + 1)
    visits = filtered_rows()
    if wanted is not None:
        visits = min(visits, wanted / density)
    costs = {"walk": visits * SEARCH_WALK_COST}
    if not long_terms:
        # Short terms alone: the matching ids from one scan of the folded texts, then those rows.
        costs["scan"] = (high - low + 1) * SEARCH_SCAN_COST + matches * SEARCH_DRIVE_COST
    else:
        costs["drive"] = matches * SEARCH_DRIVE_COST
        costs["member"] = matches * SEARCH_COLLECT_COST + visits * SEARCH_MEMBER_COST
    best = min(costs, key=costs.__getitem__)
    if best == "scan":
        return SearchPlan([f"e.id in (select t.id from expense_search_text t where {contains_all('t', terms)})"],
                          terms, walk.count_sql, walk.count_params)
    if best == "drive":
        return driven
    if best == "member":
        # The unary + keeps SQLite from reading rows by these ids: it collects the matches
        # once, then tests each row it reads in the caller's order against them.
        return SearchPlan([f"+e.id in ({matching})", *text_check], [match, *short_terms], count_sql, count_params)
    return walk
