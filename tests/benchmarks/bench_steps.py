"""Benchmark: the reference step functions against torch.optim (``foreach=False``).

Run on demand (pytest does not collect this folder):

    python tests/benchmarks/bench_steps.py [--steps 30] [--params 10_000_000]

For each algorithm it times one optimiser step over a ~10 M-parameter MLP — our per-parameter loop
calling the reference step function against ``torch.optim``'s single-tensor path — and prints the
median time per step and the ratio. The references are also what students read, so they must be
fast *and* plain: in-place operations, no needless temporaries.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from solutions import reference

ROWS = [
    # (name, step function, our hyperparameters, torch.optim class, its keyword arguments)
    ("sgd", reference.sgd_step, {"lr": 0.01}, torch.optim.SGD, {"lr": 0.01}),
    (
        "momentum",
        reference.momentum_step,
        {"lr": 0.01, "momentum": 0.9},
        torch.optim.SGD,
        {"lr": 0.01, "momentum": 0.9},
    ),
    (
        "nesterov",
        reference.nesterov_step,
        {"lr": 0.01, "momentum": 0.9},
        torch.optim.SGD,
        {"lr": 0.01, "momentum": 0.9, "nesterov": True},
    ),
    (
        "adagrad",
        reference.adagrad_step,
        {"lr": 0.01, "eps": 1e-10},
        torch.optim.Adagrad,
        {"lr": 0.01},
    ),
    (
        "rmsprop",
        reference.rmsprop_step,
        {"lr": 0.01, "alpha": 0.99, "eps": 1e-8},
        torch.optim.RMSprop,
        {"lr": 0.01},
    ),
    (
        "adam",
        reference.adam_step,
        {"lr": 1e-3, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
        torch.optim.Adam,
        {"lr": 1e-3},
    ),
]


def make_params(total: int) -> list[torch.Tensor]:
    """An MLP's parameters (weights and biases of four layers) totalling about ``total``."""
    width = int((total / 3) ** 0.5)
    shapes = [(width, width), (width,), (width, width), (width,), (width, width), (width,)]
    generator = torch.Generator().manual_seed(0)
    return [torch.randn(shape, generator=generator) for shape in shapes]


def time_steps(step, steps: int) -> float:
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return statistics.median(times[2:])  # the first steps allocate the state


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    parser.add_argument("--params", type=int, default=10_000_000)
    args = parser.parse_args()
    base = make_params(args.params)
    grads = [torch.randn_like(p) * 0.1 for p in base]
    count = sum(p.numel() for p in base)
    print(
        f"{count / 1e6:.1f} M parameters, {torch.get_num_threads()} threads, median of {args.steps}"
    )
    print(f"{'algorithm':<10} {'ours (ms)':>10} {'torch (ms)':>11} {'ratio':>6}")
    with torch.no_grad():
        for name, step_fn, hyper, optimizer_class, kwargs in ROWS:
            ours = [p.clone() for p in base]
            states = [{} for _ in ours]

            def our_step(ours=ours, states=states, step_fn=step_fn, hyper=hyper):
                for param, grad, state in zip(ours, grads, states):
                    step_fn(param, grad, state, **hyper)

            theirs = [p.clone().requires_grad_(True) for p in base]
            for param, grad in zip(theirs, grads):
                param.grad = grad
            optimizer = optimizer_class(theirs, foreach=False, **kwargs)
            t_ours = time_steps(our_step, args.steps)
            t_torch = time_steps(optimizer.step, args.steps)
            print(
                f"{name:<10} {t_ours * 1e3:>10.1f} {t_torch * 1e3:>11.1f} {t_ours / t_torch:>6.2f}"
            )


if __name__ == "__main__":
    main()
