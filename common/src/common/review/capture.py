"""The SQL a revision emits, captured by running it in Alembic's offline (``--sql``) mode.

Nothing touches a database: a MigrationContext with ``as_sql=True`` renders every
operation (Alembic's, the workbench's, raw ``op.execute``) as text. We hook the
context's output to note, for each statement, the revision line that emitted it and
whether the per-revision transaction is open (``autocommit_block`` closes it), then parse
the text with pglast. SQL is always rendered for PostgreSQL, the dialect the rules know.
"""

from __future__ import annotations

import ast
import io
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout, suppress
from pathlib import Path
from typing import Any

import pglast
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.script import Script

from common import ops as _register_operations  # noqa: F401  (op.<workbench ops>)
from common.errors import MigrationStoppedError
from common.ops.stop import STOP_CALLS
from common.review.model import OpCall, RevisionUnit, Statement
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


def _failing_line(exc: BaseException, path: Path) -> int:
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == str(path)]
    return lines[-1] if lines else 0


def _inside(call: OpCall, other: OpCall) -> bool:
    """Whether ``call`` is an argument of ``other`` (a strictly larger call around it)."""
    around = other.line <= call.line and call.end_line <= other.end_line
    return other is not call and around and other.end_line - other.line > call.end_line - call.line


def _replay(unit: RevisionUnit, module: Any, function: str, after: int) -> None:
    """Run the ``op.x(...)`` calls after a failed line one by one, each on its own.

    A data migration that reads rows (``op.get_bind().execute(...).fetchall()``) cannot run
    offline; the schema operations after it usually can, as self-contained expressions.
    """
    calls = [c for c in unit.ops_in(function) if c.line > after]
    top_level = [c for c in calls if not any(_inside(c, other) for other in calls)]
    for call in top_level:
        if not (isinstance(call.node.func.value, ast.Name) and call.node.func.value.id == "op"):
            continue
        code = compile(ast.Expression(call.node), str(unit.path), "eval")
        with suppress(Exception):
            eval(code, vars(module))


def _deliberate_stop(unit: RevisionUnit, function: str, line: int, exc: Exception) -> bool:
    """An ``op.stop_migration`` / ``op.require_data_migration`` call: the stop-migration
    rule reports it; the rest of the revision still renders."""
    if not isinstance(exc, MigrationStoppedError):
        return False
    return any(
        call.name in STOP_CALLS and call.line <= line <= call.end_line
        for call in unit.ops_in(function)
    )


def _recording(unit: RevisionUnit, invoke: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``Operations.invoke`` that also keeps each op object with its revision line, so
    checks (the data pre-flight) read the pending steps as ops, not as parsed SQL."""

    depth = [0]  # the steps a workbench op invokes itself are part of it, not recorded

    def record(operation: Any) -> Any:
        if not depth[0]:
            line = _revision_line(unit.path)
            call = call_at(unit, line, "upgrade")
            unit.operations.append((call.line if call else line, operation))
        depth[0] += 1
        try:
            return invoke(operation)
        finally:
            depth[0] -= 1

    return record


def _recording_batches(unit: RevisionUnit, batch_alter_table: Callable) -> Callable:
    """``op.batch_alter_table`` whose batch operations are recorded too (SQLite's way to
    alter a column goes through them)."""

    @contextmanager
    def recorded(*args: Any, **kw: Any) -> Iterator[Any]:
        with batch_alter_table(*args, **kw) as batch:
            batch.invoke = _recording(unit, batch.invoke)
            yield batch

    return recorded


def render(unit: RevisionUnit, script: Script, function: str) -> tuple[list[Statement], str | None]:
    """Run ``upgrade`` or ``downgrade`` of ``script`` offline: its statements, and the
    error that stopped it (the operations after the failing line are replayed singly)."""
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
        return [], None
    error = None
    with Operations.context(context) as operations, redirect_stdout(io.StringIO()):
        if function == "upgrade":
            operations.invoke = _recording(unit, operations.invoke)  # type: ignore[method-assign]
            operations.batch_alter_table = _recording_batches(unit, operations.batch_alter_table)
        try:
            body()  # a print() in a revision must not mix into the report on stdout
        except Exception as exc:  # any revision code may fail offline (get_bind() etc.)
            line = _failing_line(exc, unit.path)
            if not _deliberate_stop(unit, function, line, exc):
                error = f"{function}() stops offline at line {line}: {type(exc).__name__}: {exc}"
            _replay(unit, script.module, function, line)
    return recorder.statements, error


def capture(unit: RevisionUnit, script: Script) -> None:
    """Fill ``unit.up`` and ``unit.down``; a revision that cannot render is noted, not fatal."""
    for function in ("upgrade", "downgrade"):
        statements, error = render(unit, script, function)
        if error:
            unit.render_error = unit.render_error or " ".join(error.split())[:300]
        if function == "upgrade":
            unit.up = statements
        else:
            unit.down = statements
