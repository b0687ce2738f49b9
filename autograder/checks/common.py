"""Helpers every kind of check shares: seeded tensors, errors as plain data."""

from __future__ import annotations

import random
import traceback

import torch

from autograder.reports.result import Finding

MAX_REPR = 200
MAX_TYPE_NAME = 40  # characters of a type's name a message quotes (the name is the student's)


def normal(rng: random.Random, shape: tuple[int, ...], scale: float, dtype) -> torch.Tensor:
    """A tensor of independent N(0, scale²) values from Python's ``random`` (stable everywhere)."""
    count = 1
    for size in shape:
        count *= size
    values = [scale * rng.gauss(0.0, 1.0) for _ in range(count)]
    return torch.tensor(values, dtype=dtype).reshape(shape)


def flat(tensor: torch.Tensor) -> list[float]:
    """A tensor's values as a flat list of Python floats (exact for float32 and float64)."""
    if tensor.is_floating_point():  # tolist() gives the exact floats: no float64 copy needed
        return (tensor if tensor.dim() == 1 else tensor.reshape(-1)).tolist()
    return tensor.detach().to(torch.float64).reshape(-1).tolist()


def describe_error(error: BaseException, **where) -> dict:
    """An exception as plain data: its type, message, and the student's part of the traceback."""
    frames = traceback.extract_tb(error.__traceback__)
    student = [frame for frame in frames if "/autograder/" not in frame.filename]
    lines = traceback.format_list(student[-3:])
    return {
        "type": type(error).__name__,
        "message": str(error)[:500],
        "traceback": "".join(lines)[-1500:],
        **where,
    }


def error_finding(test, case_id: str, error: dict) -> Finding:
    """A finding for an exception raised by the student's code."""
    where = ""
    if "step" in error:
        where = f" at step {error['step']}, parameter {error['param']}"
    return Finding(
        "error",
        f"Case {case_id!r}: `{test.answer}` raised {error['type']}{where}: {error['message']}\n"
        f"{error.get('traceback', '')}".rstrip(),
        case_id,
        error,
    )
