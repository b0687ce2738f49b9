# ATTACK (redteam3 #3): hidden and fresh case VALUES leaked through a crash's printed output.
# judges.verdict redacts a stopped test only when the finding's kind is "error"; a crash's finding
# (endings.what_happened) quotes "the last thing it printed". sgd_step prints every parameter and
# gradient it is first given (hidden and fresh cases included), then ends the process with
# os._exit on the last parameter of the fresh case: the report quotes the hidden tensors.
# Costs sgd's 2 points; the other tests run in a fresh child and keep full marks.
# Trimmed to the attack: the answers it does not attack are left out (each scores 0 as not
# defined), so the file holds only what it forges; the red team's file carried a correct
# answer for every other test beside it.


_SEEN = []


def sgd_step(param, grad, state, *, lr):
    if not state:
        _SEEN.append(1)
        print(
            len(_SEEN),
            lr,
            param.dtype,
            [round(v, 6) for v in param.flatten().tolist()],
            [round(v, 6) for v in grad.flatten().tolist()],
            flush=True,
        )
        if len(_SEEN) == 27:
            import os

            os._exit(3)
    state["seen"] = True
    param.copy_(param - lr * grad)
