"""Loading, child side: the submission's bytes parsed inside the sandbox, where it costs only them.

The grader reads the file (``load.read_submission``: the bytes, the size cap, the digest) and puts
the bytes in the job; the guest parses them (``load.parse_submission``) after it is confined and
before any student code runs, under the same CPU, memory and time limits as a test. So a file
that is slow or large to parse, or one that crashes the parser, costs that submission's budget
and nobody else's, and never holds the grader's interpreter. It reports, before executing the
chunks::

    {"event": "parsed", "chunks": n, "problems": [...]}
    {"event": "source", "text": ...}               the module text, in pieces (``SOURCE_PIECE``)

A fresh child (after a crash) parses again: parsing is deterministic and linear in the file.
"""

from __future__ import annotations

from pathlib import PurePath

from autograder.loading.load import Chunk, Submission, parse_submission

MAX_PROBLEMS = 50  # problems reported (the rest are counted)
MAX_PROBLEM_CHARS = 2000
SOURCE_PIECE = 1 << 20  # characters of the module text per message
MAX_SOURCE = 16 << 20  # characters of the module text reported at most


def parse(job: dict, channel) -> list[Chunk]:
    """Parse the job's file; report its problems and module text; its chunks, in order."""
    submission = parse_submission(Submission("", PurePath(job["file"]), raw=job["raw"]))
    problems = [problem[:MAX_PROBLEM_CHARS] for problem in submission.problems[:MAX_PROBLEMS]]
    if len(submission.problems) > MAX_PROBLEMS:
        problems.append(f"... and {len(submission.problems) - MAX_PROBLEMS} more problems.")
    channel.send({"event": "parsed", "chunks": len(submission.chunks), "problems": problems})
    source = submission.source[:MAX_SOURCE]
    for start in range(0, len(source), SOURCE_PIECE):
        channel.send({"event": "source", "text": source[start : start + SOURCE_PIECE]})
    return submission.chunks
