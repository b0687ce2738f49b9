r"""Building blocks of the mistake catalogue for the loops: ``gradient_descent``, ``MySGD`` and
``MyAdam`` done wrong (the step functions' are in ``variants.py``).

Each is a family with flags, the reference when no flag is set (``tests/test_mistakes.py``):
``descent_like`` (use ``functools.partial`` to set a flag), and the classes ``SGDLike`` and
``AdamLike`` (use ``sgd_class`` / ``adam_class`` to make a subclass with some flags set).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from .reference.adam import adam_step


def descent_like(
    f: Callable[[torch.Tensor], torch.Tensor],
    x0: torch.Tensor,
    *,
    lr: float,
    steps: int,
    accumulate: bool = False,
    alias: bool = False,
    with_start: bool = True,
    ascent: bool = False,
    on_x0: bool = False,
) -> torch.Tensor:
    r"""Gradient descent, :math:`x_{k+1} = x_k - \gamma \nabla f(x_k)`, with ``backward()``.

    Flags: ``accumulate`` never clears ``x.grad`` (it then holds
    :math:`\sum_{j \le k} \nabla f(x_j)`); ``alias`` stores ``x`` itself rather than a copy at
    every step; ``with_start`` puts ``x0`` first; ``ascent`` climbs; ``on_x0`` works on ``x0``
    itself instead of a copy.
    """
    x = x0 if on_x0 else x0.detach().clone()
    x.requires_grad_(True)
    iterates = [x.detach().clone()] if with_start else []
    for _ in range(steps):
        if not accumulate:
            x.grad = None
        f(x).backward()
        with torch.no_grad():
            x.add_(x.grad, alpha=lr if ascent else -lr)
        iterates.append(x.detach() if alias else x.detach().clone())
    return torch.stack(iterates)


class SGDLike:
    """``MySGD`` from scratch; class attributes are the flags (see ``sgd_class``).

    Flags: ``keep_list`` keeps ``list(params)`` (else the generator itself); ``clears`` makes
    ``zero_grad()`` clear the gradients; ``sign`` is -1 for descent; ``in_place`` writes into the
    parameter (else ``param = param - ...``).
    """

    keep_list = True
    clears = True
    sign = -1.0
    in_place = True

    def __init__(self, params, lr: float):
        self.params = list(params) if self.keep_list else params
        self.lr = lr

    @torch.no_grad()
    def step(self) -> None:
        for param in self.params:
            new_value = param + self.sign * self.lr * param.grad
            if self.in_place:
                param.copy_(new_value)

    def zero_grad(self) -> None:
        for param in self.params:
            if self.clears:
                param.grad = None


class SGDOptimizer(torch.optim.Optimizer):
    """A correct SGD that subclasses ``torch.optim.Optimizer``, which ``MySGD`` must not."""

    def __init__(self, params, lr: float):
        super().__init__(params, {"lr": lr})

    @torch.no_grad()
    def step(self) -> None:
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is not None:
                    param.add_(param.grad, alpha=-group["lr"])


class AdamLike(torch.optim.Optimizer):
    """``MyAdam`` on ``adam_step``; class attributes are the flags (see ``adam_class``).

    Flags: ``group_hyper`` uses each group's hyperparameters (else the defaults); ``own_state``
    keeps the state in ``self.state`` (else in a dict ``state_dict()`` does not save);
    ``per_param`` gives every parameter its own state; ``skip_frozen`` skips parameters without a
    gradient; ``returns_loss`` returns the closure's loss; ``update``, when set, is a step
    function the class calls instead of ``adam_step`` (Adam computed by the class itself, as if
    inlined: the grader's ``adam_step`` shim does not replace it).
    """

    group_hyper = True
    own_state = True
    per_param = True
    skip_frozen = True
    returns_loss = True
    update = None

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))
        self.side_state: dict = {}

    def _state(self, param: torch.Tensor) -> dict:
        if not self.per_param:
            return self.side_state
        return self.state[param] if self.own_state else self.side_state.setdefault(id(param), {})

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            hyper = group if self.group_hyper else self.defaults
            beta1, beta2 = hyper["betas"]
            for param in group["params"]:
                if param.grad is None and self.skip_frozen:
                    continue
                (self.update or adam_step)(
                    param,
                    param.grad,
                    self._state(param),
                    lr=hyper["lr"],
                    beta1=beta1,
                    beta2=beta2,
                    eps=hyper["eps"],
                )
        return loss if self.returns_loss else None


class AdamWrongDefaults(AdamLike):
    """``MyAdam`` with a default learning rate of 0.01 instead of the contract's 1e-3."""

    def __init__(self, params, lr: float = 1e-2, betas=(0.9, 0.999), eps: float = 1e-8):
        super().__init__(params, lr, betas, eps)


def sgd_class(**flags) -> type:
    """A ``MySGD`` with some flags of ``SGDLike`` set."""
    return type("MySGD", (SGDLike,), flags)


def adam_class(**flags) -> type:
    """A ``MyAdam`` with some flags of ``AdamLike`` set."""
    return type("MyAdam", (AdamLike,), flags)
