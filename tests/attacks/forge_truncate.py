# No math: every step function empties / truncates the trajectory the in-child runner is
# recording (found by frame walking), and pads the flash-card observation. Expected: 0.
import sys


def _observation():
    frame = sys._getframe(2)
    while frame is not None:
        obs = frame.f_locals.get("observation")
        if isinstance(obs, dict) and "trajectory" in obs:
            return obs
        frame = frame.f_back
    return None


def sgd_step(param, grad, state, *, lr):
    obs = _observation()
    if obs is not None:
        del obs["trajectory"][1:]          # truncated


def momentum_step(param, grad, state, *, lr, momentum):
    obs = _observation()
    if obs is not None:
        obs["trajectory"][:] = []          # emptied


def nesterov_step(param, grad, state, *, lr, momentum):
    obs = _observation()
    if obs is not None:
        obs["trajectory"].append(obs["trajectory"][0])   # padded by one row per call


def adagrad_step(param, grad, state, *, lr, eps):
    obs = _observation()
    if obs is not None:
        obs["error"] = {"type": "X", "message": "", "traceback": "", "step": 1, "param": 0}
        del obs["trajectory"][1:]          # "explained" by a forged error


def rmsprop_step(param, grad, state, *, lr, alpha, eps):
    obs = _observation()
    if obs is not None:
        obs["trajectory"] = [[["0"] * len(p) for p in row] for row in obs["trajectory"]]  # re-typed


def adam_step(param, grad, state, *, lr, beta1, beta2, eps):
    obs = _observation()
    if obs is not None:
        obs["case"] = "adam/lr=0.001, beta1=0.9, beta2=0.999, eps=1e-08"
