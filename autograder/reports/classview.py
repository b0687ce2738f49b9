"""The class at a glance: what the whole class got wrong, as data, from the students' JSON files.

After a batch (and after ``autograder merge``) the gradebook folder holds one ``<stem>.json`` per
student; this module reads them back and puts the class together, so that a single run and a
merge of shards build the same view from the same files:

- the **named mistakes** (``diagnose``'s findings), most frequent first, with the students who made
  each and the sentence they were given;
- the **unnamed failures** of each test, grouped by their difference profile (where the values
  first differ, which exception, which side condition);
- the students who **need a look**: a submission that did not load cleanly, ran out of time or
  memory, or was flagged;
- ``mistakes.csv`` (student, test, mistake id, sentence) and the summary lines naming the top ones.

``classpage`` renders it as ``index.html`` and writes the files.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from autograder.reports import filenames
from autograder.reports.gradebook import _cell
from autograder.spec import TEST_NAMES

MISTAKES_HEADER = ("student", "test", "mistake", "sentence")

# Words in a finding that mean the student's code ran out of memory (an allocation failed, or the
# kernel killed the process).
MEMORY_WORDS = ("MemoryError", "out of memory", "can't allocate memory", "DefaultCPUAllocator")

# Finding kinds as a difference profile says them, where no detail says more.
KIND_WORDS = {
    "missing": "no answer",
    "unanswered": "cards left unanswered",
    "timeout": "still running at the time limit",
    "crash": "crashed",
    "forbidden": "used what is forbidden",
    "invalid": "sent back what the grader cannot read",
    "wrong": "wrong cards",
    "conflict": "a card answered twice",
    "problem": "a loading problem",
}


@dataclass
class Group:
    """Students who share one thing that went wrong in one test.

    Attributes:
        test: the test's name.
        key: a mistake's id, or a difference profile's words.
        title: what it is, in words ("Adam without bias correction").
        sentence: what the students were told (a named mistake's message), else empty.
        students: their ids, sorted.
    """

    test: str
    key: str
    title: str
    sentence: str = ""
    students: list[str] = field(default_factory=list)


def load(out: Path, students: list[str] | None = None) -> list[dict]:
    """The student records (``<stem>.json``) in ``out``: of ``students`` if given, else every
    JSON file that is one; sorted by student id."""
    out = Path(out)
    if students is not None:
        paths = [out / filenames.files(student)["json"] for student in students]
    else:
        paths = sorted(out.glob("*.json"))
    records = []
    for path in paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and "student" in data and isinstance(data.get("tests"), list):
            records.append(data)
    return sorted(records, key=lambda record: record["student"])


def report_file(record: dict) -> str:
    """The file name of a student's HTML report."""
    return filenames.files(record["student"])["html"]


def _failed(record: dict):
    for test in record["tests"]:
        if not test.get("passed"):
            yield test


def _named(finding: dict) -> tuple[str, str, str] | None:
    """(id, title, sentence) of a finding that names a mistake (as ``report.named_mistake``)."""
    details = finding.get("details") or {}
    title = details.get("title") or details.get("mistake")
    if finding.get("kind") != "mistake" and not title:
        return None
    title = str(title or finding.get("message", ""))
    return str(details.get("mistake") or title), title, str(finding.get("message", ""))


def named_mistakes(records: list[dict]) -> list[Group]:
    """Every named mistake with the students who made it, most frequent first."""
    groups: dict[tuple[str, str], Group] = {}
    for record in records:
        for test in _failed(record):
            for finding in test.get("findings", []):
                named = _named(finding)
                if named is None:
                    continue
                key, title, sentence = named
                group = groups.setdefault((test["name"], key), Group(test["name"], key, title))
                group.sentence = group.sentence or sentence
                if record["student"] not in group.students:
                    group.students.append(record["student"])
    order = {name: index for index, name in enumerate(TEST_NAMES)}
    return sorted(
        groups.values(), key=lambda g: (-len(g.students), order.get(g.test, len(order)), g.key)
    )


def profile(test: dict) -> str:
    """Where a failed test without a named mistake went wrong, in a few words."""
    findings = [f for f in test.get("findings", []) if f.get("kind") not in ("problem", "score")]
    if not findings:
        return "a loading problem" if test.get("findings") else "no finding recorded"
    kind, details = findings[0].get("kind"), findings[0].get("details") or {}
    if kind == "mismatch":
        step = details.get("step")
        if isinstance(step, int) and not isinstance(step, bool):
            if step <= 1:
                return "values differ from the first step"
            return (
                "values differ first at steps 2-10" if step <= 10 else "values differ after step 10"
            )
        return "values differ"
    if kind == "error":
        return f"raises {details.get('type', 'an exception')}"
    if kind == "wrong" and isinstance(details.get("cards"), list):
        count = len(details["cards"])
        return f"{count} card{'s' if count != 1 else ''} matched wrongly"
    if kind == "side_condition":
        return "returns a value" if "repr" in details else "breaks a side condition"
    return KIND_WORDS.get(kind, str(kind))


def unnamed_failures(records: list[dict]) -> dict[str, list[Group]]:
    """By test (in spec order), the failed tests that named no mistake, grouped by profile, the
    largest group first."""
    by_test: dict[str, dict[str, Group]] = defaultdict(dict)
    for record in records:
        for test in _failed(record):
            if any(_named(finding) for finding in test.get("findings", [])):
                continue
            words = profile(test)
            group = by_test[test["name"]].setdefault(words, Group(test["name"], words, words))
            group.students.append(record["student"])
    return {
        name: sorted(by_test[name].values(), key=lambda g: (-len(g.students), g.key))
        for name in TEST_NAMES
        if name in by_test
    }


def needs_a_look(records: list[dict]) -> dict[str, list[tuple[dict, str]]]:
    """Students whose submission did not load cleanly, ran out of time or of memory, or was
    flagged, each with the reason, by heading."""
    found: dict[str, list[tuple[dict, str]]] = {
        "did not load cleanly": [],
        "ran out of time": [],
        "ran out of memory": [],
        "flagged": [],
    }
    for record in records:
        problems = record.get("problems") or []
        if problems:
            found["did not load cleanly"].append((record, "; ".join(map(str, problems[:3]))))
        timeouts, memory = [], []
        for test in _failed(record):
            for finding in test.get("findings", []):
                if finding.get("kind") == "timeout" and test["name"] not in timeouts:
                    timeouts.append(test["name"])
                message = str(finding.get("message", ""))
                if any(word in message for word in MEMORY_WORDS) and test["name"] not in memory:
                    memory.append(test["name"])
        if timeouts:
            found["ran out of time"].append((record, ", ".join(timeouts)))
        if memory:
            found["ran out of memory"].append((record, ", ".join(memory)))
        flags = record.get("flags")
        if flags:
            reason = "; ".join(map(str, flags)) if isinstance(flags, list | tuple) else str(flags)
            found["flagged"].append((record, reason))
    return found


def mistake_rows(records: list[dict]) -> list[list[str]]:
    """``mistakes.csv``: a row per student, test and named mistake, header first."""
    rows = [list(MISTAKES_HEADER)]
    for record in records:
        for test in _failed(record):
            for finding in test.get("findings", []):
                named = _named(finding)
                if named is not None:
                    key, _, sentence = named
                    rows.append([_cell(record["student"]), test["name"], _cell(key), sentence])
    return rows


def summary_lines(records: list[dict], out: Path, *, top: int = 3) -> list[str]:
    """The end of a batch's summary: the most frequent named mistakes and where the reports are."""
    lines = []
    groups = named_mistakes(records)[:top]
    if groups:
        lines.append("Most frequent mistakes:")
        width = len(str(len(groups[0].students)))
        for group in groups:
            count = len(group.students)
            lines.append(
                f"  {count:>{width}} student{'s' if count != 1 else ' '}  {group.test}: "
                f"{group.title}"
            )
    lines.append(
        f"Reports: {out / 'index.html'} (the class, with mistakes.csv beside it); "
        f"{out}/<student>.html (each student)."
    )
    return lines
