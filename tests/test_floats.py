"""The one codec of lists of floats in JSON (``autograder.floats``), as the public data uses it."""

from __future__ import annotations

import json
import math

import pytest

from autograder import floats
from autograder.verdict.diagnose import STORAGE

NAN, INF = float("nan"), float("inf")


def _same(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(
        (math.isnan(x) and math.isnan(y)) or (x == y and math.copysign(1, x) == math.copysign(1, y))
        for x, y in zip(a, b)
    )


@pytest.mark.parametrize(
    ("values", "key"),
    [
        ([0.5, -0.0, NAN, INF, -INF], "f4"),  # every one a float32
        ([0.1, 0.5], "f8"),  # 0.1 is not
        ([1e300, 1.0], "f8"),  # beyond float32's range
        ([1e-320, 1.0], "f8"),  # a float64 subnormal
    ],
)
def test_storage_is_float32_only_where_exact(values, key):
    """Is a list stored as float32 exactly when every value is one, and read back the same?"""
    packed = STORAGE.pack({"values": values})
    assert set(packed["values"]) == {key}
    text = json.dumps(packed)
    assert _same(STORAGE.unpack(json.loads(text))["values"], values)


def test_short_lists_and_other_values_stay_text():
    """Do a single float, ints, strings and mixed lists stay as JSON wrote them?"""
    value = {"one": [1.5], "ints": [1, 2, 3], "mixed": [1.0, 2], "words": ["a", "b"], "n": 3}
    assert STORAGE.pack(value) == value
    assert STORAGE.unpack(value) == value


@pytest.mark.parametrize("text", ["AAAA", "not base64!", 12])
def test_malformed_text_is_refused(text):
    """Does decoding refuse what ``encode`` cannot have written?"""
    with pytest.raises(ValueError):
        floats.decode(text, 8)
