"""notifications: kinds and digests, e-mail preferences, reviewer countries, sent log, reminders

Revision ID: 0006_notifications
Revises: 0005
Create Date: 2026-12-01

- notifications.kind (what it is about) and digest_pending (waiting for the daily digest).
- notification_preferences: a person's delivery per kind (no row: immediately).
- reviewer_countries: reviewers assigned to members; submissions are sent to them.
- sent_notices: the sent log of scheduled e-mails, unique by key (never twice).
- rounds.remind_before / remind_after: reminder days around the closing date.
"""
import sqlalchemy as sa
from alembic import op

revision = '0006_notifications'
down_revision = '0005'
branch_labels = None
depends_on = None

KINDS = ('round_opened', 'returned', 'approved', 'comment', 'submitted', 'reminder')
DELIVERIES = ('immediate', 'digest', 'none')


def upgrade():
    # Plain ADD COLUMN (with a constant default) on both databases: a batch "copy and move"
    # of rounds would drop a table other rows point at, which SQLite refuses with data in it.
    op.add_column('notifications', sa.Column('kind', sa.String(length=20), nullable=True))
    op.add_column('notifications', sa.Column('digest_pending', sa.Boolean(),
                                             server_default=sa.false(), nullable=False))
    op.create_index(op.f('ix_notifications_digest_pending'), 'notifications', ['digest_pending'],
                    unique=False)
    op.add_column('rounds', sa.Column('remind_before', sa.String(length=60),
                                      server_default='14,7,1', nullable=False))
    op.add_column('rounds', sa.Column('remind_after', sa.String(length=60),
                                      server_default='1,7', nullable=False))

    op.create_table('notification_preferences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum(*KINDS, name='notification_kind', native_enum=False,
                              create_constraint=True, length=20), nullable=False),
    sa.Column('delivery', sa.Enum(*DELIVERIES, name='delivery', native_enum=False,
                                  create_constraint=True, length=20), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                            name=op.f('fk_notification_preferences_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_preferences')),
    sa.UniqueConstraint('user_id', 'kind', name=op.f('uq_notification_preferences_user_id_kind'))
    )

    op.create_table('reviewer_countries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('country_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['country_id'], ['countries.id'],
                            name=op.f('fk_reviewer_countries_country_id_countries')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'],
                            name=op.f('fk_reviewer_countries_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reviewer_countries')),
    sa.UniqueConstraint('user_id', 'country_id',
                        name=op.f('uq_reviewer_countries_user_id_country_id'))
    )
    with op.batch_alter_table('reviewer_countries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviewer_countries_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reviewer_countries_country_id'), ['country_id'],
                              unique=False)

    op.create_table('sent_notices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sent_notices_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sent_notices')),
    sa.UniqueConstraint('key', name=op.f('uq_sent_notices_key'))
    )
    with op.batch_alter_table('sent_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sent_notices_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('sent_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sent_notices_user_id'))
    op.drop_table('sent_notices')
    with op.batch_alter_table('reviewer_countries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviewer_countries_country_id'))
        batch_op.drop_index(batch_op.f('ix_reviewer_countries_user_id'))
    op.drop_table('reviewer_countries')
    op.drop_table('notification_preferences')
    # ALTER TABLE … DROP COLUMN (SQLite 3.35+ and PostgreSQL), for the same reason as above.
    op.drop_column('rounds', 'remind_after')
    op.drop_column('rounds', 'remind_before')
    op.drop_index(op.f('ix_notifications_digest_pending'), table_name='notifications')
    op.drop_column('notifications', 'digest_pending')
    op.drop_column('notifications', 'kind')
