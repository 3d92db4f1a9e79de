"""Where a row goes: the person's rules first, then what their own expenses taught, then the
default category. Every placement says where it came from, for the person to check."""

from __future__ import annotations

from dataclasses import dataclass

from tracker.db import Session
from tracker.learning import Learner, catch_up, original_spelling, words
from tracker.rules import RuleBook

RULE, LEARNED, DEFAULT = "rule", "learned", "default"
LEARNING = "Learning from your expenses"


@dataclass(frozen=True)
class Placement:
    category_id: int | None  # None: no default was given and nothing placed the row
    source: str  # RULE, LEARNED or DEFAULT
    reason: str  # "rule 3: contains REWE", "like 14 earlier REWE expenses", "default"
    description: str | None = None  # a rule's cleaner description, if it gives one
    rule_id: int | None = None


def learn_latest(conn: Session, progress=None) -> int:
    """Count what changed since the last time, in short writes of 50,000 notes (~0.4 s each), so
    that other writers never wait long; the first time after an upgrade of a million expenses it
    takes ~4 s in all. `progress(phase, done, total)` hears how far it is."""
    total = conn.execute("select count(*) from learning_changes").fetchone()[0]
    done = 0
    while done < total:
        if conn.in_transaction:  # already writing (an import deciding its rows again): all at once
            return done + catch_up(conn)
        if progress is not None:
            progress(LEARNING, done, total)
        with conn.write():
            counted = catch_up(conn, rounds=1)
        if not counted:
            break
        done += counted
    if progress is not None and total:
        progress(LEARNING, total, total)
    return done


class Categoriser:
    def __init__(self, conn: Session, default_category_id: int | None):
        self.rules = RuleBook(conn)
        self.learner = Learner(conn)
        self.default = default_category_id

    def place(self, description: str, amount: float, itself: int | None = None) -> Placement:
        """`itself`: the category of an expense already in the file (see Learner.guess)."""
        rule = self.rules.first_fit(description, amount)
        if rule is not None:
            return Placement(rule.category_id, RULE, rule.label, rule.description, rule.id)
        guess = self.learner.guess(description, itself)
        if guess is not None:
            earlier = "earlier expense" if guess.uses == 1 else "earlier expenses"
            return Placement(guess.category_id, LEARNED, f"like {guess.uses:,} {earlier} with {guess.word}")
        return Placement(self.default, DEFAULT, "default")


def merchant_word(description: str) -> str | None:
    """The word a rule offered for this description would look for (REWE in 'REWE SAGT DANKE 1234')."""
    found = words(description)
    return original_spelling(description, found[0]) if found else None


TIDY_LIMIT = 5000  # changes a preview lists; the rest are counted


def preview_tidy(conn: Session, ids: list[int]) -> dict:
    """What the rules and learning would change among these expenses: only rows that would move
    or get a cleaner description, each with where its new category comes from. A split expense keeps
    its category (its parts'): it is listed only for a cleaner description, and counted in
    `skipped_split` when the rules would have moved it."""
    from tracker.bulk import split_ids, split_note

    learn_latest(conn)
    categoriser = Categoriser(conn, None)
    names = {row[0]: row[1] for row in conn.execute("select id, name from categories")}
    changes, count, skipped = [], 0, 0
    for start in range(0, len(ids), 500):
        part = ids[start:start + 500]
        split = split_ids(conn, part)
        for row in conn.execute(
            f"""select id, amount, description, category_id, date from expenses
            where id in ({", ".join("?" * len(part))}) order by date desc, id desc""", part,
        ):
            placed = categoriser.place(row["description"], row["amount"], itself=row["category_id"])
            if placed.source == DEFAULT:
                continue
            new_description = placed.description if placed.description not in (None, row["description"]) else None
            new_category = placed.category_id
            if row["id"] in split and new_category != row["category_id"]:
                skipped += 1
                new_category = row["category_id"]
            if new_category == row["category_id"] and new_description is None:
                continue
            count += 1
            if len(changes) < TIDY_LIMIT:
                changes.append({
                    "id": row["id"], "date": row["date"], "amount": row["amount"], "description": row["description"],
                    "category_id": row["category_id"], "category_name": names.get(row["category_id"], ""),
                    "new_category_id": new_category, "new_category_name": names.get(new_category, ""),
                    "new_description": new_description, "source": placed.source, "reason": placed.reason,
                })
    return {"examined": len(ids), "changes": count, "rows": changes, "skipped_split": skipped,
            "note": split_note(skipped)}


def suggest_rule(conn: Session, expense_id: int) -> dict | None:
    """The rule to offer once a person has moved this expense to its category: its merchant's word,
    and how many expenses that rule would take (and how many of those sit elsewhere today)."""
    from tracker.expenses import get_expense
    from tracker.search import plan_search

    expense = get_expense(conn, expense_id)
    word = merchant_word(expense["description"])
    if word is None:
        return None
    search = plan_search(conn, word, None, lambda: 0)
    where = " and ".join(search.conditions) or "1"
    matching, elsewhere = conn.execute(
        f"select count(*), coalesce(sum(e.category_id != ?), 0) from expenses e where {where}",
        (expense["category_id"], *search.params),
    ).fetchone()
    return {"kind": "contains", "pattern": word, "category_id": expense["category_id"],
            "matching": matching, "elsewhere": elsewhere}
