"""Write a file beside its destination and move it into place only once it is complete.

Caches (converted GGUFs, ONNX exports) and outputs (prepared training data, reports) are read by
other processes and by the next run: a crash or Ctrl-C mid-write must leave the old file or none,
never half of one, and no debris.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staged_file(target: Path) -> Iterator[Path]:
    """Yield a path in `target`'s folder to write; it replaces `target` when the block succeeds.

    The writer creates the staging file (so it gets the usual permissions, not a temp file's 0600).
    If the block raises, whatever was written is removed and `target` is left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.partial"
    try:
        yield staging
        os.replace(staging, target)
    finally:
        staging.unlink(missing_ok=True)
