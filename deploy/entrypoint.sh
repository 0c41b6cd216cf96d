#!/bin/sh
# Entry point of the migration image: `python -m common <command>` (default update-db).
#
# DATABASE_URL is required here: unset, the workbench would start its embedded
# development PostgreSQL inside the container and migrate that, and report success.
set -eu
if [ -z "${DATABASE_URL:-}" ]; then
    echo "error: DATABASE_URL is not set, so there is no database to migrate. Fix: pass the" \
        "target's URL (docker run -e DATABASE_URL=..., or a Kubernetes Secret)." >&2
    exit 2
fi
exec python -m common "$@"
