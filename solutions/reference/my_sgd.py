"""An optimiser class from scratch: SGD without ``torch.optim.Optimizer``."""

from collections.abc import Iterable

import torch


class MySGD:
    r"""Stochastic gradient descent over a list of parameters, written from scratch.

    .. math::
        \theta \leftarrow \theta - \gamma\, \nabla_\theta L \quad \text{for every parameter}

    .. note::
        ``params`` is often a generator (``model.parameters()``), which can be read only once:
        keep ``list(params)``, or the second ``step()`` updates nothing.

    Args:
        params: the tensors to optimise (an iterable, read once).
        lr: the learning rate :math:`\gamma`.
    """

    def __init__(self, params: Iterable[torch.Tensor], lr: float):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        self.params = list(params)
        self.lr = lr

    @torch.no_grad()
    def step(self) -> None:
        """Move every parameter that has a gradient one step downhill."""
        for param in self.params:
            if param.grad is not None:
                param.add_(param.grad, alpha=-self.lr)

    def zero_grad(self) -> None:
        """Forget the gradients, so that the next ``backward()`` does not add to them."""
        for param in self.params:
            param.grad = None
