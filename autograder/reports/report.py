"""Render one student's results for the people who read them: text, Markdown and HTML.

Results are data (``reports.result``); this module only renders them. Everything a student
controls — the student id (a file or folder name), exception messages, reprs of returned values —
is treated as hostile text: control characters are made visible in the terminal, Markdown puts it
inside code fences, HTML escapes it and the page forbids scripts with a Content-Security-Policy.

What a hidden case may show is decided once, when judging (``judges.hidden_policy``): a finding's
message is rendered as it is, and the numbers behind it (step, parameter, index, expected, got,
allowed) only when it is not flagged ``hidden``. Rendering needs neither torch nor ``solutions/``
(a saved ``<student>.json`` renders anywhere). The gradebook and the batch summary live in
``autograder.reports.gradebook``.

Per test, every renderer shows the same things in the same order: score, verdict, each finding
(what went wrong), the named mistake when one was recognised, the numbers behind it, and a picture
(the student's path against the reference's on a 2-D surface) when one is given.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import re
from collections.abc import Mapping
from pathlib import Path

from autograder.files import write_atomic
from autograder.reports.result import Finding, SubmissionResult, TestResult

# At most this many findings per test are rendered in full; the rest are counted.
MAX_FINDINGS = 4

# Detail keys rendered as "the numbers behind it", in this order, with their labels.
NUMBERS: tuple[tuple[str, str], ...] = (
    ("step", "step"),
    ("param", "parameter"),
    ("index", "index"),
    ("quantity", "quantity"),
    ("expected", "expected"),
    ("got", "got"),
    ("allowed", "allowed difference"),
    ("mismatched", "elements that differ"),
    ("total", "elements"),
)

# Control characters other than newline and tab: they could move a terminal's cursor or recolour
# it; and the invisible characters that reorder or hide what follows them (bidi overrides).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")

Pictures = Mapping[str, bytes]


# ----------------------------------------------------------------------------------------------
# What every renderer shows


def safe_text(text: str) -> str:
    """Student-controlled text made inert for a terminal: control characters shown as ``\\xNN``."""
    return _CONTROL.sub(lambda match: _escaped(ord(match.group())), str(text))


def _escaped(code: int) -> str:
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def score_text(value: float) -> str:
    """A score as people write it: ``2``, ``17.5``, ``0.333``."""
    return f"{value:.3g}" if value != int(value) else str(int(value))


def verdict(test: TestResult) -> str:
    """``passed``, ``partial`` or ``failed``."""
    if test.passed:
        return "passed"
    return "partial" if test.score > 0 else "failed"


def named_mistake(finding: Finding) -> str | None:
    """The words naming a recognised mistake: the message of a ``mistake`` finding (``diagnose``),
    or the title another finding carries in its details; None when nothing was recognised."""
    if finding.kind == "mistake":
        return finding.message
    named = finding.details.get("title") or finding.details.get("mistake")
    return str(named) if named else None


def said(test: str, finding: Finding) -> str | None:
    """The sentence a student reads for a finding, as judged: None when the finding is the named
    mistake itself."""
    return None if finding.kind == "mistake" else finding.message


def numbers(test: str, finding: Finding) -> list[tuple[str, str]]:
    """The numbers behind a finding as (label, value) pairs; none for hidden or unnamed cases,
    and none where there is no value of the student's to show (an exception's step and
    parameter are in its sentence already)."""
    if finding.case is None or finding.hidden:
        return []
    if "expected" not in finding.details and "got" not in finding.details:
        return []
    rows = []
    for key, label in NUMBERS:
        if key in finding.details:
            rows.append((label, _number(finding.details[key])))
    return rows


def _number(value) -> str:
    if isinstance(value, float):
        return f"{value:.10g}"
    if isinstance(value, list | tuple):  # an element's index; a 0-dim tensor has none
        return "(" + ", ".join(map(str, value)) + ")" if value else "-"
    return str(value)


def collapsed(findings: list[Finding]) -> list[Finding]:
    """The findings with the same exception in several cases said once, with a count (an
    untouched stub raises its NotImplementedError in every case)."""
    kept: list[Finding] = []
    repeats: dict[tuple[object, object], tuple[Finding, int]] = {}
    for finding in findings:
        key = (finding.details.get("type"), finding.details.get("message"))
        if finding.kind == "error" and key in repeats:
            first, count = repeats[key]
            repeats[key] = (first, count + 1)
            continue
        kept.append(finding)
        if finding.kind == "error":
            repeats[key] = (finding, 0)
    for finding, count in repeats.values():
        if count:
            note = f"\nThe same error in {count} other case{'s' if count > 1 else ''}."
            kept[kept.index(finding)] = dataclasses.replace(finding, message=finding.message + note)
    return kept


def shown(test: TestResult) -> tuple[list[Finding], int]:
    """The findings rendered in full (repeats collapsed), and how many more there are."""
    findings = collapsed(test.findings)
    return findings[:MAX_FINDINGS], max(0, len(findings) - MAX_FINDINGS)


def _more(count: int) -> str:
    return f"... and {count} more finding{'s' if count > 1 else ''} of the same test."


# ----------------------------------------------------------------------------------------------
# Plain text: the terminal (self-check, batch) and Gradescope's per-test output


def test_text(test: TestResult) -> str:
    """What went wrong in one test, as plain text (also Gradescope's per-test ``output``)."""
    if not test.findings:
        return test.feedback
    findings, more = shown(test)
    blocks = []
    for finding in findings:
        message = said(test.name, finding)
        lines = [safe_text(message)] if message else []
        if mistake := named_mistake(finding):
            lines.append(f"Named mistake: {safe_text(mistake)}")
        blocks.append("\n".join(lines))
    if more:
        blocks.append(_more(more))
    return "\n\n".join(blocks)


def to_text(result: SubmissionResult, *, only_failed: bool = False) -> str:
    """One student's results for a terminal: a line per test, findings indented below."""
    width = max(len(test.name) for test in result.tests)
    lines = [
        f"{safe_text(result.student)}: "
        f"{score_text(result.score)} / {score_text(result.max_score)} points"
    ]
    for test in result.tests:
        if only_failed and test.passed:
            continue
        mark = {"passed": "PASS", "partial": "PART", "failed": "FAIL"}[verdict(test)]
        score = f"{score_text(test.score)} / {score_text(test.max_score)}"
        lines.append(f"  [{mark}] {test.name:<{width}}  {score}")
        if not test.passed:
            lines.extend(("         " + line).rstrip() for line in test_text(test).splitlines())
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------
# Markdown


def _fence(text: str) -> str:
    """A fenced code block longer than any run of backticks in ``text``: Markdown renders its
    content literally, so student text cannot become HTML or links."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{safe_text(text)}\n{fence}"


# Characters that could start HTML, an entity, a link, emphasis, code or a table cell in Markdown:
# written as numeric character references, which Markdown renders literally.
_MD_SPECIAL = re.compile(r"[\\`*_\[\]<>&|~]")
# A code span in the grader's own words: `adam_step`.
_CODE = re.compile(r"`([^`\n]+)`")


def _md_inline(text: str) -> str:
    """Student text inside a Markdown line: HTML and Markdown punctuation escaped."""
    return _MD_SPECIAL.sub(
        lambda match: f"&#{ord(match.group())};", safe_text(text).replace("\n", " ")
    )


def _md_ours(text: str) -> str:
    """The grader's own sentence (a named mistake) in Markdown, readable as raw text too: its
    `code` spans kept as code, other punctuation backslash-escaped (CommonMark shows an escaped
    ASCII punctuation character literally); ``<`` and ``&`` as entities, so no HTML can start."""
    parts = _CODE.split(safe_text(text).replace("\n", " "))
    return "".join(
        f"`{part}`" if index % 2 else _md_punctuation(part) for index, part in enumerate(parts)
    )


def _md_punctuation(text: str) -> str:
    return _MD_SPECIAL.sub(
        lambda match: (
            f"&#{ord(match.group())};" if match.group() in "<>&" else "\\" + match.group()
        ),
        text,
    )


def _html_ours(text: str) -> str:
    """The grader's own sentence in HTML: escaped, its `code` spans in <code>."""
    return _CODE.sub(lambda match: f"<code>{match.group(1)}</code>", _h(text))


def _png_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def flags_line(result: SubmissionResult) -> str:
    """The report's line on the escape hatches the source uses (never part of the score)."""
    return (
        "Flagged for your instructor to read (this does not change your score): your code uses "
        + "; ".join(result.flags)
        + "."
    )


def to_markdown(result: SubmissionResult, *, pictures: Pictures | None = None) -> str:
    """One student's feedback as a Markdown document (pictures inlined as data URIs)."""
    pictures = pictures or {}
    out = [
        f"# Feedback for {_md_inline(result.student)}",
        "",
        f"**Score: {score_text(result.score)} / {score_text(result.max_score)}**",
        "",
        *([f"{_md_inline(flags_line(result))}", ""] if result.flags else []),
        "| test | score | result |",
        "| --- | ---: | --- |",
    ]
    out += [
        f"| `{test.name}` | {score_text(test.score)} / {score_text(test.max_score)} "
        f"| {verdict(test)} |"
        for test in result.tests
    ]
    for test in result.tests:
        out += ["", f"## `{test.name}`: {score_text(test.score)} / {score_text(test.max_score)}"]
        out += ["", _md_test(test)]
        if test.name in pictures:
            out += [
                "",
                f"![Your path (red) and the reference's (blue) for {test.name}]"
                f"({_png_uri(pictures[test.name])})",
            ]
    return "\n".join(out) + "\n"


def _md_test(test: TestResult) -> str:
    if not test.findings:
        return test.feedback
    findings, more = shown(test)
    parts = []
    for finding in findings:
        message = said(test.name, finding)
        if message:
            parts.append(_fence(message))
        if mistake := named_mistake(finding):
            parts.append(f"**Named mistake:** {_md_ours(mistake)}")
        rows = numbers(test.name, finding)
        if rows:
            parts.append(
                "| " + " | ".join(label for label, _ in rows) + " |\n"
                "|" + " --- |" * len(rows) + "\n"
                "| " + " | ".join(_md_inline(value) for _, value in rows) + " |"
            )
    if more:
        parts.append(_more(more))
    return "\n\n".join(parts)


# ----------------------------------------------------------------------------------------------
# HTML: one self-contained page per student

_CSS = """
body { font: 15px/1.45 system-ui, sans-serif; max-width: 860px; margin: 2em auto; padding: 0 1em;
  color: #222; }
h1, h2, p, figcaption { overflow-wrap: anywhere; }
table { border-collapse: collapse; margin: .6em 0; display: block; overflow-x: auto;
  max-width: 100%; }
td, th { border: 1px solid #ccc; padding: .25em .6em; text-align: left; }
.numbers { display: flex; flex-wrap: wrap; gap: .3em; margin: .6em 0; }
.numbers div { border: 1px solid #ccc; padding: .2em .6em; }
.numbers dt { font-size: .85em; color: #555; }
.numbers dd { margin: 0; font-variant-numeric: tabular-nums; overflow-wrap: anywhere; }
pre { background: #f6f6f6; padding: .7em; white-space: pre-wrap; overflow-wrap: anywhere; }
.passed { color: #17702f; } .failed { color: #b3261e; } .partial { color: #a35f00; }
.mistake { background: #fff4d6; border-left: 4px solid #e0a800; padding: .4em .7em; }
img { max-width: 100%; border: 1px solid #ddd; box-sizing: border-box; }
figure { margin: 1em 0; }
"""

# No scripts, no external loads: the page shows text, inline styles and data: images only.
_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def _h(text: str) -> str:
    return html.escape(safe_text(text), quote=True)


def to_html(result: SubmissionResult, *, pictures: Pictures | None = None) -> str:
    """One student's feedback as a self-contained HTML page (pictures as base64 PNGs)."""
    pictures = pictures or {}
    rows = "".join(
        f'<tr><td><a href="#{test.name}">{test.name}</a></td>'
        f"<td>{score_text(test.score)} / {score_text(test.max_score)}</td>"
        f'<td class="{verdict(test)}">{verdict(test)}</td></tr>'
        for test in result.tests
    )
    sections = "".join(_html_test(test, pictures.get(test.name)) for test in result.tests)
    student = _h(result.student)
    total = f"{score_text(result.score)} / {score_text(result.max_score)}"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Feedback for {student}</title><style>{_CSS}</style></head><body>"
        f"<h1>Feedback for {student}</h1>"
        f"<p><strong>Score: {total}</strong></p>"
        + (f'<p class="flags">{_h(flags_line(result))}</p>' if result.flags else "")
        + f"<table><tr><th>test</th><th>score</th><th>result</th></tr>{rows}</table>"
        f"{sections}</body></html>\n"
    )


def _html_test(test: TestResult, picture: bytes | None) -> str:
    head = (
        f'<section id="{test.name}"><h2>{test.name}: '
        f'<span class="{verdict(test)}">{score_text(test.score)} / '
        f"{score_text(test.max_score)}</span></h2>"
    )
    if not test.findings:
        body = f"<p>{_h(test.feedback)}</p>"
    else:
        findings, more = shown(test)
        body = "".join(_html_finding(test.name, finding) for finding in findings)
        if more:
            body += f"<p>{_h(_more(more))}</p>"
    if picture is not None:
        body += (
            f'<figure><img alt="Your path and the reference\'s for {test.name}" '
            f'src="{_png_uri(picture)}"><figcaption>Your path (red) against the reference '
            "(blue) on the same surface, from the same start.</figcaption></figure>"
        )
    return head + body + "</section>"


def _html_finding(test: str, finding: Finding) -> str:
    message = said(test, finding)
    out = f"<pre>{_h(message)}</pre>" if message else ""
    if mistake := named_mistake(finding):
        named = _html_ours(mistake)
        out += f'<p class="mistake"><strong>Named mistake:</strong> {named}</p>'
    rows = numbers(test, finding)
    if rows:  # label-value boxes that wrap: a one-row table of nine columns is wider than 860 px
        out += (
            '<dl class="numbers">'
            + "".join(
                f"<div><dt>{_h(label)}</dt><dd>{_h(value)}</dd></div>" for label, value in rows
            )
            + "</dl>"
        )
    return out


# ----------------------------------------------------------------------------------------------
# Files


FORMATS = {"md": to_markdown, "html": to_html}


def write_reports(
    result: SubmissionResult,
    out: Path,
    *,
    pictures: Pictures | None = None,
    formats: tuple[str, ...] = ("md", "html"),
    stem: str | None = None,
) -> list[Path]:
    """Write ``out/<stem>.md`` and ``out/<stem>.html``; ``stem`` defaults to the student id."""
    stem = stem or result.student
    return [
        write_atomic(Path(out) / f"{stem}.{suffix}", FORMATS[suffix](result, pictures=pictures))
        for suffix in formats
    ]
