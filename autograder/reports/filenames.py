"""The names of a student's output files: safe, bounded, and the same wherever they are made.

A student id is a file or folder name, so it can be anything a filesystem allows: 255 bytes
long, unicode in either normal form, starting with a dash or a dot, differing from another id
only in case, or a name an output already uses (``index``, ``grades``). Every output file of a
student (``<stem>.json``, ``<stem>.md``, ``<stem>.html``) is named after its *stem*:

- an id that is safe everywhere is its own stem (``alice`` → ``alice.json``, as the contract
  writes it): lower-case ASCII letters, digits, ``_``, ``.`` and ``-``, starting with a letter,
  digit or ``_``, not ending with ``.``, at most ``PLAIN_BYTES`` bytes, not a reserved name;
- any other id keeps a readable part (its safe characters, unicode letters included, at most
  ``READABLE_BYTES`` bytes) followed by ``~`` and ``HASH_CHARS`` hex digits of the SHA-256 of
  the whole id (``Ünïcode Name`` → ``Ünïcode_Name~1c5e0b3a9d27``).

Plain stems never contain ``~`` and are lower case, so no two ids share a stem on a case- or
normalisation-insensitive filesystem (barring a 48-bit hash collision). The stem depends on the
id alone, never on the other students: a shard of the class names files as the whole class does.
The longest stem leaves room for a suffix and ``files.write_atomic``'s temporary name within
the 255 bytes a file name may have.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

PLAIN_BYTES = 100
READABLE_BYTES = 80
HASH_CHARS = 12

_PLAIN = re.compile(r"[a-z0-9_][a-z0-9_.-]*")
# Names the gradebook's own files use, and names Windows refuses whatever their suffix.
RESERVED = frozenset(
    {"index", "grades", "mistakes", "results", "shard", "con", "prn", "aux", "nul"}
    | {f"com{n}" for n in range(10)}
    | {f"lpt{n}" for n in range(10)}
)
_UNSAFE = re.compile(r"[^\w.-]+")


def readable_id(name: str) -> str:
    """A student id from a file or folder name as Python decodes it: bytes that are not UTF-8
    (surrogate escapes) are written ``\\xNN``, so the id can be printed and stored as text."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def is_plain(student: str) -> bool:
    """Whether ``student`` is safe as a file name everywhere, as it is."""
    return (
        _PLAIN.fullmatch(student) is not None
        and not student.endswith(".")
        and len(student.encode()) <= PLAIN_BYTES
        and student.split(".")[0] not in RESERVED
    )


def stem(student: str) -> str:
    """The stem of ``student``'s output files (see the module docstring)."""
    if is_plain(student):
        return student
    raw = student.encode("utf-8", "surrogatepass")
    digest = hashlib.sha256(raw).hexdigest()[:HASH_CHARS]
    readable = _UNSAFE.sub("_", unicodedata.normalize("NFC", readable_id(student)))
    readable = readable.lstrip("._-").rstrip(".")
    readable = readable.encode()[:READABLE_BYTES].decode("utf-8", "ignore")
    return f"{readable}~{digest}" if readable else digest


def files(student: str) -> dict[str, str]:
    """The names of ``student``'s output files, by format."""
    name = stem(student)
    return {suffix: f"{name}.{suffix}" for suffix in ("json", "md", "html")}
