"""Read a GGUF file's header (architecture, context length, file type) without loading the model."""

from __future__ import annotations

from pathlib import Path

from supportbot.errors import ModelLoadError
from supportbot.model_sources import check_gguf_magic

_GGUF_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
_GGUF_STRING, _GGUF_ARRAY = 8, 9


def gguf_metadata(path: Path) -> dict[str, object]:
    """The GGUF header's scalar and string values (arrays skipped), plus `architecture` and `context_length`.

    A small reader of our own: gguf.GGUFReader parses every tensor and vocabulary entry into Python
    objects, which takes tens of seconds on a loaded machine; this reads the header in milliseconds.
    """
    import mmap
    import struct

    check_gguf_magic(path)
    with path.open("rb") as handle:
        data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    position = 4

    def read(fmt: str):
        nonlocal position
        value = struct.unpack_from(fmt, data, position)[0]
        position += struct.calcsize(fmt)
        return value

    def read_string() -> str:
        nonlocal position
        length = read("<Q")
        position += length
        return data[position - length : position].decode("utf-8", errors="replace")

    def read_value(kind: int):
        nonlocal position
        if kind in _GGUF_SCALARS:
            return read(_GGUF_SCALARS[kind])
        if kind == _GGUF_STRING:
            return read_string()
        if kind == _GGUF_ARRAY:  # skipped, not decoded: vocabularies have tens of thousands of items
            item_kind, count = read("<I"), read("<Q")
            if item_kind in _GGUF_SCALARS:
                position += count * struct.calcsize(_GGUF_SCALARS[item_kind])
            elif item_kind == _GGUF_STRING:
                for _ in range(count):
                    position += 8 + struct.unpack_from("<Q", data, position)[0]
            else:
                for _ in range(count):
                    read_value(item_kind)
            return None
        raise ModelLoadError(f"{path}: unknown GGUF value type {kind}: is the file corrupt?")

    values: dict[str, object] = {}
    try:
        read("<I")  # version
        read("<Q")  # tensor count
        for _ in range(read("<Q")):
            key = read_string()
            value = read_value(read("<I"))
            if value is not None:
                values[key] = value
    except struct.error:
        raise ModelLoadError(f"{path} is truncated (its GGUF header ends early): download or convert it again") from None
    finally:
        data.close()
    architecture = values.get("general.architecture") or "unknown"
    return values | {"architecture": architecture, "context_length": values.get(f"{architecture}.context_length")}
