"""The table of cases: what every check feeds the student's code.

A case is plain data (it crosses into the sandbox as JSON) and its inputs are generated from its
seed with Python's ``random`` module, whose stream is fixed across versions and platforms, so the
student's machine, the sandbox and the instructor's machine all build the same tensors.

Public cases are defined by each kind of check (``checks/<kind>.py``) and drive the self-check;
hidden cases (other seeds, shapes, dtypes and hyperparameters) live in ``solutions/hidden_cases.py``
and exist only where the instructor grades.
"""

from __future__ import annotations

import hashlib
import hmac

from autograder.checks import KINDS
from autograder.spec import BY_NAME
from autograder.verdict.sources import Sources


def public_cases(test: str) -> list:
    """The public cases of any test, by name."""
    return KINDS[BY_NAME[test].kind].public_cases(test)


def case_id(case) -> str:
    """The name a case goes by in observations and feedback."""
    return case.id


def public_ids(test: str, sources: Sources) -> frozenset[str]:
    """Ids of the public cases of ``test`` that no hidden case shares: the only cases whose
    numbers a student may see (an id a hidden case also uses counts as hidden)."""

    def compute() -> frozenset[str]:
        ids = {case_id(case) for case in public_cases(test)}
        hidden = sources.module("hidden_cases")
        if hidden is not None:
            ids -= {case_id(case) for case in hidden.hidden_cases(test)}
        return frozenset(ids)

    return sources.cached(("public_ids", test), compute)


FRESH_MARK = "/hidden/fresh"


def is_fresh(case) -> bool:
    """Whether ``case`` was drawn for one submission (``fresh_cases``): never cached, never used
    to name a mistake (the catalogue runs on the fixed cases, once a batch)."""
    return is_fresh_id(case_id(case))


def is_fresh_id(case: str) -> bool:
    """``is_fresh`` by a case's id (a finding names its case by id)."""
    return case.endswith(FRESH_MARK)


def fresh_seed(secret: bytes, digest: str, test: str) -> int:
    """A seed only the holder of ``secret`` can compute: HMAC-SHA256 of the submission's digest
    and the test name. The same file gets the same seed (a regrade is reproducible); another
    file, another seed."""
    mac = hmac.new(secret, f"{digest}:{test}".encode(), hashlib.sha256).digest()
    return int.from_bytes(mac[:6], "big")


def fresh_cases(test: str, digest: str, sources: Sources) -> list:
    """The fresh hidden cases of ``test`` for the submission whose SHA-256 is ``digest``; none
    without the instructor's ``solutions/`` (and its secret)."""
    hidden, secret = sources.module("hidden_cases"), sources.course_secret()
    if hidden is None or secret is None or not hasattr(hidden, "fresh_cases"):
        return []
    return hidden.fresh_cases(test, fresh_seed(secret, digest, test))
