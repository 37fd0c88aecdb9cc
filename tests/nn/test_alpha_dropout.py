"""AlphaDropout, FeatureAlphaDropout, alpha_dropout, feature_alpha_dropout: PyTorch's formula
and statistics, gradients, eval mode, errors and reprs."""
import math

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F
from gpugrad import nn
from gpugrad.autograd import gradcheck, gradgradcheck

ALPHA = 1.7580993408473766


def _expected(x, y, p):
    """The output PyTorch's formula gives for the keep-mask that y reveals."""
    a = 1.0 / math.sqrt((ALPHA * ALPHA * p + 1) * (1 - p))
    # A dropped element is exactly b = (0 - 1) * alpha * a + alpha * a * p.
    b = -1.0 * (ALPHA * a) + ALPHA * a * p
    dropped = y == b
    return np.where(dropped, b, x * a + ALPHA * a * p), dropped, a


@pytest.mark.parametrize("p", [0.2, 0.5])
def test_alpha_dropout_formula_and_statistics(p):
    gg.manual_seed(0)
    x = np.random.default_rng(0).standard_normal(200000)
    y = F.alpha_dropout(gg.tensor(x), p, training=True).numpy()
    expect, dropped, _ = _expected(x, y, p)
    np.testing.assert_allclose(y, expect, rtol=1e-12)
    assert abs(dropped.mean() - p) < 0.01
    # Self-normalising: zero mean and unit variance survive.
    assert abs(y.mean()) < 0.02 and abs(y.std() - 1) < 0.02


def test_feature_alpha_dropout_channels():
    gg.manual_seed(1)
    x = np.random.default_rng(1).standard_normal((8, 16, 5, 3))
    y = F.feature_alpha_dropout(gg.tensor(x), 0.5, training=True).numpy()
    expect, dropped, _ = _expected(x, y, 0.5)
    np.testing.assert_allclose(y, expect, rtol=1e-12)
    per_channel = dropped.reshape(8, 16, -1)
    assert (per_channel.all(-1) | ~per_channel.any(-1)).all()
    assert 0.3 < per_channel.all(-1).mean() < 0.7


@pytest.mark.parametrize("fn", [F.alpha_dropout, F.feature_alpha_dropout])
def test_gradient_is_mask_times_a(fn):
    gg.manual_seed(2)
    x = gg.tensor(np.random.default_rng(2).standard_normal((4, 6, 3)), requires_grad=True)
    y = fn(x, 0.3, training=True)
    y.sum().backward()
    _, dropped, a = _expected(x.detach().numpy(), y.detach().numpy(), 0.3)
    np.testing.assert_allclose(x.grad.numpy(), np.where(dropped, 0.0, a))

    def f(t):
        gg.manual_seed(5)
        return fn(t, 0.3, training=True)
    assert gradcheck(f, [x])
    assert gradgradcheck(f, [x])


def test_identity_cases(torch):
    from torch_compare import same

    def run(lib):
        f = lib.nn.functional
        x = lib.ones(2, 3)
        return (f.alpha_dropout(x, 0.5), f.alpha_dropout(x, 0.5, training=False),
                f.alpha_dropout(x, 0.0, training=True), f.feature_alpha_dropout(x, 0.5),
                f.alpha_dropout(x, 1.0, training=True),
                f.feature_alpha_dropout(x, 1.0, training=True),
                f.alpha_dropout(lib.ones(0, 3), 0.5, True))
    same(run, torch)
    x = gg.ones(3)
    assert F.alpha_dropout(x, 0.5) is x


@pytest.mark.parametrize("case", range(5))
def test_errors(torch, case):
    from torch_compare import same
    same(lambda lib: [lambda: lib.nn.functional.alpha_dropout(lib.ones(3), 1.5),
                      lambda: lib.nn.functional.feature_alpha_dropout(lib.ones(3), -0.1),
                      lambda: lib.nn.functional.feature_alpha_dropout(lib.ones(3), 0.5, True),
                      lambda: lib.nn.functional.alpha_dropout(lib.arange(3), 0.5, True),
                      lambda: lib.nn.AlphaDropout(2.0)][case](), torch)


def test_modules(torch):
    for build in [lambda n: n.AlphaDropout(), lambda n: n.AlphaDropout(0.2, True),
                  lambda n: n.FeatureAlphaDropout(0.3)]:
        assert repr(build(nn)) == repr(build(torch.nn))
        assert build(nn).state_dict() == {}
    m = nn.AlphaDropout(0.5)
    x = gg.randn(100)
    assert m.eval()(x) is x
    gg.manual_seed(0)
    y = m.train()(x)
    assert not np.allclose(y.numpy(), x.numpy())
    f = nn.FeatureAlphaDropout(0.5)
    assert f(gg.randn(4, 5, 2)).shape == (4, 5, 2)


def test_inplace():
    gg.manual_seed(3)
    leaf = gg.randn(50, requires_grad=True)
    x = leaf * 1.0
    y = F.alpha_dropout(x, 0.4, training=True, inplace=True)
    assert y is x
    y.sum().backward()
    assert leaf.grad is not None
