"""Reports: text, Markdown and HTML per student, the gradebook CSV and the batch summary.

Golden files live in ``tests/goldens/``; refresh them after an intended change with
``UPDATE_GOLDENS=1 pytest tests/test_report.py`` and review the diff.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from collections import namedtuple
from html.parser import HTMLParser
from pathlib import Path

import pytest

from autograder.reports import gradebook, report
from autograder.reports.result import Finding, SubmissionResult, TestResult
from autograder.spec import BY_NAME, MAX_SCORE, TEST_NAMES
from autograder.verdict import judges
from autograder.verdict.cases import public_cases, public_ids
from autograder.verdict.sources import Sources

SOURCES = Sources.discover()  # this checkout: the instructor's side
HiddenCase = namedtuple("HiddenCase", "id")


GOLDENS = Path(__file__).parent / "goldens"
UPDATE = os.environ.get("UPDATE_GOLDENS") == "1"

HOSTILE = (
    "<script>alert('x')</script> \"><img src=x onerror=alert(1)> [link](javascript:alert(1)) "
    "```\n# heading\n``` \x1b[2J\x1b[31mred\x07 | pipe & amp;"
)
UNICODE = "θ ← θ − lr·m̂ / (√v̂ + ε), β₁ = 0.9; 学生 🚀"


def _full() -> SubmissionResult:
    return SubmissionResult("ada", [TestResult.full(name) for name in TEST_NAMES])


def _zero() -> SubmissionResult:
    missing = Finding("missing", "`adam_step` is not defined.")
    return SubmissionResult("zed", [TestResult.zero("adam", missing)])


def _partial() -> SubmissionResult:
    tests = [TestResult.full(name) for name in ("sgd", "momentum", "gradient_descent")]
    tests.append(
        TestResult("flashcards", 1.25, 2.0, [Finding("wrong", "Cards c3, c9 are matched wrongly.")])
    )
    tests.append(
        TestResult.zero(
            "adam",
            Finding(
                "mismatch",
                "Case 'adam/x': At step 1, parameter 0: expected update -0.001, got -0.0001.",
                None,
                {"step": 1, "mistake": "Adam without bias correction"},
            ),
            Finding(
                "mistake",
                "Your `adam_step` behaves like Adam without bias correction. Divide m and v by "
                "(1 - beta**t).",
                None,
                {"mistake": "adam_no_bias_correction", "title": "Adam without bias correction"},
            ),
        )
    )
    return SubmissionResult("pat", tests)


def _hostile() -> SubmissionResult:
    error = Finding("error", f"`adam_step` raised ValueError: {HOSTILE}", None, {"step": 2})
    return SubmissionResult(f"=evil<b>{HOSTILE[:20]}", [TestResult.zero("adam", error)])


def _unicode() -> SubmissionResult:
    return SubmissionResult("zoë", [TestResult.zero("adam", Finding("mismatch", UNICODE))])


RESULTS = {
    "full": _full,
    "zero": _zero,
    "partial": _partial,
    "hostile": _hostile,
    "unicode": _unicode,
}


class _Page(HTMLParser):
    """Every tag, attribute and visible text of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []
        self.in_style = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += attrs
        self.in_style = tag == "style"

    def handle_endtag(self, tag):
        self.in_style = False

    def handle_data(self, data):
        if not self.in_style:
            self.text.append(data)


def _parse(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "strong", "table", "tr",
    "th", "td", "a", "section", "span", "pre", "figure", "img", "figcaption", "code", "dl", "div",
    "dt", "dd",
}  # fmt: skip


@pytest.mark.parametrize("name", RESULTS)
def test_html_is_inert(name):
    """Does the HTML page hold only our tags, no event handlers or scripts, and a CSP?"""
    page = _parse(report.to_html(RESULTS[name]()))
    assert set(page.tags) <= ALLOWED_TAGS
    assert not [key for key, _ in page.attributes if key.startswith("on")]
    assert not [value for _, value in page.attributes if value and "javascript:" in value]
    assert ("http-equiv", "Content-Security-Policy") in page.attributes


@pytest.mark.parametrize("name", RESULTS)
def test_html_shows_every_message_literally(name):
    """Does a student read every finding's message, character for character (controls aside)?"""
    result = RESULTS[name]()
    text = "".join(_parse(report.to_html(result)).text)
    for test in result.tests:
        for finding in test.findings[: report.MAX_FINDINGS]:
            message = report.safe_text(finding.message)
            if finding.kind == "mistake":  # our own words: `code` spans become <code>
                message = message.replace("`", "")
            assert message in text


@pytest.mark.parametrize("name", RESULTS)
def test_markdown_keeps_student_text_in_code(name):
    """Does Markdown keep every message inside a code fence, with no raw HTML outside one?"""
    result = RESULTS[name]()
    document = report.to_markdown(result)
    outside = re.sub(r"(?ms)^(`{3,})text\n.*?^\1$", "", document)
    assert "<" not in outside and ">" not in outside
    for test in result.tests:
        for finding in test.findings[: report.MAX_FINDINGS]:
            message = report.said(test.name, finding)
            if message:
                assert report.safe_text(message) not in outside
                assert report.safe_text(message) in document


@pytest.mark.parametrize("name", RESULTS)
def test_every_renderer_gives_the_score(name):
    """Does every renderer state the total and each test's score, and carry no control bytes?"""
    result = RESULTS[name]()
    total = f"{report.score_text(result.score)} / {report.score_text(result.max_score)}"
    for render in (report.to_text, report.to_markdown, report.to_html):
        rendered = render(result)
        assert total in rendered
        assert "\x1b" not in rendered and "\x07" not in rendered
        for test in result.tests:
            assert test.name in rendered


@pytest.mark.parametrize(
    ("name", "marks"),
    [("full", {"PASS": 10}), ("zero", {"FAIL": 10}), ("partial", {"PASS": 3, "PART": 1})],
)
def test_text_marks_each_test(name, marks):
    """Does the terminal view mark each test passed, partial or failed as its score says?"""
    text = report.to_text(RESULTS[name]())
    for mark, count in marks.items():
        assert text.count(f"[{mark}]") == count


def test_text_only_failed_hides_passed_tests():
    """Does ``only_failed`` leave out the tests at full marks?"""
    text = report.to_text(_partial(), only_failed=True)
    assert "[PASS]" not in text and "adam" in text and "flashcards" in text


def test_named_mistake_is_shown():
    """Is a named mistake labelled as such in every renderer?"""
    result = _partial()
    for render in (report.to_text, report.to_markdown, report.to_html):
        assert "Adam without bias correction" in render(result)
        assert "Named mistake" in render(result)


def test_numbers_only_for_public_cases():
    """Are the numbers behind a finding shown for a public case and never for a hidden one?"""
    public = public_cases("adam")[0].id
    details = {"step": 3, "param": 1, "index": [2], "expected": 0.123456789, "got": 0.5}
    for case, shown in ((public, True), ("adam/hidden 7", False), (None, False)):
        hidden = case == "adam/hidden 7"  # as judged (``judges.hidden_policy``)
        finding = Finding("mismatch", "The update differs.", case, details, hidden=hidden)
        result = SubmissionResult("s", [TestResult.zero("adam", finding)])
        for render in (report.to_markdown, report.to_html):
            assert ("0.123456789" in render(result)) is shown
        assert bool(report.numbers("adam", finding)) is shown


def test_findings_beyond_the_limit_are_counted():
    """Are findings past ``MAX_FINDINGS`` summarised as a count rather than dropped silently?"""
    findings = [Finding("mismatch", f"case {k}") for k in range(report.MAX_FINDINGS + 3)]
    result = SubmissionResult("s", [TestResult.zero("adam", *findings)])
    for render in (report.to_text, report.to_markdown, report.to_html):
        rendered = render(result)
        assert "and 3 more findings" in rendered
        assert f"case {report.MAX_FINDINGS}" not in rendered


def test_pictures_are_embedded_as_base64_png():
    """Is a test's picture embedded in Markdown and HTML as a data URI, and only for that test?"""
    png = b"\x89PNG\r\n\x1a\nfake"
    for render in (report.to_markdown, report.to_html):
        rendered = render(_partial(), pictures={"adam": png})
        assert rendered.count("data:image/png;base64,iVBORw0KGgpmYWtl") == 1


@pytest.mark.parametrize("suffix", ["txt", "md", "html"])
def test_golden(suffix):
    """Does the rendering of a partial result match the reviewed golden file?"""
    render = {"txt": report.to_text, "md": report.to_markdown, "html": report.to_html}[suffix]
    kwargs = {} if suffix == "txt" else {"pictures": {"adam": b"\x89PNG\r\n\x1a\nfake"}}
    rendered = render(_partial(), **kwargs)
    golden = GOLDENS / f"report_partial.{suffix}"
    if UPDATE:
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(rendered)
    assert rendered == golden.read_text()


def test_write_reports_is_atomic(tmp_path):
    """Do the report files appear whole, named after the student, with no temporary left?"""
    written = report.write_reports(_partial(), tmp_path)
    assert sorted(path.name for path in written) == ["pat.html", "pat.md"]
    report.write_reports(_partial(), tmp_path)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["pat.html", "pat.md"]
    assert written[1].read_text().startswith("<!DOCTYPE html>")


# ----------------------------------------------------------------------------------------------
# Gradebook and summary


def test_gradebook_columns_follow_the_contract():
    """Is the header ``student,score,max_score`` then every test name in spec order?"""
    rows = list(csv.reader(io.StringIO(gradebook.gradebook_csv([_partial(), _full()]))))
    assert rows[0] == ["student", "score", "max_score", *TEST_NAMES, "report", "flags"]
    assert [row[0] for row in rows[1:]] == ["ada", "pat"]


@pytest.mark.parametrize("name", ["full", "zero", "partial"])
def test_gradebook_row_holds_every_score(name):
    """Does a student's row hold the total, the maximum and each test's score?"""
    result = RESULTS[name]()
    row = list(csv.reader(io.StringIO(gradebook.gradebook_csv([result]))))[1]
    assert float(row[1]) == pytest.approx(result.score)
    assert float(row[2]) == MAX_SCORE
    scores = row[3 : 3 + len(TEST_NAMES)]
    assert [float(value) for value in scores] == [result.test(n).score for n in TEST_NAMES]


def test_gradebook_defuses_formulas():
    """Is a student id that a spreadsheet would run as a formula quoted?"""
    row = list(csv.reader(io.StringIO(gradebook.gradebook_csv([_hostile()]))))[1]
    assert row[0].startswith("'=") and "\x1b" not in row[0]


def test_write_gradebook(tmp_path):
    """Is ``grades.csv`` written whole, with one row per student?"""
    path = gradebook.write_gradebook([_full(), _zero(), _partial()], tmp_path / "grades.csv")
    assert len(path.read_text().splitlines()) == 4


def test_test_stats():
    """Are the per-test mean score and pass rate those of the students' scores?"""
    results = [_full(), _zero(), _partial()]
    stats = {row["name"]: row for row in gradebook.test_stats(results)}
    assert stats["adam"]["mean"] == pytest.approx(BY_NAME["adam"].points / 3)
    assert stats["adam"]["pass_rate"] == pytest.approx(1 / 3)
    assert stats["flashcards"]["mean"] == pytest.approx((2.0 + 0.0 + 1.25) / 3)
    assert stats["sgd"]["pass_rate"] == pytest.approx(2 / 3)


def test_distribution_counts_every_student_once():
    """Does the distribution put full marks in the last bin and zero in the first?"""
    bins = gradebook.distribution([_full(), _zero(), _partial(), _full()])
    assert sum(count for _, count in bins) == 4
    assert bins[-1][1] == 2 and bins[0][1] == 1
    assert len(bins) == len(gradebook.BINS)


def test_summary_lists_every_test():
    """Does the summary table name every test and the number of students?"""
    text = gradebook.summary([_full(), _partial()])
    assert all(name in text for name in TEST_NAMES)
    assert "2 students" in text and "100%" in text
    assert gradebook.summary([]) == "No submissions graded."


@pytest.mark.parametrize(
    ("kind", "case", "leaks"),
    [
        ("mismatch", "adam/hidden 7", False),
        ("mismatch", "public", True),
        ("error", "adam/hidden 7", False),
        ("side_condition", "adam/hidden 7", True),
    ],
)
def test_hidden_mismatches_never_show_expected_values(kind, case, leaks):
    """Is a hidden case's mismatch told as where it happened, without the expected value, and its
    exception as its type, when judged (``judges.hidden_policy``), and rendered as judged, while
    public mismatches and a hidden case's side conditions are told as they are (with no numbers
    for the hidden one)?"""
    case = public_cases("adam")[0].id if case == "public" else case
    message = f"Case {case!r}: At step 3: expected update 0.123456789, got 0.5."
    details = {"step": 3, "param": 1, "expected": 0.123456789, "type": "ValueError"}
    judged = [Finding(kind, message, case, details)]
    (finding,) = judges.hidden_policy(
        judged, [*public_cases("adam"), HiddenCase(case)], public_ids("adam", SOURCES)
    )
    assert finding.hidden is (case == "adam/hidden 7")
    result = SubmissionResult("s", [TestResult.zero("adam", finding)])
    for render in (report.to_text, report.to_markdown, report.to_html):
        rendered = render(result)
        assert ("0.123456789" in rendered) is leaks
        assert ("Hidden case" in rendered) is not leaks
        assert "step 3" in rendered


def test_no_hidden_case_counts_as_public():
    """Does every hidden case count as hidden, even one whose id a public case also uses?"""

    hidden = SOURCES.module("hidden_cases")
    if hidden is None:
        pytest.skip("no hidden cases on this machine")
    for name in TEST_NAMES:
        for case in hidden.hidden_cases(name):
            assert case.id not in public_ids(name, SOURCES), (name, case.id)
    assert any(
        case.id in public_ids(name, SOURCES) for name in TEST_NAMES for case in public_cases(name)
    )


def test_rendering_a_saved_result_needs_neither_torch_nor_solutions(tmp_path, root):
    """Does rendering a saved ``<student>.json`` as text, Markdown and HTML import no torch and
    look up no side (no ``solutions/``, no ``Sources``), and show a hidden finding as judged?"""
    message = "Hidden case 'adam/hidden 7': your results differ from the reference's."
    hidden = Finding("mismatch", message, "adam/hidden 7", {"step": 3, "expected": 0.5}, True)
    saved = SubmissionResult("s", [TestResult.zero("adam", hidden)]).to_dict()
    path = tmp_path / "s.json"
    path.write_text(json.dumps(saved))
    script = (
        "import json, sys\n"
        "from autograder.reports import report\n"
        "from autograder.reports.result import SubmissionResult\n"
        f"result = SubmissionResult.from_dict(json.loads(open({str(path)!r}).read()))\n"
        "text = report.to_text(result) + report.to_markdown(result) + report.to_html(result)\n"
        "assert text.count('your results differ') == 3 and '0.5' not in text, text\n"
        "loaded = [m for m in sys.modules if m == 'torch' or m.startswith(('solutions', "
        "'autograder.verdict.sources', 'autograder.verdict.cases', 'autograder.checks'))]\n"
        "print(loaded)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
