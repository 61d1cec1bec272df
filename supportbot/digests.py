"""Content hashes of files, read in blocks: model files are gigabytes, and an index holds thousands of pages."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_sha256(path: Path) -> str:
    """The file's SHA-256 in hex; OSError where it cannot be read (no permission, gone since it was found)."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()
