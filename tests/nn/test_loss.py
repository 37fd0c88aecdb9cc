"""Losses: values and gradients against torch, gradchecks, reductions, weights, errors."""
import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F
from gpugrad import nn
from gpugrad.autograd import gradcheck, gradgradcheck

pytestmark = pytest.mark.filterwarnings("ignore:reduction. 'mean' divides the total loss")

RNG = np.random.default_rng(0)
LOGITS = RNG.standard_normal((4, 5))
TARGET = np.array([1, 0, 4, 2])
LOGITS_4D = RNG.standard_normal((2, 3, 2, 2))
TARGET_4D = RNG.integers(0, 3, (2, 2, 2))
PROBS = RNG.random((4, 5))
WEIGHT = RNG.random(5) + 0.5
PRED = RNG.standard_normal((3, 4))
GOAL = RNG.standard_normal((3, 4))
P01 = RNG.random((3, 4)) * 0.9 + 0.05
T01 = RNG.random((3, 4))
REDUCTIONS = ["mean", "sum", "none"]

# name -> (call(functional, lib, reduction, *tensors), arrays); float arrays get gradients
CASES = {
    "ce": (lambda f, lib, r, x, t: f.cross_entropy(x, t, reduction=r), (LOGITS, TARGET)),
    "ce_ignore_smooth": (lambda f, lib, r, x, t: f.cross_entropy(
        x, t, ignore_index=0, label_smoothing=0.2, reduction=r), (LOGITS, TARGET)),
    "ce_weight": (lambda f, lib, r, x, t: f.cross_entropy(
        x, t, lib.tensor(WEIGHT), ignore_index=4, reduction=r), (LOGITS, TARGET)),
    "ce_weight_smooth": (lambda f, lib, r, x, t: f.cross_entropy(
        x, t, lib.tensor(WEIGHT), label_smoothing=0.3, ignore_index=2, reduction=r),
        (LOGITS, TARGET)),
    "ce_probs": (lambda f, lib, r, x, t: f.cross_entropy(x, t, reduction=r), (LOGITS, PROBS)),
    "ce_probs_weight_smooth": (lambda f, lib, r, x, t: f.cross_entropy(
        x, t, lib.tensor(WEIGHT), label_smoothing=0.1, reduction=r), (LOGITS, PROBS)),
    "ce_4d": (lambda f, lib, r, x, t: f.cross_entropy(x, t, reduction=r),
              (LOGITS_4D, TARGET_4D)),
    "ce_unbatched": (lambda f, lib, r, x, t: f.cross_entropy(x, t, reduction=r),
                     (LOGITS[0], np.array(3))),
    "nll": (lambda f, lib, r, x, t: f.nll_loss(x, t, reduction=r), (LOGITS, TARGET)),
    "nll_weight": (lambda f, lib, r, x, t: f.nll_loss(
        x, t, lib.tensor(WEIGHT), ignore_index=1, reduction=r), (LOGITS, TARGET)),
    "nll_4d": (lambda f, lib, r, x, t: f.nll_loss(x, t, reduction=r), (LOGITS_4D, TARGET_4D)),
    "mse": (lambda f, lib, r, x, y: f.mse_loss(x, y, reduction=r), (PRED, GOAL)),
    "l1": (lambda f, lib, r, x, y: f.l1_loss(x, y, reduction=r), (PRED, GOAL)),
    "smooth_l1": (lambda f, lib, r, x, y: f.smooth_l1_loss(x, y, reduction=r, beta=0.7),
                  (PRED, GOAL)),
    "smooth_l1_beta0": (lambda f, lib, r, x, y: f.smooth_l1_loss(x, y, reduction=r, beta=0.0),
                        (PRED, GOAL)),
    "huber": (lambda f, lib, r, x, y: f.huber_loss(x, y, reduction=r, delta=0.6),
              (PRED, GOAL)),
    "bce": (lambda f, lib, r, x, y: f.binary_cross_entropy(x, y, reduction=r), (P01, T01)),
    "bce_weight": (lambda f, lib, r, x, y: f.binary_cross_entropy(
        x, y, lib.tensor(T01[0]), reduction=r), (P01, T01)),
    "bce_logits": (lambda f, lib, r, x, y: f.binary_cross_entropy_with_logits(
        x, y, reduction=r), (PRED * 8, T01)),
    "bce_logits_weights": (lambda f, lib, r, x, y: f.binary_cross_entropy_with_logits(
        x, y, lib.tensor(T01), pos_weight=lib.tensor(WEIGHT[:4]), reduction=r),
        (PRED * 8, T01)),
    "kl": (lambda f, lib, r, x, y: f.kl_div(x, y, reduction=r),
           (np.log(P01), T01 / T01.sum(1, keepdims=True))),
    "kl_log_target": (lambda f, lib, r, x, y: f.kl_div(x, y, reduction=r, log_target=True),
                      (np.log(P01), np.log(T01))),
}


@pytest.fixture
def on_device(device):
    """The device, also made the default so that weights built inside CASES land there."""
    previous = gg.get_default_device()
    gg.set_default_device(device)
    yield device
    gg.set_default_device(previous)


def _tensors(lib, arrays, device=None):
    kw = {} if device is None else {"device": device}
    return [lib.tensor(a, requires_grad=a.dtype.kind == "f", **kw) for a in arrays]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck(name, reduction, on_device):
    call, arrays = CASES[name]
    ts = _tensors(gg, arrays, on_device)      # float targets are checked too
    assert gradcheck(lambda *a: call(F, gg, reduction, *a), ts)


@pytest.mark.parametrize("name", ["ce", "ce_ignore_smooth", "ce_weight", "ce_probs", "ce_4d",
                                  "nll_weight", "mse", "bce", "bce_logits_weights",
                                  "smooth_l1", "huber", "kl"])
def test_gradgradcheck(name, on_device):
    call, arrays = CASES[name]
    ts = _tensors(gg, arrays, on_device)
    for reduction in ("mean", "none"):
        assert gradgradcheck(lambda *a: call(F, gg, reduction, *a), ts)


@pytest.mark.torch
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(name, reduction):
    torch = pytest.importorskip("torch")
    call, arrays = CASES[name]
    ours = _tensors(gg, arrays)
    theirs = _tensors(torch, arrays)
    if name.startswith("kl"):
        # torch's d/dtarget of xlogy(t, t) is NaN at t == 0; ours is finite. None here.
        assert (arrays[1] != 0).all()
    out = call(F, gg, reduction, *ours)
    tout = call(torch.nn.functional, torch, reduction, *theirs)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-10,
                               atol=1e-12)
    g = np.cos(np.arange(max(out.numel(), 1))).reshape(tuple(out.shape))
    out.backward(gg.tensor(g))
    tout.backward(torch.tensor(g))
    for o, t in zip(ours, theirs):
        if t.grad is not None:
            np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.torch
def test_second_order_matches_torch():
    torch = pytest.importorskip("torch")
    for name in ("ce", "ce_ignore_smooth", "ce_weight", "mse", "bce"):
        call, arrays = CASES[name]
        ours, theirs = _tensors(gg, arrays), _tensors(torch, arrays)
        (g,) = gg.autograd.grad(call(F, gg, "mean", *ours), ours[0], create_graph=True)
        (g * g).sum().backward()
        (tg,) = torch.autograd.grad(call(torch.nn.functional, torch, "mean", *theirs),
                                    theirs[0], create_graph=True)
        (tg * tg).sum().backward()
        np.testing.assert_allclose(ours[0].grad.numpy(), theirs[0].grad.numpy(), rtol=1e-9,
                                   atol=1e-12, err_msg=name)


def test_cross_entropy_stable_for_large_logits(device):
    x = gg.tensor([[1e4, -1e4, 0.0], [-5e3, 5e3, 5e3]], device=device, requires_grad=True)
    loss = F.cross_entropy(x, gg.tensor([1, 2], device=device))
    assert np.isfinite(loss.item())
    np.testing.assert_allclose(loss.item(), (2e4 + np.log(2)) / 2, rtol=1e-6)
    loss.backward()
    np.testing.assert_allclose(x.grad.cpu().numpy(), [[0.5, -0.5, 0], [0, 0.25, -0.25]],
                               atol=1e-6)


def test_cross_entropy_keeps_probabilities_not_logits():
    x = gg.randn(4, 5, requires_grad=True)
    loss = F.cross_entropy(x, gg.tensor(TARGET), reduction="sum")
    saved = loss.grad_fn._saved
    assert saved[0].is_output                      # the softmax, not the logits
    assert all(s is None or s.tensor is not x for s in saved[1:])
    with gg.no_grad():
        assert F.cross_entropy(x, gg.tensor(TARGET)).grad_fn is None


def test_all_ignored_mean_is_nan_and_grad_zero():
    x = gg.randn(2, 3, requires_grad=True)
    loss = F.cross_entropy(x, gg.tensor([-100, -100]))
    assert np.isnan(loss.item())
    assert F.cross_entropy(x, gg.tensor([-100, -100]), reduction="sum").item() == 0.0


@pytest.mark.torch
def test_errors_match_torch():
    torch = pytest.importorskip("torch")
    from torch_compare import same

    def ce(lib, x_shape, target, **kw):
        return lib.nn.functional.cross_entropy(lib.zeros(*x_shape), lib.tensor(target), **kw)
    same(lambda lib: ce(lib, (3, 4), [1, 2, 5]), torch)
    same(lambda lib: ce(lib, (3, 4), [1, 2, -5]), torch)
    same(lambda lib: ce(lib, (3, 4), [1, 2]), torch)
    same(lambda lib: ce(lib, (3, 4, 5), [[1, 2, 3, 2], [1, 1, 1, 1], [0, 0, 0, 0]]), torch)
    same(lambda lib: ce(lib, (4,), [1, 2, 1]), torch)
    same(lambda lib: ce(lib, (3, 4), [1, 2, 1], reduction="avg"), torch)
    same(lambda lib: ce(lib, (3, 4), [1, 2, 1], weight=lib.ones(3)), torch)
    same(lambda lib: lib.nn.functional.cross_entropy(lib.zeros(3, 4), lib.zeros(3, 4).long()),
         torch)
    same(lambda lib: lib.nn.functional.cross_entropy(lib.zeros(3, 4), lib.ones(3, 4),
                                                     ignore_index=1), torch)
    same(lambda lib: lib.nn.functional.nll_loss(lib.zeros(3, 4), lib.tensor([1.0, 2, 1])),
         torch)
    same(lambda lib: lib.nn.functional.binary_cross_entropy(lib.ones(3) / 2, lib.ones(4)),
         torch)
    same(lambda lib: lib.nn.functional.binary_cross_entropy(lib.ones(3) * 2, lib.ones(3)),
         torch)
    same(lambda lib: lib.nn.functional.binary_cross_entropy_with_logits(lib.ones(3),
                                                                        lib.ones(4)), torch)
    same(lambda lib: lib.nn.functional.smooth_l1_loss(lib.ones(3), lib.ones(3), beta=-1.0),
         torch)


def test_broadcast_and_legacy_warnings():
    with pytest.warns(UserWarning, match="Using a target size"):
        out = F.mse_loss(gg.ones(3), gg.zeros(2, 3))
    assert out.item() == 1.0
    with pytest.warns(UserWarning, match="reduction='sum'"):
        assert F.l1_loss(gg.ones(2), gg.zeros(2), size_average=False).item() == 2.0
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        F.kl_div(gg.zeros(2), gg.ones(2))


def test_mse_gradient_uses_fused_kernel_both_sides():
    x = gg.tensor([1.0, 2.0], requires_grad=True)
    y = gg.tensor([0.0, 4.0], requires_grad=True)
    F.mse_loss(x, y).backward()
    assert x.grad.tolist() == [1.0, -2.0] and y.grad.tolist() == [-1.0, 2.0]


# ------------------------------------------------------------------------ modules
@pytest.mark.torch
def test_loss_modules_match_torch():
    torch = pytest.importorskip("torch")
    pairs = [
        ("CrossEntropyLoss(label_smoothing=0.1)", LOGITS, TARGET),
        ("CrossEntropyLoss(weight=W, ignore_index=2, reduction='sum')", LOGITS, TARGET),
        ("NLLLoss(weight=W)", LOGITS, TARGET), ("MSELoss(reduction='none')", PRED, GOAL),
        ("L1Loss()", PRED, GOAL), ("SmoothL1Loss(beta=0.5)", PRED, GOAL),
        ("HuberLoss(delta=0.3)", PRED, GOAL), ("BCELoss(weight=lib.tensor(T01))", P01, T01),
        ("BCEWithLogitsLoss(pos_weight=lib.tensor(WEIGHT[:4]))", PRED, T01),
        ("KLDivLoss(reduction='batchmean', log_target=True)", np.log(P01), np.log(T01)),
    ]
    for spec, a, b in pairs:
        mods = {}
        for lib in (gg, torch):
            mods[lib] = eval("lib.nn." + spec, {"lib": lib, "W": lib.tensor(WEIGHT),
                                                 "T01": T01, "WEIGHT": WEIGHT})
        ours = mods[gg](*_tensors(gg, (a, b)))
        theirs = mods[torch](*_tensors(torch, (a, b)))
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10,
                                   err_msg=spec)
        assert repr(mods[gg]) == repr(mods[torch])
        assert list(mods[gg].state_dict()) == list(mods[torch].state_dict()), spec


def test_loss_module_weight_follows_to():
    crit = nn.CrossEntropyLoss(weight=gg.ones(5))
    crit.to(gg.float64)
    assert crit.weight.dtype == gg.float64
    assert "weight" in dict(crit.named_buffers())
