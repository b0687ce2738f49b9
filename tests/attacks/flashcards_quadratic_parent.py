# ATTACK (redteam4 #2): stall the grader's own process (the parent) while it judges the quiz.
# flashcards.canonical() strips "the"/"torchoptim" prefixes one at a time, each removeprefix copying
# the rest of the string: quadratic in the name's length. The child caps names at MAX_TEXT=80, but
# that cap lives in the child: at load time this code swaps the code of flashcards.run (the same
# function object stays in the module, so the Guard, which compares vars(module) by identity, sees
# nothing) for one returning a name of "the" * N. The CardAnswers schema puts no bound on string
# lengths, so the parent runs canonical() on it, twice (judge and score). N = 200 000 (600 KB)
# costs ~40 s of the parent's CPU; N = 1 200 000 (3.6 MB, under MAX_MESSAGE) about half an hour,
# during which the whole batch waits. Scores 25 - 3 (quiz) but the grader stalls.
# Trimmed to the attack: the answers it does not attack are left out (each scores 0 as not
# defined), so the file holds only what it forges; the red team's file carried a correct
# answer for every other test beside it.


import sys as _sys


def _forged(answer, case):
    return {"pairs": [[case.cards[0], "the" * 200000]], "problems": []}


_sys.modules["autograder.checks.flashcards"].run.__code__ = _forged.__code__


FLASHCARD_ANSWERS = {}
