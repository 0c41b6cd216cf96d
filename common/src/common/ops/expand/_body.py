"""The PL/pgSQL the expand triggers run, built with PostgreSQL's identifier quoting.

Both code versions write during a rolling deploy, and neither says which one it is (a
pgroll-style per-version ``search_path`` needs the application to set it). So the sync
trigger tells them apart by what the statement changed: a write that sets the new column
(an INSERT that gives it, an UPDATE that changes it) comes from the new code and the old
column is derived from it; otherwise the old column was written and the new one is
derived. The new column wins when both change. ``up`` reads the old column and ``down``
the new one by name: each name is a PL/pgSQL variable holding the row's value, so the
same expression serves the trigger and the backfill's ``UPDATE ... SET new = up``.
"""

from __future__ import annotations

from sqlalchemy.dialects import postgresql

_QUOTE = postgresql.dialect().identifier_preparer


def quote(name: str) -> str:
    return _QUOTE.quote(name)


def column_type(table: str, column: str, schema: str | None) -> str:
    """``schema.table.column%TYPE``: the variable takes the column's own type."""
    parts = [schema, table, column] if schema else [table, column]
    return ".".join(quote(part) for part in parts) + "%TYPE"


def trigger_name(table: str, column: str, suffix: str) -> str:
    """``<table>_<column>_<suffix>``, cut to PostgreSQL's 63 bytes."""
    return f"{table}_{column}_{suffix}".encode()[:63].decode(errors="ignore")


def sync_body(table: str, old: str, new: str, up: str, down: str, schema: str | None) -> str:
    """RETURNS trigger ... : keeps ``old`` and ``new`` equal through ``up`` / ``down``."""
    o, n = quote(old), quote(new)
    return (
        "RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "DECLARE\n"
        f"  {o} {column_type(table, old, schema)} := NEW.{o};\n"
        f"  {n} {column_type(table, new, schema)} := NEW.{n};\n"
        "BEGIN\n"
        "  IF TG_OP = 'INSERT' THEN\n"
        f"    IF NEW.{n} IS NULL THEN\n"
        f"      NEW.{n} := ({up});\n"
        f"    ELSIF NEW.{n} IS DISTINCT FROM ({up}) THEN\n"
        f"      NEW.{o} := ({down});\n"
        "    END IF;\n"
        f"  ELSIF NEW.{n} IS DISTINCT FROM OLD.{n} THEN\n"
        f"    IF NEW.{n} IS DISTINCT FROM ({up}) THEN\n"
        f"      NEW.{o} := ({down});\n"
        "    END IF;\n"
        f"  ELSIF NEW.{o} IS DISTINCT FROM OLD.{o} THEN\n"
        f"    NEW.{n} := ({up});\n"
        "  END IF;\n"
        "  RETURN NEW;\n"
        "END $$"
    )


def fill_body(column: str, value: str) -> str:
    """RETURNS trigger ... : a NULL written to ``column`` becomes ``value``."""
    c = quote(column)
    return (
        "RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        f"  IF NEW.{c} IS NULL THEN\n"
        f"    NEW.{c} := ({value});\n"
        "  END IF;\n"
        "  RETURN NEW;\n"
        "END $$"
    )


def trigger_definition(table: str, function: str, schema: str | None) -> str:
    """What follows CREATE TRIGGER name: before every row written, run ``function``."""
    target = f"{quote(schema)}.{quote(table)}" if schema else quote(table)
    called = f"{quote(schema)}.{quote(function)}" if schema else quote(function)
    return f"BEFORE INSERT OR UPDATE ON {target} FOR EACH ROW EXECUTE FUNCTION {called}()"
