"""Name the mistake: which catalogued wrong implementation behaves exactly like the student's.

The pipeline's *diagnose* stage, after the verdict: it runs only for a failing test and only adds
findings in front of the verdict's (``judges.verdict``), so it can never turn a fail into a pass.

A mistake is named when its variant's observations match the student's on EVERY case, with the
verdict's own tolerances (``compare.updates_match`` for trajectories) and the same side conditions
(error, return value, ``grad`` modified, dtype or shape changed). The variants' behaviour comes
from:

* instructor side: ``solutions/mistakes.py`` (the catalogue) run through ``runner.run_cases``,
  exactly like the student's code, once per ``Sources`` and case list;
* student side: ``data/public_mistakes.json``, each row's words and its observations on the public
  cases, written by ``build_public_mistakes`` (called by ``expect.build_public_data``). To keep it
  small, trajectories are stored for their first ``STORED_STEPS`` steps only, without the
  starting point (the case fixes it, so it is the student's own first row), and lists of floats
  as little-endian binary in base64 (exact: about 11 characters a float64, 5 a float32). Side
  conditions cover the whole run.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from autograder import PACKAGE_DIR
from autograder.checks import KINDS, runner
from autograder.checks.optimizers import trajectory_mismatch
from autograder.floats import Codec
from autograder.reports.result import NOTE, Finding
from autograder.spec import BY_NAME, TESTS
from autograder.verdict import cases as case_table
from autograder.verdict import compare
from autograder.verdict.observations import Unobserved
from autograder.verdict.profile import profile
from autograder.verdict.sources import Sources

PUBLIC_MISTAKES = PACKAGE_DIR / "data" / "public_mistakes.json"

# Steps of a trajectory kept in the public data, per kind: every catalogued mistake shows by step
# 2, or right after the state_dict round trip at step 4 (tests/test_mistakes.py names every one
# from the public data alone).
STORED_STEPS = {"step": 4, "my_sgd": 6, "my_adam": 6}

# Side conditions a step observation records; a mistake matches only with the same ones broken.
_SIDE_CONDITIONS = ("returned", "grad_modified", "dtype_changed", "shape_changed")

# Non-finite values become distinct, huge finite ones, so that NaN matches NaN (a mistake such as
# a missing square produces NaN exactly where the student's code does) and nothing else.
_NON_FINITE = {"nan": 3e300, "inf": 1e300, "-inf": -1e300}

# How the public data packs lists of floats: each list of two or more, float32 where exact.
STORAGE = Codec(min_length=2, narrow=True)


@dataclass(frozen=True)
class Known:
    """A catalogued mistake as the grader sees it: words and behaviour, no code.

    Attributes:
        id: the catalogue's id, e.g. ``"adam/no-bias-correction"``.
        title: completes "Your `adam_step` behaves like ...".
        message: what to change.
        observations: the variant's observations, one per case, in case order.
    """

    id: str
    title: str
    message: str
    observations: list[dict]


def _finite(trajectory: list) -> list:
    """A trajectory with NaN and infinities replaced by distinct sentinels."""
    if isinstance(trajectory, list):
        return [_finite(item) for item in trajectory]
    if math.isfinite(trajectory):
        return trajectory
    return _NON_FINITE[str(trajectory)]


def _side_signature(observation: dict) -> tuple:
    error = observation.get("error")
    where = None if error is None else (error["type"], error.get("step"), error.get("param"))
    return (where, *(observation.get(key) is None for key in _SIDE_CONDITIONS))


def _step_alike(test, case, got: dict, want: dict) -> bool:
    """Same side conditions, and the same updates within the verdict's tolerances."""
    if _side_signature(got) != _side_signature(want):
        return False
    return compare.updates_match(
        _finite(got["trajectory"]), _finite(want["trajectory"]), case.dtype, case.shapes
    )


# Details that hold values or words rather than where and what: left out when comparing findings.
_VOLATILE = {"traceback", "message", "repr", "expected", "got", "allowed", "mismatched", "total"}


def _signature(findings: list[Finding]) -> list[tuple]:
    return [
        (f.kind, f.case, {key: v for key, v in f.details.items() if key not in _VOLATILE})
        for f in findings
        if f.kind != NOTE
    ]


def _judged_alike(test, case, got: dict, want: dict) -> bool:
    """Any kind: the verdict finds in the student's observation, judged against the variant's,
    exactly what it finds in the variant's judged against itself (nothing where the variant's
    values are concerned, the same broken conditions at the same places)."""
    kind = KINDS[test.kind]
    try:
        return _signature(kind.judge(test, [case], [got], [want])) == _signature(
            kind.judge(test, [case], [want], [want])
        )
    except (TypeError, KeyError, ValueError, RuntimeError):
        # The verdict expects reference-like observations; a variant's that are not (no
        # iterates at all, say) cannot be the behaviour of a student whose are.
        return False


def _trained_alike(test, case, got: dict, want: dict) -> bool:
    """Optimiser classes: as any kind, and the same parameters after every step even where a
    broken condition (``zero_grad``, the closure's loss) stops the verdict before comparing them."""
    got_path, want_path = _finite(got["trajectory"]), _finite(want["trajectory"])
    return (
        _judged_alike(test, case, got, want)
        and len(got_path) == len(want_path)
        and trajectory_mismatch(case, got_path, want_path) is None
    )


# How to tell that two observations of one case show the same behaviour, per kind of check.
MATCHERS = {"step": _step_alike, "my_sgd": _trained_alike, "my_adam": _trained_alike}


def same_behaviour(test, case, got: dict, want: dict) -> bool:
    """Whether the student's observation ``got`` shows the behaviour of the variant's ``want``."""
    if Unobserved.of(got) is not None:
        return False
    if "stored_steps" in want:  # public data: the first steps, after the common starting point
        path = got["trajectory"][:1] + want["trajectory"]
        want = {**want, "trajectory": path}
        got = {**got, "trajectory": got["trajectory"][: len(path)]}
    return MATCHERS.get(test.kind, _judged_alike)(test, case, got, want)


# Joins the two ids of a compound row (two mistakes at once, ``solutions/mistake_families``).
COMPOUND = "+"


def diagnose(test, cases: list, observations: list[dict], known: list[Known]) -> list[Known]:
    """The mistakes whose behaviour matches the student's on every case, in catalogue order:
    single mistakes, or, when none matches, pairs of mistakes made at once."""
    if len(observations) != len(cases):
        return []
    singles = [mistake for mistake in known if COMPOUND not in mistake.id]
    pairs = [mistake for mistake in known if COMPOUND in mistake.id]
    for tier in (singles, pairs):
        found = [
            mistake
            for mistake in tier
            if len(mistake.observations) == len(cases)
            and all(
                same_behaviour(test, case, got, want)
                for case, got, want in zip(cases, observations, mistake.observations)
            )
        ]
        if found:
            return found
    return []


def finding(test, mistake: Known) -> Finding:
    """The finding that names a mistake, as the student reads it (two at once for a pair)."""
    return Finding(
        "mistake",
        f"Your `{test.answer}` behaves like {mistake.title}. {mistake.message}",
        None,
        {"mistake": mistake.id, "title": mistake.title},
    )


def mistake_findings(
    test,
    cases: list,
    observations: list[dict],
    *,
    sources: Sources,
    hidden: bool,
    verdict: Sequence[Finding] = (),
) -> list[Finding]:
    """Findings naming every matching mistake; when none matches, the difference profile of the
    verdict's findings ``verdict`` (``profile``), if it has something to say.

    Never raises: naming a mistake is a courtesy on top of a verdict already given.
    """
    if observations and all(
        (observation.get("error") or {}).get("type") == "NotImplementedError"
        for observation in observations
    ):
        return []  # an untouched stub: no behaviour to recognise
    try:
        known = known_mistakes(test.name, cases, sources=sources, hidden=hidden)
        named = [finding(test, mistake) for mistake in diagnose(test, cases, observations, known)]
        described = None if named else profile(test, cases, list(verdict))
        return named or ([described] if described else [])
    except Exception:  # a broken catalogue or data file must not cost the student their feedback
        return []


def known_mistakes(name: str, cases: list, *, sources: Sources, hidden: bool) -> list[Known]:
    """The catalogued mistakes of one test with their observations on ``cases`` (computed once
    per ``sources`` and case list on the instructor's side, shared by a whole batch)."""
    ids = tuple(case_table.case_id(case) for case in cases)
    catalogue = sources.module("mistakes")
    if catalogue is not None:
        return runner.once(
            sources.memo, ("variants", name, ids), lambda: _from_catalogue(name, cases, sources)
        )
    if hidden:
        return []
    return from_public_data(name, cases, sources.public(PUBLIC_MISTAKES.name))


def from_public_data(name: str, cases: list, data: dict) -> list[Known]:
    """The mistakes of one test as the public data holds them (rows lacking a case left out)."""
    ids = [case_table.case_id(case) for case in cases]
    return [
        Known(
            mistake_id, row["title"], row["message"], [STORAGE.unpack(row["cases"][i]) for i in ids]
        )
        for mistake_id, row in data.get(name, {}).items()
        if all(case_id in row["cases"] for case_id in ids)
    ]


def _from_catalogue(name: str, cases: list, sources: Sources) -> list[Known]:
    test = BY_NAME[name]
    namespace = sources.reference()
    return [
        Known(
            row.id,
            row.title,
            row.message,
            runner.run_cases(test, row.variant, cases, {**namespace, test.answer: row.variant}),
        )
        for row in sources.needed("mistakes").for_test(name)
    ]


def _for_storage(test, case, observation: dict) -> dict:
    """What the public data keeps of a variant's observation: no traceback (it would quote the
    instructor's code); for step functions, no empty entries (a missing key reads as None);
    trajectories for their first ``STORED_STEPS`` steps after the start; every list of floats
    packed."""
    kept = dict(observation)
    if isinstance(kept.get("error"), dict):
        kept["error"] = {key: value for key, value in kept["error"].items() if key != "traceback"}
    if test.kind == "step":
        kept = {key: value for key, value in kept.items() if value not in (None, [], case.id)}
    if test.kind in STORED_STEPS:
        kept["stored_steps"] = STORED_STEPS[test.kind]
        kept["trajectory"] = kept["trajectory"][1 : kept["stored_steps"] + 1]
    return STORAGE.pack(kept)


def build_public_mistakes(sources: Sources, path: Path = PUBLIC_MISTAKES) -> Path:
    """Write every catalogued mistake's words and observations on the public cases."""
    catalogue = sources.module("mistakes")
    if catalogue is None:
        raise RuntimeError("Building the public mistakes needs the solutions/ folder.")
    data = {}
    for test in TESTS:
        if not catalogue.for_test(test.name):
            continue
        cases = case_table.public_cases(test.name)
        data[test.name] = {
            mistake.id: {
                "title": mistake.title,
                "message": mistake.message,
                "cases": {
                    case_table.case_id(case): _for_storage(test, case, observation)
                    for case, observation in zip(cases, mistake.observations)
                },
            }
            for mistake in known_mistakes(test.name, cases, sources=sources, hidden=False)
        }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, sort_keys=True, separators=(",", ":")) + "\n")
    return path
