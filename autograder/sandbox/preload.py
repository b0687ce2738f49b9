"""Imported once by the fork server, before it forks anything: every child starts warm.

torch is made single-threaded first (intra-op and inter-op pools, OpenMP and MKL through the
environment), so that forking never copies a process with worker threads, and so that a child's
CPU time is its own. Plotting libraries are preloaded too (with a non-interactive backend): most
notebooks import them at the top, and importing them in every child would cost a second each.
So are the course's own helpers the notebook imports, torch.optim's tripwire (every child
installs it before running student code; done here once, the child finds it in place), and what
torch would otherwise import lazily in the child (``torch.func`` and ``torch._dynamo``).
"""

import contextlib
import gc
import os
import tempfile

for variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[variable] = "1"
os.environ.setdefault("MPLBACKEND", "Agg")

import torch  # noqa: E402

torch.set_num_threads(1)
with contextlib.suppress(RuntimeError):  # already set (the pool exists): nothing to do
    torch.set_num_interop_threads(1)

# What torch imports lazily, the first time an answer uses it: ``torch.func`` (grad, vmap, jacrev
# ...) imports ``torch._dynamo``, which replaces ``torch.manual_seed`` by a wrapper. Imported
# there, after the guard's snapshot, it would look like the student's patch (and cost seconds in
# every child); imported here, it is part of the torch every child starts from. Its import makes
# a compilation cache folder, left in /tmp for good unless it goes elsewhere: a folder removed here.
with tempfile.TemporaryDirectory(prefix="autograder-preload-") as _cache:
    os.environ["TORCHINDUCTOR_CACHE_DIR"] = _cache
    import torch._dynamo
del os.environ["TORCHINDUCTOR_CACHE_DIR"]
import torch.autograd.functional  # noqa: E402
import torch.func  # noqa: E402
import torch.nn.functional  # noqa: E402
import torch.optim  # noqa: E402

from autograder.checks import KINDS, optimizers, tripwire  # noqa: E402, F401
from autograder.sandbox import child, confine, kernels  # noqa: E402
from autograder.verdict import engine  # noqa: E402, F401

# What every child would do first: find torch's optimiser kernels and wrap them (idempotent there).
tripwire.install()

# The course helpers the notebook imports (``sketch`` pulls in PIL's drawing and matplotlib's Agg).
for optional in ("numpy", "matplotlib.pyplot", "autograder.surfaces", "autograder.sketch"):
    with contextlib.suppress(ImportError):
        __import__(optional)

# Last, once everything that may reference them is loaded: torch's optimiser kernels removed from
# every child's reach, but for a private copy of Adam's for my_adam's adam_step shim, which every
# child that runs another test drops (``kernels``).
_shim_kernel = kernels.copy_function(tripwire.original(optimizers._AdamStepShim.kernel))
optimizers._AdamStepShim.kernel = staticmethod(_shim_kernel)
kernels.neutralise_python(spare=(_shim_kernel,))
del _shim_kernel

# What a child may read, resolved and opened once here (every child inherits the handles); the
# fused optimiser operators blocked here, for every child (which inherits torch's dispatcher).
confine.readable_handles()
kernels.block_fused_ops()

# What the child's guard compares against once student code has run: the modules as every child
# starts from them (snapshot here, once, rather than in each child).
child.Guard.prepare()

# Everything above lives as long as the fork server: out of the garbage collector's sight, so that
# no child's collection walks (and, copy-on-write, copies) the million objects torch and sympy
# made. Cheaper children, the very same objects.
gc.collect()
gc.freeze()
