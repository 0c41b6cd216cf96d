"""Done becomes status

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("task", sa.Column("status", sa.String(length=20), nullable=True))
    op.batch_update("task", {"status": sa.text("CASE WHEN done THEN 'done' ELSE 'todo' END")})
    with op.batch_alter_table("task") as batch:
        batch.drop_column("done")


def downgrade() -> None:
    op.add_column("task", sa.Column("done", sa.Boolean(), nullable=True))
    op.batch_update("task", {"done": sa.text("status = 'done'")})
    with op.batch_alter_table("task") as batch:
        batch.drop_column("status")
