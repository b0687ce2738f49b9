"""Benchmark: how well the feedback names mistakes, and how long the reports are.

Run on demand (pytest does not collect this folder), from the tree to measure (its
``autograder`` and ``solutions`` come first on the path; the corpus is always this file's):

    python tests/benchmarks/bench_feedback.py [--tree PATH]

Prints, for the corpus of wrong implementations (``tests/feedback_corpus.py``), per mistake
family and for step functions and classes: how many rows are named rightly, named wrongly (a
name other than the expected one: the goal is none) and not named. Then the length in lines of
the self-check's report and of the Markdown report (public and hidden cases) for the release
notebook untouched, and for the solution notebook with one mistake (Adam without bias
correction).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import json
import sys
import tempfile
from pathlib import Path

from autograder.verdict.sources import Sources

SOURCES = Sources.discover()  # this checkout: the instructor's side


HERE = Path(__file__).resolve().parents[2]


def _corpus():
    sys.path.insert(0, str(HERE / "tests"))
    import feedback_corpus

    return feedback_corpus.ROWS


def naming(rows) -> dict:
    from autograder.spec import TESTS
    from autograder.verdict import engine

    test_of = {test.answer: test.name for test in TESTS}
    counts = collections.defaultdict(collections.Counter)
    for answer, family, expected, source in rows:
        namespace: dict = {}
        exec("import torch, math\nimport numpy as np\n" + source, namespace)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            (result,) = engine.grade_namespace(
                namespace, sources=SOURCES, tests=[test_of[answer]], hidden=True
            )
        named = [f.details.get("mistake") for f in result.findings if f.kind == "mistake"]
        kind = "class" if answer in ("MySGD", "MyAdam") else "step function"
        told = [f for f in result.findings if f.details.get("api") or f.kind == "profile"]
        if not named:
            verdict = "not named" if expected else "rightly not named"
            verdict += ", told by a direct check or profile" if told else ", numbers only"
        else:
            verdict = "named rightly" if named == [expected] else "named wrongly"
        counts[family][verdict] += 1
        counts[f"ALL: {kind}"][verdict] += 1
    return counts


def _notebook(tree: Path, out: Path, mistake: bool) -> Path:
    if not mistake:
        return tree / "assignments" / "optimisation" / "optimisation.ipynb"
    notebook = json.loads((tree / "solutions" / "optimisation" / "optimisation.ipynb").read_text())
    for cell in notebook["cells"]:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if grade_id == "adam_step":
            source = "".join(cell["source"])
            source = source.replace("bias_correction1 = 1 - beta1**step", "bias_correction1 = 1")
            source = source.replace("bias_correction2 = 1 - beta2**step", "bias_correction2 = 1")
            cell["source"] = source
    path = out / "one-mistake.ipynb"
    path.write_text(json.dumps(notebook))
    return path


def report_lines(tree: Path) -> dict:
    from autograder import selfcheck
    from autograder.loading.load import load_submission, namespace_from
    from autograder.loading.needed import needed_only
    from autograder.notebook import silenced
    from autograder.reports import report
    from autograder.reports.result import SubmissionResult
    from autograder.verdict.engine import grade_namespace

    lines = {}
    with tempfile.TemporaryDirectory() as folder:
        for label, mistake in (("untouched", False), ("one mistake", True)):
            path = _notebook(tree, Path(folder), mistake)
            with silenced():
                text = selfcheck.render(selfcheck.run(path))
                submission = load_submission(path)
                namespace = namespace_from(needed_only(submission))
                results = grade_namespace(namespace, hidden=True)
            markdown = report.to_markdown(SubmissionResult("student", results))
            lines[label] = {
                "self-check": len(text.splitlines()),
                "markdown": len(markdown.splitlines()),
            }
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=HERE, help="the checkout to measure")
    args = parser.parse_args()
    sys.path.insert(0, str(args.tree.resolve()))
    counts = naming(_corpus())
    for family in sorted(counts, key=lambda name: (not name.startswith("ALL"), name)):
        print(f"{family:55s} {dict(counts[family])}")
    print(json.dumps(report_lines(args.tree.resolve()), indent=1))


if __name__ == "__main__":
    main()
