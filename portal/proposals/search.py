"""Searching the public text of items by substring, Chinese included, without scanning every item.

Chinese has no spaces between words and two-character terms are common (托育, 低保, 学位), so word
tokenisers and trigram indexes (SQLite FTS5 ``trigram``, PostgreSQL ``pg_trgm``) do not fit: a
trigram index cannot answer a two-character query. Instead each item's public search text (see
:func:`portal.proposals.services.public_search_text`) is cut into its **character bigrams**, kept
in ``proposal_search_gram`` (gram, item) and maintained with the derived columns, in the same
transaction as each event.

A query word matches an item when it is a substring of the item's search text:

* two characters: the bigram is among the item's grams — exact, no further check;
* longer: the word's rarest bigram is among the item's grams, and ``LIKE`` confirms the whole
  word on those candidates only;
* one character: one of the item's grams starts with it. For that to hold for every occurrence,
  the last character of each whitespace-separated run is stored on its own as well.

Like a search engine, :func:`plan_search` first reads how many items hold each gram (an index
range count), then picks the access path: a word none of whose grams occurs matches nothing
without touching the items; a rare gram drives the query (``item.id IN (its items)``); a common
one is probed item by item in the list's own order (``EXISTS``), so that a page of 20 stops after
about 20 matches instead of sorting thousands. A lone two-character word is counted by its gram
count alone; other counts read the index of the filter columns where they can.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, delete, exists, false, func, insert, select
from sqlalchemy.orm import Session

from portal.proposals.models import ProposalItem, SearchGram

#: Above any character: ``gram < c + TOP`` holds for every gram starting with ``c``.
TOP = "\U0010ffff"
#: Bigrams of a long query word looked up to find its rarest one.
MAX_GRAMS = 6
#: A gram held by more items than this is probed in list order rather than gathered and sorted.
DENSE = 400


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


def like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


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


@dataclass(frozen=True)
class WordPlan:
    word: str
    gram: str  # the rarest of its grams
    items: int  # how many items hold that gram (an upper bound of the matches)

    def condition(self, *, in_list_order: bool = False) -> ColumnElement[bool]:
        if in_list_order and self.items > DENSE:
            found: ColumnElement[bool] = exists().where(
                _gram_match(self.gram), SearchGram.item_id == ProposalItem.id
            )
        else:
            found = ProposalItem.id.in_(select(SearchGram.item_id).where(_gram_match(self.gram)))
        if len(self.word) <= 2:
            return found
        return and_(
            found, ProposalItem.search_text.like(f"%{like_escape(self.word)}%", escape="\\")
        )


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
        """How many items match, when the gram counts already say it: one word of two
        characters matches exactly the items holding that bigram."""
        if self.empty:
            return 0
        if len(self.words) == 1 and len(self.words[0].word) == 2:
            return self.words[0].items
        return None


def plan_search(session: Session, q: str) -> SearchPlan:
    """How to answer *q*: for each word, its rarest gram and how many items hold it."""
    words = query_words(q)
    if not words:
        return SearchPlan()
    sizes: dict[str, int] = {}
    for word in words:
        for gram in word_grams(word):
            if gram not in sizes:
                sizes[gram] = (
                    session.scalar(
                        select(func.count()).select_from(SearchGram).where(_gram_match(gram))
                    )
                    or 0
                )
    plans = []
    for word in words:
        gram = min(word_grams(word), key=lambda g: sizes[g])
        if sizes[gram] == 0:
            return SearchPlan(empty=True)
        plans.append(WordPlan(word, gram, sizes[gram]))
    return SearchPlan(tuple(sorted(plans, key=lambda p: p.items)))
