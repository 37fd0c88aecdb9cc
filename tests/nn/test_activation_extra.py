"""GLU, Hardshrink, Softshrink, Threshold, RReLU, Softmax2d, celu_/selu_, gumbel_softmax:
parity with PyTorch (values, grads, errors, reprs), gradcheck and gradgradcheck."""
import warnings

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F
from gpugrad import nn
from gpugrad.autograd import gradcheck, gradgradcheck

# Away from every kink (|x| = 0.5, 0.3, threshold 0.2), so finite differences are clean.
A = np.array([[-2.1, -0.9, -0.45, -0.1, 0.05, 0.35, 0.7, 1.6],
              [1.3, -1.7, 0.15, 0.95, -0.62, -0.26, 2.4, -0.04]])

FUNCS = {
    "glu": lambda f, x: f.glu(x),
    "glu_dim0": lambda f, x: f.glu(x, 0),
    "hardshrink": lambda f, x: f.hardshrink(x),
    "hardshrink_l": lambda f, x: f.hardshrink(x, 0.3),
    "softshrink": lambda f, x: f.softshrink(x),
    "softshrink_l": lambda f, x: f.softshrink(x, 0.3),
    "threshold": lambda f, x: f.threshold(x, 0.2, -3.0),
    "rrelu_eval": lambda f, x: f.rrelu(x, 0.1, 0.3),
    "celu": lambda f, x: f.celu(x, 0.7),
}


@pytest.mark.parametrize("name", list(FUNCS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_matches_torch(torch, name, dtype):
    from torch_compare import same
    a = A.astype(dtype)
    g = np.linspace(-1, 1, 16).reshape(2, 8).astype(dtype)

    def run(lib):
        x = lib.tensor(a, requires_grad=True)
        y = FUNCS[name](lib.nn.functional, x)
        (y * lib.tensor(g[:, :y.shape[1]][:y.shape[0]])).sum().backward()
        return y, x.grad
    same(run, torch)


@pytest.mark.parametrize("name", list(FUNCS))
def test_gradcheck(name):
    x = gg.tensor(A, requires_grad=True)
    assert gradcheck(lambda t: FUNCS[name](F, t), [x])
    assert gradgradcheck(lambda t: FUNCS[name](F, t), [x])


def test_nan_and_zero_passthrough(torch):
    from torch_compare import same
    a = np.array([np.nan, -1.0, 0.3, 0.5, -0.5, 2.0, -0.0])
    same(lambda lib: (lib.nn.functional.hardshrink(lib.tensor(a)),
                      lib.nn.functional.softshrink(lib.tensor(a)),
                      lib.nn.functional.threshold(lib.tensor(a), 0.5, -9.0),
                      lib.nn.functional.hardshrink(lib.tensor(a), -1.0)), torch)


def test_threshold_integer(torch):
    from torch_compare import same
    same(lambda lib: lib.nn.functional.threshold(lib.arange(3), 1, 5), torch)
    same(lambda lib: lib.nn.functional.threshold(lib.arange(3), 1, 5.5), torch)
    same(lambda lib: lib.nn.functional.threshold(lib.arange(-2, 3), -0.5, 9), torch)
    same(lambda lib: lib.nn.functional.threshold(lib.arange(-2, 3, dtype=lib.int32), 0.5, -7.9),
         torch)
    same(lambda lib: lib.nn.functional.threshold(lib.tensor([0.1, 0.3], dtype=lib.float16), 0.1,
                                                 5.0), torch)


@pytest.mark.parametrize("case", range(11))
def test_errors(torch, case):
    from torch_compare import same

    def run(lib):
        f = lib.nn.functional
        return [lambda: f.softshrink(lib.ones(2), -1.0),
                lambda: f.softshrink(lib.ones(2, dtype=lib.float64), -0.5),
                lambda: f.hardshrink(lib.arange(3)),
                lambda: f.softshrink(lib.arange(3)),
                lambda: f.glu(lib.arange(4)),
                lambda: f.glu(lib.tensor(1.0)),
                lambda: f.glu(lib.ones(2, 3), 1),
                lambda: f.glu(lib.ones(2, 3), 2),
                lambda: f.rrelu(lib.ones(3), 0.5, 0.1, training=True),
                lambda: f.rrelu(lib.arange(-2, 3), training=True),
                lambda: f.rrelu(lib.arange(-2, 3))][case]()
    same(run, torch)


@pytest.mark.parametrize("name", ["threshold", "rrelu", "celu", "selu"])
def test_inplace(torch, name):
    from torch_compare import same

    def run(lib):
        f = lib.nn.functional
        leaf = lib.tensor(A, requires_grad=True)
        x = leaf * 1.0
        y = {"threshold": lambda: f.threshold_(x, 0.2, -3.0),
             "rrelu": lambda: f.rrelu_(x, 0.1, 0.3),
             "celu": lambda: f.celu_(x, 0.7),
             "selu": lambda: f.selu_(x)}[name]()
        assert y is x
        y.sum().backward()
        return x, leaf.grad
    same(run, torch)


def test_rrelu_training():
    gg.manual_seed(0)
    x = gg.tensor(-np.ones(20000), requires_grad=True)
    y = F.rrelu(x, 0.1, 0.3, training=True)
    slope = -y.detach().numpy()
    assert slope.min() >= 0.1 and slope.max() <= 0.3
    assert abs(slope.mean() - 0.2) < 0.005
    y.sum().backward()
    # The gradient of a negative input is its sampled slope.
    np.testing.assert_allclose(x.grad.numpy(), slope)
    # Positive inputs pass through unchanged.
    assert F.rrelu(gg.tensor([2.0]), training=True).item() == 2.0
    gg.manual_seed(0)
    again = F.rrelu(gg.tensor(-np.ones(20000)), 0.1, 0.3, training=True)
    np.testing.assert_array_equal(again.numpy(), y.detach().numpy())


def test_rrelu_training_gradcheck():
    x = gg.tensor(A, requires_grad=True)

    def f(t):
        gg.manual_seed(3)     # the same slopes at every evaluation
        return F.rrelu(t, training=True)
    assert gradcheck(f, [x])
    assert gradgradcheck(f, [x])


def test_rrelu_module_modes(torch):
    m = nn.RReLU(0.1, 0.3)
    x = gg.tensor(A)
    out = m.eval()(x)
    expect = torch.nn.RReLU(0.1, 0.3).eval()(torch.tensor(A))
    np.testing.assert_allclose(out.numpy(), expect.numpy())
    gg.manual_seed(1)
    a = m.train()(x)
    assert not np.allclose(a.numpy(), out.numpy())


def test_softmax2d(torch):
    from torch_compare import same
    a = np.random.default_rng(0).standard_normal((2, 3, 4, 5))

    def run(lib):
        x = lib.tensor(a, requires_grad=True)
        y = lib.nn.Softmax2d()(x)
        (y * lib.tensor(a)).sum().backward()
        return y, lib.nn.Softmax2d()(lib.tensor(a[0])), x.grad
    same(run, torch)
    same(lambda lib: lib.nn.Softmax2d()(lib.ones(2, 3)), torch)
    x = gg.tensor(a[:1, :, :2, :2], requires_grad=True)
    assert gradgradcheck(nn.Softmax2d(), [x])


def test_modules_match_torch(torch):
    from torch_compare import same
    for build in [lambda n: n.GLU(), lambda n: n.GLU(0), lambda n: n.Hardshrink(),
                  lambda n: n.Hardshrink(0.3), lambda n: n.Softshrink(0.3),
                  lambda n: n.Threshold(0.1, 20), lambda n: n.Threshold(0.1, 20.0, True),
                  lambda n: n.RReLU(), lambda n: n.RReLU(0.1, 0.3, True), lambda n: n.Softmax2d()]:
        assert repr(build(nn)) == repr(build(torch.nn))
        assert build(nn).state_dict() == {}
    same(lambda lib: (lib.nn.GLU(0)(lib.tensor(A)), lib.nn.Hardshrink(0.3)(lib.tensor(A)),
                      lib.nn.Softshrink(0.3)(lib.tensor(A)),
                      lib.nn.Threshold(0.2, -1.0)(lib.tensor(A))), torch)


def test_gumbel_softmax_soft():
    gg.manual_seed(0)
    logits = gg.tensor(np.log([[0.1, 0.2, 0.7]] * 4000))
    y = F.gumbel_softmax(logits, tau=0.1)
    np.testing.assert_allclose(y.sum(-1).numpy(), 1.0)
    # Low temperature: close to one-hot samples whose frequencies follow softmax(logits).
    freq = (y.numpy() > 0.5).mean(0)
    np.testing.assert_allclose(freq, [0.1, 0.2, 0.7], atol=0.03)


def test_gumbel_softmax_hard_straight_through():
    gg.manual_seed(0)
    logits = gg.tensor(np.random.default_rng(0).standard_normal((5, 4)), requires_grad=True)
    y = F.gumbel_softmax(logits, tau=0.5, hard=True, dim=0)
    assert set(np.unique(y.detach().numpy())) <= {0.0, 1.0}
    np.testing.assert_allclose(y.detach().numpy().sum(0), 1.0)
    w = gg.tensor(np.arange(20.0).reshape(5, 4))
    (y * w).sum().backward()
    gg.manual_seed(0)
    soft = F.gumbel_softmax(logits, tau=0.5, dim=0)
    # The hard sample's gradient is the soft sample's.
    expect, = gg.autograd.grad((soft * w).sum(), [logits])
    np.testing.assert_allclose(logits.grad.numpy(), expect.numpy())


def test_gumbel_softmax_gradcheck():
    x = gg.tensor(np.random.default_rng(1).standard_normal((3, 4)), requires_grad=True)

    def f(t, hard):
        gg.manual_seed(7)
        return F.gumbel_softmax(t, tau=0.7, hard=hard)
    assert gradcheck(lambda t: f(t, False), [x])
    assert gradgradcheck(lambda t: f(t, False), [x])


def test_gumbel_softmax_warning_and_error(torch):
    from torch_compare import same
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        F.gumbel_softmax(gg.randn(3), eps=1.0)
    assert [str(i.message) for i in w] == ["`eps` parameter is deprecated and has no effect."]
    assert w[0].filename == __file__
    same(lambda lib: lib.nn.functional.gumbel_softmax(lib.arange(3)), torch)


def test_gumbel_softmax_zero_draw_stays_finite(monkeypatch):
    # A uniform draw of exactly 0 (about once in 2**24 float32 draws) must not give an
    # infinite Gumbel sample and NaNs.
    import gpugrad.ops.creation as creation
    monkeypatch.setattr(creation, "rand_like", lambda t, **kw: gg.zeros_like(t))
    y = F.gumbel_softmax(gg.tensor([0.0, 1.0, 2.0]))
    assert np.isfinite(y.numpy()).all()
    np.testing.assert_allclose(y.numpy(), F.softmax(gg.tensor([0.0, 1.0, 2.0]), 0).numpy(),
                               rtol=1e-6)
