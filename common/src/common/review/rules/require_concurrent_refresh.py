"""require-concurrent-refresh: ``REFRESH MATERIALIZED VIEW`` without ``CONCURRENTLY``.

Problem: a plain refresh takes an ACCESS EXCLUSIVE lock on the materialized view and
holds it while the view's whole query runs again.

Why it hurts: every read of the view waits for the refresh (seconds to hours on a big
view), so the pages that read it stall; a refresh inside the revision also holds the
revision's transaction open as long.

Safe alternative: ``op.refresh_materialized_view(name, concurrently=True)``, which
takes an EXCLUSIVE lock (reads go on) and needs a unique index on the view. A view
created in the same pending set has no readers yet and is fine as it is.
"""

from __future__ import annotations

from collections.abc import Iterator

from pglast import ast

from common.review.model import RevisionUnit, Severity
from common.review.rules import Hit, rule


@rule(
    "require-concurrent-refresh",
    Severity.ERROR,
    help="Use op.refresh_materialized_view(name, concurrently=True); give the view a unique "
    "index first if it has none.",
)
def check(unit: RevisionUnit) -> Iterator[Hit]:
    for statement in unit.up:
        node = statement.node
        if not isinstance(node, ast.RefreshMatViewStmt) or node.concurrent:
            continue
        view = node.relation.relname
        if statement.on_existing(view):
            yield Hit(
                statement.line,
                f"refreshes materialized view {view} without CONCURRENTLY: every read of it "
                "waits until its query has run again.",
            )
