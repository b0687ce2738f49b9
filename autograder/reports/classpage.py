"""``index.html``: the instructor's page of the whole class, one self-contained file.

It works offline and from ``file://``: styles inline, the two plots (score distribution, pass
rate per test) drawn by matplotlib as SVG and inlined as ``data:`` images (vector, so they print
sharply), and one small script that sorts the students' table when a column heading is clicked.
The Content-Security-Policy allows that script by its hash and nothing else: no other script (a
student's name is escaped, and would not run if it were not), no request to any server.

Everything a student controls (their id, a loading problem's text, an exception's name) is
escaped as in the students' own reports (``report._h``). Nothing on the page depends on when or
where it was made, so a merge of shards builds the same bytes as a single run.

``conclude`` ends a batch or a merge: it writes this page and ``mistakes.csv`` beside it, and
prints the summary.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import statistics
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote

from autograder.files import write_atomic
from autograder.reports import classview
from autograder.reports.classview import Group
from autograder.reports.gradebook import summary
from autograder.reports.report import _h, safe_text, score_text
from autograder.reports.result import SubmissionResult
from autograder.spec import BY_NAME, TEST_NAMES

if TYPE_CHECKING:  # matplotlib is imported where the plots are drawn (the course extra)
    from matplotlib.ticker import MaxNLocator
    from matplotlib.typing import RcKeyType

# Links (and named mistakes) shown before the rest of a long list folds away.
SHOWN_STUDENTS = 12
SHOWN_MISTAKES = 10

_CSS = """
body { font: 15px/1.45 system-ui, sans-serif; max-width: 1100px; margin: 1.5em auto;
  padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { margin-top: 1.6em; border-bottom: 1px solid #ddd; }
.plots { display: flex; flex-wrap: wrap; gap: 1em; }
.plots figure { flex: 1 1 320px; margin: 0; min-width: 0; }
.plots img { width: 100%; height: auto; }
li, td, blockquote, p { overflow-wrap: anywhere; }
blockquote { margin: .3em 0 .8em; padding: .3em .8em; background: #fff4d6;
  border-left: 4px solid #e0a800; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: .9em; }
td, th { border: 1px solid #ccc; padding: .2em .4em; text-align: right; }
td:first-child, th:first-child { text-align: left; max-width: 16em; }
th button { font: inherit; font-weight: bold; border: 0; background: none; padding: 0;
  cursor: pointer; }
.passed { color: #17702f; } .failed { color: #b3261e; } .partial { color: #a35f00; }
.count { font-weight: bold; } .test { color: #555; }
@media print { .scroll { overflow: visible; } th button { cursor: auto; } }
"""

# Sorts the table by a clicked column (numbers as numbers), ascending then descending.
_SCRIPT = """
for (const table of document.querySelectorAll("table.sortable")) {
  table.querySelectorAll("th button").forEach((button, column) => {
    button.addEventListener("click", () => {
      const rows = [...table.tBodies[0].rows];
      const key = (row) => row.cells[column].dataset.v ?? row.cells[column].textContent;
      const numeric = rows.every((row) => key(row) !== "" && !isNaN(key(row)));
      const up = button.dataset.order !== "up";
      button.dataset.order = up ? "up" : "down";
      rows.sort((a, b) => {
        const order = numeric ? key(a) - key(b) : key(a).localeCompare(key(b));
        return up ? order : -order;
      });
      table.tBodies[0].append(...rows);
    });
  });
}
"""

_SCRIPT_HASH = base64.b64encode(hashlib.sha256(_SCRIPT.encode()).digest()).decode()
CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    f"script-src 'sha256-{_SCRIPT_HASH}'"
)


def page(records: list[dict]) -> str:
    """The whole page for ``records`` (the students' JSON, sorted by id)."""
    by_id = {record["student"]: record for record in records}
    body = [
        _heading(records),
        _plots(records),
        _mistakes(classview.named_mistakes(records), by_id),
        _unnamed(classview.unnamed_failures(records), by_id),
        _needs_a_look(classview.needs_a_look(records)),
        _table(records),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>The class: {len(records)} students</title><style>{_CSS}</style></head>"
        f"<body>{''.join(body)}<script>{_SCRIPT}</script></body></html>\n"
    )


def _link(record: dict) -> str:
    return f'<a href="{quote(classview.report_file(record))}">{_h(record["student"])}</a>'


def _links(students: list[str], by_id: dict[str, dict]) -> str:
    links = [_link(by_id[student]) for student in students]
    if len(links) <= SHOWN_STUDENTS + 2:
        return ", ".join(links)
    rest = links[SHOWN_STUDENTS:]
    return (
        ", ".join(links[:SHOWN_STUDENTS])
        + f"<details><summary>and {len(rest)} more</summary>{', '.join(rest)}</details>"
    )


def _heading(records: list[dict]) -> str:
    if not records:
        return "<h1>The class</h1><p>No student has been graded yet.</p>"
    scores = [record["score"] for record in records]
    most = records[0]["max_score"]
    full = sum(score >= most for score in scores)
    return (
        f"<h1>The class: {len(records)} student{'s' if len(records) != 1 else ''}</h1>"
        f"<p>Mean {statistics.fmean(scores):.2f}, median {score_text(statistics.median(scores))}"
        f", lowest {score_text(min(scores))}, highest {score_text(max(scores))} "
        f"(of {score_text(most)}); {full} at full marks. "
        "Each name links to that student's report; <code>grades.csv</code> and "
        "<code>mistakes.csv</code> are in this folder.</p>"
    )


def _plots(records: list[dict]) -> str:
    if not records:
        return ""
    try:
        pictures = _draw(records)
    except ImportError:
        return (
            "<p>(The plots need matplotlib: <code>pip install optim-autograder[course]</code>.)</p>"
        )
    return (
        '<div class="plots">'
        + "".join(
            f'<figure><img alt="{_h(alt)}" src="data:image/svg+xml;base64,'
            f'{base64.b64encode(svg).decode()}"></figure>'
            for alt, svg in pictures
        )
        + "</div>"
    )


def _draw(records: list[dict]) -> list[tuple[str, bytes]]:
    """The score histogram and the pass rate of each test, as SVG (the same bytes every time)."""
    import matplotlib
    from matplotlib.figure import Figure

    scores = [record["score"] for record in records]
    most = records[0]["max_score"]
    rates = [
        sum(test["passed"] for record in records for test in record["tests"] if test["name"] == n)
        / len(records)
        for n in TEST_NAMES
    ]
    settings: dict[RcKeyType, Any] = {
        "svg.hashsalt": "classview",
        "svg.fonttype": "none",
        "font.size": 10,
    }
    pictures = []
    with matplotlib.rc_context(settings):
        figure = Figure(figsize=(5.2, 3.2))
        axes = figure.subplots()
        edges = [float(edge) for edge in range(int(most) + 2)]
        axes.hist([min(score, most) for score in scores], bins=edges, color="#4a6fa5", rwidth=0.9)
        axes.set(xlabel=f"total score (of {score_text(most)})", ylabel="students")
        axes.set_title("Score distribution")
        # the default locator, an AutoLocator, is a MaxNLocator
        cast("MaxNLocator", axes.yaxis.get_major_locator()).set_params(integer=True)
        pictures.append(("Histogram of total scores", _svg(figure)))

        figure = Figure(figsize=(5.2, 3.2))
        axes = figure.subplots()
        positions = range(len(TEST_NAMES))
        axes.barh(positions, [100 * rate for rate in rates], color="#17702f")
        axes.set_yticks(positions, labels=list(TEST_NAMES))
        axes.invert_yaxis()
        axes.set(xlim=(0, 100), xlabel="students at full marks (%)")
        axes.set_title("Pass rate per test")
        for position, rate in zip(positions, rates):
            inside = rate > 0.85  # the label goes inside a long bar, in white
            axes.text(
                100 * rate + (-1 if inside else 1),
                position,
                f"{rate:.0%}",
                va="center",
                ha="right" if inside else "left",
                color="white" if inside else "black",
                fontsize=8,
            )
        pictures.append(("Bars of the share of students at full marks, per test", _svg(figure)))
    return pictures


def _svg(figure) -> bytes:
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def _mistakes(groups: list[Group], by_id: dict[str, dict]) -> str:
    head = "<h2>What the class got wrong: named mistakes, most frequent first</h2>"
    if not groups:
        return head + "<p>No catalogued mistake was recognised in this class.</p>"
    items = []
    for group in groups:
        count = len(group.students)
        items.append(
            f'<li><strong>{_h(group.title)}</strong> <span class="test">({group.test})</span>'
            f' &mdash; <span class="count">{count} student{"s" if count != 1 else ""}</span>: '
            f"{_links(group.students, by_id)}"
            f"<blockquote>{_h(group.sentence)}</blockquote></li>"
        )
    if len(items) <= SHOWN_MISTAKES + 2:
        return head + "<ol>" + "".join(items) + "</ol>"
    rest = len(items) - SHOWN_MISTAKES
    return (
        f"{head}<ol>{''.join(items[:SHOWN_MISTAKES])}</ol><details><summary>{rest} more "
        f'mistakes, made by fewer students</summary><ol start="{SHOWN_MISTAKES + 1}">'
        f"{''.join(items[SHOWN_MISTAKES:])}</ol></details>"
    )


def _unnamed(by_test: dict[str, list[Group]], by_id: dict[str, dict]) -> str:
    head = "<h2>Other failures, by test</h2>"
    if not by_test:
        return head + "<p>Every failure named a catalogued mistake.</p>"
    out = [
        head,
        "<p>Failed tests that matched no catalogued mistake, by where they first went wrong.</p>",
    ]
    for name, groups in by_test.items():
        total = sum(len(group.students) for group in groups)
        out.append(f"<h3>{name} &mdash; {total} student{'s' if total != 1 else ''}</h3><ul>")
        out += [
            f'<li>{_h(group.title)}: <span class="count">{len(group.students)}</span> '
            f"({_links(group.students, by_id)})</li>"
            for group in groups
        ]
        out.append("</ul>")
    return "".join(out)


def _needs_a_look(found: dict[str, list[tuple[dict, str]]]) -> str:
    out = ["<h2>Submissions that need a look</h2>"]
    for heading, entries in found.items():
        if entries:
            out.append(f"<h3>{heading} ({len(entries)})</h3><ul>")
            out += [f"<li>{_link(record)}: {_h(reason[:300])}</li>" for record, reason in entries]
            out.append("</ul>")
    if len(out) == 1:
        out.append(
            "<p>Every submission loaded, finished in time and memory, and was not flagged.</p>"
        )
    return "".join(out)


def _table(records: list[dict]) -> str:
    heads = ["student", "score", *TEST_NAMES, "mistakes"]
    head = "".join(
        f'<th><button type="button">{name.replace("_", "_<wbr>")}</button></th>' for name in heads
    )
    rows = []
    for record in records:
        by_name = {test["name"]: test for test in record["tests"]}
        cells = [
            f"<td>{_link(record)}</td>",
            f'<td data-v="{record["score"]}">{score_text(record["score"])}</td>',
        ]
        for name in TEST_NAMES:
            test = by_name.get(name, {"score": 0.0, "passed": False})
            verdict = "passed" if test["passed"] else "partial" if test["score"] > 0 else "failed"
            cells.append(
                f'<td class="{verdict}" data-v="{test["score"]}" '
                f'title="{verdict}">{score_text(test["score"])}</td>'
            )
        named = sum(
            classview._named(finding) is not None
            for test in record["tests"]
            if not test.get("passed")
            for finding in test.get("findings", [])
        )
        cells.append(f"<td>{named}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    points = " ".join(f"{name} {score_text(BY_NAME[name].points)}" for name in TEST_NAMES)
    return (
        "<h2>All students</h2><p>Click a column's heading to sort by it. Points per test: "
        f"{points}.</p>"
        f'<div class="scroll"><table class="sortable"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def conclude(out: Path, records: list[dict]) -> None:
    """The end of a batch or a merge: write the class view, print the summary."""
    if records:
        write(out, records)
    print(summary([SubmissionResult.from_dict(record) for record in records]), file=sys.stderr)
    print(safe_text("\n".join(["", *classview.summary_lines(records, out)])), file=sys.stderr)


def write(out: Path, records: list[dict]) -> list[Path]:
    """Write ``out/index.html`` and ``out/mistakes.csv`` atomically."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(classview.mistake_rows(records))
    return [
        write_atomic(Path(out) / "mistakes.csv", buffer.getvalue()),
        write_atomic(Path(out) / "index.html", page(records)),
    ]
