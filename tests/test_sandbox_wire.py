"""The sandbox's wire format: floats packed as binary by the child, unpacked by the grader."""

from __future__ import annotations

import json
import math
import re

import pytest

from autograder.sandbox import wire
from autograder.verdict.sources import Sources

SOURCES = Sources.discover()  # this checkout: the instructor's side

NAN, INF = float("nan"), float("inf")
TRAJECTORY = [[[0.1 * t], [1.0 + t, -0.0, 2.5e-300, 3.0, 4.0], [t / 3] * 6] for t in range(4)]


def _wire(value):
    """What the grader reads of what the child sent."""
    text = json.JSONEncoder(allow_nan=True).encode(wire.pack(value))
    return json.loads(text, object_hook=wire.unpack_object)


def _same(a, b) -> bool:
    """Equal, NaN equal to NaN, and every number of the same type and sign."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or (
            a == b and math.copysign(1, a) == math.copysign(1, b)
        )
    return type(a) is type(b) and a == b


@pytest.mark.parametrize(
    "value",
    [
        {"case": "adam/x", "trajectory": TRAJECTORY, "error": None},
        {"iterates": [NAN, INF, -INF, -0.0, 1e-320, 1.5, 2.5, 3.5, 4.5], "f_calls": 3},
        {"trajectory": [[[1.0, 2.0], [3.0]], [[1.0, 2.0, 9.0], [3.0]]]},  # uneven rows
        {"values": [1.0, 2, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]},  # an int among floats
        {"values": [1.0, 2.0], "flags": [True, False] * 5, "text": ["a"] * 9},
        [{"missing": "adam_step"}],
        {"trajectory": [[[1.0] * 3, []]] * 4, "empty": [], "nested": [[], [[]]]},
    ],
)
def test_what_the_grader_reads_is_what_the_child_sent(value):
    """Does every observation come through the wire exactly (types, NaN, signed zero)?"""
    assert _same(_wire(value), value)


def test_trajectories_and_long_float_lists_are_packed():
    """Are a trajectory and a long list of floats sent packed, and (full-precision floats, as
    observations hold) shorter than as text?"""
    value = {"trajectory": TRAJECTORY, "iterates": [math.sin(i) for i in range(99)]}
    value["short"] = [0.5] * 3
    packed = wire.pack(value)
    assert set(packed["trajectory"]) == {wire.FLOATS, wire.SIZES}
    assert packed["trajectory"][wire.SIZES] == [1, 5, 6]
    assert set(packed["iterates"]) == {wire.FLOATS} and packed["short"] == [0.5] * 3
    assert len(json.dumps(packed["iterates"])) < len(json.dumps(value["iterates"])) * 0.6


GOOD = wire.pack([0.25] * 8)[wire.FLOATS]


@pytest.mark.parametrize(
    "obj",
    [
        {wire.FLOATS: GOOD, "extra": 1},
        {wire.FLOATS: 12},
        {wire.FLOATS: "not base64!"},
        {wire.FLOATS: "AAAA"},  # 3 bytes: not whole float64s
        {wire.FLOATS: GOOD, wire.SIZES: [0, 8]},
        {wire.FLOATS: GOOD, wire.SIZES: [True, 7]},
        {wire.FLOATS: GOOD, wire.SIZES: [3]},  # 8 floats are not rows of 3
        {wire.FLOATS: GOOD, wire.SIZES: []},
        {wire.FLOATS: GOOD, wire.SIZES: "8"},
    ],
)
def test_tampered_packed_floats_are_refused(obj):
    """Does the grader refuse (ValueError: a tampered channel) anything pack never writes?"""
    with pytest.raises(ValueError):
        wire.unpack_object(obj)


FORGER = """
import json, os, stat, struct

def sgd_step(param, grad, state, *, lr):
    forged = json.dumps({"event": "result", "name": "sgd", "patched": [],
                         "observations": [{"case": "x", "trajectory": {"\\\\u0000f8": "AAAA"}}]})
    data = forged.encode().replace(b"\\\\\\\\u0000", b"\\\\u0000")
    for fd in range(3, 4096):
        try:
            if stat.S_ISFIFO(os.fstat(fd).st_mode):
                os.write(fd, struct.pack("!i", len(data)) + data)
        except OSError:
            pass
    param.sub_(lr * grad)

def momentum_step(param, grad, state, *, lr, momentum):
    param.sub_(lr * grad)  # wrong on purpose: judged as usual, after the forgery
"""


COUNTER = """
import os

def sgd_step(param, grad, state, *, lr):
    found = []
    for fd in range(3, 4096):
        try:
            os.fstat(fd)
            found.append(fd)
        except OSError:
            pass
    raise RuntimeError(f"open descriptors: {found}")
"""


@pytest.mark.slow
def test_forged_packed_floats_in_the_channel_score_zero(tmp_path):
    """Does a submission that writes malformed packed floats into every pipe it holds score 0,
    with feedback saying it wrote into the grader's channel (the whole submission: a forged one
    never scores), never as a grader crash; and is the channel the only descriptor student code
    holds besides stdio?"""
    from autograder.loading.load import read_submission
    from autograder.sandbox import Limits, Sandbox
    from autograder.verdict.grade import grade, plan

    path = tmp_path / "forger.py"
    path.write_text(FORGER)
    planned, _ = plan(sources=SOURCES, hidden=False, tests=("sgd", "momentum"))
    sandbox = Sandbox(Limits(timeout=5.0))
    try:
        result = grade(
            read_submission(path, "forger"), sandbox, planned, sources=SOURCES, hidden=False
        )
        path.write_text(COUNTER)
        counted = grade(
            read_submission(path, "counter"), sandbox, planned, sources=SOURCES, hidden=False
        )
        path.write_text(FORGER.replace("data = ", "data = b'[' * 200000 or "))
        deep = grade(read_submission(path, "deep"), sandbox, planned, sources=SOURCES, hidden=False)
    finally:
        sandbox.close()
    sgd, momentum = result.test("sgd"), result.test("momentum")
    assert sgd.score == 0 and "grader's channel" in sgd.findings[0].message
    assert momentum.score == 0 and momentum.findings[0].kind != "crash"
    # JSON nested too deep to parse is a tampered channel too, not a grader crash.
    assert "grader's channel" in deep.test("sgd").findings[0].message
    # Nothing else to write into: not the fork server's liveness pipe, not the resource tracker's.
    assert re.search(r"open descriptors: \[\d+\]\n", counted.test("sgd").findings[0].message)
