# Attack: every step function empties the trajectory the runner is recording (found by walking
# frames), so that "the steps both have" would be none; MySGD/MyAdam/gradient_descent likewise.
import sys


def _empty():
    frame = sys._getframe(1)
    while frame is not None:
        trajectory = frame.f_locals.get("observation", {})
        if isinstance(trajectory, dict) and isinstance(trajectory.get("trajectory"), list):
            del trajectory["trajectory"][1:]
        frame = frame.f_back


def sgd_step(param, grad, state, *, lr):
    _empty()


def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
    _empty()
