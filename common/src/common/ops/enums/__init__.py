"""The PostgreSQL enum type ops, one module each; ``_ddl`` is what they share."""

from __future__ import annotations

from common.ops.enums.add_enum_value import AddEnumValueOp
from common.ops.enums.create_enum_type import CreateEnumTypeOp
from common.ops.enums.drop_enum_type import DropEnumTypeOp
from common.ops.enums.rename_enum_value import RenameEnumValueOp
from common.ops.enums.swap_enum_type import SwapEnumTypeOp

__all__ = [
    "AddEnumValueOp",
    "CreateEnumTypeOp",
    "DropEnumTypeOp",
    "RenameEnumValueOp",
    "SwapEnumTypeOp",
]
