"""Messages record their session (the thread between the account's address and the other
party's), so GET /v1/Sessions/{id} and GET /v1/Messages?sessionId=… can find them.
Existing messages are backfilled in batches.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

from callbox.core.comms_ids import session_id, session_parties

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_BATCH = 5000


def upgrade() -> None:
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("session_id", sa.String(48), nullable=True))
    conn = op.get_bind()
    messages = sa.table("messages", sa.column("sid"), sa.column("account_sid"),
                        sa.column("from_addr"), sa.column("to_addr"), sa.column("direction"),
                        sa.column("session_id"))
    c = messages.c
    while True:
        rows = conn.execute(sa.select(c.sid, c.account_sid, c.from_addr, c.to_addr,
                                      c.direction).where(c.session_id.is_(None))
                            .limit(_BATCH)).fetchall()
        if not rows:
            break
        conn.execute(
            sa.update(messages).where(c.sid == sa.bindparam("b_sid"))
            .values(session_id=sa.bindparam("b_session")),
            [{"b_sid": r.sid, "b_session": session_id(r.account_sid, *session_parties(
                r.direction == "inbound", r.from_addr, r.to_addr))} for r in rows])
    op.create_index("ix_messages_session", "messages",
                    ["account_sid", "session_id", "date_created", "sid"])


def downgrade() -> None:
    op.drop_index("ix_messages_session", table_name="messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("session_id")
