"""Searching the public text of items by substring, Chinese included, without scanning every item.

Chinese has no spaces between words and two-character terms are common (托育, 低保, 学位), so word
tokenisers and trigram indexes (SQLite FTS5 ``trigram``, PostgreSQL ``pg_trgm``) do not fit: a
trigram index cannot answer a two-character query. Instead each item's public search text (see
:func:`portal.proposals.services.public_search_text`) is cut into its **character bigrams**, kept
in ``proposal_search_gram`` (gram, item) and maintained with the derived columns, in the same
transaction as each event.

A query word matches an item when it is a substring of the item's search text:

* two characters: the bigram is among the item's grams — exact, no further check;
* longer: the word's rarest bigrams are among the item's grams, and a substring test confirms the
  whole word on those candidates only;
* one character: one of the item's grams starts with it. For that to hold for every occurrence,
  the last character of each whitespace-separated run is stored on its own as well.

Like a search engine, :func:`plan_search` first reads how many items hold each gram (an index
range count), then picks the access path: a word none of whose grams occurs matches nothing
without touching the items; a rare gram drives the query (``item.id IN (its items)``); a common
one is intersected with the word's next rarest gram. A lone word of one or two characters is
counted from the index alone. When a search matches many items, a page is read by probing the items
in the list's own order (``EXISTS``), so that it stops after about 20 matches instead of sorting
thousands (see :func:`portal.proposals.queries._page`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Boolean,
    ColumnElement,
    Select,
    String,
    and_,
    delete,
    exists,
    false,
    func,
    insert,
    intersect,
    literal,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from portal.proposals.models import ProposalItem, SearchGram

#: Above any character: ``gram < c + TOP`` holds for every gram starting with ``c``.
TOP = "\U0010ffff"
#: Bigrams of a long query word looked up to find its rarest one.
MAX_GRAMS = 6
#: A gram held by at most this many items is looked up item by item (its items are read first);
#: one held by more is probed in list order for a page, and intersected with the word's next
#: rarest grams for a count.
DENSE = 400
#: How many of a long word's rarest bigrams narrow its candidates before the substring test.
NARROWING = 2
#: Candidates up to this many are handed to the database as ids (it looks each one up by its key
#: instead of guessing how many there are, which PostgreSQL gets wrong for such lists).
MAX_CANDIDATES = 2000
#: A long word's grams are counted up to this many items (enough to tell the rarest).
COUNT_CAP = 10_000


def grams(text: str) -> set[str]:
    """The bigrams of each whitespace-separated run of *text*, and each run's last character."""
    found: set[str] = set()
    for run in text.split():
        found.update(run[i : i + 2] for i in range(len(run) - 1))
        found.add(run[-1])
    return found


def index_item(session: Session, item_id: int, text: str) -> None:
    """Replace the item's grams with those of *text* (its new public search text)."""
    session.execute(delete(SearchGram).where(SearchGram.item_id == item_id))
    rows = [{"gram": g, "item_id": item_id} for g in sorted(grams(text))]
    if rows:
        session.execute(insert(SearchGram), rows)


class holds(FunctionElement[bool]):
    """``holds(text, word)``: *text* contains *word* (a plain substring, no wildcards) — ``instr``
    on SQLite, ``strpos`` on PostgreSQL. Not ``LIKE``: PostgreSQL takes a long ``LIKE '%…%'``
    pattern for very selective and would scan every row with it instead of starting from the
    index."""

    type = Boolean()
    inherit_cache = True
    name = "holds"


@compiles(holds)
def _holds(element: holds, compiler: SQLCompiler, **kw: Any) -> str:
    text, word = (compiler.process(c, **kw) for c in element.clauses)
    return f"(instr({text}, {word}) > 0)"


@compiles(holds, "postgresql")
def _holds_postgresql(element: holds, compiler: SQLCompiler, **kw: Any) -> str:
    text, word = (compiler.process(c, **kw) for c in element.clauses)
    return f"(strpos({text}, {word}) > 0)"


def query_words(q: str) -> list[str]:
    return list(dict.fromkeys(q.lower().split()))


def word_grams(word: str) -> list[str]:
    """The grams that may drive the search for *word* (one for a one- or two-character word)."""
    if len(word) <= 2:
        return [word]
    pairs = list(dict.fromkeys(word[i : i + 2] for i in range(len(word) - 1)))
    if len(pairs) <= MAX_GRAMS:
        return pairs
    step = (len(pairs) - 1) / (MAX_GRAMS - 1)
    return list(dict.fromkeys(pairs[round(i * step)] for i in range(MAX_GRAMS)))


def _gram_match(gram: str) -> ColumnElement[bool]:
    if len(gram) == 1:
        return and_(SearchGram.gram >= gram, SearchGram.gram < gram + TOP)
    return SearchGram.gram == gram


def _holders(grams: tuple[str, ...]) -> Select[Any]:
    """The items holding every one of *grams* (an intersection of their posting lists)."""
    selects = [select(SearchGram.item_id).where(_gram_match(g)) for g in grams]
    if len(selects) == 1:
        return selects[0]
    return select(intersect(*selects).subquery().c.item_id)


@dataclass(frozen=True)
class WordPlan:
    word: str
    #: Its rarest grams (at most :data:`NARROWING`), rarest first.
    grams: tuple[str, ...]
    #: How many items hold the rarest gram (an upper bound of the matches).
    items: int
    #: The items that may match, when they are few: those holding the rarest gram (at most
    #: :data:`DENSE`), or those holding both rarest grams of a long word (at most
    #: :data:`MAX_CANDIDATES`).
    candidates: frozenset[int] | None = None

    @property
    def exact(self) -> bool:
        """The grams alone decide (a word of one or two characters): no ``LIKE`` needed."""
        return len(self.word) <= 2

    def condition(self, *, in_list_order: bool = False) -> ColumnElement[bool]:
        found: ColumnElement[bool]
        if self.candidates is not None:
            found = ProposalItem.id.in_(sorted(self.candidates))
        elif in_list_order:
            found = exists().where(
                _gram_match(self.grams[0]), SearchGram.item_id == ProposalItem.id
            )
        else:
            found = ProposalItem.id.in_(_holders(self.grams))
        if self.exact:
            return found
        return and_(found, holds(ProposalItem.search_text, literal(self.word, String())))


@dataclass(frozen=True)
class SearchPlan:
    words: tuple[WordPlan, ...] = ()
    #: Some word has a gram no item holds: nothing matches.
    empty: bool = False

    def __bool__(self) -> bool:
        return bool(self.words) or self.empty

    def conditions(self, *, in_list_order: bool = False) -> list[ColumnElement[bool]]:
        """The WHERE conditions; *in_list_order* for a query that reads a page in list order."""
        if self.empty:
            return [false()]
        return [w.condition(in_list_order=in_list_order) for w in self.words]

    @property
    def total(self) -> int | None:
        """How many items match, when the grams already say it: one word of one or two
        characters matches exactly the items holding it."""
        if self.empty:
            return 0
        if len(self.words) == 1 and self.words[0].exact:
            word = self.words[0]
            if word.candidates is not None:
                return len(word.candidates)
            if len(word.word) == 2:
                return word.items
        return None


def _ids(
    session: Session, grams: tuple[str, ...], limit: int | None = None
) -> frozenset[int] | None:
    """The items holding every one of *grams*; None if there are more than *limit*."""
    statement = _holders(grams)
    if limit is not None:
        statement = statement.limit(limit + 1)
    ids = frozenset(int(i) for i in session.scalars(statement))
    return None if limit is not None and len(ids) > limit else ids


def plan_search(session: Session, q: str) -> SearchPlan:
    """How to answer *q*: for each word, its rarest grams and how many items hold them; when
    they are few, the items themselves (so that the database looks up a handful of ids rather
    than guessing how many a gram holds)."""
    words = query_words(q)
    if not words:
        return SearchPlan()
    sizes: dict[str, int] = {}
    for word in words:
        # A word of one or two characters may be counted by its gram: count it exactly. A long
        # word's grams are only compared: stop counting a common one early.
        cap = None if len(word) <= 2 else COUNT_CAP
        for gram in word_grams(word):
            if gram not in sizes:
                held = select(SearchGram.item_id).where(_gram_match(gram))
                if cap is not None:
                    held = held.limit(cap)
                counted = select(func.count()).select_from(held.subquery())
                sizes[gram] = session.scalar(counted) or 0
    plans = []
    common: set[int] | None = None
    for word in words:
        grams = tuple(sorted(word_grams(word), key=lambda g: sizes[g])[:NARROWING])
        if sizes[grams[0]] == 0:
            return SearchPlan(empty=True)
        candidates = None
        if sizes[grams[0]] <= DENSE:
            candidates = _ids(session, grams[:1])
        elif len(grams) > 1:  # a long word: what its two rarest bigrams share may be few
            candidates = _ids(session, grams, limit=MAX_CANDIDATES)
        if candidates is not None:
            common = set(candidates) if common is None else common & candidates
            if not common:
                return SearchPlan(empty=True)
        plans.append(WordPlan(word, grams, sizes[grams[0]], candidates))
    return SearchPlan(tuple(sorted(plans, key=lambda p: p.items)))
