"""Lists of floats in JSON, packed: little-endian binary in base64, exact (NaN, infinities and the
sign of zero included), about 11 characters a float64 where JSON text takes about 19.

One codec, two users with their own settings (``Codec``):

* ``sandbox.wire``: the child's messages to the grader. Keys start with a NUL (``"\\u0000f8"``),
  which no observation's own keys do; a trajectory (rows of the same number of lists of the same
  sizes) becomes one packed list with ``"\\u0000sizes"``; the child is hostile, so
  ``unpack_object`` raises ``ValueError`` on anything that is not exactly what ``pack`` writes.
* ``diagnose``: the mistakes' observations in ``data/public_mistakes.json``. Every list of two
  or more floats is packed on its own, as float32 (``"f4"``) where that is exact, else float64.

``pack`` and ``unpack_object`` are linear in the size of what they are given.
"""

from __future__ import annotations

import array
import base64
import binascii
import itertools
import sys
from dataclasses import dataclass

# Bytes per float -> array type code.
TYPECODES = {4: "f", 8: "d"}


def encode(values: list[float], width: int = 8) -> str:
    """``values`` as little-endian floats of ``width`` bytes (4 or 8), in base64."""
    data = array.array(TYPECODES[width], values)
    if sys.byteorder != "little":
        data.byteswap()
    return base64.b64encode(data.tobytes()).decode("ascii")


def decode(text: object, width: int = 8) -> list[float]:
    """What ``encode`` wrote; ``ValueError`` on anything else."""
    if not isinstance(text, str):
        raise ValueError("malformed packed floats")
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error as error:
        raise ValueError("malformed packed floats") from error
    if len(raw) % width:
        raise ValueError("malformed packed floats")
    data: array.array[float] = array.array(TYPECODES[width], raw)
    if sys.byteorder != "little":
        data.byteswap()
    return data.tolist()


def _narrowest(values: list[float]) -> int:
    """4 where every value is a float32 (NaN counts as one), else 8."""
    narrowed = array.array("f", values)
    return 4 if all(a == b or a != a for a, b in zip(narrowed, values)) else 8


def _all_floats(values: list) -> bool:
    return set(map(type, values)) == {float}


@dataclass(frozen=True)
class Codec:
    """How lists of floats are packed in one kind of document.

    Attributes:
        tag: what every key of a packed list starts with.
        min_length: shorter lists stay JSON text.
        narrow: float32 where exact (key ``f4``), else float64 (``f8``); without it, float64.
        rows: a trajectory (rows of lists of floats of the same sizes) is packed whole.
    """

    tag: str = ""
    min_length: int = 8
    narrow: bool = False
    rows: bool = False

    @property
    def sizes_key(self) -> str:
        return f"{self.tag}sizes"

    def key(self, width: int) -> str:
        return f"{self.tag}f{width}"

    def pack(self, value):
        """``value`` with its lists of floats packed."""
        if isinstance(value, dict):
            return {key: self.pack(item) for key, item in value.items()}
        if not isinstance(value, list) or not value:
            return value
        first = value[0]
        if type(first) is float:
            if len(value) >= self.min_length and _all_floats(value):
                return self._packed(value)
        elif self.rows and type(first) is list and first and type(first[0]) is list:
            sizes = list(map(len, first))
            if all(sizes) and all(type(r) is list and list(map(len, r)) == sizes for r in value):
                flat = list(itertools.chain.from_iterable(itertools.chain.from_iterable(value)))
                if len(flat) >= self.min_length and _all_floats(flat):
                    return {**self._packed(flat), self.sizes_key: sizes}
        return [self.pack(item) for item in value]

    def _packed(self, values: list[float]) -> dict[str, str]:
        width = _narrowest(values) if self.narrow else 8
        return {self.key(width): encode(values, width)}

    def unpack_object(self, obj: dict):
        """``json.loads``'s ``object_hook``: a packed list as the list it was, other objects as
        they are; ``ValueError`` on a packed list that ``pack`` would not have written."""
        widths = [width for width in ((4, 8) if self.narrow else (8,)) if self.key(width) in obj]
        if not widths:
            return obj
        width = widths[0]
        allowed = {self.key(width), self.sizes_key} if self.rows else {self.key(width)}
        if not set(obj) <= allowed:
            raise ValueError("malformed packed floats")
        values = decode(obj[self.key(width)], width)
        if self.sizes_key not in obj:
            return values
        return _rows(values, obj[self.sizes_key])

    def unpack(self, value):
        """What ``pack`` packed, anywhere in ``value``, as plain lists again."""
        if isinstance(value, list):
            return [self.unpack(item) for item in value]
        if isinstance(value, dict):
            return self.unpack_object({key: self.unpack(item) for key, item in value.items()})
        return value


def _rows(values: list[float], sizes: object) -> list[list[list[float]]]:
    """A flat list cut back into rows of lists of ``sizes``."""
    if not isinstance(sizes, list) or not sizes or not all(type(n) is int and n > 0 for n in sizes):
        raise ValueError("malformed packed sizes")
    width = sum(sizes)
    if len(values) % width:
        raise ValueError("malformed packed sizes")
    rows = []
    for start in range(0, len(values), width):
        row = []
        for size in sizes:
            row.append(values[start : start + size])
            start += size
        rows.append(row)
    return rows
