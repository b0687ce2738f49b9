"""Run the student's code on cases and record what it did, as plain data.

This module runs inside the sandbox, next to the student's code: it holds no reference code and no
expected values. What it returns (an *observation*) is JSON-ready and judged elsewhere (``compare``),
so the same observation can be produced by a sandboxed child, by the self-check in-process, or by
the reference solutions when the instructor computes expectations.
"""

from __future__ import annotations

import traceback

import torch

from .cases import StepCase, step_inputs

MAX_REPR = 200


def describe_error(error: BaseException, **where) -> dict:
    """An exception as plain data: its type, message, the student's part of the traceback."""
    frames = traceback.extract_tb(error.__traceback__)
    student = [frame for frame in frames if not frame.filename.endswith(("runner.py",))]
    lines = traceback.format_list(student[-3:])
    return {
        "type": type(error).__name__,
        "message": str(error)[:500],
        "traceback": "".join(lines)[-1500:],
        **where,
    }


def flat(tensor: torch.Tensor) -> list[float]:
    """A tensor's values as a flat list of Python floats (exact for float32 and float64)."""
    return tensor.detach().to(torch.float64).reshape(-1).tolist()


def run_step_case(step_fn, case: StepCase) -> dict:
    """Call ``step_fn`` on every parameter of ``case`` in turn, ``case.steps`` times.

    Returns:
        ``trajectory[t][i]``: parameter ``i`` after ``t`` steps, flattened (``t = 0`` is the start);
        ``error``: the first exception, where it happened, or ``None``;
        ``returned``: the first value returned other than ``None``, and where;
        ``grad_modified``, ``dtype_changed``, ``shape_changed``: where a side condition broke first.
    """
    params, grads = step_inputs(case)
    states = [{} for _ in params]
    observation = {
        "trajectory": [[flat(param) for param in params]],
        "error": None,
        "returned": None,
        "grad_modified": None,
        "dtype_changed": None,
        "shape_changed": None,
    }
    with torch.no_grad():
        for step in range(1, case.steps + 1):
            for index, param in enumerate(params):
                grad = grads[step - 1][index]
                grad_before = grad.clone()
                dtype, shape = param.dtype, param.shape
                where = {"step": step, "param": index}
                try:
                    returned = step_fn(param, grad, states[index], **case.hyper)
                except Exception as error:  # the student's error is an observation
                    observation["error"] = describe_error(error, **where)
                    return observation
                if returned is not None and observation["returned"] is None:
                    observation["returned"] = {"repr": repr(returned)[:MAX_REPR], **where}
                if observation["grad_modified"] is None and not torch.equal(grad, grad_before):
                    observation["grad_modified"] = where
                if param.dtype != dtype and observation["dtype_changed"] is None:
                    observation["dtype_changed"] = {"got": str(param.dtype), **where}
                if param.shape != shape and observation["shape_changed"] is None:
                    observation["shape_changed"] = {"got": list(param.shape), **where}
            observation["trajectory"].append([flat(param) for param in params])
    return observation


def run_cases(test, answer, cases: list, namespace: dict) -> list[dict]:
    """Observations of ``answer`` on every case of ``test``, whatever its kind."""
    run = RUNNERS[test.kind]
    if test.kind != "flashcards" and not callable(answer):
        return [{"invalid": f"`{test.answer}` is a {type(answer).__name__}, not a function or class."}]
    return [{"case": _case_id(case), **run(answer, case)} for case in cases]


def _case_id(case) -> str:
    return case.id if hasattr(case, "id") else str(case)


RUNNERS = {"step": run_step_case}
