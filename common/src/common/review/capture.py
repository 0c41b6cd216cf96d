"""The SQL a revision emits, captured by running it in Alembic's offline (``--sql``) mode.

Nothing touches a database: a MigrationContext with ``as_sql=True`` renders every
operation (Alembic's, the workbench's, raw ``op.execute``) as text. We hook the
context's output to note, for each statement, the revision line that emitted it and
whether the per-revision transaction is open (``autocommit_block`` closes it), then parse
the text with pglast. SQL is always rendered for PostgreSQL, the dialect the rules know.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pglast
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.script import Script

from common import ops as _register_operations  # noqa: F401  (op.<workbench ops>)
from common.review.model import RevisionUnit, Statement
from common.review.source import call_at


def _revision_line(path: Path) -> int:
    """The line of ``path`` currently executing (innermost frame in that file)."""
    target = str(path)
    frame = sys._getframe(2)
    while frame is not None:
        if frame.f_code.co_filename == target:
            return frame.f_lineno
        frame = frame.f_back
    return 0


def split_statements(sql: str) -> list[tuple[str, Any]]:
    """Statements of ``sql`` with pglast's tree, or one unparsed entry on a parse error."""
    try:
        parsed = pglast.parse_sql(sql)
    except pglast.parser.ParseError:
        return [(sql.strip(), None)]
    pieces = []
    for raw in parsed:
        start = raw.stmt_location or 0
        end = start + raw.stmt_len if raw.stmt_len else len(sql.encode())
        text = sql.encode()[start:end].decode(errors="replace").strip()
        pieces.append((text, raw.stmt))
    return pieces


class _Recorder:
    """Wraps the offline context's output; collects statements with line and transaction."""

    def __init__(self, unit: RevisionUnit, function: str, context: MigrationContext) -> None:
        self.unit = unit
        self.function = function
        self.statements: list[Statement] = []
        self.in_transaction = True
        impl = context.impl
        self._output = impl.static_output
        impl.static_output = self._static_output
        impl.emit_begin = self._marker(True)
        impl.emit_commit = self._marker(False)

    def _marker(self, opens: bool) -> Callable[[], None]:
        def mark() -> None:
            self.in_transaction = opens

        return mark

    def _static_output(self, text: str) -> None:
        line = _revision_line(self.unit.path)
        call = call_at(self.unit, line, self.function)
        op_name = call.name if call else None
        line = call.line if call else line
        for sql, node in split_statements(text):
            if not sql:
                continue
            self.statements.append(Statement(sql, line, op_name, node, self.in_transaction))
            kind = type(node).__name__
            if kind == "TransactionStmt":
                self.in_transaction = node.kind.name in ("TRANS_STMT_BEGIN", "TRANS_STMT_START")
        self._output(text)


def render(unit: RevisionUnit, script: Script, function: str) -> list[Statement]:
    """Run ``upgrade`` or ``downgrade`` of ``script`` offline and return its statements."""
    context = MigrationContext.configure(
        dialect_name="postgresql",
        opts={
            "as_sql": True,
            "output_buffer": io.StringIO(),
            "literal_binds": True,
            "transaction_per_migration": True,
        },
    )
    recorder = _Recorder(unit, function, context)
    body = getattr(script.module, function, None)
    if body is None:
        return []
    with Operations.context(context), redirect_stdout(io.StringIO()):
        body()  # a print() in a revision must not mix into the report on stdout
    return recorder.statements


def capture(unit: RevisionUnit, script: Script) -> None:
    """Fill ``unit.up`` and ``unit.down``; a revision that cannot render is noted, not fatal."""
    for function in ("upgrade", "downgrade"):
        try:
            statements = render(unit, script, function)
        except Exception as exc:  # any revision code may fail offline (get_bind() etc.)
            message = f"{function}() cannot run offline: {type(exc).__name__}: {exc}"
            unit.render_error = unit.render_error or " ".join(message.split())[:300]
            statements = []
        if function == "upgrade":
            unit.up = statements
        else:
            unit.down = statements
