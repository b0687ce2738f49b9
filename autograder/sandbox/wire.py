"""The child's messages on the wire: JSON, with the bulk of the numbers packed as binary.

Observations are mostly floats: trajectories (rows of one list per parameter) and flat lists of
iterates. Written as JSON text, each float costs about 19 characters and a ``repr`` in the child,
a parse in the grader. ``pack`` (child side) replaces

* a list of at least ``MIN_PACKED`` floats by ``{"\\u0000f8": <base64 of little-endian float64>}``;
* a list of rows, each row the same number of non-empty lists of floats of the same sizes
  (a trajectory), by the same with ``"\\u0000sizes": [sizes of the lists in a row]``;

and ``unpack_object`` (the grader's ``json.loads`` object hook) turns them back into the very
same lists: float64 is exact, NaN and infinities included. Anything else stays plain JSON.

The codec is ``autograder.floats``'s. The child is hostile: ``unpack_object`` checks what it is
given and raises ``ValueError`` (the grader's sign of a tampered channel) on anything that is not
exactly what ``pack`` writes; its work is linear in the size of the message.
"""

from __future__ import annotations

from autograder.floats import Codec

TAG = "\x00"  # no observation's own keys start with a NUL
MIN_PACKED = 8  # shorter lists are as cheap as JSON text
CODEC = Codec(tag=TAG, min_length=MIN_PACKED, rows=True)
FLOATS, SIZES = CODEC.key(8), CODEC.sizes_key

pack = CODEC.pack
unpack_object = CODEC.unpack_object
