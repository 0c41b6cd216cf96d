"""squash --upto REV: the revisions up to REV become one revision, its schema proven equal.

Choice (documented in the README): the squashed revision **keeps REV's id** and lists
the revisions it replaces with their checksums (``squashes = {...}``, as Django's
``replaces``). So the revisions after REV keep their ``down_revision``; a database at REV
or beyond is already at the squash and needs no stamp; its history keeps the old files'
checksums, which the checksum check accepts through that list. A database before REV
could not upgrade afterwards (its revision is gone): the configured one is checked and
refused, and the others must be brought to REV with the old files first.

Everything is built and proven in a staged copy of the project (a hidden folder in the
project, so the formatting hook reads the project's ruff settings); the real versions
folder changes only once the proof holds: the new file written, the replaced ones removed.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

from common.config import Settings, load_settings
from common.database import connect, mask_url, resolve_target
from common.output import emit, say
from common.paths import alembic_ini, script_location
from common.revisions import build_config, database_state, load_scripts, refuse_unknown
from common.squash.proof import build_and_prove
from common.squash.scope import refuse_partly_applied, refuse_unsquashable, squash_range


def squash(upto: str, message: str | None = None, settings: Settings | None = None) -> int:
    started = time.perf_counter()
    settings = settings or load_settings()
    script = load_scripts(build_config(settings))
    chain = squash_range(script, upto)
    refuse_unsquashable(chain)
    target = resolve_target(settings)
    with connect(target, settings) as connection:
        state = database_state(connection, script)
    refuse_unknown(state)
    refuse_partly_applied(state, chain, mask_url(target.url))
    rev = chain[-1].revision
    message = message or f"squash {chain[0].revision}..{rev}"
    root = settings.project_dir
    with tempfile.TemporaryDirectory(prefix=".workbench-squash-", dir=root) as folder:
        staged = settings.model_copy(update={"project_dir": _stage(root, Path(folder))})
        proven = build_and_prove(target.url, settings, staged, chain, message)
        new_file = Path(script.versions) / Path(proven.script.path).name
        shutil.copyfile(proven.script.path, new_file)
    for replaced in chain:
        if Path(replaced.path) != new_file:
            Path(replaced.path).unlink()
    load_scripts(build_config(settings))  # the history loads as it did, one file shorter
    say(
        f"Squashed {len(chain)} revisions ({chain[0].revision}..{rev}) into one with id {rev}; "
        f"proven on scratch databases: {proven.objects} schema objects equal "
        f"({time.perf_counter() - started:.1f} s)."
    )
    emit(str(new_file))
    return 0


def _stage(root: Path, folder: Path) -> Path:
    """alembic.ini, env.py and the template of the project in ``folder``; no revisions."""
    shutil.copyfile(alembic_ini(root), alembic_ini(folder))
    source, staged = script_location(root), script_location(folder)
    (staged / "versions").mkdir(parents=True)
    for name in ("env.py", "script.py.mako"):
        shutil.copyfile(source / name, staged / name)
    return folder
