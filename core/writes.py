"""A hot transaction's writes in one statement: the rows it changed, their audit entries and the row it adds.

The ORM's flush sends each change as a statement of its own: a reply that takes a place
writes its offer, the offer's audit entry and the stored message, three round trips made
while the order's lock is held, and the flush's own bookkeeping cost more CPU than any
query of the reply. ``write_together`` sends the same writes as one PostgreSQL statement,
data-modifying CTEs updating the changed rows and logging them, its INSERT adding the new
row, then discards the ORM's record of the changes it wrote, so that the commit that
follows has nothing left to flush.

It writes what the flush would have: the changed columns and the ``onupdate`` ones (the
rows' updated_at), the audit entries core.audit builds for the flush, the new row's values
and Python-side defaults. It stands aside, writing nothing and leaving all to the flush,
whenever it could not do exactly that: a tenancy scope is active (the flush checks every
write against it), something else is pending (another new row, a deletion, a changed
relationship), a changed model has its own update hooks, the new row is audited (its entry
needs the id the INSERT gives), or the database has no data-modifying CTEs (SQLite).
"""
from functools import lru_cache

from sqlalchemy import bindparam, insert, inspect, update
from sqlalchemy.exc import IntegrityError

from core import audit
from core.models import AuditEntry
from core.tenancy import current_scope

_AUDIT_COLUMNS = ("at", "actor_id", "actor_label", "ip", "action", "table_name", "row_id", "franchise_id", "changes")


def write_together(session, new_row, commit: bool = False) -> bool:
    """Write the session's pending changes and new_row (not added to the session) in one statement; return whether
    it did. False means it wrote nothing: the caller adds new_row and lets the commit flush everything.

    commit: commit the transaction too, in the same round trip (psycopg's pipeline mode sends the statement and the
    COMMIT together and reads both answers). The caller then calls session.commit() as usual, which closes the
    session's transaction; the database has nothing left to commit. A refused write (a repeated key) raises
    SQLAlchemy's IntegrityError, as the commit's flush would have, with the transaction aborted: roll it back.
    """
    if session.get_bind().dialect.name != "postgresql" or current_scope() is not None:
        return False
    if session.new or session.deleted or new_row in session or getattr(type(new_row), "__audited__", False):
        return False
    dirty = list(session.dirty)
    updates = []
    for obj in dirty:
        values = _changed_columns(inspect(obj))
        if values is None:
            return False
        if values:  # set to what it held: the flush would not write it either
            updates.append((obj, values))
    entries = audit.entries([(obj, "update") for obj, _values in updates])
    new_values = _new_values(inspect(new_row))
    shape = (tuple((inspect(obj).mapper.local_table, tuple(values)) for obj, values in updates), len(entries),
             inspect(new_row).mapper.local_table, tuple(new_values))
    params = {f"n_{key}": value for key, value in new_values.items()}
    for i, (obj, values) in enumerate(updates):
        params[f"u{i}_pk"] = inspect(obj).identity[0]
        params.update({f"u{i}_{key}": value for key, value in values.items()})
    for i, entry in enumerate(entries):
        params.update({f"a{i}_{key}": entry[key] for key in _AUDIT_COLUMNS})
    with session.no_autoflush:  # the statement writes the changes; a flush before it would write them twice
        if commit:
            _execute_and_commit(session.connection(), _statement(*shape), params)
        else:
            session.execute(_statement(*shape), params)
    for obj in dirty:
        session.expire(obj)  # written: nothing left for the flush (the commit expires every row anyway)
    return True


def _execute_and_commit(connection, statement, params) -> None:
    """Execute statement and commit on connection in one round trip (PostgreSQL, psycopg 3)."""
    from psycopg import IntegrityError as Refused  # the driver of PostgreSQL URLs, imported only for them

    driver = connection.connection.dbapi_connection
    try:
        with driver.pipeline():
            connection.execute(statement, params)  # queued: sent with the COMMIT, both answered at once
            driver.commit()
    except Refused as error:
        raise IntegrityError(str(statement), params, error) from error


def _changed_columns(state) -> dict | None:
    """Return {column key: new value} of the row's changed columns and its onupdate ones, {} if nothing changed, or
    None if the change is not one this module writes (a changed relationship, update hooks, a composite key)."""
    mapper = state.mapper
    if mapper.dispatch.before_update or mapper.dispatch.after_update or len(mapper.primary_key) != 1:
        return None
    if any(state.attrs[rel.key].history.has_changes() for rel in mapper.relationships):
        return None
    values = {}
    for attr in mapper.column_attrs:
        history = state.attrs[attr.key].history
        if not history.added:
            continue
        new = history.added[0]
        if history.deleted and history.deleted[0] == new:
            continue
        column = attr.columns[0]
        if column.table is not mapper.local_table or column.primary_key:
            return None
        values[column.key] = new
    if not values:
        return values
    for column in mapper.local_table.columns:
        if column.onupdate is not None and column.key not in values:
            if not column.onupdate.is_scalar and not column.onupdate.is_callable:
                return None  # a SQL expression: left to the flush
            values[column.key] = column.onupdate.arg(None) if column.onupdate.is_callable else column.onupdate.arg
    return values


def _new_values(state) -> dict:
    """Return {column key: value} for the INSERT of a new row: what was set on it, else its Python-side default."""
    values = {}
    for attr in state.mapper.column_attrs:
        column = attr.columns[0]
        if attr.key in state.dict:
            if state.dict[attr.key] is None and column.primary_key:
                continue
            values[column.key] = state.dict[attr.key]
        elif column.default is not None and (column.default.is_scalar or column.default.is_callable):
            values[column.key] = column.default.arg(None) if column.default.is_callable else column.default.arg
    return values


@lru_cache(maxsize=64)
def _statement(updates: tuple, audits: int, new_table, new_columns: tuple):
    """The statement for one shape of writes (which tables and columns), built once."""
    ctes = []
    for i, (table, columns) in enumerate(updates):
        (key_column,) = table.primary_key.columns
        ctes.append(update(table).where(key_column == bindparam(f"u{i}_pk", type_=key_column.type))
                    .values({table.c[key]: bindparam(f"u{i}_{key}", type_=table.c[key].type) for key in columns})
                    .cte(f"u{i}"))
    entries = AuditEntry.__table__
    for i in range(audits):
        ctes.append(insert(entries).values({entries.c[key]: bindparam(f"a{i}_{key}", type_=entries.c[key].type)
                                            for key in _AUDIT_COLUMNS}).cte(f"a{i}"))
    # inline: no RETURNING of the new key, so that there is nothing to read back before the COMMIT's answer
    row = insert(new_table).inline().values({new_table.c[key]: bindparam(f"n_{key}", type_=new_table.c[key].type)
                                             for key in new_columns})
    return row.add_cte(*ctes) if ctes else row
