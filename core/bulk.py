"""Writing many rows of one table at once: COPY on PostgreSQL, a plain executemany elsewhere.

For rows nobody reads back in the same step (a month's statement lines): psycopg's executemany sends
one INSERT per row, and COPY sends them all in one stream, inside the session's own transaction.
"""
from sqlalchemy import Table, insert

from extensions import db


def copy_rows(table: Table, rows: list[dict]) -> None:
    """Insert rows (dicts with the same keys, columns of table) in the session's transaction."""
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    columns = list(rows[0])
    quoted = ", ".join(connection.dialect.identifier_preparer.quote(c) for c in columns)
    name = connection.dialect.identifier_preparer.format_table(table)
    with connection.connection.driver_connection.cursor() as cursor:
        with cursor.copy(f"COPY {name} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
