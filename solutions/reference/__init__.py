"""Reference solutions: one module per contract name, each reading like the course's formula.

These modules are the single source of truth: the solution notebook's answer cells are generated
from them (``python -m autograder sync``), and the grader computes every expectation with them.
"""

from .adagrad import adagrad_step
from .adam import adam_step
from .gradient_descent import gradient_descent
from .momentum import momentum_step
from .my_adam import MyAdam
from .my_sgd import MySGD
from .nesterov import nesterov_step
from .rmsprop import rmsprop_step
from .sgd import sgd_step

__all__ = [
    "MyAdam",
    "MySGD",
    "adagrad_step",
    "adam_step",
    "gradient_descent",
    "momentum_step",
    "nesterov_step",
    "rmsprop_step",
    "sgd_step",
]
