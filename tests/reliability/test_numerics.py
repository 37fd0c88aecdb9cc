"""Numerical care: the log-domain and saturating ops stay finite, and equal PyTorch's, for
float32 inputs of magnitude 1e4 (where exp overflows at about 88), forward and backward."""
import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F

BIG = 1e4

# Rows mix huge positive, huge negative and ordinary values, and all-huge rows.
_VALUES = np.array([[BIG, -BIG, 0.0, 1.0],
                    [-BIG, -BIG, -BIG + 1, -BIG + 2],
                    [BIG, BIG - 1, BIG, BIG - 3],
                    [3.0, -2.0, BIG / 2, -BIG / 2]], dtype=np.float32)

CASES = {
    "logsumexp": lambda m, x: m.logsumexp(x, dim=1),
    "softmax": lambda m, x: _f(m).softmax(x, dim=1),
    "log_softmax": lambda m, x: _f(m).log_softmax(x, dim=1),
    "softmin": lambda m, x: _f(m).softmin(x, dim=0),
    "cross_entropy": lambda m, x: _f(m).cross_entropy(x, m.tensor([0, 1, 2, 3])),
    "cross_entropy_smooth": lambda m, x: _f(m).cross_entropy(
        x, m.tensor([1, 0, 3, 2]), label_smoothing=0.1, reduction="none"),
    "nll_of_log_softmax": lambda m, x: _f(m).nll_loss(_f(m).log_softmax(x, 1),
                                                      m.tensor([3, 2, 1, 0])),
    "sigmoid": lambda m, x: m.sigmoid(x),
    "logsigmoid": lambda m, x: _f(m).logsigmoid(x),
    "softplus": lambda m, x: _f(m).softplus(x),
    "softplus_beta": lambda m, x: _f(m).softplus(x, beta=2.0, threshold=5.0),
    "tanh": lambda m, x: m.tanh(x),
    "silu": lambda m, x: _f(m).silu(x),
    "gelu": lambda m, x: _f(m).gelu(x),
    "elu": lambda m, x: _f(m).elu(x),
    "bce_with_logits": lambda m, x: _f(m).binary_cross_entropy_with_logits(
        x, m.tensor((_VALUES > 0).astype(np.float32))),
}


def _f(m):
    return F if m is gg else m.nn.functional


def _weights(shape):
    return np.cos(np.arange(int(np.prod(shape)), dtype=np.float32)).reshape(shape)


def _forward_backward(m, name, scale=1.0):
    x = m.tensor(_VALUES * scale, requires_grad=True)
    y = CASES[name](m, x)
    w = m.tensor(_weights(tuple(y.shape)))
    (y * w).sum().backward()
    return y.detach().numpy(), x.grad.numpy()


@pytest.mark.parametrize("name", sorted(CASES))
def test_finite_at_1e4(name):
    y, g = _forward_backward(gg, name)
    assert y.dtype == np.float32 and g.dtype == np.float32
    assert np.isfinite(y).all(), f"{name} forward: {y}"
    assert np.isfinite(g).all(), f"{name} backward: {g}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_equal_to_pytorch_at_1e4(name):
    torch = pytest.importorskip("torch")
    ours, theirs = _forward_backward(gg, name), _forward_backward(torch, name)
    for part, a, b in zip(("forward", "backward"), ours, theirs):
        # float32 with values near 1e4: an ulp there is about 1e-3.
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=2e-3, err_msg=f"{name} {part}")


@pytest.mark.parametrize("name", ["logsumexp", "softmax", "log_softmax", "cross_entropy"])
def test_shift_invariance(name):
    """Adding a constant to every logit changes nothing the math says it should not (the
    stable forms subtract the max; a naive exp would overflow here)."""
    x = gg.tensor(_VALUES[:1], requires_grad=False)
    a = CASES[name](gg, gg.cat([x] * 4))
    b = CASES[name](gg, gg.cat([x] * 4) + 5e3)
    if name == "logsumexp":
        b = b - 5e3
    np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-3)


def test_softmax_rows_sum_to_one_and_are_exact_at_the_extremes():
    p = F.softmax(gg.tensor(_VALUES), dim=1).numpy()
    np.testing.assert_allclose(p.sum(1), 1.0, rtol=1e-6)
    assert p[0, 0] == 1.0 and p[0, 1] == 0.0


def test_sigmoid_saturates_without_overflow_warnings():
    import warnings
    x = gg.tensor([-BIG, -100.0, 0.0, 100.0, BIG], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # no "overflow encountered in exp"
        y = gg.sigmoid(x)
        y.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), [0, 0, 0.5, 1, 1], atol=1e-30)
    assert np.isfinite(x.grad.numpy()).all()


def test_float64_matches_closed_forms():
    x = np.array([-BIG, -30.0, 0.0, 30.0, BIG])
    t = gg.tensor(x, requires_grad=True)
    y = F.softplus(t)
    y.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), np.logaddexp(0, x), rtol=1e-12)
    np.testing.assert_allclose(t.grad.numpy(), np.exp(-np.logaddexp(0, -x)), rtol=1e-12)
    lse = gg.logsumexp(gg.tensor(x), 0).item()
    assert lse == pytest.approx(np.logaddexp.reduce(x), rel=1e-15)
