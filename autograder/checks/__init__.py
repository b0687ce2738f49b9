"""One module per kind of check; each provides ``public_cases(test)``, ``run(answer, case)`` (in the
sandbox, plain data out) and ``judge(test, cases, observations, expected)`` (findings out).

``KINDS`` maps a ``TestSpec.kind`` to its module: a new kind of check is one module and one entry.
"""

from . import descent, flashcards, optimizers, step

KINDS = {
    module.KIND: module
    for module in (step, descent, optimizers.MY_SGD, optimizers.MY_ADAM, flashcards)
}
