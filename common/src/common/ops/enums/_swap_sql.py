"""The PL/pgSQL of ``swap_enum_type``: one ``DO`` block, the same online and offline.

PostgreSQL cannot remove or reorder enum values in place, so the block renames the type
to ``<name>__old``, creates ``name`` with the new values, converts every column through
text and drops the old type. Three things around that conversion are why it is this long:

- **The guard.** Before anything changes, it counts the rows (per column and value) still
  holding a value the type loses and raises, naming them, so ``update-db --sql`` scripts
  stop with the same message and counts as ``update-db`` (which checks in Python first).
- **Dependent objects.** ``ALTER COLUMN TYPE`` re-parses the definitions of the indexes
  and CHECKs on the column, which by then name ``'x'::<name>__old``: a partial index
  ``WHERE status <> 'deleted'`` fails with ``operator does not exist: status <>
  status__old``; a view or generated column reading the column is refused outright. So
  the block reads each such object's definition from the catalog first (``pg_depend``,
  ``pg_get_indexdef``, ``pg_get_constraintdef``, ``pg_get_viewdef``, ``pg_get_expr``),
  drops it, converts, and recreates it: indexes and CHECKs naming the type, generated
  columns computed from a column of it (re-added at the end of the table, with the
  indexes and constraints on them), views and materialized views reading it, and the
  views over those (with options, comments, owner and grants; a materialized view's
  indexes too), row-level security policies and triggers whose WHEN or UPDATE OF names
  such a column (with comments and enabled state). A definition naming a removed value
  cannot be recreated: the block stops naming the object, and the transaction rolls back.
- **Partitions and inheritance.** Only columns declared on the table itself
  (``attinhcount = 0``) are altered: ALTER TABLE on a partitioned parent converts its
  partitions, and PostgreSQL refuses the change on a partition (``cannot alter inherited
  column``). Inherited CHECKs and attached partition indexes follow their parent's.

Placeholders are filled by ``swap_enum_type``'s compiler, each name and value quoted by
the dialect. No ``%`` in the text (a pyformat driver would read it) and no braces
beyond the placeholders (``str.format``).
"""

from __future__ import annotations

# jsonb rows {o: order, d: drop statement, m: [statements that recreate], w: what it is}
_DEPENDENTS = """
  WITH RECURSIVE cols AS (
    SELECT a.attrelid, a.attnum FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid AND c.relkind IN ('r', 'p')
    WHERE a.atttypid IN (type_oid, array_oid) AND a.attnum > 0 AND NOT a.attisdropped
  ), gen AS (
    SELECT g.attrelid, g.attnum, ad.oid AS def FROM pg_attribute g
    JOIN pg_class c ON c.oid = g.attrelid AND c.relkind IN ('r', 'p')
    JOIN pg_attrdef ad ON ad.adrelid = g.attrelid AND ad.adnum = g.attnum
    WHERE g.attgenerated <> '' AND g.attinhcount = 0 AND NOT g.attisdropped
      AND (g.atttypid IN (type_oid, array_oid) OR EXISTS (
        SELECT 1 FROM pg_depend d
        WHERE ((d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid)
               OR (d.classid = 'pg_class'::regclass AND d.objid = g.attrelid
                   AND d.objsubid = g.attnum))
          AND ((d.refclassid = 'pg_type'::regclass AND d.refobjid IN (type_oid, array_oid))
               OR (d.refclassid = 'pg_class'::regclass
                   AND (d.refobjid, d.refobjsubid) IN (SELECT attrelid, attnum FROM cols)))))
  ), touched AS (
    SELECT attrelid, attnum FROM cols UNION SELECT attrelid, attnum FROM gen
  ), views (oid, depth) AS (
    SELECT r.ev_class, 1 FROM pg_depend d
    JOIN pg_rewrite r ON d.classid = 'pg_rewrite'::regclass AND r.oid = d.objid
    WHERE r.ev_class <> d.refobjid
      AND ((d.refclassid = 'pg_type'::regclass AND d.refobjid IN (type_oid, array_oid))
           OR (d.refclassid = 'pg_class'::regclass
               AND (d.refobjid, d.refobjsubid) IN (SELECT attrelid, attnum FROM touched)))
    UNION ALL
    SELECT r.ev_class, v.depth + 1 FROM views v
    JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass AND d.refobjid = v.oid
                    AND d.classid = 'pg_rewrite'::regclass
    JOIN pg_rewrite r ON r.oid = d.objid
    WHERE r.ev_class <> v.oid AND v.depth < 100
  ), deepest AS (
    SELECT oid, max(depth) AS depth FROM views GROUP BY oid
  ), cons AS (
    SELECT DISTINCT k.oid FROM pg_constraint k
    JOIN pg_depend d ON d.classid = 'pg_constraint'::regclass AND d.objid = k.oid
    WHERE k.conrelid <> 0 AND k.coninhcount = 0
      AND ((d.refclassid = 'pg_type'::regclass AND d.refobjid IN (type_oid, array_oid))
           OR (d.refclassid = 'pg_class'::regclass
               AND (d.refobjid, d.refobjsubid) IN (SELECT attrelid, attnum FROM gen)))
  ), idx AS (
    SELECT DISTINCT i.indexrelid AS oid, i.indrelid IN (SELECT oid FROM deepest) AS on_view
    FROM pg_index i
    JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = i.indexrelid
    WHERE NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid
                      AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))
      AND NOT EXISTS (SELECT 1 FROM pg_inherits h WHERE h.inhrelid = i.indexrelid)
      AND ((d.refclassid = 'pg_type'::regclass AND d.refobjid IN (type_oid, array_oid))
           OR (d.refclassid = 'pg_class'::regclass
               AND (d.refobjid, d.refobjsubid) IN (SELECT attrelid, attnum FROM gen))
           OR (d.refclassid = 'pg_class'::regclass AND d.refobjid IN (SELECT oid FROM deepest)))
  ), pols AS (
    SELECT DISTINCT d.objid AS oid FROM pg_depend d
    WHERE d.classid = 'pg_policy'::regclass
      AND ((d.refclassid = 'pg_type'::regclass AND d.refobjid IN (type_oid, array_oid))
           OR (d.refclassid = 'pg_class'::regclass
               AND (d.refobjid, d.refobjsubid) IN (SELECT attrelid, attnum FROM touched)))
  ), trigs AS (
    SELECT DISTINCT t.oid FROM pg_trigger t
    JOIN pg_depend d ON d.classid = 'pg_trigger'::regclass AND d.objid = t.oid
    WHERE NOT t.tgisinternal
      AND NOT EXISTS (SELECT 1 FROM pg_depend p WHERE p.classid = 'pg_trigger'::regclass
                      AND p.objid = t.oid AND p.deptype IN ('P', 'S'))  -- a partition's clone
      AND ((d.refclassid = 'pg_type'::regclass AND d.refobjid IN (type_oid, array_oid))
           OR (d.refclassid = 'pg_class'::regclass
               AND (d.refobjid, d.refobjsubid) IN (SELECT attrelid, attnum FROM touched)))
  ), items AS (
    SELECT 1 AS o, 'generated column ' || tbl || '.' || quote_ident(g.attname) AS w,
           'ALTER TABLE ' || tbl || ' DROP COLUMN ' || quote_ident(g.attname) AS d,
           jsonb_build_array(
             'ALTER TABLE ' || tbl || ' ADD COLUMN ' || quote_ident(g.attname) || ' '
             || format_type(g.atttypid, g.atttypmod) || ' GENERATED ALWAYS AS ('
             || pg_get_expr(ad.adbin, ad.adrelid) || ')'
             || CASE g.attgenerated WHEN 's' THEN ' STORED' ELSE ' VIRTUAL' END
             || CASE WHEN g.attnotnull THEN ' NOT NULL' ELSE '' END,
             'COMMENT ON COLUMN ' || tbl || '.' || quote_ident(g.attname) || ' IS '
             || quote_nullable(col_description(g.attrelid, g.attnum))) AS m
    FROM gen
    JOIN pg_attribute g ON g.attrelid = gen.attrelid AND g.attnum = gen.attnum
    JOIN pg_attrdef ad ON ad.oid = gen.def
    CROSS JOIN LATERAL (SELECT gen.attrelid::regclass::text AS tbl) AS n
    UNION ALL
    SELECT 2, 'constraint ' || quote_ident(k.conname) || ' on ' || tbl,
           'ALTER TABLE ' || tbl || ' DROP CONSTRAINT IF EXISTS ' || quote_ident(k.conname),
           jsonb_build_array(
             'ALTER TABLE ' || tbl || ' ADD CONSTRAINT ' || quote_ident(k.conname) || ' '
             || pg_get_constraintdef(k.oid),
             'COMMENT ON CONSTRAINT ' || quote_ident(k.conname) || ' ON ' || tbl || ' IS '
             || quote_nullable(obj_description(k.oid, 'pg_constraint')))
    FROM cons JOIN pg_constraint k ON k.oid = cons.oid
    CROSS JOIN LATERAL (SELECT k.conrelid::regclass::text AS tbl) AS n
    UNION ALL
    SELECT CASE WHEN idx.on_view THEN 1000 ELSE 3 END, 'index ' || ix,
           'DROP INDEX IF EXISTS ' || ix,
           jsonb_build_array(
             CASE WHEN c.relkind = 'I'
                  THEN regexp_replace(pg_get_indexdef(c.oid), ' ON ONLY ', ' ON ')
                  ELSE pg_get_indexdef(c.oid) END,
             'COMMENT ON INDEX ' || ix || ' IS '
             || quote_nullable(obj_description(c.oid, 'pg_class')))
    FROM idx JOIN pg_class c ON c.oid = idx.oid
    CROSS JOIN LATERAL (SELECT c.oid::regclass::text AS ix) AS n
    UNION ALL
    SELECT 4, 'policy ' || quote_ident(p.polname) || ' on ' || tbl,
           'DROP POLICY IF EXISTS ' || quote_ident(p.polname) || ' ON ' || tbl,
           jsonb_build_array(
             'CREATE POLICY ' || quote_ident(p.polname) || ' ON ' || tbl || ' AS '
             || CASE WHEN p.polpermissive THEN 'PERMISSIVE' ELSE 'RESTRICTIVE' END || ' FOR '
             || CASE p.polcmd WHEN 'r' THEN 'SELECT' WHEN 'a' THEN 'INSERT'
                              WHEN 'w' THEN 'UPDATE' WHEN 'd' THEN 'DELETE' ELSE 'ALL' END
             || ' TO ' || (SELECT string_agg(CASE WHEN r = 0 THEN 'PUBLIC'
                                                  ELSE quote_ident(pg_get_userbyid(r)) END, ', ')
                           FROM unnest(p.polroles) AS r)
             || coalesce(' USING (' || pg_get_expr(p.polqual, p.polrelid) || ')', '')
             || coalesce(' WITH CHECK (' || pg_get_expr(p.polwithcheck, p.polrelid) || ')', ''),
             'COMMENT ON POLICY ' || quote_ident(p.polname) || ' ON ' || tbl || ' IS '
             || quote_nullable(obj_description(p.oid, 'pg_policy')))
    FROM pols JOIN pg_policy p ON p.oid = pols.oid
    CROSS JOIN LATERAL (SELECT p.polrelid::regclass::text AS tbl) AS n
    UNION ALL
    SELECT 5, 'trigger ' || quote_ident(t.tgname) || ' on ' || tbl,
           'DROP TRIGGER IF EXISTS ' || quote_ident(t.tgname) || ' ON ' || tbl,
           jsonb_build_array(
             pg_get_triggerdef(t.oid),
             'COMMENT ON TRIGGER ' || quote_ident(t.tgname) || ' ON ' || tbl || ' IS '
             || quote_nullable(obj_description(t.oid, 'pg_trigger')))
           || CASE t.tgenabled
                WHEN 'O' THEN '[]'::jsonb
                ELSE jsonb_build_array('ALTER TABLE ' || tbl || ' '
                                       || CASE t.tgenabled WHEN 'D' THEN 'DISABLE'
                                                           WHEN 'A' THEN 'ENABLE ALWAYS'
                                                           ELSE 'ENABLE REPLICA' END
                                       || ' TRIGGER ' || quote_ident(t.tgname)) END
    FROM trigs JOIN pg_trigger t ON t.oid = trigs.oid
    CROSS JOIN LATERAL (SELECT t.tgrelid::regclass::text AS tbl) AS n
    UNION ALL
    SELECT 10 + v.depth, kind || ' ' || vw, 'DROP ' || kind || ' IF EXISTS ' || vw,
           jsonb_build_array(
             'CREATE ' || kind || ' ' || vw
             || coalesce(' WITH (' || array_to_string(c.reloptions, ', ') || ')', '')
             || ' AS ' || pg_get_viewdef(c.oid),
             'COMMENT ON ' || kind || ' ' || vw || ' IS '
             || quote_nullable(obj_description(c.oid, 'pg_class')))
           || CASE WHEN c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
                   THEN '[]'::jsonb
                   ELSE jsonb_build_array('ALTER ' || kind || ' ' || vw || ' OWNER TO '
                                          || quote_ident(pg_get_userbyid(c.relowner))) END
           || coalesce((SELECT jsonb_agg('GRANT ' || g.privilege_type || ' ON ' || vw || ' TO '
                                         || CASE WHEN g.grantee = 0 THEN 'PUBLIC'
                                                 ELSE quote_ident(pg_get_userbyid(g.grantee)) END
                                         || CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION'
                                                 ELSE '' END)
                        FROM aclexplode(c.relacl) AS g WHERE g.grantee <> c.relowner),
                       '[]'::jsonb)
    FROM deepest v JOIN pg_class c ON c.oid = v.oid
    CROSS JOIN LATERAL (SELECT c.oid::regclass::text AS vw,
                               CASE c.relkind WHEN 'm' THEN 'MATERIALIZED VIEW'
                                              ELSE 'VIEW' END AS kind) AS n
  )
  SELECT coalesce(jsonb_agg(jsonb_build_object('o', o, 'w', w, 'd', d, 'm', m)), '[]')
    INTO saved FROM items;
"""

BODY = (
    """
DECLARE
  col record;
  dep record;
  held record;
  found jsonb;
  saved jsonb;
  holding text;
  made text;
  type_oid oid;
  array_oid oid;
  removed text[];
  new_type text := {new_type};
  statement text;
BEGIN
  SELECT t.oid, t.typarray INTO type_oid, array_oid FROM pg_type t WHERE {is_type};
  SELECT coalesce(array_agg(e.enumlabel ORDER BY e.enumsortorder), ARRAY[]::text[])
    INTO removed FROM pg_enum e WHERE e.enumtypid = type_oid AND e.enumlabel <> ALL ({kept});
  SELECT coalesce(jsonb_agg(jsonb_build_object(
           's', n.nspname, 't', c.relname, 'c', a.attname,
           'd', pg_get_expr(d.adbin, d.adrelid), 'a', a.atttypid = t.typarray)
         ORDER BY n.nspname, c.relname, a.attnum), '[]')
    INTO found
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid AND c.relkind IN ('r', 'p')
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_type t ON a.atttypid IN (t.oid, t.typarray)
    LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE {is_type} AND a.attnum > 0 AND NOT a.attisdropped
      AND a.attinhcount = 0 AND a.attgenerated = '';
  IF cardinality(removed) > 0 THEN
    FOR col IN SELECT * FROM jsonb_to_recordset(found) AS x(s text, t text, c text, d text, a bool)
    LOOP
      holding := NULL;
      FOR held IN EXECUTE
        'SELECT r.v, count(*) AS n FROM (SELECT '
        || CASE WHEN col.a THEN 'unnest(' || quote_ident(col.c) || ')' ELSE quote_ident(col.c) END
        || '::text AS v FROM ' || quote_ident(col.s) || '.' || quote_ident(col.t)
        || ') AS r WHERE r.v = ANY ($1) GROUP BY r.v ORDER BY r.v' USING removed
      LOOP
        holding := coalesce(holding || ', ', '') || quote_literal(held.v)
                   || ' (' || held.n || ' row(s))';
      END LOOP;
      IF holding IS NOT NULL THEN
        RAISE EXCEPTION USING ERRCODE = 'check_violation',
          MESSAGE = col.t || '.' || col.c || ' still holds ' || holding
                    || ', which the enum type ' || {label} || ' loses in this revision; '
                    || 'nothing was changed.',
          HINT = 'update those rows to one of ' || {kept_text}
                 || ' (e.g. op.batch_update in an earlier revision), then run update-db again.';
      END IF;
    END LOOP;
  END IF;
"""
    + _DEPENDENTS.strip("\n")
    + """
  FOR dep IN SELECT * FROM jsonb_to_recordset(saved) AS x(o int, w text, d text, m jsonb)
             ORDER BY o DESC
  LOOP
    EXECUTE dep.d;
  END LOOP;
  ALTER TYPE {type} RENAME TO {old_name};
  {create};
  FOR col IN SELECT * FROM jsonb_to_recordset(found) AS x(s text, t text, c text, d text, a bool)
  LOOP
    statement := 'ALTER TABLE ' || quote_ident(col.s) || '.' || quote_ident(col.t)
                 || ' ALTER COLUMN ' || quote_ident(col.c);
    IF col.d IS NOT NULL THEN
      EXECUTE statement || ' DROP DEFAULT';
    END IF;
    EXECUTE statement || ' TYPE ' || new_type || CASE WHEN col.a THEN '[]' ELSE '' END
            || ' USING ' || quote_ident(col.c) || '::text' || CASE WHEN col.a THEN '[]' ELSE '' END
            || '::' || new_type || CASE WHEN col.a THEN '[]' ELSE '' END;
    IF col.d IS NOT NULL THEN
      BEGIN
        EXECUTE statement || ' SET DEFAULT ' || col.d;
      EXCEPTION WHEN invalid_text_representation THEN
        NULL;  -- the default names a removed value
      END;
    END IF;
  END LOOP;
  FOR dep IN SELECT * FROM jsonb_to_recordset(saved) AS x(o int, w text, d text, m jsonb)
             ORDER BY o
  LOOP
    FOR made IN SELECT jsonb_array_elements_text(dep.m)
    LOOP
      BEGIN
        EXECUTE made;
      EXCEPTION WHEN invalid_text_representation THEN
        RAISE EXCEPTION USING ERRCODE = 'dependent_objects_still_exist',
          MESSAGE = 'the ' || dep.w || ' names a value the enum type ' || {label}
                    || ' loses in this revision (' || SQLERRM || '); nothing was changed.',
          HINT = 'drop or change it in an earlier revision, then run update-db again.';
      END;
    END LOOP;
  END LOOP;
  DROP TYPE {old_type};
END
"""
)
