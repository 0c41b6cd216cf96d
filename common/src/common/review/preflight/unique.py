"""Counting the rows a new UNIQUE would find duplicated, and proving cheaply there are none.

The exact count groups the keys: PostgreSQL builds a hash table of every distinct key,
about 30x a bare ``count(*)`` on a million distinct strings, and that is the price
``review`` paid on every clean table too. Most tables reviewed before a deploy hold no
duplicate, and that is cheaper to prove. Equal keys have equal hashes, so when
``count(*) = count(DISTINCT hash(key))`` there is no duplicate, exactly, and sorting
8-byte hashes costs about a third of grouping the keys. The hash is the one PostgreSQL
itself uses for the type (``hashtextextended`` for one string column, which follows its
collation; ``hash_record_extended`` on PostgreSQL 14+ for anything else), so it agrees
with the type's own equality (``1.0 = 1.00`` hash alike). When hashes do repeat, the
repeated ones are listed, and only the rows holding them are grouped by their keys for
the exact count and the sample keys: a collision of two distinct keys in 64 bits is
found out there, never reported as a duplicate.

MySQL and SQLite group all the keys, always. On every database, a key already unique on
some of the new key's columns needs no row read at all.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Connection,
    and_,
    any_,
    cast,
    func,
    literal,
    or_,
    select,
    types,
)
from sqlalchemy.sql.expression import TableClause

from common.review.preflight.scan import SAMPLES, first_keys

# for the grouping and the sort, transaction-local: with PostgreSQL's default 4MB, a
# million keys are sorted on disk (about 2x slower than hashed in memory)
UNIQUE_WORK_MEM = "64MB"
SHARED_LIMIT = 100_000  # hashes shared by duplicates passed back as one array, at most
HASH_RECORD_EXTENDED = 140000  # server_version_num from which hash_record_extended exists
PRESORTED_AGGREGATE = 160000  # and from which enable_presorted_aggregate does
PROVED = "no two keys share a 64-bit hash, so none is duplicated"


def covered_by(existing: list[tuple[str, tuple[str, ...]]], columns: tuple) -> str | None:
    """How the rows are already known to hold no duplicate of ``columns``, with no row
    read: a unique key on some of those columns (a key unique on ``email`` is unique on
    ``(email, tenant)``), the usual case when a unique index becomes a constraint."""
    for name, key in existing:
        if key and set(key) <= set(columns):
            return f"no row read: {name} ({', '.join(key)}) already keeps these keys unique"
    return None


def key_hash(columns: list, version: int) -> Any | None:
    """PostgreSQL's own 64-bit hash of the key (typed columns); None where there is none."""
    kind = columns[0].type if len(columns) == 1 else None
    if isinstance(kind, types.String) and not isinstance(kind, types.Enum):
        return func.hashtextextended(columns[0], literal(0))
    if version >= HASH_RECORD_EXTENDED:
        return func.hash_record_extended(func.row(*columns), literal(0))
    return None


def _present(key: list) -> Any:
    """No key column NULL: UNIQUE lets rows with a NULL in the key through."""
    return and_(*[c.is_not(None) for c in key])


def _roomy(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":  # hash or sort the keys in memory
        connection.execute(select(func.set_config("work_mem", UNIQUE_WORK_MEM, True)))


def shared_hashes(connection: Connection, key: list, hashed: Any, version: int) -> list | None:
    """The hashes two or more non-NULL keys share: none proves there is no duplicate.
    None when over ``SHARED_LIMIT`` share one: grouping all the keys is then as cheap.

    The proof is ``count(*) = count(DISTINCT hash)``. From PostgreSQL 16 the planner sorts
    whole rows under a ``count(DISTINCT ...)`` ("presorted aggregates"), 2.4x slower here
    than the aggregate's own sort of bare 8-byte hashes, so that planner feature is off
    for this one transaction. Only when hashes repeat are they grouped, by a sort that
    streams (a hash table of a million groups is twice as slow).
    """
    present = _present(key)
    _roomy(connection)
    if version >= PRESORTED_AGGREGATE:
        connection.execute(select(func.set_config("enable_presorted_aggregate", "off", True)))
    proof = select(func.count() - func.count(hashed.distinct())).where(present)
    if connection.execute(proof).scalar() == 0:
        return []
    connection.execute(select(func.set_config("enable_hashagg", "off", True)))
    hashes = select(hashed.label("h")).where(present).subquery()
    repeated = select(hashes.c.h).group_by(hashes.c.h).having(func.count() > 1)
    found = list(connection.execute(repeated.limit(SHARED_LIMIT + 1)).scalars())
    return None if len(found) > SHARED_LIMIT else found


def among(hashed: Any, shared: list) -> Any:
    """The rows whose key has one of the ``shared`` hashes (one array parameter, which
    PostgreSQL 14+ probes as a hash table)."""
    return hashed == any_(literal(shared, ARRAY(BigInteger)))


def _read_back(column: Any, value: Any) -> Any:
    """A key value read from the target, bound back as the column's own type: cast
    explicitly, since SQLAlchemy binds some reflected types (``money``) as VARCHAR."""
    if isinstance(column.type, types.NullType):
        return value
    return cast(literal(value), column.type)


def duplicates(
    connection: Connection,
    columns: tuple,
    source: TableClause,
    keys: list[str],
    within: Any = None,
):
    """``(excess rows, duplicate keys, samples)``: one aggregate counts (and names the first
    duplicate keys); only when there are some, one more query reads sample primary keys.
    ``within``: a condition all duplicates meet (``among``), so fewer keys are grouped."""
    key = [source.c[c] for c in columns]
    present = _present(key)
    groups = (
        select(*key, func.count().label("n"))
        .where(present if within is None else and_(present, within))
        .group_by(*key)
        .having(func.count() > 1)
        .subquery()
    )
    _roomy(connection)
    first = [groups.c[c] for c in columns]
    query = select(func.sum(groups.c.n - 1).over(), func.count().over(), *first).limit(SAMPLES)
    rows = connection.execute(query).all()
    if not rows:
        return 0, 0, []
    excess, count = int(rows[0][0]), int(rows[0][1])
    named = or_(
        *[and_(*[c == _read_back(c, v) for c, v in zip(key, row[2:], strict=True)]) for row in rows]
    )
    return excess, count, first_keys(connection, source, named, keys)
