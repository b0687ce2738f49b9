"""Does the tripwire catch every way of handing the work to torch.optim, and nothing else?"""

from __future__ import annotations

import pytest
import torch

from autograder.checks import tripwire
from tests.helpers_engine import first, grade, namespace_of

HEADER = "def sgd_step(param, grad, state, *, lr):\n"

# Step functions that call torch's optimiser code, in the ways students find it.
WRAPPING = {
    "an SGD object": """
    opt = torch.optim.SGD([param], lr=lr)
    param.grad = grad.clone()
    opt.step()
""",
    "an SGD object kept in state": """
    if "opt" not in state:
        state["opt"] = torch.optim.SGD([param], lr=lr)
    param.grad = grad.clone()
    state["opt"].step()
""",
    "the functional sgd": """
    from torch.optim._functional import sgd
    sgd([param], [grad], [None], weight_decay=0.0, momentum=0.0, lr=lr, dampening=0.0,
        nesterov=False, maximize=False)
""",
    "the single-tensor kernel": """
    from torch.optim.sgd import _single_tensor_sgd
    _single_tensor_sgd([param], [grad], [None], None, None, weight_decay=0.0, momentum=0.0,
                       lr=lr, dampening=0.0, nesterov=False, maximize=False,
                       has_sparse_grad=False)
""",
    "the fused op": """
    torch._fused_sgd_([param], [grad], [], weight_decay=0.0, momentum=0.0, lr=lr,
                      dampening=0.0, nesterov=False, maximize=False, is_first_step=True)
""",
    "an Adagrad object": """
    opt = torch.optim.Adagrad([param], lr=lr)
    param.grad = grad.clone()
    opt.step()
""",
}


@pytest.mark.parametrize("body", WRAPPING.values(), ids=WRAPPING.keys())
def test_wrapping_torch_optim_scores_zero_saying_why(body):
    """Does a step function that calls torch's optimiser code score 0 with 'wraps torch.optim'?"""
    result = grade(HEADER + body, "sgd")
    assert result.score == 0
    assert tripwire.MESSAGE in first(result, "forbidden").message


def test_kernel_imported_before_installation_is_caught():
    """Is a kernel the student imported at the top of the file (before the check) caught too?"""
    source = (
        "from torch.optim.sgd import sgd as kernel\n"
        + HEADER
        + "    kernel([param], [grad], [None], weight_decay=0.0, momentum=0.0, lr=lr,"
        " dampening=0.0, nesterov=False, maximize=False)\n"
    )
    assert not tripwire.installed()
    result = grade(source, "sgd")
    assert result.score == 0
    assert first(result, "forbidden").details["calls"] == ["torch.optim.sgd.sgd"]


def test_installing_first_hands_student_imports_the_wrapper():
    """After install(), does `from torch.optim.adam import adam` give the guarded wrapper?"""
    tripwire.install()
    try:
        namespace = namespace_of("from torch.optim.adam import adam\n")
        assert tripwire.original(namespace["adam"]) is not namespace["adam"]
    finally:
        tripwire.uninstall()


def test_torch_optim_is_intact_after_a_check():
    """Does torch.optim work, unguarded, once a check is over (the self-check runs in-process)?"""
    grade(HEADER + WRAPPING["an SGD object"], "sgd", hidden=False)
    assert not tripwire.installed()
    param = torch.ones(3, requires_grad=True)
    param.grad = torch.ones(3)
    torch.optim.Adam([param], lr=0.1).step()
    assert torch.allclose(param.detach(), torch.full((3,), 0.9))


def test_disarmed_wrappers_only_call_the_originals():
    """Outside watching(), does a wrapper behave as the original?"""
    tripwire.install()
    try:
        param = torch.ones(2, requires_grad=True)
        param.grad = torch.ones(2)
        torch.optim.SGD([param], lr=0.5).step()
        assert param.detach().tolist() == [0.5, 0.5]
    finally:
        tripwire.uninstall()


def test_a_plain_implementation_is_not_flagged():
    """Does an honest step function trip nothing?"""
    assert grade(HEADER + "    param.sub_(lr * grad)\n", "sgd").passed
