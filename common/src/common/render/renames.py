"""Renames: a renamed column or table becomes one rename, never drop+add (data kept).

Autogenerate compares by name, so ``task.title`` renamed to ``task.name`` arrives as a
dropped and an added column, and a renamed table as a dropped and a created table. Here
such pairs become ``alter_column(new_column_name=...)`` / ``rename_table`` when a
``--rename`` hint says so or the questioner's answer is yes (asked on a terminal only
when both columns have the same type and nullability). Otherwise drop+add stays, with a
``# REVIEW:`` note naming the ``--rename`` flag to use. The indexes, constraints and
sequences named after the old name follow (``common.render.rename_names``).

A renamed table is compared again against its model under the old name, so a rename
combined with other changes to the same table (columns added, types changed) still
produces every step. The downgrade is rebuilt as the reverse of the rewritten upgrade.
"""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import produce_migrations, renderers
from alembic.migration import MigrationContext
from alembic.operations import ops
from sqlalchemy import Column, MetaData

from common.errors import InvalidInputError
from common.render.notes import add_note
from common.render.questioner import ATTRIBUTE, RenameQuestioner
from common.render.rename_names import RenameMap, name_like_model, rename_ops_for

RENAMES = "renames"  # config.attributes key: the parsed --rename hints


class RenameColumnOp(ops.AlterColumnOp):
    """``alter_column(new_column_name=...)`` whose reverse renames back."""

    def reverse(self) -> RenameColumnOp:
        reversed_op = super().reverse()
        reversed_op.column_name, reversed_op.modify_name = self.modify_name, self.column_name
        return reversed_op


class RenameTableOp(ops.RenameTableOp):
    """``rename_table`` whose reverse renames back."""

    def reverse(self) -> RenameTableOp:
        return RenameTableOp(self.new_table_name, self.table_name, schema=self.schema)


@renderers.dispatch_for(RenameTableOp)
def _render_rename_table(autogen_context: Any, op: RenameTableOp) -> str:
    schema = f", schema={op.schema!r}" if op.schema else ""
    return f"op.rename_table({op.table_name!r}, {op.new_table_name!r}{schema})"


def _type_text(column: Column, dialect: Any) -> str:
    try:
        return str(column.type.compile(dialect=dialect)).lower()
    except Exception:
        return repr(column.type)


def _same_shape(old: Column, new: Column, dialect: Any) -> bool:
    return _type_text(old, dialect) == _type_text(new, dialect) and bool(old.nullable) == bool(
        new.nullable
    )


def apply_renames(context: MigrationContext, script: ops.MigrationScript, attributes: dict) -> bool:
    """Rewrite ``script.upgrade_ops`` in place; True when something was renamed."""
    questioner = attributes.get(ATTRIBUTE) or RenameQuestioner(attributes.get(RENAMES) or {})
    hints = dict(attributes.get(RENAMES) or {})
    renames = RenameMap()
    upgrade_ops = script.upgrade_ops_list[-1]
    _rename_tables(context, upgrade_ops, questioner, renames)
    for container in _modify_table_ops(upgrade_ops):
        _rename_columns(context, container, questioner, renames)
    _refuse_unused_hints(hints, renames)
    if renames.empty():
        return False
    name_changes = rename_ops_for(context, renames, upgrade_ops)
    upgrade_ops.ops.extend(name_changes)
    return True


def _modify_table_ops(container: ops.OpContainer) -> list[ops.ModifyTableOps]:
    return [op for op in container.ops if isinstance(op, ops.ModifyTableOps)]


def _refuse_unused_hints(hints: dict[str, str], renames: RenameMap) -> None:
    for key, new in hints.items():
        if key in renames.used_hints:
            continue
        flag = f"--rename {key}={new}"
        if "." in key:
            table, column = key.split(".", 1)
            what = f"no column {table}.{column} dropped together with a column {new} added"
        else:
            what = f"no table {key} dropped together with a table {new} added"
        raise InvalidInputError(
            f"{flag} does not match the models: autogenerate finds {what}.",
            "check the names (old name on the left, as in the database; new name on the "
            "right, as in the models), or leave the hint out.",
        )


# -- tables ---------------------------------------------------------------------------


def _rename_tables(context, upgrade_ops: ops.UpgradeOps, questioner, renames: RenameMap) -> None:
    dropped = [op for op in upgrade_ops.ops if isinstance(op, ops.DropTableOp)]
    created = [op for op in upgrade_ops.ops if isinstance(op, ops.CreateTableOp)]
    for drop in dropped:
        for create in created:
            if create.table_name in renames.tables.values():
                continue
            if _table_renamed(drop, create, questioner, renames):
                _replace_table_pair(context, upgrade_ops, drop, create, renames)
                break
        else:
            _note_possible_table_rename(drop, created, renames)


def _columns(table_op: ops.DropTableOp | ops.CreateTableOp) -> dict[str, Column]:
    return {column.name: column for column in table_op.to_table().columns}


def _table_renamed(drop, create, questioner, renames: RenameMap) -> bool:
    old, new = drop.table_name, create.table_name
    if questioner.answers.get(old) == new:
        renames.used_hints.add(old)
        return True
    if not questioner.interactive or set(_columns(drop)) != set(_columns(create)):
        return False
    return questioner.ask_rename_table(old, new)


def _note_possible_table_rename(drop: ops.DropTableOp, created: list, renames: RenameMap) -> None:
    same = [
        c.table_name
        for c in created
        if c.table_name not in renames.tables.values() and set(_columns(c)) == set(_columns(drop))
    ]
    if same:
        add_note(
            drop,
            f"table {drop.table_name} is dropped and {same[0]} created with the same columns: "
            f"the rows of {drop.table_name} are lost. If it was renamed, run create-migration "
            f"again with --rename {drop.table_name}={same[0]}",
        )


def _replace_table_pair(context, upgrade_ops, drop, create, renames: RenameMap) -> None:
    old, new = drop.table_name, create.table_name
    renames.tables[old] = new
    position = upgrade_ops.ops.index(create)
    kept = []
    for op in upgrade_ops.ops:
        if op is drop or op is create:
            continue
        if isinstance(op, ops.ModifyTableOps) and op.table_name in (old, new):
            continue  # indexes of the dropped / created table: compared again below
        if isinstance(op, ops.DropIndexOp | ops.CreateIndexOp) and op.table_name in (old, new):
            continue
        kept.append(op)
    position = min(position, len(kept))
    replacement: list[ops.MigrateOperation] = [RenameTableOp(old, new, schema=drop.schema)]
    changes = _compare_renamed_table(context, old, new)
    if changes is not None:
        replacement.append(changes)
    kept[position:position] = replacement
    upgrade_ops.ops = kept


def _compare_renamed_table(context, old: str, new: str) -> ops.ModifyTableOps | None:
    """Everything else that changed in the renamed table: its model compared under ``old``."""
    metadata: MetaData = context.opts["target_metadata"]
    copy = MetaData(naming_convention=metadata.naming_convention)
    for table in metadata.tables.values():
        table.to_metadata(copy)  # the new name stays too: foreign keys to it resolve
    name_like_model(metadata.tables[new].to_metadata(copy, name=old), metadata.tables[new])

    def only_old(name: str | None, type_: str, parent_names: dict) -> bool:
        return type_ != "table" or name == old

    options = {**context.opts, "target_metadata": copy, "include_name": only_old}
    options.pop("process_revision_directives", None)
    sub_context = MigrationContext.configure(connection=context.connection, opts=options)
    result = produce_migrations(sub_context, copy)
    inner: list[ops.MigrateOperation] = []
    for op in result.upgrade_ops.ops:
        if isinstance(op, ops.ModifyTableOps) and op.table_name == old:
            inner.extend(op.ops)
    for op in inner:
        if getattr(op, "table_name", None) == old:
            op.table_name = new
    if not inner:
        return None
    return ops.ModifyTableOps(new, inner, schema=metadata.tables[new].schema)


# -- columns --------------------------------------------------------------------------


def _rename_columns(context, container: ops.ModifyTableOps, questioner, renames) -> None:
    table = container.table_name
    old_table = renames.old_table(table)
    dialect = context.dialect
    added = [op for op in container.ops if isinstance(op, ops.AddColumnOp)]
    for drop in [op for op in container.ops if isinstance(op, ops.DropColumnOp)]:
        old_column = drop.to_column()
        for add in added:
            if _column_renamed(
                old_table, table, old_column, add.column, questioner, renames, dialect
            ):
                _replace_column_pair(container, drop, add, dialect)
                renames.columns.setdefault(old_table, {})[old_column.name] = add.column.name
                added.remove(add)
                break
        else:
            _note_possible_column_rename(table, drop, added, dialect)


def _column_renamed(old_table, table, old: Column, new: Column, questioner, renames, dialect):
    for key in (f"{old_table}.{old.name}", f"{table}.{old.name}"):
        if questioner.answers.get(key) == new.name:
            renames.used_hints.add(key)
            return True
    if not questioner.interactive or not _same_shape(old, new, dialect):
        return False
    return questioner.ask_rename_column(table, old.name, new.name)


def _note_possible_column_rename(table: str, drop, added: list, dialect) -> None:
    old = drop.to_column()
    same = [add.column.name for add in added if _same_shape(old, add.column, dialect)]
    if same:
        add_note(
            drop,
            f"{table}.{old.name} is dropped and {table}.{same[0]} added: the data in "
            f"{table}.{old.name} is lost. If it was renamed, run create-migration again with "
            f"--rename {table}.{old.name}={same[0]}",
        )


def _replace_column_pair(container, drop, add, dialect) -> None:
    old, new = drop.to_column(), add.column
    rename = RenameColumnOp(
        container.table_name,
        old.name,
        schema=container.schema,
        existing_type=old.type,
        existing_nullable=old.nullable,
        existing_server_default=old.server_default.arg if old.server_default is not None else None,
        existing_comment=old.comment,
        modify_name=new.name,
    )
    if _type_text(old, dialect) != _type_text(new, dialect):
        rename.modify_type = new.type
    if bool(old.nullable) != bool(new.nullable):
        rename.modify_nullable = new.nullable
    rename.info["new_column"] = new
    position = min(container.ops.index(drop), container.ops.index(add))
    container.ops = [op for op in container.ops if op is not drop and op is not add]
    container.ops.insert(position, rename)
