"""Check your answers on the public cases: run ``pytest`` in this folder.

There is one test per exercise, named like the exercise (``pytest -k adam`` checks Adam only).
It reads your answer cells from ``optimisation.ipynb`` in this folder without running the other
cells, or the file given by ``pytest --submission=my_answers.py`` (or ``$AUTOGRADER_SUBMISSION``).
A failure says what went wrong. Passing here is a good sign, not a grade: hidden cases grade.
An answer cell that raises when it runs (so that Restart & Run All would stop there) is named in
a warning at the end.
"""

import os
import warnings
from pathlib import Path

import pytest

from autograder.spec import TEST_NAMES

HERE = Path(__file__).resolve().parent
NOTEBOOK = HERE / "optimisation.ipynb"


@pytest.fixture(scope="session")
def selfcheck(request):
    """The selected exercises, checked once, on the first test that asks."""
    from autograder import selfcheck

    names = [item.callspec.params["name"] for item in request.session.items]
    check = selfcheck.run(_submission(request.config), names)
    for stop in check.stops:
        warnings.warn(stop.warning(), UserWarning, stacklevel=1)
    return check


@pytest.mark.parametrize("name", TEST_NAMES)
def test_exercise(name, selfcheck):
    if not selfcheck.ok(name):
        pytest.fail(selfcheck.feedback(name), pytrace=False)


def _submission(config) -> Path:
    given = config.getoption("submission", None) or os.environ.get("AUTOGRADER_SUBMISSION")
    path = Path(given) if given else NOTEBOOK
    if not path.is_file():
        raise pytest.UsageError(f"No file to check: {path} does not exist.")
    return path
