"""What a complete observation is, per kind of check: the parent's side of the trust boundary.

An observation is what the student's code did on one case (``runner``); in the batch grader it
comes from a sandboxed child that the student controls entirely, so it is a *claim*. Before any
claim is judged, ``problem`` checks it as a whole:

- **types**: every field of the kind's ``TypedDict`` below, strictly (a float is a float, not an
  int or a string; no field missing, none extra), validated by pydantic;
- **completeness**: one observation per case, in order, each naming its case; trajectories with
  exactly the rows, parameters and sizes of the reference's — fewer rows only where a recorded
  error of the student's says at which step it stopped.

The invariant every judge relies on: *nothing to compare is never a pass*. A truncated, padded,
re-typed or otherwise malformed observation fails its test with a clear message; only a
complete, well-typed observation reaches the comparison, and the comparison then demands the
reference's values on inputs the student could not know in advance (``cases.fresh``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal, NotRequired

from pydantic import BeforeValidator, ConfigDict, Field, TypeAdapter, ValidationError
from typing_extensions import TypedDict

STRICT = ConfigDict(strict=True, extra="forbid")


class Where(TypedDict):
    __pydantic_config__ = STRICT  # type: ignore[misc]
    step: int
    param: int


class ErrorInfo(TypedDict):
    __pydantic_config__ = STRICT  # type: ignore[misc]
    type: str
    message: str
    traceback: str
    step: NotRequired[int]
    param: NotRequired[int]
    call: NotRequired[str]


class Returned(TypedDict):
    __pydantic_config__ = STRICT  # type: ignore[misc]
    repr: str
    step: int
    param: int


class GradModified(TypedDict):
    __pydantic_config__ = STRICT  # type: ignore[misc]
    step: int
    param: int
    after: NotRequired[bool]


class Changed(TypedDict):
    __pydantic_config__ = STRICT  # type: ignore[misc]
    got: str | list[int]
    step: int
    param: int


def _floats_only(values: object) -> object:
    """pydantic's strict float still takes an int: an observed value is a float, nothing else
    (checked on the raw input, at C speed)."""
    if type(values) is list and not set(map(type, values)) <= {float}:
        raise ValueError("values must be floats")
    return values


Floats = Annotated[list[float], BeforeValidator(_floats_only)]
Trajectory = list[list[Floats]]  # [step][parameter][element]


class StepObservation(TypedDict):
    __pydantic_config__ = STRICT  # type: ignore[misc]
    case: str
    trajectory: Trajectory
    error: ErrorInfo | None
    returned: Returned | None
    grad_modified: GradModified | None
    dtype_changed: Changed | None
    shape_changed: Changed | None
    forbidden: list[str]


class DescentObservation(TypedDict):
    __pydantic_config__ = STRICT  # type: ignore[misc]
    case: str
    type: str | None
    shape: list[int] | None
    dtype: str | None
    iterates: Floats | None
    error: ErrorInfo | None
    f_calls: int
    x0_modified: bool
    forbidden: list[str]
    repr: NotRequired[str]


class ClosureReturn(TypedDict):
    __pydantic_config__ = STRICT  # type: ignore[misc]
    step: int
    repr: str


class RaisedInfo(TypedDict):
    """What a probe's call raised (not scored)."""

    __pydantic_config__ = STRICT  # type: ignore[misc]
    type: str
    message: str


class StepSignature(TypedDict):
    __pydantic_config__ = STRICT  # type: ignore[misc]
    step_required: NotRequired[list[str]]
    step_takes_closure: NotRequired[bool]


class ApiFacts(TypedDict):
    """What ``checks.adam_api`` saw of a MyAdam after its first step."""

    __pydantic_config__ = STRICT  # type: ignore[misc]
    default_keys: NotRequired[list[str]]
    state_entries: NotRequired[int]
    float32_state: NotRequired[list[str]]
    group_reads: NotRequired[list[str]]


class TrainObservation(TypedDict):
    __pydantic_config__ = STRICT  # type: ignore[misc]
    case: str
    trajectory: Trajectory
    error: ErrorInfo | None
    zero_grad_kept: Where | None
    closure_return: ClosureReturn | None
    closure_no_grad: int | None
    closure_not_called: int | None
    subclasses_optimizer: bool
    forbidden: list[str]
    none_grad: NotRequired[RaisedInfo | None]  # my_sgd
    defaults: NotRequired[dict[str, float | int | str | list[float | int]]]  # my_adam
    step_signature: NotRequired[StepSignature]
    api: NotRequired[ApiFacts]
    adam_step_calls: NotRequired[int]


# Text the child writes and a finding may quote: as long as the child's own checks make it (a quiz
# key or answer: 80 characters; a sentence about a value: 200), never more. Longer is a forged
# claim; it would also cost the grader time, as some text is compared in more than linear time.
MAX_WORD, MAX_SENTENCE = 80, 200
Word = Annotated[str, Field(max_length=MAX_WORD)]
Sentence = Annotated[str, Field(max_length=MAX_SENTENCE)]


class CardProblem(TypedDict):
    __pydantic_config__ = STRICT  # type: ignore[misc]
    key: Word
    problem: Literal["key", "value"]
    got: NotRequired[Word]


class CardAnswers(TypedDict):
    __pydantic_config__ = STRICT  # type: ignore[misc]
    case: str
    pairs: list[Annotated[list[Word], Field(min_length=2, max_length=2)]]  # [written, name]
    problems: list[CardProblem]


class CardRefusal(TypedDict):
    __pydantic_config__ = STRICT  # type: ignore[misc]
    case: str
    refused: Sentence


class Missing(TypedDict):
    """The whole test: the answer is not defined (one observation stands for every case)."""

    __pydantic_config__ = STRICT  # type: ignore[misc]
    missing: Word


class Invalid(TypedDict):
    """The whole test: the answer is of the wrong type."""

    __pydantic_config__ = STRICT  # type: ignore[misc]
    invalid: Sentence


@dataclass(frozen=True)
class Unobserved:
    """Why a whole test has nothing to judge: its answer is ``missing`` (not defined) or
    ``invalid`` (of a type that cannot be run). On the wire it is one observation ``{reason:
    detail}`` that stands for every case (``Missing``, ``Invalid``); a case the flash cards
    refuse to read is that kind's own observation (``CardRefusal``), judged like any other."""

    reason: Literal["missing", "invalid"]
    detail: str

    def wire(self) -> list[dict]:
        """The observations that say it, as the child sends them."""
        return [{self.reason: self.detail}]

    @classmethod
    def of(cls, observation: object) -> Unobserved | None:
        """The marker ``observation`` is, or None when it is an observation of a case."""
        if isinstance(observation, dict):
            for reason in ("missing", "invalid"):
                if reason in observation:
                    return cls(reason, observation[reason])
        return None


SCHEMAS: dict[str, TypeAdapter] = {
    "step": TypeAdapter(StepObservation),
    "descent": TypeAdapter(DescentObservation),
    "my_sgd": TypeAdapter(TrainObservation),
    "my_adam": TypeAdapter(TrainObservation),
    "flashcards": TypeAdapter(CardAnswers | CardRefusal),
}
WHOLE_TEST = TypeAdapter(Missing | Invalid)
TRAJECTORY_KINDS = ("step", "my_sgd", "my_adam")


def problem(kind: str, cases: list, observations: object, expected: list) -> str | None:
    """Why ``observations`` cannot be judged against ``expected`` (None when they can).

    ``cases`` are the cases that were sent; ``expected`` the reference's observations on them.
    """
    if not isinstance(observations, list):
        return "What came back from your code's process is not a list of observations."
    if len(observations) == 1 and _is_whole_test(observations[0]):
        return None
    if len(observations) != len(cases):
        return (
            f"What came back from your code's process answers {len(observations)} cases; "
            f"{len(cases)} were sent."
        )
    schema = SCHEMAS[kind]
    for case, got, want in zip(cases, observations, expected, strict=True):
        try:
            schema.validate_python(got)
        except ValidationError as error:
            where = error.errors()[0]
            field = ".".join(str(part) for part in where["loc"][:4])
            return f"Case {case.id!r}: what came back is malformed ({field}: {where['msg']})."
        if got["case"] != case.id:
            return f"Case {case.id!r}: what came back answers case {got['case']!r} instead."
        incomplete = _incomplete(kind, case, got, want)
        if incomplete:
            return f"Case {case.id!r}: what came back is incomplete ({incomplete})."
    return None


def _is_whole_test(observation: object) -> bool:
    try:
        WHOLE_TEST.validate_python(observation)
    except ValidationError:
        return False
    return True


def _incomplete(kind: str, case, got: dict, want: dict) -> str | None:
    """What a well-typed observation lacks, compared with the reference's on the same case."""
    if kind in TRAJECTORY_KINDS:
        return _trajectory_gap(case, got, want)
    iterates, reference = got.get("iterates"), want.get("iterates")
    if kind == "descent" and iterates is not None and len(iterates) != len(reference or ()):
        return f"{len(iterates)} values where the result's shape holds another number"
    return None


def _trajectory_gap(case, got: dict, want: dict) -> str | None:
    """Rows, parameters and sizes as the reference's; fewer rows only where the student's error
    says where it stopped (a step function that fails at step k recorded k rows)."""
    rows, full = got["trajectory"], want["trajectory"]
    error = got["error"]
    if error is None:
        if len(rows) != len(full):
            return f"{len(rows)} rows of parameters instead of {len(full)}"
    elif not 1 <= len(rows) <= len(full) or ("step" in error and error["step"] > len(full)):
        return f"{len(rows)} rows of parameters, the error at step {error.get('step')}"
    elif "param" in error and len(rows) != error["step"]:  # a step function's error
        return f"{len(rows)} rows of parameters, the error at step {error['step']}"
    sizes = [len(values) for values in full[0]]
    reshaped = got.get("shape_changed") is not None
    for index, row in enumerate(rows):
        if len(row) != len(sizes):
            return f"row {index} has {len(row)} parameters instead of {len(sizes)}"
        if not reshaped and [len(values) for values in row] != sizes:
            return f"row {index} has parameters of other sizes than the case's"
    return None
