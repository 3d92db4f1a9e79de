"""Categories learned from the person's own expenses: which words of a description go with which
category, kept up to date whoever writes the file, so that correcting a category teaches it.

Banks wrap a merchant's name in noise: `REWE SAGT DANKE 12345678 // BERLIN` and
`REWE Markt GmbH Hamburg 4711` are one merchant. A description is reduced to its words (letters
only, folded); anything holding a digit (card numbers, dates, references, store numbers) is not a
word, and neither are a few words every bank adds. Each word then votes for the categories it was
seen with, in proportion to how often: a merchant's name, seen in one category, votes strongly; a
city or "Lastschrift", seen everywhere, votes weakly for many. The category with the most votes
wins when it has enough of them; else the row keeps the default category.

Any program may write the file (the sqlite3 CLI has none of this app's Python), so the triggers
only note which (description, category) pairs came and went, in plain SQL; the words are counted
in Python when they are next needed (a 100k-row import adds 100k notes, folded in ~0.3 s).
"""

from __future__ import annotations

import functools
import re
import sqlite3
import unicodedata
from dataclasses import dataclass

LEARNING_SCHEMA = [
    # One row per word and category: how many live expenses with that word are in that category.
    """create table if not exists learned_words (
    word text not null,
    category_id integer not null,
    uses integer not null,
    primary key (word, category_id)
) without rowid""",
    # What changed since the words were last counted: +1 for an expense that came, -1 for one that went.
    """create table if not exists learning_changes (
    id integer primary key,
    description text not null,
    category_id integer not null,
    sign integer not null
)""",
    # An import notes its whole batch in one statement at the end (note_batch_for_learning).
    """create trigger if not exists expenses_learning_insert after insert on expenses
when new.import_batch_id is null
    or not exists (select 1 from import_in_progress where batch_id = new.import_batch_id)
begin
    insert into learning_changes (description, category_id, sign) values (new.description, new.category_id, 1);
end""",
    """create trigger if not exists expenses_learning_delete after delete on expenses begin
    insert into learning_changes (description, category_id, sign) values (old.description, old.category_id, -1);
end""",
    """create trigger if not exists expenses_learning_update after update of description, category_id on expenses
when old.description is not new.description or old.category_id is not new.category_id begin
    insert into learning_changes (description, category_id, sign) values (old.description, old.category_id, -1);
    insert into learning_changes (description, category_id, sign) values (new.description, new.category_id, 1);
end""",
    """create trigger if not exists categories_learning_delete after delete on categories begin
    delete from learned_words where category_id = old.id;
end""",
    # Every expense already in the file is still to be counted.
    """insert into learning_changes (description, category_id, sign)
    select description, category_id, 1 from expenses order by id""",
]

# Words that banks and shops put on every kind of purchase; they say nothing about the category.
NOISE_WORDS = frozenset("""
    sagt danke gmbh mbh ag kg ohg ug ek co ltd llc inc plc sa sarl bv nv srl spa the and und et der die das
    von vom fuer fur bei zu im in am an of for to at on by with mit
    kartenzahlung karte card visa mastercard maestro debit kreditkarte girocard ec pos contactless
    lastschrift sepa ueberweisung uberweisung dauerauftrag gutschrift folgelastschrift basislastschrift
    payment purchase paid pay direct faster transfer bill dd so fpo bp tfr
    ref mandat mandatsref mandatsreferenz glaeubiger glaubiger glaeubigerid end ende kundenreferenz
    eref kref mref cred iban bic nr no
    xx xxx xxxx xxxxx xxxxxx www com net org de uk eu co
""".split())

FIRST = "^"  # marks a word counted as the first of a description
MAX_WORDS = 8  # the first words carry the merchant; a long purpose text adds noise, not signal
MIN_SHARE = 0.5  # the winning category needs at least this many votes (one word seen twice there)


def fold(text: str) -> str:
    """Lowercase without accents, and ß as ss, so that MÜLLER, Müller and Mueller meet halfway."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ß", "ss")


# Characters that end a token; an apostrophe joins (SAINSBURY'S is SAINSBURYS).
SEPARATORS = str.maketrans({**{c: " " for c in "/,;:|*#()[]{}<>\"`"}, "'": "", "\u2019": ""})
LETTERS = re.compile(r"[^\W\d_]+")
DIGIT = re.compile(r"\d")


TOKEN_WORDS: dict[str, tuple[str, ...]] = {}  # what each token seen so far gave: the same few come back


def token_words(token: str) -> tuple[str, ...]:
    if DIGIT.search(token):
        return ()  # a card number, date, reference or store number
    candidates = (token,) if token.isalpha() else LETTERS.findall(token)
    return tuple(word for word in candidates if len(word) >= 2 and word not in NOISE_WORDS and len(set(word)) > 1)


@functools.lru_cache(maxsize=65536)
def words(description: str) -> tuple[str, ...]:
    """The description's words that can name a merchant, first ones first, each once."""
    found: list[str] = []
    for token in fold(description).translate(SEPARATORS).split():
        candidates = TOKEN_WORDS.get(token)
        if candidates is None:
            candidates = token_words(token)
            if candidates or len(TOKEN_WORDS) < 100_000:  # (references are many and never come back)
                TOKEN_WORDS[token] = candidates
        for word in candidates:
            if word not in found:
                found.append(word)
        if len(found) >= MAX_WORDS:
            break
    # The first two words joined are a word too, since banks write PURE GYM and PUREGYM for one gym.
    if len(found) >= 2 and found[0] + found[1] not in found:
        found.insert(2, found[0] + found[1])
    return tuple(found[:MAX_WORDS])


def create_learning(conn: sqlite3.Connection) -> None:
    for statement in LEARNING_SCHEMA:
        conn.execute(statement)


def note_batch_for_learning(conn: sqlite3.Connection, batch_id: int) -> None:
    """What the insert trigger notes for each row, for an import's whole batch at once."""
    conn.execute(
        """insert into learning_changes (description, category_id, sign)
        select description, category_id, 1 from expenses where import_batch_id = ? order by id""",
        (batch_id,),
    )


def catch_up(conn: sqlite3.Connection, batch: int = 50_000, rounds: int | None = None) -> int:
    """Count the words of every expense that came or went since the last time (or of `rounds`
    batches of them); returns how many. Call inside a write transaction (it deletes the notes it counted)."""
    done = 0
    while rounds is None or done < rounds * batch:
        rows = conn.execute(
            "select id, description, category_id, sign from learning_changes order by id limit ?", (batch,)
        ).fetchall()
        if not rows:
            return done
        counts: dict[tuple[str, int], int] = {}
        for _, description, category_id, sign in rows:
            found = words(description)
            # "^rewe" counts REWE as the first word: a merchant's name, not a place that follows one.
            for word in (*found, FIRST + found[0]) if found else ():
                key = (word, category_id)
                counts[key] = counts.get(key, 0) + sign
        conn.executemany(
            """insert into learned_words (word, category_id, uses) values (?, ?, ?)
            on conflict (word, category_id) do update set uses = uses + excluded.uses""",
            [(word, category_id, change) for (word, category_id), change in counts.items() if change],
        )
        conn.execute("delete from learned_words where uses <= 0")
        conn.execute("delete from learning_changes where id <= ?", (rows[-1][0],))
        done += len(rows)
    return done


@dataclass(frozen=True)
class Guess:
    category_id: int
    word: str  # the word that voted most for it, as the person wrote it
    uses: int  # how many earlier expenses with that word are in the category


class Learner:
    """Guesses a category from the counted words; reads each word's counts once."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._counts: dict[str, dict[int, int]] = {}

    def counts(self, word: str) -> dict[int, int]:
        known = self._counts.get(word)
        if known is None:
            known = self._counts[word] = {
                category_id: uses
                for category_id, uses in self.conn.execute(
                    "select category_id, uses from learned_words where word = ?", (word,)
                )
            }
        return known

    def guess(self, description: str, itself: int | None = None) -> Guess | None:
        """`itself`: the category of an expense that is already counted (one being tidied), so that
        it does not vote for itself."""
        votes: dict[int, float] = {}
        best_word: dict[int, tuple[int, str]] = {}
        for position, word in enumerate(words(description)):
            counts = self.counts(word)
            if itself is not None and itself in counts:
                counts = {**counts, itself: counts[itself] - 1}
            total = sum(counts.values())
            if not total:
                continue
            # Smoothed share: a word seen once votes 0.5, one seen 20 times in one category ~0.95.
            # A word that has led a description before names a merchant and counts most; other
            # words count less the later they come (often a place that so far went with one category).
            merchant = sum(self.counts(FIRST + word).values()) > (itself is not None and position == 0)
            weight = (2.0 if merchant else 1.0 / (position + 1)) / (total + 1)
            for category_id, uses in counts.items():
                votes[category_id] = votes.get(category_id, 0.0) + uses * weight
                if uses > best_word.get(category_id, (0, ""))[0]:
                    best_word[category_id] = (uses, word)
        if not votes:
            return None
        ranked = sorted(votes.items(), key=lambda item: item[1], reverse=True)
        category_id, score = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if score < MIN_SHARE or score <= runner_up * 1.2:
            return None  # too little evidence, or two categories about as likely: the default decides
        uses, word = best_word[category_id]
        return Guess(category_id, original_spelling(description, word), uses)


def original_spelling(description: str, word: str) -> str:
    """`word` as the description writes it (REWE, not rewe), for the person to recognise."""
    for match in LETTERS.finditer(description):
        if fold(match.group()) == word:
            return match.group()
    return word
