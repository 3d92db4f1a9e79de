"""Rules the person writes: "a description that contains (or matches) this, an amount in this
range, goes in that category", optionally with a cleaner description. Applied in their order,
before anything learned; the first rule that fits a row decides."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tracker.categories import require_category
from tracker.db import Session
from tracker.errors import InvalidInput, NotFound
from tracker.learning import fold

if TYPE_CHECKING:
    from tracker.models import RuleCreate

RULES_SCHEMA = [
    """create table if not exists rules (
    id integer primary key autoincrement,
    position integer not null,
    kind text not null check (kind in ('contains', 'matches')),
    pattern text not null,
    amount_min real,
    amount_max real,
    category_id integer not null,
    description text,
    created_at text not null default (datetime('now'))
)""",
    # A rule without its category means nothing: it goes with the category.
    """create trigger if not exists categories_rules_delete after delete on categories begin
    delete from rules where category_id = old.id;
end""",
]

RULE_FIELDS = ("kind", "pattern", "amount_min", "amount_max", "category_id", "description")
RULE_SELECT = """select r.id, r.position, r.kind, r.pattern, r.amount_min, r.amount_max, r.category_id,
    c.name as category_name, r.description, r.created_at
from rules r join categories c on c.id = r.category_id"""
PATTERN_MAX = 200


def create_rules(conn) -> None:
    for statement in RULES_SCHEMA:
        conn.execute(statement)


def check_pattern(kind: str, pattern: str) -> None:
    if kind == "matches":
        try:
            re.compile(pattern, re.IGNORECASE)
        except re.error as exc:
            raise InvalidInput(f"The pattern {pattern!r} is not a regular expression Python can read: {exc}.") from None


def check_amounts(amount_min: float | None, amount_max: float | None) -> None:
    if amount_min is not None and amount_max is not None and amount_min > amount_max:
        raise InvalidInput(f"The smallest amount {amount_min:g} is more than the largest {amount_max:g}.")


def list_rules(conn: Session) -> list[dict]:
    return [dict(row) for row in conn.execute(f"{RULE_SELECT} order by r.position, r.id")]


def get_rule(conn: Session, rule_id: int) -> dict:
    row = conn.execute(f"{RULE_SELECT} where r.id = ?", (rule_id,)).fetchone()
    if row is None:
        raise NotFound(f"Rule {rule_id} not found.")
    return dict(row)


def create_rule(conn: Session, rule: RuleCreate) -> dict:
    check_pattern(rule.kind, rule.pattern)
    check_amounts(rule.amount_min, rule.amount_max)
    with conn.write():
        require_category(conn, rule.category_id)
        position = conn.execute("select coalesce(max(position), 0) + 1 from rules").fetchone()[0]
        rule_id = conn.execute(
            """insert into rules (position, kind, pattern, amount_min, amount_max, category_id, description)
            values (?, ?, ?, ?, ?, ?, ?)""",
            (position, rule.kind, rule.pattern, rule.amount_min, rule.amount_max, rule.category_id, rule.description),
        ).lastrowid
        return get_rule(conn, rule_id)


def update_rule(conn: Session, rule_id: int, fields: dict) -> dict:
    """Change the given fields (RULE_FIELDS, and `position` to move it); the others stay."""
    unknown = set(fields) - {*RULE_FIELDS, "position"}
    if unknown:
        raise InvalidInput(f"Rules have no field {sorted(unknown)[0]!r}.")
    with conn.write():
        current = get_rule(conn, rule_id)
        merged = {**current, **fields}
        check_pattern(merged["kind"], merged["pattern"])
        check_amounts(merged["amount_min"], merged["amount_max"])
        if "category_id" in fields:
            require_category(conn, fields["category_id"])
        if "position" in fields:
            move_rule(conn, rule_id, fields.pop("position"))
        if fields:
            assignments = ", ".join(f"{name} = ?" for name in fields)  # names checked against RULE_FIELDS above
            conn.execute(f"update rules set {assignments} where id = ?", (*fields.values(), rule_id))
        return get_rule(conn, rule_id)


def move_rule(conn: Session, rule_id: int, position: int) -> None:
    """Put the rule at `position` (1 is first) and number the others after it."""
    ids = [row[0] for row in conn.execute("select id from rules where id != ? order by position, id", (rule_id,))]
    ids.insert(max(0, min(position - 1, len(ids))), rule_id)
    conn.executemany("update rules set position = ? where id = ?", [(n, i) for n, i in enumerate(ids, start=1)])


def delete_rule(conn: Session, rule_id: int) -> None:
    with conn.write():
        if not conn.execute("delete from rules where id = ?", (rule_id,)).rowcount:
            raise NotFound(f"Rule {rule_id} not found.")


@dataclass(frozen=True)
class Rule:
    id: int
    kind: str
    pattern: str
    amount_min: float | None
    amount_max: float | None
    category_id: int
    description: str | None

    def fits(self, folded_description: str, description: str, amount: float) -> bool:
        if self.amount_min is not None and amount < self.amount_min:
            return False
        if self.amount_max is not None and amount > self.amount_max:
            return False
        if self.kind == "contains":
            return fold(self.pattern) in folded_description
        return re.search(self.pattern, description, re.IGNORECASE) is not None

    @property
    def label(self) -> str:
        verb = "contains" if self.kind == "contains" else "matches"
        return f"rule {self.id}: {verb} {self.pattern}"


class RuleBook:
    """The rules, read once, for many rows (an import, or the expenses being tidied)."""

    def __init__(self, conn: Session):
        self.rules = [
            Rule(row["id"], row["kind"], row["pattern"], row["amount_min"], row["amount_max"],
                 row["category_id"], row["description"])
            for row in conn.execute(
                """select id, kind, pattern, amount_min, amount_max, category_id, description
                from rules order by position, id"""
            )
        ]

    def first_fit(self, description: str, amount: float) -> Rule | None:
        if not self.rules:
            return None
        folded = fold(description)
        return next((rule for rule in self.rules if rule.fits(folded, description, amount)), None)
