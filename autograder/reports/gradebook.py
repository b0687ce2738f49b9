r"""What an instructor reads after a batch: the gradebook CSV and a summary table.

``grades.csv`` follows the contract (section 3): ``student,score,max_score`` then one column per
test name, in the order of ``spec.TESTS``; after them, ``report``: the student's HTML report,
whose stem also names their JSON and Markdown (``reports.filenames``). The summary gives, per
test, the mean score and the pass rate (the share of students at full marks), then the
distribution of total scores:

.. math::
    \bar s_j = \frac{1}{n}\sum_{i=1}^{n} s_{ij}, \qquad
    \text{pass}_j = \frac{1}{n}\,\#\{i : s_{ij} = m_j\}
"""

from __future__ import annotations

import csv
import io
import itertools
import statistics
from collections.abc import Sequence
from pathlib import Path

from autograder.files import write_atomic
from autograder.reports.filenames import files
from autograder.reports.report import safe_text, score_text
from autograder.reports.result import SubmissionResult
from autograder.spec import MAX_SCORE, TEST_NAMES

# The contract's columns, then the report's file and the escape hatches the source uses (``flags``:
# for the instructor to read, never part of a score).
HEADER: tuple[str, ...] = ("student", "score", "max_score", *TEST_NAMES, "report", "flags")

# Spreadsheets run a cell that starts with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Bins of the score distribution, as fractions of the maximum score.
BINS: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


def _cell(student: str) -> str:
    """A student id safe to open in a spreadsheet: a leading formula character is quoted."""
    student = safe_text(student)
    return "'" + student if student.startswith(_FORMULA_START) else student


def gradebook_rows(results: Sequence[SubmissionResult]) -> list[list[str]]:
    """The CSV rows, header first, one row per student sorted by student id."""
    rows = [list(HEADER)]
    for result in sorted(results, key=lambda result: result.student):
        by_name = {test.name: test.score for test in result.tests}
        rows.append(
            [
                _cell(result.student),
                score_text(result.score),
                score_text(result.max_score),
                *(score_text(by_name[name]) for name in TEST_NAMES),
                files(result.student)["html"],
                _cell("; ".join(result.flags)),
            ]
        )
    return rows


def gradebook_csv(results: Sequence[SubmissionResult]) -> str:
    """``grades.csv`` as text."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(gradebook_rows(results))
    return buffer.getvalue()


def write_gradebook(results: Sequence[SubmissionResult], path: Path) -> Path:
    """Write ``grades.csv`` atomically."""
    return write_atomic(Path(path), gradebook_csv(results))


def test_stats(results: Sequence[SubmissionResult]) -> list[dict]:
    """Per test, in spec order: ``name``, ``max_score``, ``mean`` and ``pass_rate``."""
    stats = []
    for name in TEST_NAMES:
        tests = [result.test(name) for result in results]
        stats.append(
            {
                "name": name,
                "max_score": tests[0].max_score if tests else 0.0,
                "mean": statistics.fmean(test.score for test in tests) if tests else 0.0,
                "pass_rate": sum(test.passed for test in tests) / len(tests) if tests else 0.0,
            }
        )
    return stats


def distribution(results: Sequence[SubmissionResult]) -> list[tuple[str, int]]:
    """How many total scores fall in each bin of ``BINS`` (the last bin is full marks only)."""
    edges = [edge * MAX_SCORE for edge in BINS]
    labels = [
        f"{score_text(low)}-<{score_text(high)}" for low, high in itertools.pairwise(edges)
    ] + [f"{score_text(MAX_SCORE)}"]
    counts = [0] * len(labels)
    for result in results:
        if result.score >= MAX_SCORE:
            counts[-1] += 1
            continue
        counts[sum(result.score >= edge for edge in edges[1:-1])] += 1
    return list(zip(labels, counts))


def summary(results: Sequence[SubmissionResult], *, width: int = 30) -> str:
    """The table printed at the end of a batch: per test, then the distribution of totals."""
    if not results:
        return "No submissions graded."
    lines = [f"{'test':<18}{'mean':>8}{'max':>6}{'passed':>9}"]
    for row in test_stats(results):
        lines.append(
            f"{row['name']:<18}{row['mean']:>8.2f}{score_text(row['max_score']):>6}"
            f"{row['pass_rate']:>9.0%}"
        )
    scores = [result.score for result in results]
    lines += [
        "",
        f"{len(results)} students: mean {statistics.fmean(scores):.2f}, "
        f"median {score_text(statistics.median(scores))}, min {score_text(min(scores))}, "
        f"max {score_text(max(scores))} (of {score_text(MAX_SCORE)})",
    ]
    bins = distribution(results)
    most = max(count for _, count in bins) or 1
    label_width = max(len(label) for label, _ in bins)
    for label, count in bins:
        bar = "#" * round(width * count / most)
        lines.append(f"  {label:>{label_width}} | {bar} {count}")
    return "\n".join(lines)
