"""Writing files: atomically (a reader sees the old file or the new one, never half of one), and
zips that are the same bytes whenever their entries are.

Every file the package writes for others to read goes through here: the batch grader's
``<student>.json``, reports and gradebook (``report``, ``gradebook``, ``classview``, ``shard``),
Gradescope's ``results.json``, and the two zips (``release``'s student bundle, ``gradescope``'s
autograder).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# 1980-01-01, the earliest time a zip can hold: the same entries give the same bytes.
EPOCH = (1980, 1, 1, 0, 0, 0)


@contextlib.contextmanager
def replacing(path: Path, mode: int = 0o600) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; it replaces ``path`` (with permissions
    ``mode``: by default its owner's alone, as grades are) when the block ends without an
    exception, and is removed when one is raised."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_atomic(path: Path, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` atomically; return ``path``."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with replacing(path) as temporary:
        temporary.write_bytes(raw)
    return Path(path)


@dataclass(frozen=True)
class Entry:
    """One file of a zip: its path inside the zip, its bytes, whether it may be executed."""

    name: str
    data: bytes
    executable: bool = False


def write_zip(path: Path, entries: list[Entry]) -> Path:
    """A deterministic zip, written atomically and readable by all (it is handed out): entries in
    the given order, a fixed time, Unix permissions (``rwxr-xr-x`` for executables, ``rw-r--r--``
    otherwise)."""
    with (
        replacing(path, mode=0o644) as temporary,
        zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
    ):
        for entry in entries:
            info = zipfile.ZipInfo(entry.name, date_time=EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = (0o100755 if entry.executable else 0o100644) << 16
            info.create_system = 3  # Unix, so the permissions above are read on every platform
            archive.writestr(info, entry.data)
    return Path(path)
