"""Is every catalogued mistake caught, and named as itself?

One row of ``solutions/mistakes.py`` is one parametrized test: its variant, graded like a student's
submission, must score 0, and the first finding must name exactly that mistake, from the
instructor's catalogue and from the public data a student's self-check reads.
"""

from __future__ import annotations

import array
import base64
import json
import math

import pytest

from autograder.reports.result import Finding
from autograder.spec import BY_NAME
from autograder.verdict import diagnose, engine, expect, judges
from autograder.verdict.sources import Sources
from solutions import mistakes, reference, variant_loops, variants

SOURCES = Sources.discover()  # this checkout: the instructor's side


HIDDEN = SOURCES.module("hidden_cases") is not None
SCOPES = [False, True] if HIDDEN else [False]
TESTS_WITH_MISTAKES = sorted({mistake.test for mistake in mistakes.MISTAKES})


def grade(test_name: str, answer, *, hidden: bool):
    """The answer graded as a student's would be, in-process."""
    cases = expect.cases(test_name, sources=SOURCES, hidden=hidden)
    observations = engine.run_test(test_name, {BY_NAME[test_name].answer: answer}, cases)
    result = judges.verdict(BY_NAME[test_name], cases, observations, sources=SOURCES, hidden=hidden)
    return cases, observations, result


def named(result) -> list[str]:
    return [f.details["mistake"] for f in result.findings if f.kind == "mistake"]


@pytest.fixture(scope="module")
def public_data(tmp_path_factory) -> dict:
    path = diagnose.build_public_mistakes(
        SOURCES, tmp_path_factory.mktemp("data") / "mistakes.json"
    )
    return json.loads(path.read_text())


def test_catalogue_is_large_and_well_formed():
    """Does the catalogue hold at least 25 mistakes, with unique ids of the form test/what, for
    contract tests only, each with words a student can act on?"""
    ids = [mistake.id for mistake in mistakes.MISTAKES]
    assert len(ids) >= 25
    assert len(set(ids)) == len(ids)
    for mistake in mistakes.MISTAKES:
        assert mistake.test in BY_NAME
        assert mistake.id.startswith(f"{mistake.test}/")
        assert mistake.title and mistake.message.endswith((".", ")"))
        assert callable(mistake.variant)


@pytest.mark.parametrize("mistake", mistakes.MISTAKES, ids=lambda mistake: mistake.id)
@pytest.mark.parametrize("hidden", SCOPES, ids=lambda hidden: "hidden" if hidden else "public")
def test_mistake_scores_zero_and_is_named(mistake, hidden):
    """Does the variant score 0, with the named mistake as the first finding, followed by the
    numerical finding, and no other mistake named?"""
    _, _, result = grade(mistake.test, mistake.variant, hidden=hidden)
    assert result.score == 0.0
    assert result.findings[0].kind == "mistake"
    assert named(result) == [mistake.id]
    assert mistake.title in result.findings[0].message
    assert mistake.message in result.findings[0].message
    assert result.findings[1].kind != "mistake"  # the verdict's own finding follows


@pytest.mark.parametrize("mistake", mistakes.MISTAKES, ids=lambda mistake: mistake.id)
def test_mistake_is_named_from_public_data(mistake, public_data):
    """Does the self-check, which has only the public data, name the same mistake?"""
    test = BY_NAME[mistake.test]
    cases, observations, _ = grade(mistake.test, mistake.variant, hidden=False)
    known = diagnose.from_public_data(mistake.test, cases, public_data)
    assert [found.id for found in diagnose.diagnose(test, cases, observations, known)] == [
        mistake.id
    ]


@pytest.mark.parametrize("test_name", TESTS_WITH_MISTAKES)
@pytest.mark.parametrize("hidden", SCOPES, ids=lambda hidden: "hidden" if hidden else "public")
def test_reference_is_no_mistake(test_name, hidden, public_data):
    """Does the reference pass with no finding, and match no catalogued mistake, even when asked?"""
    test = BY_NAME[test_name]
    answer = getattr(reference, test.answer)
    cases, observations, result = grade(test_name, answer, hidden=hidden)
    assert result.passed and not result.findings
    assert (
        diagnose.diagnose(
            test,
            cases,
            observations,
            diagnose.known_mistakes(test_name, cases, sources=SOURCES, hidden=hidden),
        )
        == []
    )
    if not hidden:
        known = diagnose.from_public_data(test_name, cases, public_data)
        assert diagnose.diagnose(test, cases, observations, known) == []


FAMILIES = [
    ("momentum", variants.momentum_like),
    ("nesterov", variants.with_kwargs(variants.momentum_like, nesterov=True)),
    ("adagrad", variants.adaptive_like),
    ("rmsprop", variants.adaptive_like),
    ("adam", variants.adam_like),
    ("gradient_descent", variant_loops.descent_like),
    ("my_sgd", variant_loops.SGDLike),
    ("my_adam", variant_loops.AdamLike),
]


@pytest.mark.parametrize(("test_name", "family"), FAMILIES, ids=[row[0] for row in FAMILIES])
def test_family_without_flags_is_the_reference(test_name, family):
    """Is each family, with no flag set, the reference itself (so a flag is exactly one mistake)?"""
    assert grade(test_name, family, hidden=HIDDEN)[2].passed


def test_broken_catalogue_keeps_the_verdict(monkeypatch):
    """When naming fails (a broken catalogue or data file), is the verdict and its numerical
    finding still given, with no mistake named?"""

    def broken(*args, **kwargs):
        raise RuntimeError("broken catalogue")

    monkeypatch.setattr(diagnose, "known_mistakes", broken)
    _, _, result = grade("adam", mistakes.BY_ID["adam/no-bias-correction"].variant, hidden=False)
    assert result.score == 0.0 and result.findings
    assert named(result) == []


def test_diagnosis_never_passes_a_mistake(monkeypatch):
    """Even if the diagnosis named nothing or everything, does a wrong answer still score 0 and a
    right one full marks (naming only adds findings to a failing verdict)?"""
    everything = [Finding("mistake", "named", None, {"mistake": "x"})]
    monkeypatch.setattr(diagnose, "mistake_findings", lambda *args, **kwargs: everything)
    assert grade("sgd", reference.sgd_step, hidden=False)[2].findings == []
    wrong = grade("sgd", mistakes.BY_ID["sgd/ascent"].variant, hidden=False)[2]
    assert wrong.score == 0.0 and wrong.findings[0] is everything[0]


def test_public_data_is_compact_and_quotes_no_code(public_data):
    """Does the public data stay small (under 600 kB: 200 kB of it the 19 MyAdam rows, whose six
    stored steps of 32 float64 elements in four cases take 11 kB each, the rest about 2.5 kB a
    step-function row; still a small part of the student bundle), hold every catalogued mistake,
    and carry no traceback (which would quote the instructor's code)?"""
    text = json.dumps(public_data)
    assert len(text) < 600_000
    assert "solutions" not in text and "traceback" not in text.lower()
    stored = {mistake_id for rows in public_data.values() for mistake_id in rows}
    assert stored == {mistake.id for mistake in mistakes.MISTAKES}


def test_shipped_public_data_is_up_to_date(public_data):
    """Is the shipped data/public_mistakes.json what the catalogue builds now (rebuilt with
    ``python -m autograder sync``): the same structure and words, floats equal but for the last
    bits that another CPU's vectorised kernels round differently (1e-4 relative after growth
    through a trajectory; a stale file differs by far more)?"""
    assert _close(json.loads(diagnose.PUBLIC_MISTAKES.read_text()), public_data)


def _floats(key: str, stored, fresh) -> tuple:
    """Packed floats (``"f4"``/``"f8"``: base64 of little-endian values) as lists of floats."""
    if key in ("f4", "f8") and isinstance(stored, str) and isinstance(fresh, str):
        code = "f" if key == "f4" else "d"
        return tuple(array.array(code, base64.b64decode(text)).tolist() for text in (stored, fresh))
    return stored, fresh


def _close(stored, fresh) -> bool:
    if isinstance(fresh, float) and isinstance(stored, float):
        return math.isclose(stored, fresh, rel_tol=1e-4, abs_tol=1e-12) or (
            math.isnan(stored) and math.isnan(fresh)
        )
    if isinstance(fresh, dict):
        return (
            isinstance(stored, dict)
            and stored.keys() == fresh.keys()
            and all(_close(*_floats(key, stored[key], fresh[key])) for key in fresh)
        )
    if isinstance(fresh, list):
        return (
            isinstance(stored, list)
            and len(stored) == len(fresh)
            and all(_close(a, b) for a, b in zip(stored, fresh))
        )
    return stored == fresh


def test_self_check_without_solutions_names_the_mistake(tmp_path, root):
    """On a student's machine (no solutions/ folder), does the self-check name a mistake from the
    shipped data alone?"""
    import subprocess
    import sys

    script = (
        "from autograder.verdict import engine\n"
        "from autograder.verdict.sources import Sources\n"
        "sources = Sources.discover()\n"
        "assert not sources.instructor\n"
        "def adam_step(param, grad, state, *, lr, beta1, beta2, eps):\n"
        "    m = state['m'] = beta1 * state.get('m', 0.0) + (1 - beta1) * grad\n"
        "    v = state['v'] = beta2 * state.get('v', 0.0) + (1 - beta2) * grad * grad\n"
        "    param.sub_(lr * m / (v.sqrt() + eps))\n"
        "namespace = {'adam_step': adam_step}\n"
        "[result] = engine.grade_namespace(namespace, sources=sources, tests=['adam'])\n"
        "print(result.findings[0].details['mistake'])\n"
    )
    env = {"AUTOGRADER_SOLUTIONS": str(tmp_path / "absent"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "adam/no-bias-correction"
