"""Gradescope: results.json against the spec, the autograder zip, and run_autograder end to end."""

from __future__ import annotations

import itertools
import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

from autograder.reports import gradescope, report
from autograder.reports.result import Finding, SubmissionResult, TestResult
from autograder.spec import MAX_SCORE, TEST_NAMES
from autograder.verdict import judges
from autograder.verdict.cases import public_ids
from autograder.verdict.sources import Sources

SOURCES = Sources.discover()  # this checkout: the instructor's side


# Gradescope's results.json (autograder specification): key -> accepted types.
TOP_LEVEL = {
    "score": (int, float),
    "execution_time": (int,),
    "output": (str,),
    "output_format": (str,),
    "stdout_visibility": (str,),
    "visibility": (str,),
    "extra_data": (dict,),
    "tests": (list,),
}
PER_TEST = {
    "name": (str,),
    "number": (str,),
    "score": (int, float),
    "max_score": (int, float),
    "status": (str,),
    "output": (str,),
    "output_format": (str,),
    "visibility": (str,),
    "tags": (list,),
    "extra_data": (dict,),
}
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
FORMATS = {"text", "html", "simple_format", "md", "ansi"}


def validate(data: dict) -> None:
    """Assert that ``data`` is a results.json Gradescope accepts, with every contract test."""
    assert set(data) <= set(TOP_LEVEL), set(data) - set(TOP_LEVEL)
    for key, value in data.items():
        assert isinstance(value, TOP_LEVEL[key]), key
    assert data["stdout_visibility"] in VISIBILITY and data["output_format"] in FORMATS
    assert [test["name"] for test in data["tests"]] == list(TEST_NAMES)
    for test in data["tests"]:
        assert {"name", "score", "max_score", "output", "visibility"} <= set(test)
        assert set(test) <= set(PER_TEST)
        for key, value in test.items():
            assert isinstance(value, PER_TEST[key]), key
        assert test["visibility"] in VISIBILITY and test["output_format"] in FORMATS
        assert test["status"] == ("passed" if test["score"] >= test["max_score"] else "failed")
        assert 0 <= test["score"] <= test["max_score"]
    assert data["score"] == pytest.approx(sum(test["score"] for test in data["tests"]))
    json.dumps(data, allow_nan=False)


HIDDEN = {"step": 4, "param": 1, "expected": 0.0123456789, "got": 0.5, "allowed": 1e-15}

RESULTS = {
    "full": SubmissionResult("ada", [TestResult.full(name) for name in TEST_NAMES]),
    "zero": SubmissionResult("zed", []),
    "partial": SubmissionResult(
        "pat",
        [
            TestResult.full("sgd"),
            TestResult("flashcards", 1.5, 2.0, [Finding("wrong", "Card c4 is matched wrongly.")]),
            TestResult.zero(  # as judged: the one hidden-case policy (judges.hidden_policy)
                "adam",
                *judges.hidden_policy(
                    [Finding("mismatch", "Case 3: expected 0.0123456789", "adam/hidden 3", HIDDEN)],
                    [SimpleNamespace(id="adam/hidden 3")],
                    frozenset(),
                ),
            ),
        ],
        protections=["landlock", "rlimits"],
    ),
    "hostile": SubmissionResult(
        "mallory\x1b[2J",
        [TestResult.zero("adam", Finding("error", "ValueError: \x1b[31m<script>x</script>"))],
    ),
}


@pytest.mark.parametrize("name", RESULTS)
def test_results_json_follows_the_spec(name):
    """Is results.json what Gradescope's spec asks for, one visible test per contract name?"""
    data = gradescope.results_json(RESULTS[name], execution_time=3.2)
    validate(data)
    assert data["execution_time"] == 4
    assert data["score"] == RESULTS[name].score
    assert all(test["visibility"] == "visible" for test in data["tests"])


@pytest.mark.parametrize("name", RESULTS)
def test_results_json_adds_nothing_to_the_feedback(name):
    """Does a test's output hold the findings' sentences, none of a hidden case's expected
    values, and no control characters?"""
    result = RESULTS[name]
    data = gradescope.results_json(result)
    assert "0.0123456789" not in json.dumps(data)
    for test, entry in zip(result.tests, data["tests"]):
        assert "\x1b" not in entry["output"]
        for finding in test.findings:
            assert report.safe_text(report.said(test.name, finding)) in entry["output"]


def test_failure_json_follows_the_spec():
    """Is a grader failure still a valid results.json, every test at 0 and the reason shown?"""
    data = gradescope.failure_json("no notebook", execution_time=0.1)
    validate(data)
    assert data["score"] == 0 and "no notebook" in data["output"]
    assert sum(test["max_score"] for test in data["tests"]) == MAX_SCORE


def test_write_results(tmp_path):
    """Is results.json written whole and readable back?"""
    path = gradescope.write_results(RESULTS["partial"], tmp_path / "results.json")
    validate(json.loads(path.read_text()))


@pytest.mark.parametrize(
    ("files", "chosen"),
    [
        (["a.py", "b.ipynb"], "b.ipynb"),
        (["sub/x.py"], "sub/x.py"),
        ([".ipynb_checkpoints/a-checkpoint.ipynb", "__MACOSX/a.ipynb", "real.py"], "real.py"),
        (["notes.txt"], None),
    ],
)
def test_find_submission(tmp_path, files, chosen):
    """Does run_autograder grade the notebook first, else a .py file, ignoring checkpoints?"""
    for name in files:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    found, _ = gradescope.find_submission(tmp_path)
    assert (found.relative_to(tmp_path).as_posix() if found else None) == chosen


# ----------------------------------------------------------------------------------------------
# The zip


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return gradescope.build_autograder_zip(out_dir=tmp_path_factory.mktemp("dist"))


def test_zip_has_executable_scripts(built):
    """Are setup.sh and run_autograder at the zip's top level, executable?"""
    with zipfile.ZipFile(built) as archive:
        for name in ("setup.sh", "run_autograder"):
            mode = archive.getinfo(name).external_attr >> 16
            assert mode & stat.S_IXUSR and stat.S_ISREG(mode), name


def test_zip_holds_what_grading_needs(built, root):
    """Does the zip hold the package and the instructor's solutions, without caches or
    notebooks?"""
    with zipfile.ZipFile(built) as archive:
        names = set(archive.namelist())
    assert {"autograder/__init__.py", "autograder/cli.py", "solutions/reference/adam.py"} <= names
    package = {path.relative_to(root).as_posix() for path in (root / "autograder").rglob("*.py")}
    assert {name for name in package if "__pycache__" not in name} <= names
    assert not [name for name in names if "__pycache__" in name or name.endswith(".ipynb")]
    assert not [name for name in names if name.startswith(("assets/", "solutions/optimisation/"))]
    grading = [path for path in (root / "solutions").glob("*") if path.suffix in {".py", ".json"}]
    assert {path.relative_to(root).as_posix() for path in grading} <= names


def test_zip_is_deterministic(built, tmp_path):
    """Does building twice give the same bytes?"""
    again = gradescope.build_autograder_zip(out_dir=tmp_path)
    assert again.read_bytes() == built.read_bytes()


def test_setup_installs_the_pinned_cpu_torch_and_every_dependency(built):
    """Does setup.sh install torch==2.13.0 from the CPU index and every other dependency?"""
    with zipfile.ZipFile(built) as archive:
        setup = archive.read("setup.sh").decode()
    assert "torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu" in setup
    for dependency in gradescope.dependencies():
        assert f"'{dependency}'" in setup or f" {dependency}" in setup
    assert not [dep for dep in gradescope.dependencies() if dep.startswith("torch")]


@pytest.mark.parametrize("script", ["setup.sh", "run_autograder"])
def test_scripts_parse(built, script, tmp_path):
    """Is each script valid bash?"""
    with zipfile.ZipFile(built) as archive:
        (tmp_path / script).write_bytes(archive.read(script))
    subprocess.run(["bash", "-n", str(tmp_path / script)], check=True)


# ----------------------------------------------------------------------------------------------
# run_autograder, end to end, in a fake /autograder


def _reference_submission(root: Path) -> str:
    """A .py submission: the reference modules one after the other, relative imports removed."""
    modules = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]
    modules += ["gradient_descent", "my_sgd", "my_adam"]
    source = []
    for module in modules:
        text = (root / "solutions" / "reference" / f"{module}.py").read_text()
        source += [line for line in text.splitlines() if not line.startswith("from .")]
    return "\n".join(source) + "\n"


def _fake_root(built: Path, tmp_path: Path) -> Path:
    """/autograder as Gradescope lays it out: source/ unzipped, run_autograder copied beside."""
    fake = tmp_path / "autograder"
    with zipfile.ZipFile(built) as archive:
        archive.extractall(fake / "source")
    shutil.copy(fake / "source" / "run_autograder", fake / "run_autograder")
    (fake / "run_autograder").chmod(0o755)
    (fake / "submission").mkdir()
    return fake


def _run(fake: Path) -> dict:
    env = dict(os.environ, AUTOGRADER_ROOT=str(fake))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env.pop("AUTOGRADER_SOLUTIONS", None)
    done = subprocess.run([str(fake / "run_autograder")], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    data = json.loads((fake / "results" / "results.json").read_text())
    validate(data)
    return data


def test_run_autograder_reports_an_empty_submission(built, tmp_path):
    """Does an empty submission still get a results.json that says why it scored 0?"""
    data = _run(_fake_root(built, tmp_path))
    assert data["score"] == 0 and "no .ipynb or .py file" in data["output"]


@pytest.mark.slow
def test_run_autograder_grades_a_py_submission(built, tmp_path, root):
    """Does run_autograder grade a .py submission from the zip alone, full marks for the
    reference code (flash cards aside)?"""
    pytest.importorskip("autograder.batch", reason="the batch grader is not written yet")
    fake = _fake_root(built, tmp_path)
    (fake / "submission" / "alice.py").write_text(_reference_submission(root))
    data = _run(fake)
    scores = {test["name"]: (test["score"], test["max_score"]) for test in data["tests"]}
    assert all(got == most for name, (got, most) in scores.items() if name != "flashcards"), data
    assert data["execution_time"] >= 1


# ----------------------------------------------------------------------------------------------
# What a student sees of hidden cases


def _buggy_namespace() -> dict:
    """The reference solutions with three bugs: wrong sign, eps inside the root, no bias fix."""
    import solutions.reference as reference

    def sgd_step(param, grad, state, *, lr):
        param.add_(lr * grad)

    def rmsprop_step(param, grad, state, *, lr, alpha, eps):
        square = state.setdefault("square_avg", torch.zeros_like(param))
        square.mul_(alpha).addcmul_(grad, grad, value=1 - alpha)
        param.sub_(lr * grad / torch.sqrt(square + eps))

    def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
        m = state.setdefault("m", torch.zeros_like(param))
        v = state.setdefault("v", torch.zeros_like(param))
        m.mul_(beta1).add_(grad, alpha=1 - beta1)
        v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        param.sub_(lr * m / (v.sqrt() + eps))

    return {**vars(reference), "sgd_step": sgd_step, "rmsprop_step": rmsprop_step,
            "adam_step": adam_step}  # fmt: skip


def _updates(observation: dict) -> set[str]:
    """Every update of a step-function trajectory, as feedback would print it."""
    trajectory = observation["trajectory"]
    return {
        f"{after - before:.10g}"
        for row_before, row_after in itertools.pairwise(trajectory)
        for param_before, param_after in zip(row_before, row_after)
        for before, after in zip(param_before, param_after)
    }


@pytest.mark.slow
def test_hidden_cases_leak_nothing_into_results_json(root):
    """Graded on hidden cases, does results.json hold no hidden expected value and no line of
    the reference code?"""
    from autograder.verdict import engine

    if SOURCES.module("hidden_cases") is None:
        pytest.skip("no hidden cases on this machine")
    from autograder.verdict import expect

    names = ("sgd", "rmsprop", "adam")
    tests = engine.grade_namespace(_buggy_namespace(), sources=SOURCES, tests=names, hidden=True)
    result = SubmissionResult("bug", tests)
    text = json.dumps(gradescope.results_json(result))
    hidden = [
        (name, finding)
        for name in names
        for finding in result.test(name).findings
        if finding.case and finding.hidden
    ]
    assert hidden, "the bugs should fail hidden cases too"
    for name, finding in hidden:
        assert not {"expected", "got", "allowed"} & set(finding.details), finding
        # The reference's values in that hidden case: none of its updates is printed.
        # (values a public case shares, such as float32's rounding of -lr, may be printed)
        cases = expect.cases(name, sources=SOURCES, hidden=True)

        def reference(case, name=name):
            return expect.expected(name, [case], sources=SOURCES, hidden=True)[0]

        public = {value for case in cases if case.id in public_ids(name, SOURCES)
                  for value in _updates(reference(case))}  # fmt: skip
        (case,) = [c for c in cases if c.id == finding.case]
        updates = _updates(reference(case)) - public
        telling = [value for value in updates if len(value.lstrip("-")) >= 8]
        assert telling, "a hidden case with no telling values proves nothing"
        assert not [value for value in telling if value in text]
    for path in (root / "solutions" / "reference").glob("*.py"):
        for line in path.read_text().splitlines():
            code = line.strip()
            if len(code) > 25 and not code.startswith(("#", '"""', 'r"""', "def ", "import")):
                assert code not in text, code
