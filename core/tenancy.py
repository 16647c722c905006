"""Tenancy in one place: what a franchise user may read and write.

Every mapped class that defines ``__tenant_filter__(scope)`` is filtered on every ORM
SELECT (including ``session.get`` and relationship loads) while a scope is active, and
every flush checks ``__tenant_allows__(scope)`` on each new, changed or deleted row. A
request from a franchise user activates the scope of that franchise; head office, the
CLI and jobs run unscoped. New models join simply by carrying a mixin from core.models,
and new routes are covered because nothing here depends on the route.

Soft-deleted rows are skipped the same way unless a statement sets
``execution_options(include_deleted=True)``.

A few rules guard a worker or the whole network rather than one franchise (a worker is
never on two overlapping shifts, order codes are unique network-wide): their checks read
every franchise's rows of the classes they name with ``network_wide(stmt, Offer, ...)``,
and read only what the check needs (ids, times), never details to show.
"""
from dataclasses import dataclass
from functools import cache, lru_cache
from weakref import WeakKeyDictionary

from flask import g, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, with_loader_criteria

from core.models import RegionOwnedMixin, SoftDeleteMixin
from extensions import db


class TenancyViolation(PermissionError):
    """A write touched a row outside the current franchise."""


@dataclass(frozen=True)
class Scope:
    """A franchise, the region it operates in, and the pools it dispatches from.

    pool_region_ids is its region followed by the neighbours head office lets it borrow from
    (franchise.borrowing); the workers of those pools (and the rows about them) are its to see
    and to book. Everything else regional (rate cards, territories) stays with region_ids.
    """

    franchise_id: int
    region_ids: tuple[int, ...]
    pool_region_ids: tuple[int, ...] = ()

    @property
    def pool(self) -> tuple[int, ...]:
        return self.pool_region_ids or self.region_ids


def current_scope() -> Scope | None:
    """Return the active franchise scope, or None when unscoped (head office, jobs)."""
    if not has_app_context():
        return None
    return g.get("tenant_scope")


def activate(scope: Scope | None) -> None:
    """Scope this app context (a request) to one franchise; None lifts it."""
    g.tenant_scope = scope


def scope_for_user(user) -> Scope | None:
    """Return the scope a user works in: None for head office."""
    if user is None or not getattr(user, "is_authenticated", False) or user.franchise_id is None:
        return None
    franchise = user.franchise
    region_ids = (franchise.region_id,) if franchise and franchise.region_id else ()
    pool = franchise.pool_region_ids if franchise else ()
    return Scope(franchise_id=user.franchise_id, region_ids=region_ids, pool_region_ids=pool)


@cache
def _scoped_classes() -> tuple[type, ...]:
    return tuple(m.class_ for m in db.Model.registry.mappers if hasattr(m.class_, "__tenant_filter__"))


@cache
def _soft_deletable_classes() -> tuple[type, ...]:
    return tuple(m.class_ for m in db.Model.registry.mappers if issubclass(m.class_, SoftDeleteMixin))


def network_wide(statement, *classes):
    """Let statement read every franchise's rows of classes (a check that guards a worker or the network)."""
    return statement.execution_options(network_wide=frozenset(classes))


# The criteria are built once (per scope, and per set of classes a check reads network-wide) rather than on
# every SELECT: they are immutable, and the reply path alone runs a dozen SELECTs a request.
@cache
def _not_deleted() -> tuple:
    return tuple(with_loader_criteria(cls, cls.deleted_at.is_(None), include_aliases=True)
                 for cls in _soft_deletable_classes())


@lru_cache(maxsize=1024)
def _in_scope(scope: Scope, exempt: frozenset) -> tuple:
    return tuple(with_loader_criteria(cls, cls.__tenant_filter__(scope), include_aliases=True)
                 for cls in _scoped_classes() if cls not in exempt)


@event.listens_for(Session, "do_orm_execute")
def _filter_reads(state):
    if not state.is_select:
        return
    options = ()
    if not state.execution_options.get("include_deleted", False):
        options += _not_deleted()
    scope = current_scope()
    if scope is not None:
        options += _in_scope(scope, state.execution_options.get("network_wide", frozenset()))
    if options:
        state.statement = _with_options(state.statement, options)


# A statement built once (most hot ones are) keeps the copy carrying its criteria: a new copy on every execution
# would have SQLAlchemy compute its whole cache key again each time (a tenth of a reply's CPU went there).
_COPIES: WeakKeyDictionary = WeakKeyDictionary()


def _with_options(statement, options: tuple):
    """Return statement with options added, the same copy for the same statement and options while both live."""
    try:
        copies = _COPIES.setdefault(statement, {})
    except TypeError:  # a statement that takes no weak reference: copied each time
        return statement.options(*options)
    copy = copies.get(options)
    if copy is None:
        copy = copies[options] = statement.options(*options)
    return copy


@event.listens_for(Session, "before_flush")
def _guard_writes(session, flush_context, instances):
    scope = current_scope()
    if scope is None:
        return
    for obj in session.new:
        if hasattr(obj, "franchise_id") and obj.franchise_id is None and hasattr(obj, "__tenant_filter__"):
            obj.franchise_id = scope.franchise_id
        _check(obj, scope)
    for obj in list(session.dirty) + list(session.deleted):
        _check(obj, scope)
        _check_original(obj, scope)


def _check(obj, scope):
    allows = getattr(obj, "__tenant_allows__", None)
    if allows is not None and not allows(scope):
        raise TenancyViolation(f"{type(obj).__name__} is outside franchise {scope.franchise_id}")


def _check_original(obj, scope):
    """Refuse to move a row out of the franchise by changing its owner column."""
    state = inspect(obj)
    if "franchise_id" in state.attrs and hasattr(obj, "__tenant_filter__"):
        for old in state.attrs["franchise_id"].history.deleted or ():
            if old != scope.franchise_id:
                raise TenancyViolation("row belongs to another franchise")
    if isinstance(obj, RegionOwnedMixin):
        for old in state.attrs["region_id"].history.deleted or ():
            if old not in scope.pool:
                raise TenancyViolation("row belongs to another region")
