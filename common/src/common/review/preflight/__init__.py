"""The data pre-flight: rows of the target that would make ``update-db`` fail midway.

A new UNIQUE, CHECK, foreign key or NOT NULL, a shorter VARCHAR, a cast or a removed enum
value is fine on an empty table and fails on the first bad row of a full one, in the
middle of the deploy. ``changes`` reads those steps from the op objects the review
captured, ``predicates`` builds the "this row breaks it" condition for each as SQLAlchemy
expressions, and ``run`` counts the rows on the target, read only and time-boxed
(``bounds``): the row tests of a table in one read (``scan``), orphans (``orphans``) and
duplicates (``unique``) apart, with what it needs of the catalog read once (``catalog``).
"""
