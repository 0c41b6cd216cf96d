"""Operations on database objects beyond tables: one module per object kind (extension,
view, materialized_view, function, trigger, policy), each holding that kind's create,
replace and drop ops, which reverse into each other. Statements are built from one
construct (``ddl.ObjectDDL``), the same online and offline.
"""

from __future__ import annotations

from common.ops.objects import extension, function, materialized_view, policy, trigger, view

__all__ = ["extension", "function", "materialized_view", "policy", "trigger", "view"]
