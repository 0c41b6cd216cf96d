"""Checksums of revision files, recorded when applied and compared by the review.

The checksum is the SHA-256 of the file's bytes with line endings normalized, so a
checkout on Windows (CRLF) does not look like an edit.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def revision_checksum(path: str | Path) -> str:
    data = Path(path).read_bytes().replace(b"\r\n", b"\n")
    return hashlib.sha256(data).hexdigest()
