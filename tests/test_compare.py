"""Does the fast path of the update comparison (every parameter at once) agree with the general
one (a parameter at a time), on random and uneven trajectories?"""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograder.verdict import compare

SHAPES = st.lists(
    st.sampled_from([(), (1,), (3,), (2, 2), (2, 3), (4, 1)]), min_size=1, max_size=4
).map(tuple)


def _trajectory(rng: random.Random, shapes, steps: int) -> list[list[list[float]]]:
    rows, current = [], [[rng.gauss(0, 1) for _ in range(math.prod(s))] for s in shapes]
    for _ in range(steps + 1):
        rows.append([list(values) for values in current])
        current = [[v - 0.1 * rng.gauss(0, 1) for v in values] for values in current]
    return rows


def _perturbed(rng: random.Random, rows, size: float) -> list[list[list[float]]]:
    out = [[list(values) for values in row] for row in rows]
    for _ in range(rng.randint(0, 3)):
        t = rng.randrange(1, len(out))
        p = rng.randrange(len(out[t]))
        if out[t][p]:
            i = rng.randrange(len(out[t][p]))
            out[t][p][i] += rng.choice([size, -size, float("nan")])
    return out


def _general(*args):
    """The per-parameter path, as taken when the joint one does not apply."""

    def uneven(*_args, **_kwargs):
        raise compare._Uneven

    joint, compare._joint_mismatch = compare._joint_mismatch, uneven
    try:
        return compare.first_update_mismatch(*args)
    finally:
        compare._joint_mismatch = joint


@settings(max_examples=150, deadline=None)
@given(
    shapes=SHAPES,
    steps=st.integers(1, 8),
    seed=st.integers(0, 2**32),
    size=st.sampled_from([1e-15, 1e-9, 1e-3, 1.0]),
    dtype=st.sampled_from(["float32", "float64"]),
)
def test_fast_path_agrees_with_the_general_one(shapes, steps, seed, size, dtype):
    """Do both paths find the same first mismatch (or none), perturbations of every size and NaN
    included?"""
    rng = random.Random(seed)
    want = _trajectory(rng, shapes, steps)
    got = _perturbed(rng, want, size)
    fast = compare.first_update_mismatch(got, want, dtype, shapes)
    assert repr(fast) == repr(_general(got, want, dtype, shapes))  # repr: NaN equals NaN


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_uneven_trajectories_take_the_general_path(dtype):
    """Does a row with a parameter of another size still get compared (the other parameters),
    and does an identical trajectory have no mismatch?"""
    rng = random.Random(7)
    shapes = ((3,), (2,))
    want = _trajectory(rng, shapes, 4)
    assert compare.first_update_mismatch(want, want, dtype, shapes) is None
    got = [[list(row[0]), list(row[1])] for row in want]
    got[2][1] = got[2][1] + [0.0]  # the second parameter grows: not one matrix
    got[3][0][1] += 1.0
    mismatch = compare.first_update_mismatch(got, want, dtype, shapes)
    assert mismatch is not None and mismatch.param == 0 and mismatch.step == 3
