"""What the revision's Python source shows that its SQL cannot.

The operations called and their lines (``op.x`` and ``batch_op.x`` inside
``op.batch_alter_table``), whether ``downgrade`` exists or only passes, and the
``# review: ignore[rule-id] reason`` comments with the line each one acknowledges.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize

from common.review.model import OpCall, RevisionUnit, Suppression

_SUPPRESSION = re.compile(r"#\s*review:\s*ignore\[([^\]]+)\]\s*(.*)$", re.IGNORECASE)


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    return {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}


def is_empty_body(function: ast.FunctionDef) -> bool:
    """Only ``pass``, ``...`` or a docstring: the function does nothing."""
    for statement in function.body:
        if isinstance(statement, ast.Pass):
            continue
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue
        return False
    return True


def _batch_aliases(function: ast.FunctionDef) -> set[str]:
    aliases = {"op"}
    for node in ast.walk(function):
        if isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                call = item.context_expr
                if (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "batch_alter_table"
                    and isinstance(item.optional_vars, ast.Name)
                ):
                    aliases.add(item.optional_vars.id)
    return aliases


def op_calls(tree: ast.Module) -> list[OpCall]:
    """Every ``op.<name>(...)`` call, tagged with the module-level function holding it."""
    calls: list[OpCall] = []
    for name, function in _functions(tree).items():
        aliases = _batch_aliases(function)
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in aliases
            ):
                end = node.end_lineno or node.lineno
                calls.append(OpCall(node.func.attr, node.lineno, end, name, node))
    return sorted(calls, key=lambda call: call.line)


def _code_lines(source: str) -> list[int]:
    """Lines that hold code (not blank, not only a comment)."""
    lines = []
    for number, text in enumerate(source.splitlines(), start=1):
        stripped = text.strip()
        if stripped and not stripped.startswith("#"):
            lines.append(number)
    return lines


def suppressions(source: str, calls: list[OpCall]) -> list[Suppression]:
    """Each suppression acknowledges the call on its line, or else the next code line."""
    found: list[Suppression] = []
    code_lines = _code_lines(source)
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return found
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        match = _SUPPRESSION.search(token.string)
        if not match:
            continue
        line = token.start[0]
        own_line = token.line[: token.start[1]].strip() == ""
        target = next((n for n in code_lines if n > line), line) if own_line else line
        for call in calls:
            if call.line <= target <= call.end_line:
                target = call.line
                break
        for rule_id in match.group(1).split(","):
            found.append(Suppression(rule_id.strip(), line, target, match.group(2).strip()))
    return found


def describe_source(unit: RevisionUnit) -> None:
    """Fill ``unit`` with what the source shows (calls, downgrade, suppressions)."""
    tree = ast.parse(unit.source, filename=str(unit.path))
    unit.tree = tree
    functions = _functions(tree)
    unit.ops = op_calls(tree)
    unit.suppressions = suppressions(unit.source, unit.ops)
    unit.spans = {call.line: call.end_line for call in unit.ops}
    unit.spans.update({f.lineno: f.end_lineno or f.lineno for f in functions.values()})
    upgrade = functions.get("upgrade")
    downgrade = functions.get("downgrade")
    unit.upgrade_line = upgrade.lineno if upgrade else 1
    unit.upgrade_empty = upgrade is None or is_empty_body(upgrade)
    unit.downgrade_line = downgrade.lineno if downgrade else None
    unit.downgrade_empty = downgrade is None or is_empty_body(downgrade)


def call_at(unit: RevisionUnit, line: int, function: str) -> OpCall | None:
    """The innermost operation call in ``function`` that spans ``line``."""
    spanning = [
        call
        for call in unit.ops
        if call.function == function and call.line <= line <= call.end_line
    ]
    return min(spanning, key=lambda call: call.end_line - call.line, default=None)
