"""Adam as a real ``torch.optim.Optimizer`` subclass, built on ``adam_step``."""

from collections.abc import Callable

import torch

from .adam import adam_step


class MyAdam(torch.optim.Optimizer):
    r"""Adam, with parameter groups, state and ``state_dict`` handled by ``torch.optim.Optimizer``.

    .. math::
        \text{for every parameter } \theta \text{ with a gradient } g:\quad
        \texttt{adam\_step}(\theta, g, \text{state}[\theta], \gamma, \beta_1, \beta_2, \epsilon)

    .. note::
        ``Optimizer`` keeps one state dict per parameter in ``self.state`` and saves it with
        ``state_dict()``; each group in ``self.param_groups`` carries its own hyperparameters.

    Args:
        params: the tensors to optimise, or a list of dicts defining parameter groups.
        lr: the learning rate :math:`\gamma`.
        betas: the decay rates :math:`(\beta_1, \beta_2)` of the two moments.
        eps: the term :math:`\epsilon` added to the denominator for numerical stability.
    """

    def __init__(self, params, lr: float = 1e-3, betas=(0.9, 0.999), eps: float = 1e-8):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not all(0.0 <= beta < 1.0 for beta in betas):
            raise ValueError(f"Invalid beta parameters: {betas}")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps))

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor] | None = None) -> torch.Tensor | None:
        """Take one Adam step for every parameter; re-evaluate the loss first if given a closure."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for param in group["params"]:
                if param.grad is not None:
                    adam_step(
                        param,
                        param.grad,
                        self.state[param],
                        lr=group["lr"],
                        beta1=beta1,
                        beta2=beta2,
                        eps=group["eps"],
                    )
        return loss
