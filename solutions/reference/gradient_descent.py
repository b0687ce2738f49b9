"""Full-batch gradient descent on a function, with autograd."""

from collections.abc import Callable

import torch


def gradient_descent(
    f: Callable[[torch.Tensor], torch.Tensor], x0: torch.Tensor, *, lr: float, steps: int
) -> torch.Tensor:
    r"""Run gradient descent on ``f`` from ``x0`` and return every iterate.

    .. math::
        x_{k+1} = x_k - \gamma\, \nabla f(x_k), \qquad k = 0, \dots, \text{steps} - 1

    Args:
        f: a differentiable scalar function of one tensor.
        x0: the starting point; not modified.
        lr: the learning rate :math:`\gamma`.
        steps: how many steps to take.

    Returns:
        A tensor of shape ``(steps + 1, *x0.shape)``: ``x0`` followed by every iterate.
    """
    x = x0.detach().clone().requires_grad_(True)
    iterates = [x.detach().clone()]
    for _ in range(steps):
        # A fresh gradient at every step: autograd.grad does not accumulate into x.grad
        (grad,) = torch.autograd.grad(f(x), x)
        with torch.no_grad():
            x.sub_(grad, alpha=lr)
        iterates.append(x.detach().clone())
    return torch.stack(iterates)
