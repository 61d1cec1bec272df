"""Write a file beside its destination and move it into place only once it is complete.

Caches (converted GGUFs, 4-bit model copies, ONNX exports) and outputs (prepared training data, reports) are read by
other processes and by the next run: a crash or Ctrl-C mid-write must leave the old file or none,
never half of one, and no debris. Outputs that are folders (an adapter, a merged model) are built
beside the old one and swapped in whole.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from supportbot.errors import ConfigError, SupportbotError


def check_not_the_input(output: Path, source: Path, option: str) -> None:
    """Refuse an output path that is the input file: writing it would replace what is being read."""
    if Path(output).resolve() == Path(source).resolve():
        raise ConfigError(f"{option} is the input file: choose another path")


def make_folder(folder: Path) -> None:
    """`mkdir -p`, with a file in the way reported as one line that names it rather than as a FileExistsError."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocking = next((p for p in [*reversed(folder.parents), folder] if p.exists() and not p.is_dir()), folder)
        raise SupportbotError(f"cannot write under {blocking}: it is a file, not a folder; choose another path") from None


def apply_umask(folder: Path) -> None:
    """Give the files in `folder` the mode new files get: safetensors writes its files 0600, which a bot
    running as another user could not read."""
    mask = os.umask(0)
    os.umask(mask)
    for path in Path(folder).rglob("*"):
        if path.is_file():
            path.chmod(0o666 & ~mask)


@contextmanager
def staged_file(target: Path) -> Iterator[Path]:
    """Yield a path in `target`'s folder to write; it replaces `target` when the block succeeds.

    The writer creates the staging file (so it gets the usual permissions, not a temp file's 0600).
    If the block raises, whatever was written is removed and `target` is left as it was.
    """
    target = Path(target)
    make_folder(target.parent)
    staging = _beside(target, "partial")
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
    make_folder(target.parent)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent))
    try:
        yield staging
        try:
            os.rename(staging, target)
        except OSError:  # another process put its copy there first
            pass
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _beside(target: Path, suffix: str) -> Path:
    """A hidden name next to `target`, unique to this process."""
    return target.parent / f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.{suffix}"


def staging_folder_for(target: Path) -> Path:
    """The one place beside `target` where its replacement is built, so that an interrupted build can be found and continued."""
    target = Path(target)
    return target.parent / f".{target.name}.partial"


def replace_folder(staging: Path, target: Path) -> None:
    """Put the complete folder `staging` in `target`'s place; the old `target` is deleted only once the new one is there."""
    target = Path(target)
    old = _beside(target, "old")
    if target.exists():
        os.rename(target, old)
    try:
        os.rename(staging, target)
    except BaseException:
        if old.exists():
            os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


@contextmanager
def staged_replacement(target: Path) -> Iterator[Path]:
    """Yield an empty folder beside `target` to fill; it replaces `target` only when the block succeeds.

    For outputs (a merged model): if the block raises or is interrupted, the old `target` stays as it
    was and the staging folder is removed. The folder is made with mkdir, not mkdtemp, so it gets the
    usual permissions rather than 0700.
    """
    target = Path(target)
    make_folder(target.parent)
    staging = _beside(target, "partial")
    staging.mkdir()
    try:
        yield staging
        replace_folder(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
