"""${message.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')}
<%! from common.render.header import HEADER, HEADERS %><%! from common.render.expand_contract import PHASES %>\
<% attributes = context.get("config").attributes if context.get("config") is not None else {} %>\
<% review = attributes.get(HEADERS, {}).get(up_revision) or attributes.get(HEADER) %>\
<% phase = attributes.get(PHASES, {}).get(up_revision) %>\
% if review:

${review}
% endif

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""

from collections.abc import Sequence

% if upgrades or downgrades:
import sqlalchemy as sa
from alembic import op
% else:
import sqlalchemy as sa  # noqa: F401  (kept for the steps you write)
from alembic import op  # noqa: F401
% endif
${imports if imports else ""}
# revision identifiers, used by Alembic.
revision: str = ${repr(up_revision)}
down_revision: str | Sequence[str] | None = ${repr(down_revision)}
branch_labels: str | Sequence[str] | None = ${repr(branch_labels)}
depends_on: str | Sequence[str] | None = ${repr(depends_on)}
% if phase:
# expand/contract: update-db applies a "contract" revision only with --contract
phase = ${repr(phase)}
% endif
<% squashes = context.get("config").attributes.get("workbench_squashes") if context.get("config") is not None else None %>\
% if squashes:
# squashed: the revisions this one replaces, each with the checksum its file had, so a
# database that applied them passes the checksum check (common/runner/checksums.py)
squashes: dict[str, str] = ${repr(squashes)}
% endif


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    ${downgrades if downgrades else "pass"}
