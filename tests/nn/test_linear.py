"""Linear, Bilinear, Identity, Flatten, Unflatten: values, gradients, init, saves, errors."""
import math

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F
from gpugrad import nn
from gpugrad.autograd import gradcheck, gradgradcheck


def _t(shape, seed, device="cpu", grad=True):
    data = np.random.default_rng(seed).standard_normal(shape)
    return gg.tensor(data, dtype=gg.float64, device=device, requires_grad=grad)


@pytest.mark.parametrize("x_shape", [(4,), (3, 4), (2, 3, 4)])
def test_linear_gradcheck(x_shape, device):
    x, w, b = _t(x_shape, 0, device), _t((5, 4), 1, device), _t((5,), 2, device)
    assert gradcheck(F.linear, (x, w, b))
    assert gradgradcheck(F.linear, (x, w, b))
    assert gradcheck(F.linear, (x, w))


def test_linear_layer_gradcheck(device):
    m = nn.Linear(3, 2).double().to(device)
    x = _t((4, 3), 3, device)
    assert gradcheck(lambda inp, w, b: F.linear(inp, w, b), (x, m.weight, m.bias))
    out = m(x)
    assert out.shape == (4, 2) and out.device.type == device


def test_linear_saves_only_what_backward_needs():
    x = gg.randn(3, 4, requires_grad=True)
    w = gg.randn(5, 4, requires_grad=True)
    frozen = gg.randn(5, 4)
    # Weight frozen: the input is not needed (only W, for the input's gradient).
    saved = F.linear(x, frozen).grad_fn._saved
    assert saved[0] is None and saved[1].tensor is frozen
    # Input without grad: only the input is kept (for the weight's gradient).
    data = gg.randn(3, 4)
    saved = F.linear(data, w).grad_fn._saved
    assert saved[0].tensor is data and saved[1] is None


@pytest.mark.torch
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(bias):
    torch = pytest.importorskip("torch")
    ours = nn.Linear(4, 3, bias=bias)
    theirs = torch.nn.Linear(4, 3, bias=bias)
    theirs.load_state_dict({k: torch.from_numpy(v.detach().numpy().copy())
                            for k, v in ours.state_dict().items()})
    x = np.random.default_rng(0).standard_normal((2, 5, 4)).astype(np.float32)
    gx, tx = gg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, tout = ours(gx), theirs(tx)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    g = np.random.default_rng(1).standard_normal(out.shape).astype(np.float32)
    out.backward(gg.tensor(g))
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.weight.grad.numpy(), theirs.weight.grad.numpy(),
                               rtol=1e-5, atol=1e-5)
    if bias:
        np.testing.assert_allclose(ours.bias.grad.numpy(), theirs.bias.grad.numpy(),
                                   rtol=1e-5, atol=1e-5)
    assert repr(ours) == repr(theirs)
    # And back: torch's weights into ours give torch's output.
    back = nn.Linear(4, 3, bias=bias)
    back.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    np.testing.assert_allclose(back(gg.tensor(x)).detach().numpy(), tout.detach().numpy(),
                               rtol=1e-5, atol=1e-6)


def test_linear_default_init_bounds():
    gg.manual_seed(0)
    m = nn.Linear(200, 300)
    bound = 1 / math.sqrt(200)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    # U(-bound, bound) has standard deviation bound / sqrt(3).
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound
    assert abs(w.mean()) < 0.02 * bound
    assert m.weight.dtype == gg.float32 and m.weight.requires_grad
    assert nn.Linear(2, 3, dtype=gg.float64).weight.dtype == gg.float64
    assert nn.Linear(2, 3, bias=False).bias is None


@pytest.mark.torch
def test_linear_errors_match_torch():
    torch = pytest.importorskip("torch")
    from torch_compare import same
    same(lambda lib: lib.nn.functional.linear(lib.ones(3, 5), lib.ones(2, 4)), torch)
    same(lambda lib: lib.nn.functional.linear(lib.ones(5), lib.ones(2, 4)), torch)


def test_linear_dtype_error():
    with pytest.raises(RuntimeError, match="same dtype"):
        F.linear(gg.ones(2, 3), gg.ones(4, 3, dtype=gg.float64))


# ------------------------------------------------------------------------ bilinear
def test_bilinear_gradcheck():
    x1, x2 = _t((2, 3), 0), _t((2, 4), 1)
    w, b = _t((5, 3, 4), 2), _t((5,), 3)
    assert gradcheck(F.bilinear, (x1, x2, w, b))
    assert gradgradcheck(F.bilinear, (x1, x2, w, b))


@pytest.mark.torch
def test_bilinear_matches_torch():
    torch = pytest.importorskip("torch")
    ours = nn.Bilinear(3, 4, 2)
    theirs = torch.nn.Bilinear(3, 4, 2)
    theirs.load_state_dict({k: torch.from_numpy(v.detach().numpy().copy())
                            for k, v in ours.state_dict().items()})
    rng = np.random.default_rng(0)
    a = rng.standard_normal((2, 5, 3)).astype(np.float32)
    c = rng.standard_normal((2, 5, 4)).astype(np.float32)
    ga, gc = gg.tensor(a, requires_grad=True), gg.tensor(c, requires_grad=True)
    ta, tc = torch.tensor(a, requires_grad=True), torch.tensor(c, requires_grad=True)
    out, tout = ours(ga, gc), theirs(ta, tc)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    out.sum().backward()
    tout.sum().backward()
    for g, t in ((ga, ta), (gc, tc), (ours.weight, theirs.weight), (ours.bias, theirs.bias)):
        np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-5, atol=1e-5)
    assert repr(ours) == repr(theirs)
    bound = 1 / math.sqrt(3)
    assert np.abs(ours.weight.detach().numpy()).max() <= bound


def test_bilinear_errors():
    with pytest.raises(RuntimeError, match="input batch dimensions do not match"):
        F.bilinear(gg.ones(2, 3), gg.ones(3, 4), gg.ones(5, 3, 4))
    with pytest.raises(RuntimeError, match="input1 size does not match weight size"):
        F.bilinear(gg.ones(2, 2), gg.ones(2, 4), gg.ones(5, 3, 4))


# ------------------------------------------------------------------------ identity, flatten
def test_identity_and_flatten():
    x = gg.randn(2, 3, 4, 5, requires_grad=True)
    assert nn.Identity(1, key=2)(x) is x
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 2)(x).shape == (24, 5)
    y = nn.Unflatten(1, (3, 1))(x)
    assert y.shape == (2, 3, 1, 4, 5)
    assert gradcheck(lambda t: nn.Flatten(1, 2)(t), (_t((2, 3, 2), 0),))
    with pytest.raises(TypeError, match="unflattened_size must be tuple of ints"):
        nn.Unflatten(1, (2, 2.0))


@pytest.mark.torch
def test_flatten_reprs_match_torch():
    torch = pytest.importorskip("torch")
    for spec in ("Flatten()", "Flatten(0, 2)", "Unflatten(1, (2, 2))", "Identity()"):
        assert repr(eval("nn." + spec)) == repr(eval("torch.nn." + spec, {"torch": torch}))
