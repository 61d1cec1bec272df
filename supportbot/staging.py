"""Write a file beside its destination and move it into place only once it is complete.

Caches (converted GGUFs, ONNX exports) and outputs (prepared training data, reports) are read by
other processes and by the next run: a crash or Ctrl-C mid-write must leave the old file or none,
never half of one, and no debris.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staged_file(target: Path) -> Iterator[Path]:
    """Yield a path in `target`'s folder to write; it replaces `target` when the block succeeds.

    The staging file exists (empty) when the block starts. If the block raises, it is removed and
    `target` is left as it was.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(handle)
    staging = Path(name)
    try:
        yield staging
        os.replace(staging, target)
    finally:
        staging.unlink(missing_ok=True)
