r"""The catalogue of common mistakes, as data: one row per mistake, with the wrong implementation
that makes it.

``verdict.diagnose`` runs every variant through the same runner as the student's code and, when a
failing submission behaves exactly like a variant on every case, names the mistake first in the
feedback ("Your `adam_step` behaves like Adam without bias correction. Divide m by ...").
``tests/test_mistakes.py`` proves every row scores 0 and is named as itself, and that the reference
is named as no mistake. Parametric rows (a hyperparameter hard-coded at a value, a step count stuck)
and compound rows (two mistakes at once) are built in ``solutions/mistake_families.py``. A mistake
that makes every value NaN (Adam's step count starting at 0: 1 − β⁰ = 0) is no row: any NaN would
match it (``param.fill_(nan)`` too); ``verdict.profile`` says what NaN from the first step
usually means instead. Variants are built from the reference by the combinators and families of
``solutions/variants.py``, never by copying a whole function.

Nothing here ships to students: ``autograder/data/public_mistakes.json`` holds what the self-check
needs (each row's title, message, and its variant's observations on the public cases).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from .mistake_families import compound_rows, parametric_rows
from .mistake_rows import Mistake
from .mistake_rows import row as _row
from .reference import adagrad_step, adam_step, momentum_step, nesterov_step, rmsprop_step, sgd_step
from .variant_loops import AdamWrongDefaults, SGDOptimizer, adam_class, descent_like, sgd_class
from .variants import (
    DROP,
    STEP_REFERENCES,
    adam_like,
    adaptive_like,
    fresh_state,
    modifies_grad,
    momentum_like,
    on_copy,
    returns_copy,
    shared_state,
    with_kwargs,
)


def _not_kept(what: str, key: str) -> str:
    return (
        f"Store {what} in `state` (e.g. `state[{key!r}]`) and update it at every call; a local "
        "variable is lost when the function returns."
    )


def _shared(what: str) -> str:
    return (
        f"Keep each parameter's {what} in the `state` dict you are given (a different dict for "
        "every parameter), not in a global or default-argument variable."
    )


FLOAT32_STATE = (
    "Create the state with `torch.zeros_like(param)` (same dtype and shape), not "
    "`torch.zeros(param.shape)`, which is always float32."
)


def _negative_lr(hyper: dict) -> float:
    return -hyper["lr"]


def _momentum(hyper: dict) -> float:
    return hyper["momentum"]


def _one_minus_alpha(hyper: dict) -> float:
    return 1 - hyper["alpha"]


def _swap_betas(step: Callable) -> Callable:
    return with_kwargs(step, beta1=lambda hyper: hyper["beta2"], beta2=lambda hyper: hyper["beta1"])


STEP_MISTAKES: tuple[Mistake, ...] = (
    # SGD
    _row(
        "sgd/ascent",
        "gradient ascent (the sign of the update is wrong)",
        "Step against the gradient: θ ← θ − lr·g (subtract the scaled gradient, do not add it).",
        with_kwargs(sgd_step, lr=_negative_lr),
    ),
    _row(
        "sgd/no-learning-rate",
        "SGD without the learning rate",
        "Multiply the gradient by `lr` before subtracting it: θ ← θ − lr·g.",
        with_kwargs(sgd_step, lr=1.0),
    ),
    _row(
        "sgd/modifies-grad",
        "a correct step that scales `grad` in place (e.g. `grad.mul_(lr)`)",
        "Treat `grad` as read-only: the caller still needs it. Use `param.sub_(lr * grad)` or "
        "`param.add_(grad, alpha=-lr)`.",
        modifies_grad(sgd_step),
    ),
    # Momentum
    _row(
        "momentum/ascent",
        "momentum with the sign of the update reversed",
        "With b ← μb + g, subtract: θ ← θ − lr·b. (In the velocity form v ← μv − lr·g, add: "
        "θ ← θ + v.)",
        with_kwargs(momentum_step, lr=_negative_lr),
    ),
    _row(
        "momentum/state-not-kept",
        "plain SGD: the momentum buffer is not kept between calls",
        _not_kept("the buffer", "momentum_buffer"),
        fresh_state(momentum_step),
    ),
    _row(
        "momentum/shared-state",
        "momentum with one buffer shared by every parameter",
        _shared("buffer"),
        shared_state(momentum_step),
    ),
    _row(
        "momentum/moving-average",
        "momentum as a moving average started at zero, b ← μb + (1 − μ)g",
        "PyTorch's momentum sums gradients without damping: b ← μb + g, and b = g on the first "
        "call (not 0).",
        with_kwargs(momentum_like, dampening=_momentum, zero_start=True),
    ),
    _row(
        "momentum/damped",
        "momentum with damping, b ← μb + (1 − μ)g",
        "Add the whole gradient to the buffer: b ← μb + g. Do not scale it by (1 − μ).",
        with_kwargs(momentum_like, dampening=_momentum),
    ),
    _row(
        "momentum/is-nesterov",
        "Nesterov momentum",
        "Plain (heavy-ball) momentum steps by the buffer alone: θ ← θ − lr·b, without the extra "
        "look-ahead term g + μb.",
        nesterov_step,
    ),
    _row(
        "momentum/hard-coded-momentum",
        "momentum with μ fixed at 0.9, whatever the caller passes",
        "Use the `momentum` argument: the caller chooses μ (0.9 is only a common default).",
        with_kwargs(momentum_step, momentum=0.9),
    ),
    # Nesterov
    _row(
        "nesterov/is-momentum",
        "plain momentum (θ ← θ − lr·b, which is also what g + μ·b with the OLD buffer gives)",
        "Nesterov steps by the look-ahead direction g + μ·b, not by b alone: update the buffer "
        "first (b ← μb + g), then θ ← θ − lr·(g + μ·b) with the NEW buffer.",
        momentum_step,
    ),
    _row(
        "nesterov/moving-average",
        "Nesterov with the buffer as a moving average started at zero, b ← μb + (1 − μ)g",
        "Sum gradients without damping, b ← μb + g (b = g on the first call), then step by "
        "g + μ·b.",
        with_kwargs(momentum_like, nesterov=True, dampening=_momentum, zero_start=True),
    ),
    _row(
        "nesterov/state-not-kept",
        "Nesterov whose momentum buffer is not kept between calls",
        _not_kept("the buffer", "momentum_buffer"),
        fresh_state(nesterov_step),
    ),
    # AdaGrad
    _row(
        "adagrad/eps-inside-sqrt",
        "AdaGrad with eps inside the square root, g / √(G + eps)",
        "Add eps after the square root: θ ← θ − lr·g / (√G + eps), as torch.optim.Adagrad does.",
        with_kwargs(adaptive_like, eps_inside=True),
    ),
    _row(
        "adagrad/missing-square",
        "AdaGrad summing gradients instead of squared gradients, G ← G + g",
        "Accumulate the SQUARE of the gradient: G ← G + g² (e.g. `grad * grad`).",
        with_kwargs(adaptive_like, square=False),
    ),
    _row(
        "adagrad/missing-sqrt",
        "AdaGrad without the square root, g / (G + eps)",
        "Divide by the square root of the sum: θ ← θ − lr·g / (√G + eps).",
        with_kwargs(adaptive_like, root=False),
    ),
    _row(
        "adagrad/decaying-sum",
        "RMSProp with α = 0.99: the sum of squares decays",
        "AdaGrad never forgets: G ← G + g², with no decay factor.",
        with_kwargs(adaptive_like, alpha=0.99),
    ),
    _row(
        "adagrad/state-not-kept",
        "AdaGrad whose sum of squared gradients is not kept between calls",
        _not_kept("G", "sum"),
        fresh_state(adagrad_step),
    ),
    _row(
        "adagrad/float32-state",
        "AdaGrad keeping its sum in float32 for a float64 parameter",
        FLOAT32_STATE,
        with_kwargs(adaptive_like, float32_state=True),
    ),
    _row(
        "adagrad/shared-state",
        "AdaGrad with one sum shared by every parameter",
        _shared("sum"),
        shared_state(adagrad_step),
    ),
    # RMSProp
    _row(
        "rmsprop/eps-inside-sqrt",
        "RMSProp with eps inside the square root, g / √(v + eps)",
        "Add eps after the square root: θ ← θ − lr·g / (√v + eps), as torch.optim.RMSprop does.",
        with_kwargs(adaptive_like, eps_inside=True),
    ),
    _row(
        "rmsprop/sum-like-adagrad",
        "AdaGrad: the squared gradients are summed, never forgotten",
        "Keep a moving average, not a sum: v ← α·v + (1 − α)·g².",
        with_kwargs(adaptive_like, alpha=DROP),
    ),
    _row(
        "rmsprop/missing-one-minus-alpha",
        "RMSProp without the (1 − α) factor, v ← α·v + g²",
        "Weight the new squared gradient by (1 − α): v ← α·v + (1 − α)·g².",
        with_kwargs(adaptive_like, one_minus_alpha=False),
    ),
    _row(
        "rmsprop/alpha-swapped",
        "RMSProp with α and 1 − α swapped, v ← (1 − α)·v + α·g²",
        "α weights the OLD average: v ← α·v + (1 − α)·g² (α = 0.99 keeps 99% of the past).",
        with_kwargs(adaptive_like, alpha=_one_minus_alpha),
    ),
    _row(
        "rmsprop/missing-sqrt",
        "RMSProp without the square root, g / (v + eps)",
        "Divide by the root mean square: θ ← θ − lr·g / (√v + eps).",
        with_kwargs(adaptive_like, root=False),
    ),
    _row(
        "rmsprop/state-not-kept",
        "RMSProp whose moving average is not kept between calls",
        _not_kept("v", "square_avg"),
        fresh_state(rmsprop_step),
    ),
    # Adam
    _row(
        "adam/no-bias-correction",
        "Adam without bias correction",
        "Divide m by (1 − β₁ᵗ) and v by (1 − β₂ᵗ), with t the number of steps taken so far, "
        "counting this one (t = 1 on the first call).",
        with_kwargs(adam_like, correct_m=False, correct_v=False),
    ),
    _row(
        "adam/m-corrected-only",
        "Adam with bias correction on m only",
        "Correct both moments: m̂ = m / (1 − β₁ᵗ) AND v̂ = v / (1 − β₂ᵗ).",
        with_kwargs(adam_like, correct_v=False),
    ),
    _row(
        "adam/v-corrected-only",
        "Adam with bias correction on v only",
        "Correct both moments: m̂ = m / (1 − β₁ᵗ) AND v̂ = v / (1 − β₂ᵗ).",
        with_kwargs(adam_like, correct_m=False),
    ),
    _row(
        "adam/step-from-two",
        "Adam whose step count is one ahead (t = 2 on the first call)",
        "Start the count at 0 and increment it once per call, before the bias correction, so "
        "that t = 1 on the first call.",
        with_kwargs(adam_like, first_step=2),
    ),
    _row(
        "adam/folded-correction",
        "the older eps placement (Kingma and Ba's 'efficient' form, older PyTorch's and "
        "HuggingFace's): eps added to √v before the bias correction, with step size "
        "lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ)",
        "That form moves eps: add eps to the CORRECTED √v̂, θ ← θ − lr·m̂ / (√v̂ + eps), as "
        "torch.optim.Adam does.",
        with_kwargs(adam_like, folded=True),
    ),
    _row(
        "adam/eps-inside-sqrt",
        "Adam with eps inside the square root, m̂ / √(v̂ + eps)",
        "Add eps after the square root: θ ← θ − lr·m̂ / (√v̂ + eps).",
        with_kwargs(adam_like, eps_inside=True),
    ),
    _row(
        "adam/missing-square",
        "Adam averaging gradients instead of squared gradients in v",
        "The second moment averages the SQUARE of the gradient: v ← β₂·v + (1 − β₂)·g².",
        with_kwargs(adam_like, square=False),
    ),
    _row(
        "adam/missing-sqrt",
        "Adam without the square root, m̂ / (v̂ + eps)",
        "Divide by the square root of the second moment: θ ← θ − lr·m̂ / (√v̂ + eps).",
        with_kwargs(adam_like, root=False),
    ),
    _row(
        "adam/betas-swapped",
        "Adam with β₁ and β₂ swapped",
        "β₁ (e.g. 0.9) averages the gradient m; β₂ (e.g. 0.999) averages its square v.",
        _swap_betas(adam_step),
    ),
    _row(
        "adam/hard-coded-hyperparameters",
        "Adam with β₁ = 0.9, β₂ = 0.999 and eps = 1e-8 fixed, whatever the caller passes",
        "Use the `beta1`, `beta2` and `eps` arguments: the caller chooses them (0.9, 0.999 and "
        "1e-8 are only torch.optim's defaults).",
        with_kwargs(adam_step, beta1=0.9, beta2=0.999, eps=1e-8),
    ),
    _row(
        "adam/float32-state",
        "Adam keeping m and v in float32 for a float64 parameter",
        FLOAT32_STATE,
        with_kwargs(adam_like, float32_state=True),
    ),
    _row(
        "adam/state-not-kept",
        "Adam whose moments and step count are not kept between calls",
        _not_kept("t, m and v", "exp_avg"),
        fresh_state(adam_step),
    ),
    _row(
        "adam/shared-state",
        "Adam with one state shared by every parameter",
        _shared("t, m and v"),
        shared_state(adam_step),
    ),
)

# Mistakes about the contract, the same for every step function: one row per step function.
CONTRACT_MISTAKES: tuple[Mistake, ...] = tuple(
    row
    for test, step in STEP_REFERENCES.items()
    for row in (
        Mistake(
            f"{test}/rebinds-param",
            test,
            "an update that never reaches `param` (`param = ...` makes a new tensor)",
            "Update the tensor you were given, in place: `param.sub_(...)`, `param -= ...` or "
            "`param.copy_(new_value)`; `param = param - ...` only renames a new tensor.",
            on_copy(step),
        ),
        Mistake(
            f"{test}/returns-new-value",
            test,
            "a step that returns the new value instead of updating `param`",
            "The caller ignores what you return: write the new value into `param` in place "
            "(`param.sub_(...)`, `param -= ...`, `param.copy_(...)`) and return None.",
            returns_copy(step),
        ),
    )
)

LOOP_MISTAKES: tuple[Mistake, ...] = (
    # Gradient descent
    _row(
        "gradient_descent/accumulates-gradients",
        "gradient descent whose gradients add up across steps (`x.grad` is never cleared)",
        "`backward()` ADDS to `x.grad`: clear it at every step (`x.grad = None` or "
        "`x.grad.zero_()`), or use `torch.autograd.grad(f(x), x)`, which does not accumulate.",
        partial(descent_like, accumulate=True),
    ),
    _row(
        "gradient_descent/aliased-iterates",
        "gradient descent storing the same tensor at every step",
        "Append a copy of every iterate (`x.detach().clone()`): `x` is updated in place, so every "
        "stored reference to it shows its final value.",
        partial(descent_like, alias=True),
    ),
    _row(
        "gradient_descent/missing-start",
        "gradient descent returning the iterates without x0",
        "Return `steps + 1` rows: x0 first, then the iterate after each step.",
        partial(descent_like, with_start=False),
    ),
    _row(
        "gradient_descent/ascent",
        "gradient ascent",
        "Step against the gradient: x ← x − lr·∇f(x).",
        partial(descent_like, ascent=True),
    ),
    _row(
        "gradient_descent/modifies-x0",
        "gradient descent that updates x0 itself",
        "Work on a copy, `x = x0.detach().clone().requires_grad_(True)`: the caller's x0 must not "
        "change.",
        partial(descent_like, on_x0=True),
    ),
    # MySGD
    _row(
        "my_sgd/keeps-generator",
        "an optimiser that keeps `params` as given (a generator, read once)",
        "Keep `self.params = list(params)`: `model.parameters()` is a generator, empty after its "
        "first use, so later calls of step() and zero_grad() see no parameter.",
        sgd_class(keep_list=False),
    ),
    _row(
        "my_sgd/zero-grad-keeps-gradients",
        "an optimiser whose zero_grad() leaves the gradients in place",
        "In zero_grad(), clear every parameter's gradient: `param.grad = None` (or "
        "`param.grad.zero_()`); otherwise backward() adds the new gradient to the old.",
        sgd_class(clears=False),
    ),
    _row(
        "my_sgd/ascent",
        "gradient ascent",
        "Subtract the scaled gradient: θ ← θ − lr·θ.grad.",
        sgd_class(sign=1.0),
    ),
    _row(
        "my_sgd/rebinds-param",
        "a step() whose update never reaches the parameters (`param = param - ...`)",
        "Update each parameter in place, under torch.no_grad(): `param -= lr * param.grad` or "
        "`param.add_(param.grad, alpha=-lr)`.",
        sgd_class(in_place=False),
    ),
    _row(
        "my_sgd/subclasses-optimizer",
        "an SGD built on torch.optim.Optimizer",
        "Write MySGD from scratch, as a plain class: keep list(params) and lr yourself.",
        SGDOptimizer,
    ),
    # MyAdam
    _row(
        "my_adam/ignores-groups",
        "an optimiser that uses its defaults for every parameter group",
        "Read lr, betas and eps from each `group` in `self.param_groups`, not from "
        "`self.defaults`: groups may set their own.",
        adam_class(group_hyper=False),
    ),
    _row(
        "my_adam/state-outside-optimizer",
        "an optimiser whose state is lost by state_dict() / load_state_dict()",
        "Keep each parameter's state in `self.state[param]` (Optimizer saves and restores it), "
        "not in a dict of your own.",
        adam_class(own_state=False),
    ),
    _row(
        "my_adam/shared-state",
        "an optimiser that gives every parameter the same state",
        "Pass `self.state[param]`, a different dict for every parameter, to adam_step.",
        adam_class(per_param=False),
    ),
    _row(
        "my_adam/frozen-parameter",
        "a step() that fails on a parameter without a gradient",
        "Skip parameters whose `.grad` is None (frozen, or not used by the loss).",
        adam_class(skip_frozen=False),
    ),
    _row(
        "my_adam/closure-loss-dropped",
        "a step(closure) that does not return the closure's loss",
        "Evaluate `loss = closure()` (under torch.enable_grad()) and return it from step().",
        adam_class(returns_loss=False),
    ),
    _row(
        "my_adam/wrong-defaults",
        "an optimiser with a default learning rate of 0.01",
        "Use the contract's defaults: lr=1e-3, betas=(0.9, 0.999), eps=1e-8.",
        AdamWrongDefaults,
    ),
)

# Adam's formula mistakes made by a MyAdam that computes the update itself (never calls
# adam_step, so the grader's shim does not stand in for it): one row per adam_step row, but for
# shared state, which ``my_adam/shared-state`` covers in the class's own terms.
CLASS_FORMULA_MISTAKES: tuple[Mistake, ...] = tuple(
    Mistake(
        row.id.replace("adam/", "my_adam/formula-", 1),
        "my_adam",
        row.title,
        row.message,
        adam_class(update=staticmethod(row.variant)),
    )
    for row in STEP_MISTAKES
    if row.test == "adam" and row.id != "adam/shared-state"
)

PARAMETRIC_MISTAKES: tuple[Mistake, ...] = parametric_rows()
_SINGLES = STEP_MISTAKES + PARAMETRIC_MISTAKES + CONTRACT_MISTAKES + LOOP_MISTAKES
MISTAKES: tuple[Mistake, ...] = (
    _SINGLES + CLASS_FORMULA_MISTAKES + compound_rows({mistake.id: mistake for mistake in _SINGLES})
)
BY_ID: dict[str, Mistake] = {mistake.id: mistake for mistake in MISTAKES}


def for_test(test: str) -> tuple[Mistake, ...]:
    """The catalogued mistakes of one test, in table order."""
    return tuple(mistake for mistake in MISTAKES if mistake.test == test)
