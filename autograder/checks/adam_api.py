"""How ``MyAdam`` uses the ``torch.optim.Optimizer`` API, checked directly, so that feedback says
what to change rather than only where the numbers part.

Child side (``probe`` and ``watcher``, plain data out, into the observation): what ``step``'s
signature accepts; which keys ``step()`` reads from the parameter groups (each group dict is
swapped, before the first step of a case with groups, for a dict that records the keys read);
what ``self.state`` holds after the first step (how many entries, float32 tensors of float64
parameters); the keys of ``self.defaults``. The training loop itself records how the closure
was called (``training.train``).

Parent side (``findings``): one finding per API mistake, each naming the change to make.

- *Always*, when the contract is broken whatever the numbers: ``step()`` that requires an
  argument, ``step`` that takes no closure, a closure called under ``torch.no_grad()`` or never
  called. (Findings in ``details["api"]``: ``diagnose`` compares findings, so a catalogued
  mistake without the same API mistake is never named for such a class.)
- *Only when a case fails*, as the explanation of that failure (a class that gets its numbers
  right some other way loses nothing): per-group hyperparameters not read from the groups
  (naming the keys read instead, e.g. ``beta1``), state kept outside ``self.state`` (a case
  with a ``state_dict()`` round trip fails), float32 state for float64 parameters.
"""

from __future__ import annotations

import inspect

import torch

from autograder.reports.result import Finding

# The hyperparameters every group carries (the contract's constructor arguments).
GROUP_KEYS = ("lr", "betas", "eps")
# Keys torch's own optimisers read from a group besides the hyperparameters: not "instead of".
_TORCH_KEYS = {
    "params", "amsgrad", "maximize", "foreach", "capturable", "differentiable", "fused",
    "weight_decay", "decoupled_weight_decay", "initial_lr", "param_names",
}  # fmt: skip
_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def probe(MyAdam) -> dict:
    """What the class's ``step`` signature accepts, without calling anything."""
    try:
        parameters = list(inspect.signature(MyAdam.step).parameters.values())[1:]  # self
    except (AttributeError, TypeError, ValueError):
        return {}
    required = [
        p.name
        for p in parameters
        if p.default is inspect.Parameter.empty
        and p.kind in (*_POSITIONAL, inspect.Parameter.KEYWORD_ONLY)
    ]
    takes_one = any(
        p.kind in _POSITIONAL or p.kind is inspect.Parameter.VAR_POSITIONAL for p in parameters
    )
    return {"step_required": required, "step_takes_closure": takes_one}


# Recorded when a group is read whole (``{**group}``, ``group.items()``, ...): keys unknown.
BULK = "*"


def _read_whole(name: str):
    """A dict method that records ``BULK`` before doing what dict's does."""

    def read_whole(self, *args, **kwargs):
        self.reads.add(BULK)
        return getattr(dict, name)(self, *args, **kwargs)

    return read_whole


class _Reads(dict):
    """A parameter group that records the keys read from it (``BULK`` when read whole)."""

    def __init__(self, group: dict, reads: set):
        super().__init__(group)
        self.reads = reads

    def __getitem__(self, key):
        self.reads.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self.reads.add(key)
        return super().get(key, default)

    __iter__ = _read_whole("__iter__")  # also makes {**group} and dict(group) call keys()
    keys = _read_whole("keys")
    items = _read_whole("items")
    values = _read_whole("values")
    copy = _read_whole("copy")


def watcher(observation: dict, *, groups: bool):
    """The callback ``training.train`` runs after building the optimiser (step 0) and after every
    step: it records the API facts of the module docstring into ``observation["api"]``."""
    facts = observation.setdefault("api", {})
    reads: set = set()

    def watch(optimizer, step: int) -> None:
        try:
            if step == 0 and groups:
                _record_reads(optimizer, reads)
            elif step == 1:
                facts.update(_after_first_step(optimizer))
                if groups:
                    facts["group_reads"] = sorted(str(key) for key in reads)
        except Exception:  # a probe of the student's object must never fail the run
            return

    return watch


def _record_reads(optimizer, reads: set) -> None:
    groups = getattr(optimizer, "param_groups", None)
    if isinstance(groups, list) and all(type(group) is dict for group in groups):
        groups[:] = [_Reads(group, reads) for group in groups]


def _after_first_step(optimizer) -> dict:
    facts: dict = {}
    defaults = getattr(optimizer, "defaults", None)
    if type(defaults) is dict:
        facts["default_keys"] = sorted(str(key) for key in defaults)
    state = getattr(optimizer, "state", None)
    if not isinstance(state, dict):
        return facts
    facts["state_entries"] = sum(1 for value in state.values() if value)
    float32 = set()
    for param, entry in list(state.items()):
        if not (isinstance(param, torch.Tensor) and param.dtype == torch.float64):
            continue
        for key, value in entry.items() if isinstance(entry, dict) else ():
            if isinstance(value, torch.Tensor) and value.dtype == torch.float32 and value.dim():
                float32.add(str(key))
    facts["float32_state"] = sorted(float32)
    return facts


# ----------------------------------------------------------------------------------------------
# Parent side


def _api(kind: str, message: str, **details) -> Finding:
    return Finding("side_condition", message, None, {"api": kind, **details})


def always(observations: list[dict]) -> list[Finding]:
    """Findings about the API that the contract decides whatever the numbers."""
    first = observations[0] if observations else {}
    signature = first.get("step_signature") or {}
    found = []
    if signature.get("step_required"):
        names = ", ".join(f"`{name}`" for name in signature["step_required"])
        found.append(
            _api(
                "step-requires-arguments",
                f"Your `MyAdam.step` requires {names}, but a training loop calls "
                "`optimizer.step()` with no argument (or `optimizer.step(closure)`): read the "
                "gradients from `param.grad` inside step(), and write `def step(self, "
                "closure=None):`.",
                required=signature["step_required"],
            )
        )
    elif signature and not signature.get("step_takes_closure"):
        found.append(
            _api(
                "closure-missing",
                "Your `MyAdam.step` takes no closure: write `def step(self, closure=None):`, "
                "and when a closure is given, call it (`with torch.enable_grad(): loss = "
                "closure()`) before the update and return its loss.",
            )
        )
    closure = _first(observations, "closure_no_grad")
    if closure is not None:
        found.append(
            _api(
                "closure-under-no-grad",
                f"Your step(closure) called the closure with gradients disabled (step "
                f"{closure}): the closure's backward() needs them. `@torch.no_grad()` on step() "
                "covers the closure too: call it inside `with torch.enable_grad(): loss = "
                "closure()`.",
                step=closure,
            )
        )
    never = _first(observations, "closure_not_called")
    if never is not None and not signature.get("step_required"):  # else the closure is `grads`
        found.append(
            _api(
                "closure-not-called",
                f"Your step(closure) never called the closure (step {never}): the closure "
                "computes the loss and the gradients; call it first, `with "
                "torch.enable_grad(): loss = closure()`, then update and `return loss`.",
                step=never,
            )
        )
    return found


def _first(observations: list[dict], key: str):
    return next((obs[key] for obs in observations if obs.get(key) is not None), None)


def when_failing(cases: list, observations: list[dict], failing: set) -> list[Finding]:
    """Findings that explain failing cases (``failing``: the ids of the cases that failed)."""
    if not failing:
        return []
    found = []
    facts = [(case, obs.get("api") or {}) for case, obs in zip(cases, observations)]
    reads = next(
        (f["group_reads"] for c, f in facts if c.id in failing and "group_reads" in f), None
    )
    if reads is not None:
        missing = _not_read(reads, facts)
        if missing:
            found.append(_groups_ignored(missing, reads, facts))
    moved = [_moved(obs) for obs in observations]  # a step that updates nothing keeps no state
    if any(case.reload_at and case.id in failing for case, _ in facts) and any(
        f.get("state_entries") == 0 and step_moved for (_, f), step_moved in zip(facts, moved)
    ):
        found.append(
            _api(
                "state-outside-optimizer",
                "Your `MyAdam` keeps nothing in `self.state` (it is still empty after a step), "
                "so state_dict() saves no moment and a rebuilt optimiser starts from zero: keep "
                "each parameter's step count, m and v in `self.state[param]`.",
            )
        )
    float32 = sorted({key for _, f in facts for key in f.get("float32_state", ())})
    if float32:
        keys = ", ".join(f"`{key}`" for key in float32)
        found.append(
            _api(
                "float32-state",
                f"Your `MyAdam` keeps {keys} in float32 for float64 parameters, which rounds "
                "every update: create the state with `torch.zeros_like(param)` (same dtype), "
                "not `torch.zeros(param.shape)`.",
                keys=float32,
            )
        )
    return found


def _moved(observation: dict) -> bool:
    """Whether the first step changed any parameter."""
    path = observation.get("trajectory") or []
    return len(path) > 1 and path[1] != path[0]


def _not_read(reads: list[str], facts) -> list[str]:
    """The group keys step() did not read; when it read a group whole, those its defaults lack
    (a group then holds them only when the caller set them)."""
    if BULK not in reads:
        return [key for key in GROUP_KEYS if key not in reads]
    defaults = next((f["default_keys"] for _, f in facts if "default_keys" in f), None)
    return [] if defaults is None else [key for key in GROUP_KEYS if key not in defaults]


def _groups_ignored(missing: list[str], reads: list[str], facts) -> Finding:
    instead = [key for key in reads if key not in (*GROUP_KEYS, BULK) and key not in _TORCH_KEYS]
    defaults: list[str] = next((f["default_keys"] for _, f in facts if "default_keys" in f), [])
    own = [key for key in defaults if key not in GROUP_KEYS and key not in _TORCH_KEYS]
    named = ", ".join(f"`{key}`" for key in missing)
    if instead:
        what = "reads " + ", ".join(f"`{key}`" for key in instead) + f" instead of {named}"
    else:
        what = f"never reads {named} from a parameter group (it uses values kept elsewhere)"
    if own:
        what += " (keys of your defaults: " + ", ".join(f"`{key}`" for key in own) + ")"
    return _api(
        "groups-ignored",
        f"Your step() {what}, so a parameter group created with its own "
        f"{' or '.join(missing)} (torch's keys) trains with your defaults. Pass "
        "`dict(lr=lr, betas=betas, eps=eps)` to super().__init__ and read `group['lr']`, "
        "`beta1, beta2 = group['betas']` and `group['eps']` for each group in "
        "self.param_groups.",
        missing=missing,
        instead=instead,
    )
