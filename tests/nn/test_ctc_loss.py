"""CTC loss: values and gradients against torch (padded and concatenated targets, every
reduction, zero_infinity, float32 and float64), gradcheck through log_softmax, shapes, errors
and the CTCLoss module."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import gpugrad as gg
import gpugrad.nn.functional as F
from gpugrad import nn
from gpugrad.autograd import gradcheck

RNG = np.random.default_rng(3)
T, N, C = 7, 4, 5
LOGITS = RNG.standard_normal((T, N, C))
# Repeated labels (which need a blank between them), an empty target, one that cannot fit in
# its input length (infinite loss), and a short input.
PADDED = np.array([[1, 2, 2, 0], [3, 3, 3, 1], [4, 0, 0, 0], [2, 1, 4, 3]])
TARGET_LENGTHS = [3, 3, 0, 4]
INPUT_LENGTHS = [7, 5, 3, 4]
INF_INPUT_LENGTHS = [7, 4, 3, 3]            # sample 1 needs 5 steps for "3 3 3", gets 4
CONCAT = np.concatenate([PADDED[i, :n] for i, n in enumerate(TARGET_LENGTHS)])
REDUCTIONS = ["mean", "sum", "none"]


def _call(lib, logits, targets, il, tl, through_softmax=True, **kw):
    lp = logits.log_softmax(-1) if through_softmax else logits
    return lib.nn.functional.ctc_loss(lp, lib.tensor(targets), il, tl, **kw)


def _compare(torch, logits, targets, il, tl, dtype, through_softmax=True, **kw):
    outs = []
    for lib in (gg, torch):
        x = lib.tensor(logits).to(getattr(lib, dtype))
        if not through_softmax:
            x = x.log_softmax(-1)
        x.requires_grad_(True)
        out = _call(lib, x, targets, il, tl, through_softmax, **kw)
        g = np.cos(np.arange(max(out.numel(), 1))).reshape(tuple(out.shape))
        out.backward(lib.tensor(g).to(out.dtype))
        outs.append((out, x.grad))
    (out, grad), (tout, tgrad) = outs
    assert tuple(out.shape) == tuple(tout.shape) and out.dtype.name == dtype
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == "float64" else dict(rtol=2e-5, atol=2e-6)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), **tol)
    np.testing.assert_allclose(grad.numpy(), tgrad.numpy(), **tol)


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("layout", ["padded", "concatenated"])
def test_matches_torch(layout, reduction, zero_infinity, dtype, torch):
    targets = PADDED if layout == "padded" else CONCAT
    _compare(torch, LOGITS, targets, INPUT_LENGTHS, TARGET_LENGTHS, dtype,
             reduction=reduction, zero_infinity=zero_infinity)


@pytest.mark.torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_gradient_wrt_log_probs_is_torchs(reduction, torch):
    # torch's gradient w.r.t. log_probs (not through log_softmax) has an exp(log_probs) term;
    # it must be reproduced exactly, also past each input length (zeros there).
    _compare(torch, LOGITS, PADDED, INPUT_LENGTHS, TARGET_LENGTHS, "float64",
             through_softmax=False, reduction=reduction)


@pytest.mark.torch
@pytest.mark.parametrize("zero_infinity", [False, True])
def test_infinite_losses_match_torch(zero_infinity, torch):
    for reduction in ("none", "sum"):
        outs = []
        for lib in (gg, torch):
            x = lib.tensor(LOGITS, requires_grad=True)
            out = _call(lib, x, PADDED, INF_INPUT_LENGTHS, TARGET_LENGTHS, reduction=reduction,
                        zero_infinity=zero_infinity)
            out.sum().backward()
            outs.append((out.detach().numpy(), x.grad.numpy()))
        np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-10)
        np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-10, atol=1e-12)
        if not zero_infinity:
            assert np.isinf(outs[0][0]).any()


@pytest.mark.torch
def test_other_blank_and_length_forms_match_torch(torch):
    # blank as the last class; lengths as int32 tensors; int32 and float targets (torch
    # converts both to int64).
    targets = np.where(PADDED == C - 1, 0, PADDED)
    for lib_targets in (targets.astype(np.int32), targets.astype(np.float32)):
        outs = []
        for lib in (gg, torch):
            x = lib.tensor(LOGITS, requires_grad=True)
            out = lib.nn.functional.ctc_loss(
                x.log_softmax(2), lib.tensor(lib_targets),
                lib.tensor(INPUT_LENGTHS).int(), lib.tensor(TARGET_LENGTHS).int(),
                blank=C - 1, reduction="mean")
            out.backward()
            outs.append((out.item(), x.grad.numpy()))
        np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-10)
        np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-10, atol=1e-12)


@pytest.mark.torch
def test_unbatched_and_zero_length_inputs_match_torch(torch):
    from torch_compare import same
    lp = LOGITS[:, 0]

    def unbatched(lib, il, tl, reduction):
        return lib.nn.functional.ctc_loss(lib.tensor(lp).log_softmax(1), lib.tensor([1, 2, 2]),
                                          il, tl, reduction=reduction)
    for reduction in REDUCTIONS:
        same(lambda lib: unbatched(lib, lib.tensor(6), lib.tensor(3), reduction), torch,
             rtol=1e-10)
        same(lambda lib: unbatched(lib, [7], [3], reduction), torch, rtol=1e-10)
    # No time steps: the empty target costs nothing, any other is impossible.
    same(lambda lib: lib.nn.functional.ctc_loss(
        lib.tensor(LOGITS[:, :2]).log_softmax(2), lib.tensor([[1, 2], [3, 3]]), [0, 0], [2, 0],
        reduction="none"), torch)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("layout", ["padded", "concatenated"])
def test_gradcheck_through_log_softmax(layout, reduction, device):
    targets = gg.tensor(np.array([[1, 1], [2, 0], [3, 1]]) if layout == "padded"
                        else np.array([1, 1, 2, 3, 1]), device=device)
    x = gg.tensor(RNG.standard_normal((5, 3, 4)), requires_grad=True, device=device)
    assert gradcheck(lambda x: F.ctc_loss(x.log_softmax(2), targets, [5, 4, 3], [2, 1, 2],
                                          reduction=reduction), (x,))


def test_not_differentiable_twice_and_no_graph_without_grad():
    x = gg.tensor(LOGITS, requires_grad=True)
    loss = _call(gg, x, PADDED, INPUT_LENGTHS, TARGET_LENGTHS)
    (g,) = gg.autograd.grad(loss, x, create_graph=True)
    with pytest.raises(RuntimeError, match="derivative for aten::_ctc_loss_backward is not "
                                           "implemented"):
        g.sum().backward()
    x = gg.tensor(LOGITS, requires_grad=True)
    loss = _call(gg, x, PADDED, INPUT_LENGTHS, TARGET_LENGTHS, through_softmax=False)
    (g,) = gg.autograd.grad(loss, x, create_graph=True)
    with pytest.raises(RuntimeError, match="_ctc_loss_backward"):
        g.sum().backward()
    with gg.no_grad():
        assert _call(gg, x, PADDED, INPUT_LENGTHS, TARGET_LENGTHS).grad_fn is None
    loss = _call(gg, x, PADDED, INPUT_LENGTHS, TARGET_LENGTHS, reduction="none")
    assert type(loss.grad_fn).__name__ == "CtcLossBackward0"


@pytest.mark.torch
def test_errors_match_torch(torch):
    from torch_compare import same

    def ctc(lib, shape=(5, 2, 4), targets=((1, 2), (3, 3)), il=(5, 4), tl=(2, 1), **kw):
        lp = lib.zeros(*shape) if isinstance(shape, tuple) else shape(lib)
        if isinstance(il, tuple):
            il, tl = list(il), list(tl)
        return lib.nn.functional.ctc_loss(lp, lib.tensor(targets), il, tl, **kw)
    checks = [
        lambda lib: ctc(lib, blank=4),
        lambda lib: ctc(lib, blank=-1),
        lambda lib: ctc(lib, il=(5,)),
        lambda lib: ctc(lib, tl=(2,)),
        lambda lib: ctc(lib, il=(6, 4)),
        lambda lib: ctc(lib, il=(-1, 4)),
        lambda lib: ctc(lib, tl=(-2, 1)),
        lambda lib: ctc(lib, tl=(3, 1)),
        lambda lib: ctc(lib, targets=((1, 2),)),
        lambda lib: ctc(lib, targets=(1, 2, 3, 3)),
        lambda lib: ctc(lib, shape=(5, 2, 4, 1), targets=(1, 2, 3)),
        lambda lib: ctc(lib, shape=(5,), targets=(1, 2, 3)),
        lambda lib: ctc(lib, targets=(((1,), (2,)), ((3,), (3,)))),
        lambda lib: ctc(lib, il=lib.tensor([5.0, 4.0]), tl=lib.tensor([2, 1])),
        lambda lib: ctc(lib, il=lib.tensor([5, 4]), tl=lib.tensor([2.0, 1.0])),
        lambda lib: ctc(lib, reduction="avg"),
        lambda lib: ctc(lib, shape=lambda lib: lib.ones(5, 2, 4).long()),
        lambda lib: ctc(lib, shape=(5, 0, 4), targets=np.zeros((0, 2), np.int64), il=(),
                        tl=()),
    ]
    for i, check in enumerate(checks):
        same(check, torch, path=f"check {i}")


@pytest.mark.torch
def test_module_matches_torch(torch):
    results = []
    for lib in (gg, torch):
        crit = lib.nn.CTCLoss(blank=1, reduction="sum", zero_infinity=True)
        targets = np.where(PADDED == 1, 2, PADDED)
        x = lib.tensor(LOGITS, requires_grad=True)
        out = crit(x.log_softmax(2), lib.tensor(targets), lib.tensor(INF_INPUT_LENGTHS),
                   lib.tensor(TARGET_LENGTHS))
        out.backward()
        results.append((repr(crit), list(crit.state_dict()), crit.blank, crit.zero_infinity,
                        crit.reduction, out.item(), x.grad.numpy()))
    ours, theirs = results
    assert ours[:5] == theirs[:5]
    np.testing.assert_allclose(ours[5], theirs[5], rtol=1e-10)
    np.testing.assert_allclose(ours[6], theirs[6], rtol=1e-10, atol=1e-12)
    assert isinstance(nn.CTCLoss(), nn.Module)


@st.composite
def _ctc_problem(draw):
    t_max = draw(st.integers(1, 8))
    n = draw(st.integers(1, 4))
    c = draw(st.integers(2, 5))
    blank = draw(st.integers(0, c - 1))
    labels = [x for x in range(c) if x != blank]
    tl = [draw(st.integers(0, 4)) for _ in range(n)]
    il = [draw(st.integers(0, t_max)) for _ in range(n)]
    targets = [[draw(st.sampled_from(labels)) for _ in range(k)] for k in tl]
    seed = draw(st.integers(0, 2 ** 16))
    return t_max, n, c, blank, il, tl, targets, seed


@pytest.mark.torch
@settings(max_examples=40, deadline=None)
@given(problem=_ctc_problem(), padded=st.booleans(), zero_infinity=st.booleans())
def test_random_problems_match_torch(problem, padded, zero_infinity):
    torch = pytest.importorskip("torch")
    t_max, n, c, blank, il, tl, targets, seed = problem
    width = max(tl)
    if padded:
        tg = np.full((n, width), blank, dtype=np.int64)
        for i, row in enumerate(targets):
            tg[i, :len(row)] = row
    else:
        tg = np.array([x for row in targets for x in row], dtype=np.int64)
    logits = np.random.default_rng(seed).standard_normal((t_max, n, c))
    outs = []
    for lib in (gg, torch):
        x = lib.tensor(logits, requires_grad=True)
        out = lib.nn.functional.ctc_loss(x.log_softmax(2), lib.tensor(tg), il, tl, blank=blank,
                                         reduction="none", zero_infinity=zero_infinity)
        (out * lib.tensor(np.arange(1.0, n + 1))).sum().backward()
        outs.append((out.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-9, atol=1e-12)
