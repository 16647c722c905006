"""the franchise playbook: documents gated by package tier, their file versions, the log of every copy served

Revision ID: 0017
Revises: 0016

"""
from alembic import op
import sqlalchemy as sa

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'playbook_document',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('min_tier', sa.String(length=20), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('withdrawn_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id']),
        sa.ForeignKeyConstraint(['withdrawn_by_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_table(
        'playbook_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('content_type', sa.String(length=80), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('stored_name', sa.String(length=200), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['document_id'], ['playbook_document.id']),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('document_id', 'number', name='uq_playbook_version_number'),
    )
    op.create_index('ix_playbook_version_document_id', 'playbook_version', ['document_id'])
    op.create_table(
        'playbook_access',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('franchise_id', sa.Integer(), nullable=True),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('client_address', sa.String(length=45), nullable=True),
        sa.ForeignKeyConstraint(['document_id'], ['playbook_document.id']),
        sa.ForeignKeyConstraint(['version_id'], ['playbook_version.id']),
        sa.ForeignKeyConstraint(['user_id'], ['user.id']),
        sa.ForeignKeyConstraint(['franchise_id'], ['franchise.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_playbook_access_document_id', 'playbook_access', ['document_id'])
    op.create_index('ix_playbook_access_franchise_id', 'playbook_access', ['franchise_id'])
    op.create_index('ix_playbook_access_at', 'playbook_access', ['at'])


def downgrade():
    op.drop_index('ix_playbook_access_at', table_name='playbook_access')
    op.drop_index('ix_playbook_access_franchise_id', table_name='playbook_access')
    op.drop_index('ix_playbook_access_document_id', table_name='playbook_access')
    op.drop_table('playbook_access')
    op.drop_index('ix_playbook_version_document_id', table_name='playbook_version')
    op.drop_table('playbook_version')
    op.drop_table('playbook_document')
