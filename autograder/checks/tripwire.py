"""Catch student code that hands the work to ``torch.optim`` instead of implementing it.

A step function, ``gradient_descent`` or ``MySGD`` that calls ``torch.optim.SGD(...).step()``,
``torch.optim.adam.adam``, ``torch.optim._functional.sgd``, ``torch._fused_adam_`` or any other of
torch's optimiser kernels produces the right numbers without implementing anything: it scores 0,
with a message saying why.

``install()`` replaces every such entry point by a thin wrapper: the ``step`` method of every
optimiser class in ``torch.optim``, the functional kernels of every algorithm module
(``adam``, ``_single_tensor_adam``, ``_multi_tensor_adam``, ``_fused_adam``, ... and their
re-exports in ``torch.optim._functional``), and the fused ops ``torch._fused_*_``
(``torch.ops.aten`` is left alone: torch's own machinery enumerates those operator objects and
must find them intact). Disarmed, a wrapper only calls the original. Armed (inside
``watching()``), it records the call and raises ``ForbiddenCall``. Installing *before* the
student's code is executed means that ``from torch.optim.adam import adam`` in that code already
gets the wrapper; names imported earlier are swapped, for the time of the check, in the globals of
the function or class ``watching(answer)`` is given.

``torch.optim.Optimizer`` itself (its ``__init__``, ``zero_grad``, ``state_dict``, ...) is not a
kernel: ``MyAdam`` subclassing it is what the contract asks for. Grader code that must run a
kernel (the ``adam_step`` shim of ``checks/optimizers``) calls ``original(kernel)``.
"""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import torch
import torch.optim

from autograder.reports.result import Finding

# Modules of torch.optim that hold no optimiser kernel.
_NOT_KERNELS = {"optimizer", "lr_scheduler", "swa_utils", "_stateless"}
_KERNEL_NAME = re.compile(r"^(?:[a-z]\w*|_single_tensor_\w+|_multi_tensor_\w+|_fused_\w+)$")
_FUSED_OPS = ("_fused_adam_", "_fused_adamw_", "_fused_sgd_", "_fused_adagrad_")

MESSAGE = "wraps torch.optim: not an implementation"


class ForbiddenCall(RuntimeError):
    """Raised when armed student code calls one of torch's optimiser kernels."""


_patched: list[tuple[object, str, object]] = []  # (owner, attribute, original), to undo
_wrapper_of: dict[int, object] = {}  # id(original) -> wrapper
_original_of: dict[int, object] = {}  # id(wrapper) -> original
_name_of: dict[int, str] = {}  # id(original) -> the name a hit reports
_targets: list[tuple[object, str, str]] = []  # every (owner, attribute, name) patched once
_armed = [0]
_hits: list[str] = []


def _wrap(original, name: str):
    def guarded(*args, **kwargs):
        if _armed[0]:
            _hits.append(name)
            raise ForbiddenCall(f"`{name}`: {MESSAGE}")
        return original(*args, **kwargs)

    guarded.__name__ = getattr(original, "__name__", name)
    guarded.__qualname__ = getattr(original, "__qualname__", name)
    guarded.__doc__ = getattr(original, "__doc__", None)
    return guarded


def _patch(owner, attribute: str, name: str) -> None:
    original = owner.__dict__[attribute] if isinstance(owner, type) else getattr(owner, attribute)
    wrapper = _wrapper_of.get(id(original))
    if wrapper is None:
        wrapper = _wrap(original, name)
        _name_of[id(original)] = name
        _wrapper_of[id(original)] = wrapper
        _original_of[id(wrapper)] = original
    try:
        setattr(owner, attribute, wrapper)
    except (AttributeError, TypeError):  # a read-only C attribute: nothing to guard there
        return
    _patched.append((owner, attribute, original))


def _kernel_modules() -> list:
    prefix = "torch.optim."
    return [
        module
        for name, module in sorted(sys.modules.items())
        if name.startswith(prefix) and name[len(prefix) :] not in _NOT_KERNELS and module
    ]


def installed() -> bool:
    """Whether the wrappers are in place."""
    return bool(_patched)


def install() -> None:
    """Put the wrappers in place (idempotent); call it before executing student code.

    The entry points are found once per process; later installs only set attributes.
    """
    if _patched:
        return
    if _targets:
        for owner, attribute, name in _targets:
            _patch(owner, attribute, name)
        return
    optimizers = [
        cls
        for cls in vars(torch.optim).values()
        if isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer)
    ]
    for cls in optimizers:
        if cls is not torch.optim.Optimizer and "step" in cls.__dict__:
            _patch(cls, "step", f"torch.optim.{cls.__name__}.step")
    modules = _kernel_modules()
    for module in modules:
        for name, value in list(vars(module).items()):
            if (
                inspect.isfunction(value)
                and value.__module__ == module.__name__
                and _KERNEL_NAME.match(name)
            ):
                _patch(module, name, f"{module.__name__}.{name}")
    # Re-exports (torch.optim._functional.adam is torch.optim.adam.adam): swap them too.
    for module in modules:
        for name, value in list(vars(module).items()):
            if id(value) in _wrapper_of and _wrapper_of[id(value)] is not value:
                _patch(module, name, f"{module.__name__}.{name}")
    for op in _FUSED_OPS:
        if hasattr(torch, op):
            _patch(torch, op, f"torch.{op}")
    _targets.extend(
        (owner, attribute, _name_of[id(original)]) for owner, attribute, original in _patched
    )


def uninstall() -> None:
    """Restore every original (the wrappers stay valid: they call the originals)."""
    while _patched:
        owner, attribute, original = _patched.pop()
        setattr(owner, attribute, original)


def original(kernel):
    """The unguarded object behind a wrapper (or ``kernel`` itself): for the grader's own use."""
    return _original_of.get(id(kernel), kernel)


def _swap_names(namespace: dict) -> list[tuple[str, object]]:
    swapped = []
    for name, value in list(namespace.items()):
        wrapper = _wrapper_of.get(id(value))
        if wrapper is not None and wrapper is not value:
            namespace[name] = wrapper
            swapped.append((name, value))
    return swapped


def namespaces_of(answer) -> list[dict]:
    """The module globals the student's function, or every method of the student's class, reads."""
    functions = [answer]
    if isinstance(answer, type):
        functions = [
            value
            for klass in answer.__mro__
            if klass is not object and not klass.__module__.startswith("torch")
            for value in vars(klass).values()
        ]
    seen, result = set(), []
    for function in functions:
        function = inspect.unwrap(function) if callable(function) else function
        namespace = getattr(function, "__globals__", None)
        if isinstance(namespace, dict) and id(namespace) not in seen:
            seen.add(id(namespace))
            result.append(namespace)
    return result


@contextmanager
def watching(answer=None) -> Iterator[list[str]]:
    """Arm the wrappers while the block runs; yield the list of forbidden calls it made.

    Installs the wrappers if they are not in place (and removes them afterwards), and swaps kernels
    the student imported before installation in the namespaces ``answer`` reads.
    """
    installed_here = not _patched
    install()
    swapped = [(ns, _swap_names(ns)) for ns in namespaces_of(answer)] if answer else []
    start = len(_hits)
    hits: list[str] = []
    _armed[0] += 1
    try:
        yield hits
    finally:
        _armed[0] -= 1
        hits.extend(dict.fromkeys(_hits[start:]))
        del _hits[start:]
        for namespace, names in swapped:
            for name, value in names:
                if namespace.get(name) is _wrapper_of.get(id(value)):
                    namespace[name] = value
        if installed_here:
            uninstall()


@contextmanager
def suspended() -> Iterator[None]:
    """Disarm the wrappers while the grader itself runs a kernel inside ``watching()``."""
    armed, _armed[0] = _armed[0], 0
    try:
        yield
    finally:
        _armed[0] = armed


def finding(test, case_id: str, hits: list[str]) -> Finding:
    """The finding for a test whose answer called torch's optimiser code."""
    return Finding(
        "forbidden",
        f"Case {case_id!r}: `{test.answer}` {MESSAGE}: it calls `{hits[0]}`. "
        "Write the update yourself with tensor operations; using torch.optim scores 0.",
        case_id,
        {"calls": hits},
    )
