"""Can a student who has read the grader forge a grade? Attacks, each scoring 0 on what it forges.

The sandboxed child only reports; the parent decides. Three layers are tested here:

- observations are claims: truncated, padded or re-typed ones never pass (a property test over
  mutations of the reference's own, correct observations);
- nothing learnt from one grading passes the next: a table of answers for every fixed hidden case
  fails the fresh case drawn from the course secret and the submission's digest;
- the child cannot reach torch's optimiser kernels, the instructor's files or the grader's
  environment (``tests/attacks/*.py`` graded by the batch grader beside a correct student, who
  keeps full marks).
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autograder.spec import BY_NAME
from autograder.verdict import cases as case_table
from autograder.verdict import engine, expect, judges
from autograder.verdict.sources import SECRET_NAME, Sources

SOURCES = Sources.discover()  # this checkout: the instructor's side


ROOT = Path(__file__).resolve().parents[1]
ATTACKS = Path(__file__).parent / "attacks"
HIDDEN = SOURCES.module("hidden_cases") is not None
TRAJECTORY_TESTS = ("sgd", "adam", "my_sgd", "my_adam")


def _mutations(observations: list[dict]) -> st.SearchStrategy:
    """Ways to damage a complete, correct list of observations, each of which must fail."""
    cases = len(observations)
    rows = len(observations[0]["trajectory"])
    return st.one_of(
        st.just(("drop case", cases - 1)),
        st.just(("add case", 0)),
        st.tuples(st.just("truncate"), st.integers(1, rows - 1)),
        st.tuples(st.just("pad"), st.integers(1, 3)),
        st.tuples(st.just("drop parameter"), st.integers(0, rows - 1)),
        st.tuples(st.just("int for float"), st.integers(0, rows - 1)),
        st.tuples(st.just("string for float"), st.integers(0, rows - 1)),
        st.tuples(st.just("drop field"), st.sampled_from(["error", "forbidden", "case"])),
        st.tuples(st.just("extra field"), st.just("passed")),
        st.tuples(st.just("rename case"), st.just(0)),
    )


def _damage(observations: list[dict], how: tuple) -> list:
    kind, where = how
    damaged = copy.deepcopy(observations)
    first = damaged[0]
    if kind == "drop case":
        return damaged[:where]
    if kind == "add case":
        return [*damaged, copy.deepcopy(first)]
    if kind == "truncate":
        first["trajectory"] = first["trajectory"][:where]
    elif kind == "pad":
        first["trajectory"] += [first["trajectory"][-1]] * where
    elif kind == "drop parameter":
        first["trajectory"][where] = first["trajectory"][where][:-1]
    elif kind == "int for float":
        first["trajectory"][where][0][0] = int(first["trajectory"][where][0][0])
    elif kind == "string for float":
        first["trajectory"][where][0][0] = str(first["trajectory"][where][0][0])
    elif kind == "drop field":
        first.pop(where)
    elif kind == "extra field":
        first[where] = True
    elif kind == "rename case":
        first["case"] = "sgd/lr=1"
    return damaged


@pytest.mark.parametrize("name", TRAJECTORY_TESTS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_damaged_observations_never_pass(name, data):
    """Do truncated, padded or re-typed observations fail, however the reference's own correct
    observations are damaged (and do the undamaged ones pass)?"""
    test = BY_NAME[name]
    cases = expect.cases(name, sources=SOURCES, hidden=False)
    correct = expect.expected(name, cases, sources=SOURCES, hidden=False)
    assert judges.verdict(
        test, cases, correct, expected=correct, sources=SOURCES, hidden=False
    ).passed
    damaged = _damage(correct, data.draw(_mutations(correct)))
    result = judges.verdict(test, cases, damaged, expected=correct, sources=SOURCES, hidden=False)
    assert not result.passed and result.score == 0
    assert result.findings[0].kind in ("invalid", "mismatch")


@pytest.mark.skipif(not HIDDEN, reason="fresh hidden cases need the instructor's solutions/")
def test_a_table_of_every_fixed_hidden_answer_fails_the_fresh_case():
    """Does an ``adam_step`` that looks every answer up in a table built from the fixed hidden
    cases (what a student who extracted their inputs could build offline) fail, while the
    reference passes the same cases, fresh one included?"""
    import torch

    from autograder.checks.step import step_inputs

    reference = SOURCES.reference_namespace()
    fixed = expect.cases("adam", sources=SOURCES, hidden=True)
    table = {}
    for case in fixed:
        params, grads = step_inputs(case)
        states = [{} for _ in params]
        for row in grads:
            for param, grad, state in zip(params, row, states):
                key = (param.numpy().tobytes(), grad.numpy().tobytes())
                reference["adam_step"](param, grad, state, **case.hyper)
                table[key] = param.clone()

    def lookup_adam_step(param, grad, state, *, lr, beta1, beta2, eps):
        answer = table.get((param.numpy().tobytes(), grad.numpy().tobytes()))
        param.copy_(answer if answer is not None else torch.zeros_like(param))

    fresh = case_table.fresh_cases("adam", "a" * 64, SOURCES)
    assert [case.id for case in fresh] == ["adam/hidden/fresh"]
    everything = fixed + fresh
    adam = BY_NAME["adam"]
    on_fixed = judges.verdict(
        adam, fixed, _run("adam", lookup_adam_step, fixed), sources=SOURCES, hidden=True
    )
    assert on_fixed.passed  # the table is right where it was built...
    cheated = _run("adam", lookup_adam_step, everything)
    assert not judges.verdict(
        adam, everything, cheated, sources=SOURCES, hidden=True
    ).passed  # ...not on the fresh
    honest = _run("adam", reference["adam_step"], everything)
    assert judges.verdict(adam, everything, honest, sources=SOURCES, hidden=True).passed


def _run(name: str, answer, cases: list) -> list[dict]:
    return engine.run_test(name, {BY_NAME[name].answer: answer}, cases)


@pytest.mark.skipif(not HIDDEN, reason="fresh hidden cases need the instructor's solutions/")
def test_fresh_seeds_follow_the_secret_and_the_file():
    """Does the same file get the same fresh seed (a regrade is reproducible), another file or
    another course secret another one, and is the secret readable by its owner only?"""
    secret = SOURCES.course_secret()
    path = SOURCES.solutions / SECRET_NAME
    assert len(secret) == 32 and path.stat().st_mode & 0o077 == 0
    seed = case_table.fresh_seed(secret, "a" * 64, "adam")
    assert seed == case_table.fresh_seed(secret, "a" * 64, "adam")
    assert seed != case_table.fresh_seed(secret, "b" * 64, "adam")
    assert seed != case_table.fresh_seed(b"another course", "a" * 64, "adam")


@pytest.fixture(scope="module")
def attacked(tmp_path_factory) -> dict[str, dict]:
    """The attacks and a correct student graded in one batch, with a secret in the grader's
    environment: every student's JSON, and the fork server's environment as the kernel shows it."""
    folder = tmp_path_factory.mktemp("attacks")
    for attack in [*ATTACKS.glob("*.py"), *ATTACKS.glob("*.ipynb")]:
        shutil.copy(attack, folder / attack.name)
    shutil.copy(ROOT / "examples" / "submissions" / "alice.py", folder / "honest.py")
    out = tmp_path_factory.mktemp("gradebook")
    environment = {**os.environ, "INSTRUCTOR_API_TOKEN": "hunter2-do-not-leak"}
    command = [sys.executable, "-m", "autograder", "grade", str(folder), "--out", str(out)]
    finished = subprocess.run(
        [*command, "--timeout", "15"], env=environment, capture_output=True, text=True, cwd=ROOT
    )
    assert finished.returncode == 0, finished.stderr
    return {path.stem: json.loads(path.read_text()) for path in out.glob("*.json")}


def _scores(result: dict) -> dict[str, float]:
    return {test["name"]: test["score"] for test in result["tests"]}


@pytest.mark.slow
@pytest.mark.skipif(not HIDDEN, reason="the batch grader grades on hidden cases")
def test_forged_observations_score_nothing(attacked):
    """Do the truncating and the runner-replacing attacks score 0 on every test they forge, while
    the honest student of the same batch keeps full marks?"""
    assert attacked["honest"]["score"] == attacked["honest"]["max_score"]
    truncated = _scores(attacked["truncator"])
    assert truncated["sgd"] == 0 and truncated["adam"] == 0
    for attack in ("forge_truncate", "channel_forge"):  # lists edited, results sent by hand
        forged = _scores(attacked[attack])
        assert all(score == 0 for name, score in forged.items() if name != "flashcards"), attack
    forged = _scores(attacked["replaced_runner"])
    assert all(forged[name] == 0 for name in ("sgd", "momentum", "nesterov", "adam"))
    # Flagged for the instructor, in the JSON (and so in grades.csv and the report); the honest
    # student is not.
    assert any("sys.modules" in flag for flag in attacked["replaced_runner"]["flags"])
    assert any("frame" in flag for flag in attacked["truncator"]["flags"])
    assert attacked["honest"]["flags"] == []


@pytest.mark.slow
@pytest.mark.skipif(not HIDDEN, reason="the batch grader grades on hidden cases")
def test_no_route_to_torchs_kernels_scores(attacked):
    """Does every route to torch's optimiser kernels (the optimiser class, the fused aten op,
    torch.optim._functional, a reloaded module, its source executed by hand, the my_adam shim's
    copy, torch._fused_adam_) score 0, saying why?"""
    scores = _scores(attacked["kernels"])
    routed = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
    assert all(scores[name] == 0 for name in routed), scores
    feedback = " ".join(t["feedback"] for t in attacked["kernels"]["tests"] if t["name"] in routed)
    assert "not available while grading" in feedback or "torch.optim" in feedback
    # Every overload of the fused kernels (``.tensor_lr`` too), for every test but my_adam, whose
    # class only plumbs adam_step (the shim's correct Adam: what the exercise asks it to reuse).
    fused = _scores(attacked["fused_full"])
    assert all(score == 0 for name, score in fused.items() if name != "my_adam"), fused


@pytest.mark.slow
@pytest.mark.skipif(not HIDDEN, reason="the batch grader grades on hidden cases")
def test_the_child_reads_no_instructor_file_and_no_grader_secret(attacked):
    """Are the card key, the hidden cases, the course secret, the card rules and the grader's
    environment all out of the child's reach (the feedback quotes only refusals)?"""
    feedback = json.dumps(attacked["snooper"])
    assert "PermissionError" in feedback
    # The grader's environment is on no child's stack either (the fork server is exec'd clean).
    assert "hunter2-do-not-leak" not in json.dumps(attacked["env_stack_leak"])
    # Hidden cases' inputs, read from the runner's frames, do not come back through error text.
    findings = [f for t in attacked["hidden_inputs_leak"]["tests"] for f in t["findings"]]
    hidden = [f for f in findings if f["case"] and "/hidden/" in f["case"]]
    assert hidden and not any("seed" in json.dumps(finding) for finding in hidden)
    for secret in ("hunter2-do-not-leak", "HIDDEN_STEP_HYPERS", "def formula", '"deck"'):
        assert secret not in feedback
    assert '"surface"' not in feedback and '"algorithm"' not in feedback  # the card key's fields


@pytest.mark.slow
@pytest.mark.skipif(not HIDDEN, reason="the batch grader grades on hidden cases")
def test_without_landlock_the_grader_refuses_unless_told(tmp_path):
    """Where a seccomp profile refuses Landlock, does the batch grader refuse to grade (exit 3,
    saying why), and with ``--unconfined`` grade while every report says it ran unconfined?"""
    command = [
        sys.executable,
        str(Path(__file__).parent / "no_landlock.py"),
        "-m",
        "autograder",
        "grade",
        str(ROOT / "examples" / "submissions" / "alice.py"),
        "--out",
        str(tmp_path),
    ]
    refused = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    assert refused.returncode == 3 and "Landlock" in refused.stderr
    assert not (tmp_path / "alice.json").exists()
    allowed = subprocess.run([*command, "--unconfined"], capture_output=True, text=True, cwd=ROOT)
    assert allowed.returncode == 0, allowed.stderr
    result = json.loads((tmp_path / "alice.json").read_text())
    assert result["score"] == result["max_score"]
    assert "UNCONFINED (--unconfined)" in result["protections"]
    assert not any(item.startswith("landlock") for item in result["protections"])


def test_discovery_skips_symbolic_links(tmp_path):
    """Are a link to the solution notebook, a link to another student's file and a folder linked
    from elsewhere all skipped with a note, while the real files are graded?"""
    from autograder.batch import discover

    (tmp_path / "alice.py").write_text("x = 1\n")
    (tmp_path / "mallory.ipynb").symlink_to(
        ROOT / "solutions" / "optimisation" / "optimisation.ipynb"
    )
    (tmp_path / "eve.py").symlink_to(tmp_path / "alice.py")
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (outside / "trudy.py").write_text("x = 2\n")
    (tmp_path / "linked").symlink_to(outside, target_is_directory=True)
    students, notes = discover([tmp_path])
    assert list(students) == ["alice"]
    assert sum("symbolic link" in note for note in notes) >= 2


@pytest.mark.skipif(not HIDDEN, reason="hidden cases need the instructor's solutions/")
def test_errors_on_hidden_cases_show_their_type_and_line_only():
    """Does an exception whose message quotes a hidden case's inputs reach the student as its
    type and the line that raised it only (the message is shown on public cases)?"""

    def sgd_step(param, grad, state, *, lr):
        mark = "".join(("LE", "AK"))  # the student's own line may be quoted; its values not
        raise ValueError(f"{mark} {tuple(param.shape)} {param.tolist()} lr={lr}")

    (result,) = engine.grade_namespace(
        {"sgd_step": sgd_step}, sources=SOURCES, tests=["sgd"], hidden=True
    )
    hidden = [f for f in result.findings if f.case and "/hidden/" in f.case]
    public = [f for f in result.findings if f.case and "/hidden/" not in f.case]
    assert hidden and public
    assert all("LEAK" not in f.message and "LEAK" not in json.dumps(f.details) for f in hidden)
    assert all("ValueError" in f.message and "line" in f.message for f in hidden)
    assert any("LEAK" in f.message for f in public)


@pytest.mark.slow
@pytest.mark.skipif(not HIDDEN, reason="the batch grader grades on hidden cases")
def test_the_second_red_teams_attacks(attacked):
    """Does the course's solution notebook that also imports scikit-learn keep full marks (the
    sandbox may list folders it may not read), do flags survive a notebook written in JSON
    escapes and a file in UTF-7, and does a forged pictures message cost its author a row of
    zeros, not the row?"""
    sklearn = attacked["correct_sklearn_import"]
    assert sklearn["score"] == sklearn["max_score"], [t["feedback"] for t in sklearn["tests"]]
    for hidden_flags in ("flag_hide_source_forge", "flag_hide_utf7"):
        assert any("frame" in flag for flag in attacked[hidden_flags]["flags"]), hidden_flags
    assert attacked["paths_crash"]["score"] == 0
    # A grade_id with line breaks stays inside its label's comment line: no forged code shown.
    source = attacked["flag_hide_source_forge"]["source"] or ""
    forged = [line for line in source.splitlines() if "no tricks" in line]
    assert forged and all(line.startswith("# --- ") for line in forged)


@pytest.mark.slow
def test_a_broken_adam_step_does_not_sink_my_adam_in_the_sandbox(tmp_path):
    """In the sandbox, does a MyAdam that reuses a broken adam_step still get full marks (run a
    second time beside the shim, in a child of its own), while adam_step scores 0; and does a
    correct submission need no second child (its my_adam passes with its own adam_step)?"""
    from autograder.loading.load import read_submission
    from autograder.sandbox import Limits, Sandbox
    from autograder.verdict.grade import grade, plan

    planned, _ = plan(sources=SOURCES, hidden=False, tests=("adam", "my_adam"))
    sandbox = Sandbox(Limits(timeout=15.0))
    runs: list[bool] = []
    original = sandbox.run

    def counted(submission, tests, *, shim=False):
        runs.append(shim)
        return original(submission, tests, shim=shim)

    sandbox.run = counted
    try:
        examples = ROOT / "examples" / "submissions"

        def graded(student: str):
            submission = read_submission(examples / f"{student}.py", student)
            return grade(submission, sandbox, planned, sources=SOURCES, hidden=False)

        bob = graded("bob")
        assert runs == [False, True]
        assert bob.test("adam").score == 0 and bob.test("my_adam").passed
        runs.clear()
        alice = graded("alice")
        assert runs == [False] and alice.test("my_adam").passed
    finally:
        sandbox.close()


@pytest.mark.parametrize("hidden", [True, False])
def test_what_a_stopped_test_printed_is_quoted_only_without_hidden_cases(hidden):
    """Is what the code printed before its test crashed withheld when the test ran hidden cases
    (it could print their inputs), and quoted when it did not?"""
    from autograder.reports.result import Finding
    from autograder.verdict.judges import stopped_policy

    printed = "param tensor([0.1234, 5.678])"
    stopped = Finding("crash", "Your code ended the Python process", None, {"output": printed})
    told = stopped_policy(stopped, hidden=hidden)
    assert (printed in told.message) is not hidden
    assert "output" not in told.details
    assert told.hidden is hidden


@pytest.mark.slow
@pytest.mark.skipif(not HIDDEN, reason="the batch grader grades on hidden cases")
def test_the_third_red_teams_attacks(attacked):
    """Does a crash print no hidden value into its author's report, a MySGD factory returning a
    torch.optim.Optimizer score 0 on my_sgd (with a partly answered quiz told what is left, not
    "not defined"), and a quiz stuffed with hidden draws show at most five short keys?"""
    crash = {test["name"]: test for test in attacked["leak_crash_output"]["tests"]}["sgd"]
    assert crash["score"] == 0
    assert all("printed:" not in finding["message"] for finding in crash["findings"])
    factory = {test["name"]: test for test in attacked["mysgd_factory_partial_cards"]["tests"]}
    assert factory["my_sgd"]["score"] == 0
    cards = factory["flashcards"]
    assert 0 < cards["score"] < cards["max_score"]
    assert not any("not defined" in finding["message"] for finding in cards["findings"])
    stuffed = {test["name"]: test for test in attacked["leak_draws_flashcards"]["tests"]}
    extra = [f for f in stuffed["flashcards"]["findings"] if f["kind"] == "extra"]
    assert len(extra) <= 6 and all(len(f["message"]) < 200 for f in extra)


@pytest.mark.slow
@pytest.mark.skipif(not HIDDEN, reason="the batch grader grades on hidden cases")
def test_the_fourth_red_teams_attacks(attacked):
    """Does undoing the fused kernels' block (the registration found by scanning memory, then
    reset) score nothing on adam; does no report quote a long type name, a crashed cell's output
    or a forged quiz answer (each bounded, and a forged one malformed); and does a quiz answer
    built to make the grader's own comparison quadratic cost its author the quiz, not the batch?"""
    assert _scores(attacked["fused_unblock_reset"])["adam"] == 0
    for attack in ("long_type_name_leak", "load_crash_output", "flashcards_quadratic_parent"):
        for test in attacked[attack]["tests"]:
            for finding in test["findings"]:
                assert len(finding["message"]) < 700, (attack, test["name"], finding["kind"])
                assert "printed:" not in finding["message"], (attack, test["name"])
    assert _scores(attacked["flashcards_quadratic_parent"])["flashcards"] == 0
    assert attacked["honest"]["score"] == attacked["honest"]["max_score"]
