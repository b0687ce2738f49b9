# Attack: replace the in-child runner with one that returns well-formed observations of the right
# cases, one row each (and a second variant padding every trajectory with copies of the start).
import sys

_engine = sys.modules["autograder.verdict.engine"]


def _forged(name, namespace, cases):
    out = []
    for case in cases:
        import torch

        from autograder.checks.step import step_inputs

        params, _grads = step_inputs(case)
        row = [param.reshape(-1).tolist() for param in params]
        out.append({"case": case.id, "trajectory": [row] * (case.steps + 1), "error": None,
                    "returned": None, "grad_modified": None, "dtype_changed": None,
                    "shape_changed": None, "forbidden": []})
    return out


_engine.run_test = _forged
for module in list(sys.modules.values()):
    if getattr(module, "run_test", None) is not None and module is not _engine:
        try:
            module.engine.run_test = _forged
        except AttributeError:
            pass
