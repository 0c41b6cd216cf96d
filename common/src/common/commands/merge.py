"""merge: join the heads into one revision, with the next sequential id.

Two branches that each added a revision leave two heads, and every command refuses to
run until they are joined. ``alembic merge`` would write a random hex id; the workbench
hands out sequential ids (``next_revision_id``) so the files stay in order and a reused
id shows at once. The merge revision has no operations: it only records that both
branches lead to it, so applying it changes nothing but ``alembic_version``.
"""

from __future__ import annotations

from alembic import command

from common.config import Settings, load_settings
from common.errors import RevisionStateError
from common.output import emit
from common.revisions import build_config, load_scripts, next_revision_id


def merge(message: str = "merge heads", settings: Settings | None = None) -> int:
    settings = settings or load_settings()
    config = build_config(settings)
    script = load_scripts(config)
    heads = sorted(script.get_heads())
    if len(heads) < 2:
        raise RevisionStateError(
            f"there is one head ({heads[0] if heads else 'no revisions'}); nothing to merge.",
            "merge joins several heads (uvx invoke heads lists them); there is nothing to do.",
        )
    written = command.merge(config, heads, message=message, rev_id=next_revision_id(script))
    emit(str(written.path))
    return 0
