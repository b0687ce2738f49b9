"""Take torch's optimiser kernels out of the sandboxed child's reach (not merely watch them).

A step function that hands its work to torch (``torch.optim.Adam``, ``torch.optim._functional``,
``torch._fused_adam_``, ``torch.ops.aten._fused_sgd_``, an original kept in a wrapper's closure,
a module reloaded through ``importlib``) produces the right numbers without implementing anything.
An in-process tripwire can be switched off by the code it watches; so here the kernels are
*removed*, at the lowest layers torch offers, before any student code runs:

1. ``neutralise_python()`` (once, in the fork server): every Python function defined in torch's
   optimiser algorithm modules (``torch/optim/adam.py``, ``sgd.py``, ``_functional.py``, ...),
   found through the garbage collector wherever it is referenced (module globals, classes,
   decorators' closures, ``torch.distributed.optim``), has its code replaced in place by code that
   raises. The original code objects are then referenced by nothing and freed: there is no
   original left to find through frames, closures or ``gc``. ``Optimizer`` itself
   (``optimizer.py``), ``lr_scheduler`` and ``swa_utils`` are not kernels and stay.
2. ``block_fused_ops()`` (in the fork server, before any child exists: every child inherits the
   dispatcher as it is): torch's C++ fused kernels (``_fused_adam_``, ``_fused_sgd_``, ...) are
   overridden for the CPU in torch's dispatcher by a kernel that raises. The registration's handle
   is kept alive only by a reference count, not by any Python object, so nothing in a child can
   undo it; the original kernel stays registered but inactive, and torch offers no call that
   reaches an inactive kernel.
3. The sources (``torch/optim/*.py`` and their bytecode caches, other libraries' Adam such as
   scikit-learn's) are unreadable by the child (``confine.readable_paths``, Landlock): a module
   cannot be reloaded or re-executed from its file.

The one grader need for a kernel is ``my_adam``'s ``adam_step`` shim (a correct ``adam_step``
stands in for the student's, so that a broken ``adam_step`` cannot also sink ``my_adam``). Its
kernel is a private copy made before step 1; every child drops it (``child._remove_kernels``) before
student code runs, so it is freed there too, and there the shim calls the student's own
``adam_step``. Only when ``my_adam`` then fails and the student's ``adam_step`` is wrong does the
grader run ``my_adam`` again, alone, in a child that keeps the copy (``grade.shim_rerun``): there,
using the shim is what the exercise asks anyway.

What remains possible: calling into ``libtorch_cpu.so`` through ``ctypes`` with hand-built C++
arguments (flagged for the instructor by ``flags``), or writing the update out of tensor
operations — which is the exercise.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import gc
import linecache
import re
import types
import warnings
from pathlib import Path

import torch
import torch.optim

OPTIM_DIR = Path(torch.optim.__file__).resolve().parent
# Files of torch/optim that hold no optimiser algorithm: they stay usable.
NOT_KERNELS = frozenset({"__init__.py", "optimizer.py", "lr_scheduler.py", "swa_utils.py"})
# torch's optimiser operators, every overload (``.default``, ``.tensor_lr``, ``.out``, ...),
# found in the dispatcher by name so that a new torch release cannot add one unnoticed.
OPTIMISER_OP = re.compile(r"^aten::_fused_(?:adam|adamw|sgd|adagrad|rmsprop|adadelta|lamb)\w*")
# Dispatch keys whose kernels compute: the CPU's, and the composite one an overload may use.
COMPUTING_KEYS = ("CPU", "CompositeExplicitAutograd")
MESSAGE = (
    "torch's optimiser kernels are not available while grading: "
    "write the update yourself with tensor operations"
)


@functools.cache
def is_kernel_file(filename: str) -> bool:
    """Whether ``filename`` is one of torch's optimiser algorithm modules."""
    try:
        relative = Path(filename).resolve().relative_to(OPTIM_DIR)
    except (ValueError, OSError):
        return False
    return relative.as_posix() not in NOT_KERNELS


def _refusal(free: int) -> types.CodeType:
    """Code that raises ``RuntimeError(MESSAGE)``, with ``free`` free variables (a function's
    code can only be replaced by code with as many free variables as its closure has cells)."""
    names = [f"_cell{index}" for index in range(free)]
    lines = ["def outer():"] + [f"    {name} = None" for name in names]
    lines += ["    def refused(*args, **kwargs):"]
    if names:
        lines += [f"        ({', '.join(names)},)"]
    lines += [f"        raise RuntimeError({MESSAGE!r})", "    return refused"]
    scope: dict = {}
    exec(compile("\n".join(lines), "<removed kernel>", "exec"), scope)
    return scope["outer"]().__code__


def copy_function(function: types.FunctionType) -> types.FunctionType:
    """A distinct function object running ``function``'s current code (kept from step 1)."""
    copy = types.FunctionType(
        function.__code__,
        function.__globals__,
        function.__name__,
        function.__defaults__,
        function.__closure__,
    )
    copy.__kwdefaults__ = function.__kwdefaults__
    return copy


def neutralise_python(*, spare: tuple[types.FunctionType, ...] = ()) -> int:
    """Replace the code of every function of torch's optimiser modules but ``spare`` (the shim's
    copy); how many were replaced.

    Functions whose code raises already are left alone, so calling it twice changes nothing.
    The raising code uses nothing but a builtin and a constant (no global a student could edit).
    """
    refusals: dict[int, types.CodeType] = {}
    replaced = 0
    spared = {id(function) for function in spare}
    for obj in gc.get_objects():
        if type(obj) is not types.FunctionType or id(obj) in spared:  # type(): no __class__ hooks
            continue
        code = obj.__code__
        if code.co_filename == "<removed kernel>" or not is_kernel_file(code.co_filename):
            continue
        free = len(code.co_freevars)
        if free not in refusals:
            refusals[free] = _refusal(free)
        obj.__code__ = refusals[free]
        replaced += 1
    linecache.clearcache()
    return replaced


@functools.cache
def optimiser_ops() -> tuple[str, ...]:
    """Every overload of torch's fused optimiser operators, as ``name.overload`` (no namespace)."""
    names = (name for name in torch._C._dispatch_get_all_op_names() if OPTIMISER_OP.match(name))
    return tuple(sorted(name.removeprefix("aten::") for name in names))


_BLOCKED: list[bool] = []  # True once this process (and so every later fork of it) blocked them


def blocked() -> bool:
    """Whether ``block_fused_ops`` ran in this process or the one it was forked from."""
    return bool(_BLOCKED)


def block_fused_ops() -> None:
    """Override every overload of torch's fused optimiser kernels with one that raises, for the
    dispatch keys that compute, for good."""
    library = torch._C._dispatch_library("IMPL", "aten", "", "<sandbox>", 0)
    with warnings.catch_warnings():  # "overriding a previously registered kernel": intended
        warnings.simplefilter("ignore")
        for op in optimiser_ops():
            for key in COMPUTING_KEYS:
                # torch's stub omits impl's fourth parameter, with_keyset (it is in the docstring)
                library.impl(op, key, _fused_refused, False)  # type: ignore[call-arg]
    # Keep the registration alive without any Python reference to it: nothing can reset it.
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(library))
    _BLOCKED.append(True)


def no_undo() -> None:
    """In a child, before student code: dispatcher registrations lose ``reset``, the one Python
    call that undoes one (the block's registration can be found by scanning memory with
    ``ctypes``, a red team showed; ``reset`` then made torch's fused kernel work again). What is
    left to a student is writing the process's memory by hand, which the README says."""
    with contextlib.suppress(AttributeError):
        delattr(torch._C._DispatchModule, "reset")


def _fused_refused(*args, **kwargs):
    raise RuntimeError(MESSAGE)
