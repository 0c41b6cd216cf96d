"""The small schema every op's ``example()`` applies to.

The shared op test builds it on each database (with ``ROWS`` in it, so batched steps
have work to do) before running an example online, and compiles the same example
offline; the reference pages print the examples against it.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

person = sa.Table(
    "person",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("email", sa.String(100)),
)

ticket = sa.Table(
    "ticket",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("title", sa.String(100)),
    sa.Column("priority", sa.Integer),
    sa.Column("owner_id", sa.Integer),
    sa.Column("status", sa.Enum("open", "closed", name="ticket_status")),
)

#: a sequence of its own, for the ops that rename one (created where sequences exist)
ticket_number = sa.Sequence("ticket_number_seq", metadata=metadata)

ROWS = {
    "person": [{"id": 1, "email": "a@example.com"}, {"id": 2, "email": "b@example.com"}],
    "ticket": [
        {"id": i, "title": f"t{i}", "priority": None, "owner_id": 1 + i % 2, "status": "open"}
        for i in range(1, 6)
    ],
}
