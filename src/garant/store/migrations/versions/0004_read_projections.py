"""read projections: indexes that match the list pages' keyset pagination

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 10:00:00

A list page picks its ids newest first, filtered by party and state, ``id < cursor``; these
indexes give that order directly, so a page reads ``limit`` index entries, not every order of
the party. ``disputes (agent_id, state)`` serves the agent's "mine" queue.
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_orders_seller_id_state_id"), ["seller_id", "state", "id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_orders_buyer_id_state_id"), ["buyer_id", "state", "id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_orders_state_id"), ["state", "id"], unique=False)
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_disputes_agent_id_state"), ["agent_id", "state"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("disputes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disputes_agent_id_state"))
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_state_id"))
        batch_op.drop_index(batch_op.f("ix_orders_buyer_id_state_id"))
        batch_op.drop_index(batch_op.f("ix_orders_seller_id_state_id"))
