"""Search as people type: any case in any alphabet, ё as е, and a phone by any run of its digits.

SQLite's lower() and LIKE fold ASCII only, so text is folded here, in Python, into a column stored
with the row (core.models.SearchableMixin keeps it true) and matched with a plain LIKE on both
databases; on PostgreSQL a pg_trgm GIN index serves that LIKE.
"""
import re
from dataclasses import dataclass
from typing import Callable

from sqlalchemy import and_, func, literal, select, true

from extensions import db

MAX_TERMS = 8
_PHONE_TYPED = re.compile(r"[\d\s()+\-.]*\d[\d\s()+\-.]*")  # digits and what people type between them
_NOT_DIGIT = re.compile(r"\D+")


def fold(text: str | None) -> str:
    """Return text in one case, with ё as е and single spaces: the form both sides of a search compare in."""
    return " ".join((text or "").casefold().replace("ё", "е").split())


def phone_digits(phone: str | None) -> str:
    """Return the digits an E.164 phone is typed with: international, and for +7 also with the trunk 8."""
    if not phone or not phone.startswith("+"):
        return ""
    digits = _NOT_DIGIT.sub("", phone)
    # "8 912 …" is how Russia and Kazakhstan type "+7 912 …": a run starting with either finds it.
    return f"{digits} 8{digits[1:]}" if digits.startswith("7") else digits


@dataclass(frozen=True)
class SearchFields:
    """Which columns of a row its search text is made of, and how each is read."""

    words: tuple[str, ...] = ()  # folded: names
    phones: tuple[str, ...] = ()  # E.164: found by any run of digits
    numbers: tuple[str, ...] = ()  # kept as they are: tax numbers

    @property
    def columns(self) -> tuple[str, ...]:
        return self.words + self.phones + self.numbers

    def text(self, get: Callable[[str], object]) -> str:
        """Return the search text of the row whose column values get(name) gives."""
        return search_text([get(c) for c in self.words], [get(c) for c in self.phones], [get(c) for c in self.numbers])


def search_text(words=(), phones=(), numbers=()) -> str:
    """Return the stored search form of a row: its words folded, its phones as digits, its numbers as they are."""
    parts = [fold(w) for w in words] + [phone_digits(p) for p in phones] + [fold(n) for n in numbers]
    return " ".join(p for p in parts if p)


def search_terms(q: str | None) -> list[str]:
    """Split what was typed into the folded terms a row must all contain.

    Typed digits with spaces, brackets, dashes or a plus are one phone: one run of digits.
    """
    text = fold(q)
    if _PHONE_TYPED.fullmatch(text):
        return [_NOT_DIGIT.sub("", text)]
    return text.split()[:MAX_TERMS]


def matches(column, q: str | None):
    """Return the condition that column (a stored search text) holds every term of q; true when q has none."""
    return and_(true(), *(column.contains(term, autoescape=True) for term in search_terms(q)))


def one_page(model, stmt, order_by: tuple, number: int, size: int, extra=None) -> tuple[list[tuple], int]:
    """Return page ``number`` of the model rows stmt selects, as (row, extra value), and how many match in all.

    The matches are counted and sorted in one pass that carries only their keys, and the page's
    rows are loaded by id after: a broad search ("иван") matches thousands of rows, and reading
    them twice (a count, then the page) or whole is what makes it slow.
    """
    value = (extra if extra is not None else literal(None)).label("extra")
    keys = db.session.execute(stmt.with_only_columns(model.id, value, func.count().over())
                              .order_by(*order_by).limit(size).offset((number - 1) * size)).all()
    if keys:
        total = keys[0][2]
    else:  # nothing here: past the last page, or no match at all
        total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) if number > 1 else 0
    rows = {row.id: row for row in db.session.scalars(select(model).where(model.id.in_([k[0] for k in keys])))}
    return [(rows[key], extra_value) for key, extra_value, _total in keys], total
