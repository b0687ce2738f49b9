"""The child's messages on the wire: JSON, with the bulk of the numbers packed as binary.

Observations are mostly floats: trajectories (rows of one list per parameter) and flat lists of
iterates. Written as JSON text, each float costs about 19 characters and a ``repr`` in the child,
a parse in the grader. ``pack`` (child side) replaces

* a list of at least ``MIN_PACKED`` floats by ``{"\\u0000f8": <base64 of little-endian float64>}``;
* a list of rows, each row the same number of non-empty lists of floats of the same sizes
  (a trajectory), by the same with ``"\\u0000sizes": [sizes of the lists in a row]``;

and ``unpack_object`` (the grader's ``json.loads`` object hook) turns them back into the very
same lists: float64 is exact, NaN and infinities included. Anything else stays plain JSON.

The child is hostile: ``unpack_object`` checks what it is given and raises ``ValueError`` (the
grader's sign of a tampered channel) on anything that is not exactly what ``pack`` writes; its
work is linear in the size of the message.
"""

from __future__ import annotations

import array
import base64
import binascii
import itertools
import sys

FLOATS, SIZES = "\x00f8", "\x00sizes"
MIN_PACKED = 8  # shorter lists are as cheap as JSON text


def pack(value):
    """``value`` with its lists of floats packed (see the module docstring)."""
    if isinstance(value, dict):
        return {key: pack(item) for key, item in value.items()}
    if not isinstance(value, list) or not value:
        return value
    first = value[0]
    if type(first) is float:
        if len(value) >= MIN_PACKED and set(map(type, value)) == {float}:
            return {FLOATS: _encode(value)}
    elif type(first) is list and first and type(first[0]) is list:
        sizes = list(map(len, first))
        if all(sizes) and all(type(row) is list and list(map(len, row)) == sizes for row in value):
            flat = list(itertools.chain.from_iterable(itertools.chain.from_iterable(value)))
            if len(flat) >= MIN_PACKED and set(map(type, flat)) == {float}:
                return {FLOATS: _encode(flat), SIZES: sizes}
    return [pack(item) for item in value]


def _encode(values: list[float]) -> str:
    data = array.array("d", values)
    if sys.byteorder != "little":
        data.byteswap()
    return base64.b64encode(data.tobytes()).decode("ascii")


def unpack_object(obj: dict):
    """``json.loads``'s ``object_hook``: a packed list as the list it was, other objects as is."""
    if FLOATS not in obj:
        return obj
    text, sizes = obj[FLOATS], obj.get(SIZES)
    if not set(obj) <= {FLOATS, SIZES} or not isinstance(text, str):
        raise ValueError("malformed packed floats")
    try:
        raw = base64.b64decode(text, validate=True)
    except binascii.Error as error:
        raise ValueError("malformed packed floats") from error
    if len(raw) % 8:
        raise ValueError("malformed packed floats")
    data = array.array("d", raw)
    if sys.byteorder != "little":
        data.byteswap()
    values = data.tolist()
    if SIZES not in obj:
        return values
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
