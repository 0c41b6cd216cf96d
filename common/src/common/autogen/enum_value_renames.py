"""``--rename-value status.doing=in_progress``: a renamed enum value, not a removed one.

Compared by label, a renamed value is one removed and one added, which would be a swap
(a rewrite, refused while rows hold the old label). ``create-migration`` puts the parsed
hints in ``config.attributes[VALUE_RENAMES]`` as ``{(schema, type): {old: new}}``; the
enum comparator (``common.autogen.enums``) asks here for the ``rename_enum_value`` steps
of each type and compares the renamed list with the model as usual (values added or
removed besides the rename still get their own steps). A hint that matches no type, or a
label the database lacks or the models keep, is refused in one line: guessing would
rename the wrong value.
"""

from __future__ import annotations

import re
from typing import Any

from common.errors import InvalidInputError
from common.ops.enums import RenameEnumValueOp

VALUE_RENAMES = "workbench_value_renames"  # config.attributes key

EnumKey = tuple[str | None, str]
Hints = dict[EnumKey, dict[str, str]]

_HINT = re.compile(r"^(?:(\w+)\.)?(\w+)\.([^.=]+)=([^=]+)$")
_FORM = "write e.g. --rename-value status.doing=in_progress (or billing.status.doing=...)."


def parse_value_renames(hints: list[str] | tuple[str, ...]) -> Hints:
    """``type.old=new`` and ``schema.type.old=new`` hints, checked for form."""
    parsed: Hints = {}
    for hint in hints:
        match = _HINT.match(hint.strip())
        if not match:
            raise InvalidInputError(
                f"--rename-value {hint!r} is not of the form type.old=new or schema.type.old=new.",
                _FORM,
            )
        schema, name, old, new = match.groups()
        parsed.setdefault((schema, name), {})[old] = new
    return parsed


def hint_text(key: EnumKey, old: str, new: str) -> str:
    schema, name = key
    return f"--rename-value {'' if schema is None else schema + '.'}{name}.{old}={new}"


def value_renames(autogen_context: Any) -> Hints:
    """The hints of this run, keyed like the comparator's types (default schema: None)."""
    config = autogen_context.migration_context.config
    hints = config.attributes.get(VALUE_RENAMES) if config is not None else None
    default_schema = autogen_context.dialect.default_schema_name
    return {
        (None if schema == default_schema else schema, name): dict(renames)
        for (schema, name), renames in (hints or {}).items()
    }


def renamed(
    key: EnumKey, database: list[str], model: list[str], renames: dict[str, str]
) -> tuple[list[RenameEnumValueOp], list[str]]:
    """The rename steps for ``key`` and its value list once they ran."""
    steps, values = [], list(database)
    for old, new in renames.items():
        if old not in values or old in model or new not in model or new in values:
            raise InvalidInputError(
                f"{hint_text(key, old, new)} does not match the models: enum type "
                f"{key[1]} has {tuple(database)} in the database and {tuple(model)} in the "
                "models.",
                "name a value the database has and the models dropped, renamed to one only "
                "the models have.",
            )
        values[values.index(old)] = new
        steps.append(RenameEnumValueOp(key[1], old, new, schema=key[0]))
    return steps, values


def refuse_unmatched(hints: Hints) -> None:
    """Hints left over name a type neither the models nor the database have."""
    for key, renames in hints.items():
        old, new = next(iter(renames.items()))
        raise InvalidInputError(
            f"{hint_text(key, old, new)} names no enum type the models and the database both have.",
            "check the type's name (SQLModel: the Enum class name, lower-cased) and schema.",
        )
