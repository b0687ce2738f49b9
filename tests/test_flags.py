"""Are the grader's escape hatches flagged for the instructor, and nothing else?"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograder.reports.flags import HATCHES, escape_hatches

ROOT = Path(__file__).resolve().parents[1]

# One line of student code per row of the table, that the row must flag.
USES = {
    "frame introspection": "frame = sys._getframe(1).f_back",
    "garbage-collector walk": "objs = gc.get_objects()",
    "sys.modules edits": "sys.modules['autograder.verdict.engine'].run_test = f",
    "torch's dispatcher": "torch.ops.aten._fused_adam_.tensor_lr(...)",
    "torch.optim internals": "torch.optim._functional.adam(...)",
    "ctypes": "import ctypes",
    "import machinery": "importlib.reload(torch.optim.adam)",
    "function internals": "kernel = wrapper.__closure__[0].cell_contents",
    "the grader's modules": "from autograder.checks import optimizers",
    "raw descriptors or processes": "os.write(5, data)",
}


def test_every_row_has_a_use():
    """Does every escape hatch of the table have a line here that uses it?"""
    assert set(USES) == {hatch.name for hatch in HATCHES}


@pytest.mark.parametrize("name", sorted(USES))
def test_each_escape_hatch_is_flagged(name):
    """Is a line that uses this escape hatch flagged under its name, with its line number?"""
    flags = escape_hatches(f"x = 1\n{USES[name]}\n")
    assert any(flag.startswith(f"{name} (line 2:") for flag in flags), flags


@pytest.mark.parametrize(
    "path",
    [
        "assignments/optimisation/optimisation.ipynb",
        "solutions/optimisation/optimisation.ipynb",
        *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "examples" / "submissions").glob("*.py")),
    ],
)
def test_honest_work_is_not_flagged(path):
    """Are the release notebook, the solution and the honest example submissions unflagged
    (the notebook's own imports of autograder.notebook, sketch and surfaces included)?"""
    text = (ROOT / path).read_text()
    if "mallory" in path:
        pytest.skip("mallory is the hostile example")
    assert escape_hatches(text) == []


@pytest.mark.parametrize("hatch", HATCHES, ids=lambda hatch: hatch.name)
def test_every_match_holds_a_needle(hatch):
    """Does every string the row's pattern matches contain one of its needles (so that skipping
    the pattern where no needle occurs never misses a flag)?"""
    pattern = re.compile(hatch.pattern)

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.from_regex(pattern))
    def holds(text):
        match = pattern.search(text)
        assert match is not None
        assert any(needle in match.group(0) for needle in hatch.needles), match.group(0)

    holds()


@pytest.mark.parametrize(
    "line, flagged",
    [
        ("from autograder import checks", True),
        ("from autograder import (checks)", True),
        ("from autograder import notebook", False),
        ("from autograder.notebook import check", False),
    ],
)
def test_the_grader_imported_by_name_is_flagged(line, flagged):
    """Is importing a grader module by name (``from autograder import checks``) flagged like
    ``autograder.checks``, and the notebook's own imports still not?"""
    found = [flag for flag in escape_hatches(line) if flag.startswith("the grader's modules")]
    assert bool(found) == flagged, found
