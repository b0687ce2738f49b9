"""One row of the mistake catalogue (``solutions/mistakes.py``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Mistake:
    """One common mistake.

    Attributes:
        id: ``"<test>/<what>"``, stable: tests and reports refer to it.
        test: the contract test it belongs to.
        title: a noun phrase that completes "Your `adam_step` behaves like ...".
        message: what to change, in words a student can act on.
        variant: an implementation of the test's answer that makes exactly this mistake.
    """

    id: str
    test: str
    title: str
    message: str
    variant: Callable


def row(mistake_id: str, title: str, message: str, variant: Callable) -> Mistake:
    """A row whose test is the first part of its id."""
    return Mistake(mistake_id, mistake_id.split("/")[0], title, message, variant)
