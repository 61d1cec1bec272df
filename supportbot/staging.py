"""Write a file beside its destination and move it into place only once it is complete.

Caches (converted GGUFs, 4-bit model copies, ONNX exports) and outputs (prepared training data, reports) are read by
other processes and by the next run: a crash or Ctrl-C mid-write must leave the old file or none,
never half of one, and no debris.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
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


@contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """Yield an empty folder beside `target` to fill; it becomes `target` when the block succeeds.

    For caches that several processes may fill at once: when `target` appeared meanwhile (another
    process finished first), it is kept and this copy is dropped. On an error nothing is left behind.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    try:
        yield staging
        try:
            os.rename(staging, target)
        except OSError:  # another process put its copy there first
            pass
    finally:
        shutil.rmtree(staging, ignore_errors=True)
