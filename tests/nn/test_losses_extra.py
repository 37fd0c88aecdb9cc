"""Margin, embedding, likelihood and triplet losses: gradchecks, values and gradients against
torch in float32 and float64, output shapes, errors, warnings and the loss modules."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import gpugrad as gg
import gpugrad.nn.functional as F
from gpugrad import nn
from gpugrad.autograd import gradcheck, gradgradcheck

RNG = np.random.default_rng(7)
X = RNG.standard_normal((4, 5))
Y = RNG.standard_normal((4, 5))
Z = RNG.standard_normal((4, 5))
SIGN = np.where(RNG.random((4, 5)) < 0.5, -1.0, 1.0)
SIGN_ROW = np.array([1.0, -1.0, -1.0, 1.0])
T01 = RNG.random((4, 5))
W5 = RNG.random(5) + 0.5
CLS = np.array([2, 0, 4, 1])
LABELS = np.array([[3, 0, -1, 1, 2], [4, 4, 1, -1, -1], [-1, 0, 1, 2, 3], [0, 1, 2, 3, 4]])
POS = RNG.random((4, 5)) + 0.2
VAR = RNG.random((4, 5)) + 0.3
# Rates away from 1, where Stirling's term is switched on and off.
COUNTS = np.where(RNG.random((4, 5)) < 0.5, RNG.random((4, 5)) * 0.7 + 0.1,
                  RNG.random((4, 5)) * 3 + 1.3)
REDUCTIONS = ["mean", "sum", "none"]


def _cos_dist(lib):
    return lambda a, b: 1 - lib.nn.functional.cosine_similarity(a, b)


# name -> (call(functional, lib, reduction, *tensors), arrays, positions given gradients)
CASES = {
    "soft_margin": (lambda f, lib, r, x, y: f.soft_margin_loss(x, y, reduction=r),
                    (X, SIGN), (0,)),
    "hinge": (lambda f, lib, r, x, y: f.hinge_embedding_loss(x, y, reduction=r), (X, SIGN),
              (0,)),
    "hinge_margin": (lambda f, lib, r, x, y: f.hinge_embedding_loss(x, y, margin=0.4,
                                                                    reduction=r),
                     (X, SIGN), (0,)),
    "margin_ranking": (lambda f, lib, r, a, b, y: f.margin_ranking_loss(a, b, y, margin=0.2,
                                                                        reduction=r),
                       (X[:, 0], Y[:, 0], SIGN_ROW), (0, 1)),
    "cosine": (lambda f, lib, r, a, b, y: f.cosine_embedding_loss(a, b, y, reduction=r),
               (X, Y, SIGN_ROW), (0, 1)),
    "cosine_margin": (lambda f, lib, r, a, b, y: f.cosine_embedding_loss(a, b, y, margin=-0.3,
                                                                         reduction=r),
                      (X, Y, SIGN_ROW), (0, 1)),
    "cosine_1d": (lambda f, lib, r, a, b, y: f.cosine_embedding_loss(a, b, y, reduction=r),
                  (X[0], Y[0], np.array(-1.0)), (0, 1)),
    "multilabel_soft": (lambda f, lib, r, x, t: f.multilabel_soft_margin_loss(x, t,
                                                                              reduction=r),
                        (X, T01), (0, 1)),
    "multilabel_soft_weight": (lambda f, lib, r, x, t: f.multilabel_soft_margin_loss(
        x, t, weight=lib.tensor(W5), reduction=r), (X, T01), (0, 1)),
    "multi_margin": (lambda f, lib, r, x, t: f.multi_margin_loss(x, t, reduction=r),
                     (X, CLS), (0,)),
    "multi_margin_p2_weight": (lambda f, lib, r, x, t: f.multi_margin_loss(
        x, t, p=2, margin=0.7, weight=lib.tensor(W5).to(x.dtype), reduction=r), (X, CLS), (0,)),
    "multi_margin_1d": (lambda f, lib, r, x, t: f.multi_margin_loss(x, t, reduction=r),
                        (X[1], CLS[:1]), (0,)),
    "multilabel_margin": (lambda f, lib, r, x, t: f.multilabel_margin_loss(x, t, reduction=r),
                          (X, LABELS), (0,)),
    "multilabel_margin_1d": (lambda f, lib, r, x, t: f.multilabel_margin_loss(x, t,
                                                                              reduction=r),
                             (X[2], LABELS[0]), (0,)),
    "poisson": (lambda f, lib, r, x, t: f.poisson_nll_loss(x, t, reduction=r), (X, COUNTS),
                (0, 1)),
    "poisson_full": (lambda f, lib, r, x, t: f.poisson_nll_loss(x, t, full=True, reduction=r),
                     (X, COUNTS), (0, 1)),
    "poisson_rate": (lambda f, lib, r, x, t: f.poisson_nll_loss(x, t, log_input=False,
                                                                eps=1e-3, reduction=r),
                     (POS, COUNTS), (0, 1)),
    "gaussian": (lambda f, lib, r, x, t, v: f.gaussian_nll_loss(x, t, v, reduction=r),
                 (X, Y, VAR), (0, 1, 2)),
    "gaussian_full_row_var": (lambda f, lib, r, x, t, v: f.gaussian_nll_loss(
        x, t, v, full=True, reduction=r), (X, Y, VAR[:, 0]), (0, 1, 2)),
    "gaussian_one_dim_var": (lambda f, lib, r, x, t, v: f.gaussian_nll_loss(
        x, t, v, reduction=r), (X, Y, VAR[:1]), (0, 1, 2)),
    "gaussian_float_var": (lambda f, lib, r, x, t: f.gaussian_nll_loss(x, t, 0.7, reduction=r),
                           (X, Y), (0, 1)),
    "triplet": (lambda f, lib, r, a, p, n: f.triplet_margin_loss(a, p, n, margin=2.0,
                                                                 reduction=r),
                (X, Y, Z), (0, 1, 2)),
    "triplet_p1_swap": (lambda f, lib, r, a, p, n: f.triplet_margin_loss(
        a, p, n, margin=1.5, p=1, swap=True, reduction=r), (X, Y, Z), (0, 1, 2)),
    "triplet_p3_eps": (lambda f, lib, r, a, p, n: f.triplet_margin_loss(
        a, p, n, margin=2.5, p=3, eps=1e-3, reduction=r), (X, Y, Z), (0, 1, 2)),
    "triplet_1d": (lambda f, lib, r, a, p, n: f.triplet_margin_loss(a, p, n, margin=3.0,
                                                                    reduction=r),
                   (X[0], Y[0], Z[0]), (0, 1, 2)),
    "triplet_distance": (lambda f, lib, r, a, p, n: f.triplet_margin_with_distance_loss(
        a, p, n, margin=2.0, reduction=r), (X, Y, Z), (0, 1, 2)),
    "triplet_distance_cos_swap": (lambda f, lib, r, a, p, n: f.triplet_margin_with_distance_loss(
        a, p, n, distance_function=_cos_dist(lib), margin=0.9, swap=True, reduction=r),
        (X, Y, Z), (0, 1, 2)),
}
# ATen has no double backward for these two; ours is a composition and has one.
NO_TORCH_GRADGRAD = {"multi_margin", "multi_margin_p2_weight", "multi_margin_1d",
                     "multilabel_margin", "multilabel_margin_1d"}


@pytest.fixture
def on_device(device):
    previous = gg.get_default_device()
    gg.set_default_device(device)
    yield device
    gg.set_default_device(previous)


def _tensors(lib, arrays, grads, dtype=None, device=None):
    out = []
    for i, a in enumerate(arrays):
        kw = {} if device is None else {"device": device}
        t = lib.tensor(a, **kw)
        if a.dtype.kind == "f":
            t = t.to(dtype) if dtype is not None else t
            t.requires_grad_(i in grads)
        out.append(t)
    return out


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_gradcheck(name, reduction, on_device):
    call, arrays, grads = CASES[name]
    ts = _tensors(gg, arrays, grads, device=on_device)
    assert gradcheck(lambda *a: call(F, gg, reduction, *a), ts)


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradgradcheck(name, on_device):
    call, arrays, grads = CASES[name]
    ts = _tensors(gg, arrays, grads, device=on_device)
    for reduction in ("mean", "none"):
        assert gradgradcheck(lambda *a: call(F, gg, reduction, *a), ts)


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_torch(name, reduction, dtype, torch):
    call, arrays, grads = CASES[name]
    ours = _tensors(gg, arrays, grads, getattr(gg, dtype))
    theirs = _tensors(torch, arrays, grads, getattr(torch, dtype))
    out = call(F, gg, reduction, *ours)
    tout = call(torch.nn.functional, torch, reduction, *theirs)
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == "float64" else dict(rtol=2e-5, atol=1e-6)
    assert tuple(out.shape) == tuple(tout.shape)
    assert out.dtype.name == str(tout.dtype).split(".")[-1]
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), **tol)
    g = np.cos(np.arange(max(out.numel(), 1))).reshape(tuple(out.shape))
    out.backward(gg.tensor(g).to(out.dtype))
    tout.backward(torch.tensor(g).to(tout.dtype))
    for o, t in zip(ours, theirs):
        if t.grad is not None:
            np.testing.assert_allclose(o.grad.numpy(), t.grad.numpy(), **tol)


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(set(CASES) - NO_TORCH_GRADGRAD))
def test_second_order_matches_torch(name, torch):
    call, arrays, grads = CASES[name]
    ours = _tensors(gg, arrays, grads)
    theirs = _tensors(torch, arrays, grads)
    i = grads[0]
    (g,) = gg.autograd.grad(call(F, gg, "sum", *ours), ours[i], create_graph=True)
    (tg,) = torch.autograd.grad(call(torch.nn.functional, torch, "sum", *theirs), theirs[i],
                                create_graph=True)
    if not tg.requires_grad:        # torch too finds the gradient constant
        assert not g.requires_grad
        np.testing.assert_allclose(g.numpy(), tg.numpy(), rtol=1e-12)
        return
    (tg * tg).sum().backward()
    if not g.requires_grad:
        # A piecewise-linear loss: our gradient is a constant, torch's second derivative 0.
        for t in theirs:
            if t.grad is not None:
                assert not (torch.zeros_like(t) + t.grad).any()
        return
    (g * g).sum().backward()
    for o, t in zip(ours, theirs):
        if t.grad is not None:
            np.testing.assert_allclose(o.grad.numpy(), (torch.zeros_like(t) + t.grad).numpy(),
                                       rtol=1e-9, atol=1e-12)


@pytest.mark.torch
def test_gaussian_var_clamped_for_value_not_gradient(torch):
    var = np.array([[1e-9, 0.5], [0.0, 2.0]])
    x, y = X[:2, :2], Y[:2, :2]
    outs = []
    for lib in (gg, torch):
        v = lib.tensor(var, requires_grad=True)
        xt = lib.tensor(x, requires_grad=True)
        loss = lib.nn.functional.gaussian_nll_loss(xt, lib.tensor(y), v, eps=1e-3)
        loss.backward()
        outs.append((loss.item(), v.grad.numpy(), xt.grad.numpy()))
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-12)
    np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-12)
    np.testing.assert_allclose(outs[0][2], outs[1][2], rtol=1e-12)


@pytest.mark.torch
def test_integer_targets_and_shapes_match_torch(torch):
    from torch_compare import same

    def f(lib):
        F_ = lib.nn.functional
        x = lib.tensor(X)
        s = lib.tensor(SIGN).long()
        return [
            F_.hinge_embedding_loss(x, s, reduction="none"),
            F_.soft_margin_loss(x, s),
            F_.margin_ranking_loss(x[:, 0], x[:, 1], s[:, 0], reduction="none"),
            F_.cosine_embedding_loss(x, x * 2, s[:, 0]),
            F_.poisson_nll_loss(x, lib.tensor(LABELS).abs(), full=True, reduction="none"),
            F_.multi_margin_loss(x[0], lib.tensor(3), reduction="none"),
            F_.multi_margin_loss(lib.tensor(0.5), lib.tensor(0), reduction="none"),
            F_.multilabel_margin_loss(lib.tensor(0.5), lib.tensor(-1), reduction="none"),
            F_.multilabel_soft_margin_loss(x[0], lib.tensor(T01[0]), reduction="none"),
            F_.triplet_margin_loss(x[0], x[1], x[2], reduction="none"),
            F_.gaussian_nll_loss(x, x.float(), 1.0),
            F_.multilabel_margin_loss(x, lib.full((4, 5), -1), reduction="none"),
        ]
    same(f, torch, rtol=1e-6, atol=1e-7)


@pytest.mark.torch
def test_errors_match_torch(torch):
    from torch_compare import same
    z = lambda lib, *s: lib.zeros(*s)  # noqa: E731
    L = lambda lib, v: lib.tensor(v)  # noqa: E731
    checks = [
        lambda lib: lib.nn.functional.multi_margin_loss(z(lib, 3, 4), z(lib, 3)),
        lambda lib: lib.nn.functional.multi_margin_loss(z(lib, 3, 4), z(lib, 3).int()),
        lambda lib: lib.nn.functional.multi_margin_loss(z(lib, 3, 4), L(lib, [0, 4, 1])),
        lambda lib: lib.nn.functional.multi_margin_loss(z(lib, 3, 4), L(lib, [0, -1, 1])),
        lambda lib: lib.nn.functional.multi_margin_loss(z(lib, 3, 4), L(lib, [0, 1])),
        lambda lib: lib.nn.functional.multi_margin_loss(z(lib, 4), L(lib, [0, 1])),
        lambda lib: lib.nn.functional.multi_margin_loss(z(lib, 3, 4), z(lib, 3, 1).long()),
        lambda lib: lib.nn.functional.multi_margin_loss(z(lib, 3, 4, 2), L(lib, [0, 1, 1])),
        lambda lib: lib.nn.functional.multi_margin_loss(z(lib, 3, 0), L(lib, [0, 1, 1])),
        lambda lib: lib.nn.functional.multi_margin_loss(z(lib, 3, 4), L(lib, [0, 1, 1]),
                                                        weight=z(lib, 3)),
        lambda lib: lib.nn.functional.multi_margin_loss(z(lib, 3, 4), L(lib, [0, 1, 1]),
                                                        weight=z(lib, 1, 4)),
        lambda lib: lib.nn.functional.multi_margin_loss(z(lib, 3, 4), L(lib, [0, 1, 1]), p=3),
        lambda lib: lib.nn.functional.multi_margin_loss(z(lib, 3, 4), L(lib, [0, 1, 1]),
                                                        weight=lib.ones(4).double()),
        lambda lib: lib.nn.functional.soft_margin_loss(
            z(lib, 3), lib.ones(3, requires_grad=True)),
        lambda lib: lib.nn.functional.multi_margin_loss(z(lib, 3, 4).long(), L(lib, [0, 1, 1])),
        lambda lib: lib.nn.functional.multi_margin_loss(z(lib, 3, 4), L(lib, [0, 1, 1]),
                                                        reduction="avg"),
        lambda lib: lib.nn.functional.multilabel_margin_loss(z(lib, 3, 4), z(lib, 3, 4)),
        lambda lib: lib.nn.functional.multilabel_margin_loss(z(lib, 3, 4),
                                                             lib.full((3, 4), 4)),
        lambda lib: lib.nn.functional.multilabel_margin_loss(z(lib, 3, 4),
                                                             lib.full((3, 4), -2)),
        lambda lib: lib.nn.functional.multilabel_margin_loss(z(lib, 3, 4), z(lib, 3, 3).long()),
        lambda lib: lib.nn.functional.multilabel_margin_loss(z(lib, 4), z(lib, 3).long()),
        lambda lib: lib.nn.functional.multilabel_margin_loss(z(lib, 2, 3, 4),
                                                             z(lib, 2, 3, 4).long()),
        lambda lib: lib.nn.functional.multilabel_margin_loss(z(lib, 3, 4).long(),
                                                             z(lib, 3, 4).long()),
        lambda lib: lib.nn.functional.cosine_embedding_loss(z(lib, 3, 4), z(lib, 3, 4),
                                                            z(lib, 3, 1)),
        lambda lib: lib.nn.functional.cosine_embedding_loss(z(lib, 3, 4), z(lib, 3, 4, 1),
                                                            z(lib, 3)),
        lambda lib: lib.nn.functional.cosine_embedding_loss(z(lib, 3, 4), z(lib, 3, 4),
                                                            L(lib, 1.0)),
        lambda lib: lib.nn.functional.cosine_embedding_loss(z(lib, 3, 4), z(lib, 3, 4),
                                                            z(lib, 3), reduction="x"),
        lambda lib: lib.nn.functional.margin_ranking_loss(z(lib, 3), z(lib, 3), z(lib, 3, 1)),
        lambda lib: lib.nn.functional.margin_ranking_loss(z(lib, 3), z(lib, 2), z(lib, 3)),
        lambda lib: lib.nn.functional.cosine_embedding_loss(z(lib, 3, 4), z(lib, 2, 4),
                                                            z(lib, 3)),
        lambda lib: lib.nn.functional.soft_margin_loss(z(lib, 3), z(lib, 3), reduction="x"),
        lambda lib: lib.nn.functional.hinge_embedding_loss(z(lib, 3), z(lib, 3), reduction="x"),
        lambda lib: lib.nn.functional.poisson_nll_loss(z(lib, 3), z(lib, 3), reduction="x"),
        lambda lib: lib.nn.functional.gaussian_nll_loss(z(lib, 3, 4), z(lib, 3, 4),
                                                        lib.ones(2, 4)),
        lambda lib: lib.nn.functional.gaussian_nll_loss(z(lib, 3, 4), z(lib, 3, 4),
                                                        lib.ones(1, 1)),
        lambda lib: lib.nn.functional.gaussian_nll_loss(z(lib, 3, 4), z(lib, 3, 4),
                                                        -lib.ones(3, 1)),
        lambda lib: lib.nn.functional.gaussian_nll_loss(z(lib, 3, 4), z(lib, 3, 4), -1.0),
        lambda lib: lib.nn.functional.gaussian_nll_loss(z(lib, 3, 4), z(lib, 3, 4), 1.0,
                                                        reduction="x"),
        lambda lib: lib.nn.functional.multilabel_soft_margin_loss(z(lib, 3, 4), z(lib, 3, 4),
                                                                  reduction="x"),
        lambda lib: lib.nn.functional.triplet_margin_loss(z(lib, 3, 4), z(lib, 3, 4),
                                                          z(lib, 4)),
        lambda lib: lib.nn.functional.triplet_margin_loss(z(lib, 3, 4), z(lib, 3, 4),
                                                          z(lib, 3, 4), margin=0),
        lambda lib: lib.nn.functional.triplet_margin_loss(z(lib, 3, 4), z(lib, 3, 4),
                                                          z(lib, 3, 4), reduction="x"),
        lambda lib: lib.nn.functional.triplet_margin_with_distance_loss(
            z(lib, 3, 4), z(lib, 3, 4), z(lib, 4)),
        lambda lib: lib.nn.functional.triplet_margin_with_distance_loss(
            z(lib, 3, 4), z(lib, 3, 4), z(lib, 3, 4), margin=-1.0),
        lambda lib: lib.nn.functional.triplet_margin_with_distance_loss(
            z(lib, 3, 4), z(lib, 3, 4), z(lib, 3, 4), reduction="x"),
        lambda lib: lib.nn.MultiMarginLoss(p=3),
        lambda lib: lib.nn.MultiMarginLoss(weight=lib.ones(2, 2)),
        lambda lib: lib.nn.TripletMarginLoss(margin=0.0),
        lambda lib: lib.nn.TripletMarginWithDistanceLoss(margin=-2),
    ]
    for i, check in enumerate(checks):
        same(check, torch, path=f"check {i}")


@pytest.mark.torch
def test_legacy_reduction_flags_warn_as_torch(torch):
    calls = [
        lambda lib, **kw: lib.nn.functional.soft_margin_loss(lib.tensor(X), lib.tensor(SIGN),
                                                             **kw),
        lambda lib, **kw: lib.nn.functional.multilabel_soft_margin_loss(
            lib.tensor(X), lib.tensor(T01), **kw),
        lambda lib, **kw: lib.nn.functional.multi_margin_loss(lib.tensor(X), lib.tensor(CLS),
                                                              **kw),
        lambda lib, **kw: lib.nn.functional.poisson_nll_loss(lib.tensor(X), lib.tensor(COUNTS),
                                                             **kw),
        lambda lib, **kw: lib.nn.functional.triplet_margin_loss(
            lib.tensor(X), lib.tensor(Y), lib.tensor(Z), **kw),
        lambda lib, **kw: lib.nn.SoftMarginLoss(**kw)(lib.tensor(X), lib.tensor(SIGN)),
        lambda lib, **kw: lib.nn.CosineEmbeddingLoss(**kw)(lib.tensor(X), lib.tensor(Y),
                                                           lib.tensor(SIGN_ROW)),
    ]
    for call in calls:
        for flags in ({"size_average": False}, {"reduce": False}, {"size_average": True,
                                                                   "reduce": True}):
            results = []
            for lib in (gg, torch):
                with warnings.catch_warnings(record=True) as w:
                    warnings.simplefilter("always")
                    out = call(lib, reduction="mean", **flags)
                results.append((out.detach().numpy(), [str(m.message) for m in w]))
            np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-12)
            assert results[0][1] == results[1][1]


def test_legacy_warning_points_at_the_caller():
    with pytest.warns(UserWarning, match="reduction='sum'") as record:
        F.margin_ranking_loss(gg.zeros(2), gg.ones(2), gg.ones(2), size_average=False)
        F.poisson_nll_loss(gg.zeros(2), gg.ones(2), reduce=True, size_average=False)
    assert [w.filename for w in record] == [__file__] * 2


# ------------------------------------------------------------------------ modules
MODULE_SPECS = [
    ("CosineEmbeddingLoss(margin=0.2)", (X, Y, SIGN_ROW)),
    ("GaussianNLLLoss(full=True, eps=1e-4, reduction='sum')", (X, Y, VAR)),
    ("HingeEmbeddingLoss(margin=0.5, reduction='none')", (X, SIGN)),
    ("MarginRankingLoss(margin=0.1)", (X[:, 0], Y[:, 0], SIGN_ROW)),
    ("MultiLabelMarginLoss()", (X, LABELS)),
    ("MultiLabelSoftMarginLoss(weight=lib.tensor(W5))", (X, T01)),
    ("MultiMarginLoss(p=2, margin=0.5, weight=lib.tensor(W5))", (X, CLS)),
    ("PoissonNLLLoss(log_input=False, full=True, eps=1e-4)", (POS, COUNTS)),
    ("SoftMarginLoss(reduction='sum')", (X, SIGN)),
    ("TripletMarginLoss(margin=2.0, p=1.0, swap=True)", (X, Y, Z)),
    ("TripletMarginWithDistanceLoss(margin=2.0)", (X, Y, Z)),
    ("TripletMarginWithDistanceLoss(distance_function=lambda a, b: (a - b).abs().sum(-1), "
     "swap=True, reduction='none')", (X, Y, Z)),
]


@pytest.mark.torch
@pytest.mark.parametrize("spec,arrays", MODULE_SPECS)
def test_modules_match_torch(spec, arrays, torch):
    mods = {lib: eval("lib.nn." + spec, {"lib": lib, "W5": W5}) for lib in (gg, torch)}
    assert repr(mods[gg]) == repr(mods[torch])
    assert list(mods[gg].state_dict()) == list(mods[torch].state_dict())
    assert [n for n, _ in mods[gg].named_buffers()] == \
        [n for n, _ in mods[torch].named_buffers()]
    for attr in type(mods[torch]).__constants__:
        assert getattr(mods[gg], attr) == getattr(mods[torch], attr)
    ours = mods[gg](*[gg.tensor(a) for a in arrays])
    theirs = mods[torch](*[torch.tensor(a) for a in arrays])
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10)


@pytest.mark.torch
def test_module_defaults_match_torch(torch):
    names = ["CosineEmbeddingLoss", "GaussianNLLLoss", "HingeEmbeddingLoss",
             "MarginRankingLoss", "MultiLabelMarginLoss", "MultiLabelSoftMarginLoss",
             "MultiMarginLoss", "PoissonNLLLoss", "SoftMarginLoss", "TripletMarginLoss",
             "TripletMarginWithDistanceLoss", "CTCLoss"]
    for name in names:
        ours, theirs = getattr(nn, name)(), getattr(torch.nn, name)()
        assert repr(ours) == repr(theirs)
        for attr in type(theirs).__constants__ + ["weight", "zero_infinity"]:
            if hasattr(theirs, attr):
                assert getattr(ours, attr) == getattr(theirs, attr), (name, attr)
        assert list(ours.state_dict()) == list(theirs.state_dict())


def test_weight_buffers_follow_to():
    crit = nn.MultiMarginLoss(weight=gg.ones(5))
    crit.to(gg.float64)
    assert crit.weight.dtype == gg.float64
    assert list(dict(crit.named_buffers())) == ["weight"]
    crit = nn.MultiLabelSoftMarginLoss()
    assert crit.weight is None and list(crit.state_dict()) == []


@pytest.mark.torch
def test_nll_loss_2d_is_deprecated_alias(torch):
    with pytest.warns(FutureWarning, match="`NLLLoss2d` has been deprecated"):
        crit = nn.NLLLoss2d(weight=gg.tensor(W5[:3]), ignore_index=1)
    with pytest.warns(FutureWarning):
        tcrit = torch.nn.NLLLoss2d(weight=torch.tensor(W5[:3]), ignore_index=1)
    assert isinstance(crit, nn.NLLLoss)
    assert repr(crit) == repr(tcrit) and list(crit.state_dict()) == list(tcrit.state_dict())
    x = RNG.standard_normal((2, 3, 2, 2))
    t = RNG.integers(0, 3, (2, 2, 2))
    np.testing.assert_allclose(crit(gg.tensor(x), gg.tensor(t)).item(),
                               tcrit(torch.tensor(x), torch.tensor(t)).item(), rtol=1e-12)


@st.composite
def _class_problem(draw):
    n = draw(st.integers(1, 4))
    c = draw(st.integers(1, 6))
    # Labels with repeats and -1 anywhere (only the part before the first -1 counts).
    labels = draw(hnp.arrays(np.int64, (n, c), elements=st.integers(-1, c - 1)))
    classes = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, c - 1)))
    return np.random.default_rng(draw(st.integers(0, 2 ** 16))).standard_normal((n, c)), \
        labels, classes


@pytest.mark.torch
@settings(max_examples=40, deadline=None)
@given(problem=_class_problem(), p=st.sampled_from([1, 2]), margin=st.floats(0.1, 2.0))
def test_random_class_margins_match_torch(problem, p, margin):
    torch = pytest.importorskip("torch")
    x, labels, classes = problem
    calls = [
        lambda lib, x: lib.nn.functional.multilabel_margin_loss(x, lib.tensor(labels),
                                                                reduction="none"),
        lambda lib, x: lib.nn.functional.multi_margin_loss(x, lib.tensor(classes), p=p,
                                                           margin=margin, reduction="none"),
    ]
    for call in calls:
        outs = []
        for lib in (gg, torch):
            xt = lib.tensor(x, requires_grad=True)
            out = call(lib, xt)
            (out * lib.tensor(np.arange(1.0, len(x) + 1))).sum().backward()
            outs.append((out.detach().numpy(), xt.grad.numpy()))
        np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(outs[0][1], outs[1][1], rtol=1e-10, atol=1e-12)
