"""workers and clients carry a folded search text, so search ignores case in Cyrillic too and finds
phones by any run of digits; PostgreSQL serves it with a trigram index

Revision ID: 0011
Revises: 0010

"""
from alembic import op
import sqlalchemy as sa

from core.search import search_text

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

BATCH = 5000
# table: (words, phones, numbers), as each model's __search__ says
SOURCES = {
    'worker': (('first_name', 'last_name'), ('phone',), ()),
    'client': (('name',), ('phone',), ('inn',)),
}


def upgrade():
    bind = op.get_bind()
    for table, (words, phones, numbers) in SOURCES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('search', sa.Text(), server_default='', nullable=False))
        _fill(bind, table, words, phones, numbers)
    if bind.dialect.name == 'postgresql':
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        for table in SOURCES:
            op.create_index(f'ix_{table}_search', table, ['search'], postgresql_using='gin',
                            postgresql_ops={'search': 'gin_trgm_ops'})


def _fill(bind, table, words, phones, numbers):
    """Fold the search text of the rows already there, as the models do for new ones."""
    columns = ', '.join(('id',) + words + phones + numbers)
    rows = bind.execute(sa.text(f'SELECT {columns} FROM "{table}"')).mappings().all()
    update = sa.text(f'UPDATE "{table}" SET search = :search WHERE id = :id')
    values = [{'id': r['id'], 'search': search_text([r[c] for c in words], [r[c] for c in phones],
                                                     [r[c] for c in numbers])} for r in rows]
    for start in range(0, len(values), BATCH):
        bind.execute(update, values[start:start + BATCH])


def downgrade():
    for table in SOURCES:
        if op.get_bind().dialect.name == 'postgresql':
            op.drop_index(f'ix_{table}_search', table_name=table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('search')
