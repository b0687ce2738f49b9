"""Is every wrong implementation of the feedback corpus failed, never named wrongly, and named
where the catalogue knows its mistake (``tests/feedback_corpus.py``)?"""

from __future__ import annotations

import pytest

from autograder.spec import TESTS
from tests.feedback_corpus import ROWS
from tests.helpers_engine import grade

TEST_OF = {test.answer: test.name for test in TESTS}


@pytest.mark.parametrize(
    ("answer", "family", "expected", "source"),
    ROWS,
    ids=[f"{r[1]} #{i}" for i, r in enumerate(ROWS)],
)
def test_wrong_row_is_failed_and_named_rightly(answer, family, expected, source):
    """Does this wrong implementation score 0, with exactly its mistake named (or none, when the
    catalogue does not know it)?"""
    result = grade("import math\nimport numpy as np\n" + source, TEST_OF[answer])
    assert result.score == 0, result.feedback
    named = [f.details["mistake"] for f in result.findings if f.kind == "mistake"]
    assert named == ([expected] if expected else []), result.feedback
