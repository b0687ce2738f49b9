# ATTACK (redteam3 #1): hidden and fresh case inputs leaked through flash-card feedback, free.
# The fork server's prepared step draws (the step module's _DRAWS, adopted before any student
# code runs) are keyed by (seed, shapes, steps, grad_scale) of EVERY step case, hidden and fresh
# included; and every step function sees the hidden hyperparameters when it runs. Both are written
# as extra keys of FLASHCARD_ANSWERS, which is read only by the last test: each extra key is quoted
# in an "extra" finding (case None: not hidden, not redacted). Extra keys cost nothing, so the
# submission keeps full marks while its report lists the hidden seeds/shapes/hyperparameters.
# The import is written `from autograder import checks` so that no flag is raised (the
# grader's-modules pattern wants a dot after the package name).
# Trimmed to the attack: the answers it does not attack are left out (each scores 0 as not
# defined), so the file holds only what it forges; the red team's file carried a correct
# answer for every other test beside it.


def sgd_step(param, grad, state, *, lr):
    param.copy_(param - lr * grad)


FLASHCARD_ANSWERS = {
    "rule-6xr4": "AdaGrad",
    "rule-9k6f": "SGD with momentum",
    "rule-djjb": "Nesterov momentum",
    "rule-g736": "Gradient Descent",
    "rule-ndbw": "RMSprop",
    "rule-w6m9": "Adam",
    "rule-z3h9": "stochastic gradient descent",
    "path-335m": "adam",
    "path-6qh4": "rmsprop",
    "path-crjm": "sgd",
    "path-fpwd": "adagrad",
    "path-qrz4": "momentum",
    "path-vp7f": "gradient-descent",
    "path-wqk3": "nesterov",
}


def _with_draws(answers):
    from autograder import checks as _c  # no "autograder." in the text: no flag

    for key in list(getattr(_c.step, "_DRAWS", {}))[:100]:
        answers["k" + repr(key)[:79]] = "adam"
    return answers


FLASHCARD_ANSWERS = _with_draws(FLASHCARD_ANSWERS)


def _spy(function):
    def spied(param, grad, state, **hyper):
        if not state and len(FLASHCARD_ANSWERS) < 199:
            FLASHCARD_ANSWERS[
                f"{function.__name__[:4]}{sorted(hyper.items())}{tuple(param.shape)}{param.dtype}"[
                    :80
                ]
            ] = "adam"
        return function(param, grad, state, **hyper)

    spied.__name__ = function.__name__
    return spied


sgd_step = _spy(sgd_step)
