# ATTACK (redteam3 #5): MySGD built on torch.optim.Optimizer, against the contract, scores 2/2.
# The contract: MySGD is written "without torch.optim.Optimizer", and the child records
# subclasses_optimizer = isinstance(answer, type) and issubclass(answer, Optimizer) (training.py).
# A factory FUNCTION named MySGD returning an instance of a private Optimizer subclass is not a
# type, so the flag is False and my_sgd passes (the check never looks at the object it built).
# Also (d, feedback): this file answers 10 of the 14 cards; it earns 10/14 of the points, but the
# feedback says "`FLASHCARD_ANSWERS` is not defined" (grade._explained replaces every finding when
# one has kind "missing", and flashcards.read uses that kind for "No answer for cards ...").
# Got: my_sgd 2/2, flashcards 1.43/2 with the wrong message; 24.4/25 in all.
# Trimmed to the attack: the answers it does not attack are left out (each scores 0 as not
# defined), so the file holds only what it forges; the red team's file carried a correct
# answer for every other test beside it.


import torch


class _SGD(torch.optim.Optimizer):
    def __init__(self, params, lr):
        super().__init__(params, {"lr": lr})

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                p -= group["lr"] * p.grad


def MySGD(params, lr):
    return _SGD(params, lr)


FLASHCARD_ANSWERS = {
    "rule-6xr4": "AdaGrad",
    "rule-djjb": "Nesterov momentum",
    "rule-g736": "Gradient Descent",
    "rule-w6m9": "Adam",
    "rule-z3h9": "stochastic gradient descent",
    "path-335m": "adam",
    "path-crjm": "sgd",
    "path-fpwd": "adagrad",
    "path-vp7f": "gradient-descent",
    "path-wqk3": "nesterov",
}
