"""nn.utils.weight_norm / spectral_norm (the hook-based API) and their removal, against
PyTorch: parameter and buffer names and order, values, power iteration, eval behaviour,
gradients, warnings and errors; gradcheck/gradgradcheck of the weight-norm arithmetic."""
import numpy as np
import pytest

import gpugrad as gg
from gpugrad import nn
from gpugrad.autograd import gradcheck, gradgradcheck
from gpugrad.nn.utils.weight_norm import _weight_norm, norm_except_dim


def _pair(torch, kind, dtype):
    tdt, gdt = getattr(torch, dtype), getattr(gg, dtype)
    if kind == "linear":
        t, g = torch.nn.Linear(4, 3), nn.Linear(4, 3)
    elif kind == "conv":
        t, g = torch.nn.Conv2d(2, 3, 2), nn.Conv2d(2, 3, 2)
    else:
        t, g = torch.nn.ConvTranspose2d(2, 3, 2), nn.ConvTranspose2d(2, 3, 2)
    t, g = t.to(tdt), g.to(gdt)
    g.load_state_dict({k: gg.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    return g, t


def _input(kind, dtype):
    rng = np.random.default_rng(3)
    shape = (5, 4) if kind == "linear" else (2, 2, 4, 4)
    return rng.standard_normal(shape).astype(dtype)


def _compare(g, t, tol):
    np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol)


# ------------------------------------------------------------------ weight_norm
@pytest.mark.parametrize("dtype,tol", [("float64", 1e-12), ("float32", 1e-5)])
@pytest.mark.parametrize("kind,dim", [("linear", 0), ("linear", 1), ("linear", None),
                                      ("conv", 0), ("conv", 2), ("convt", 1), ("conv", -1)])
def test_weight_norm_matches_torch(kind, dim, dtype, tol, torch):
    g, t = _pair(torch, kind, dtype)
    with pytest.warns(FutureWarning) as theirs:
        torch.nn.utils.weight_norm(t, dim=dim)
    with pytest.warns(FutureWarning) as ours:
        assert nn.utils.weight_norm(g, dim=dim) is g
    assert str(ours[0].message) == str(theirs[0].message).replace("torch.", "gpugrad.")
    assert [n for n, _ in g.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert list(g.state_dict()) == list(t.state_dict())
    for n, p in t.named_parameters():
        assert getattr(g, n).shape == tuple(p.shape), n
        _compare(getattr(g, n), p, tol)
    _compare(g.weight, t.weight, tol)
    x = _input(kind, dtype)
    gy, ty = g(gg.tensor(x)), t(torch.tensor(x))
    _compare(gy, ty, tol)
    gy.square().sum().backward()
    ty.square().sum().backward()
    for n, p in t.named_parameters():
        _compare(getattr(g, n).grad, p.grad, 10 * tol)
    # The weight is recomputed before every forward from weight_g and weight_v.
    with gg.no_grad(), torch.no_grad():
        g.weight_g.mul_(2.0)
        t.weight_g.mul_(2.0)
    _compare(g(gg.tensor(x)), t(torch.tensor(x)), 10 * tol)

    assert nn.utils.remove_weight_norm(g) is g
    torch.nn.utils.remove_weight_norm(t)
    assert [n for n, _ in g.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert isinstance(g.weight, nn.Parameter)
    _compare(g.weight, t.weight, 10 * tol)
    assert len(g._forward_pre_hooks) == 0


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_weight_norm_errors_match_torch(torch):
    t, g = torch.nn.Linear(2, 3), nn.Linear(2, 3)
    torch.nn.utils.weight_norm(t)
    nn.utils.weight_norm(g)
    with pytest.raises(RuntimeError) as theirs:
        torch.nn.utils.weight_norm(t)
    with pytest.raises(RuntimeError) as ours:
        nn.utils.weight_norm(g)
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError) as theirs:
        torch.nn.utils.remove_weight_norm(t, "bias")
    with pytest.raises(ValueError) as ours:
        nn.utils.remove_weight_norm(g, "bias")
    assert str(ours.value).split(" not found")[0] == str(theirs.value).split(" not found")[0]
    assert str(ours.value).startswith("weight_norm of 'bias' not found in ")


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_weight_norm_arithmetic_gradcheck(dim):
    rng = np.random.default_rng(0)
    v = gg.tensor(rng.standard_normal((3, 4, 2)), requires_grad=True)
    g = gg.tensor(rng.standard_normal(norm_except_dim(v, 2, dim).shape), requires_grad=True)
    assert gradcheck(lambda a, b: _weight_norm(a, b, dim), (v, g))
    assert gradgradcheck(lambda a, b: _weight_norm(a, b, dim), (v, g))


@pytest.mark.parametrize("dim", [0, 1, 2, -1])
def test_norm_except_dim_matches_torch(dim, torch):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((3, 4, 2))
    _compare(norm_except_dim(gg.tensor(a), 2, dim), torch.norm_except_dim(torch.tensor(a), 2,
                                                                          dim), 1e-14)


# ------------------------------------------------------------------ spectral_norm
def _copy_sn_buffers(g, t):
    for n in ("weight_u", "weight_v"):
        getattr(g, n).copy_(gg.tensor(getattr(t, n).numpy()))


@pytest.mark.parametrize("dtype,tol", [("float64", 1e-12), ("float32", 2e-5)])
@pytest.mark.parametrize("kind,kw", [("linear", {}), ("linear", dict(n_power_iterations=3)),
                                     ("conv", dict(eps=1e-6)), ("convt", {}),
                                     ("conv", dict(dim=1))])
def test_spectral_norm_matches_torch(kind, kw, dtype, tol, torch):
    g, t = _pair(torch, kind, dtype)
    torch.nn.utils.spectral_norm(t, **kw)
    assert nn.utils.spectral_norm(g, **kw) is g
    assert [n for n, _ in g.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in g.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert list(g.state_dict()) == list(t.state_dict())
    assert g.weight_u.shape == tuple(t.weight_u.shape)
    assert g.weight_v.shape == tuple(t.weight_v.shape)
    # Random starting vectors differ; start from torch's.
    with gg.no_grad():
        _copy_sn_buffers(g, t)
    x = _input(kind, dtype)
    for step in range(3):          # training: one power-iteration round per forward
        gy, ty = g(gg.tensor(x)), t(torch.tensor(x))
        _compare(gy, ty, tol)
        _compare(g.weight_u, t.weight_u, tol)
        _compare(g.weight_v, t.weight_v, tol)
        g.zero_grad()
        t.zero_grad()
        gy.square().sum().backward()
        ty.square().sum().backward()
        for n, p in t.named_parameters():
            _compare(getattr(g, n).grad, p.grad, 50 * tol)
    # eval: the vectors stay put.
    g.eval()
    t.eval()
    u_before = g.weight_u.detach().clone()
    _compare(g(gg.tensor(x)), t(torch.tensor(x)), tol)
    assert np.array_equal(g.weight_u.detach().numpy(), u_before.numpy())

    assert nn.utils.remove_spectral_norm(g) is g
    torch.nn.utils.remove_spectral_norm(t)
    assert [n for n, _ in g.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert [n for n, _ in g.named_buffers()] == [n for n, _ in t.named_buffers()]
    assert isinstance(g.weight, nn.Parameter)
    _compare(g.weight, t.weight, tol)


def test_spectral_norm_before_the_first_forward_is_the_raw_weight(torch):
    g = nn.Linear(3, 2)
    w = g.weight.detach().clone()
    nn.utils.spectral_norm(g)
    assert not isinstance(g.weight, nn.Parameter)
    assert np.array_equal(g.weight.numpy(), w.numpy())
    np.testing.assert_allclose(np.linalg.norm(g.weight_u.numpy()), 1.0, rtol=1e-6)


def test_spectral_norm_normalises_the_largest_singular_value():
    g = nn.Linear(6, 5).double()
    nn.utils.spectral_norm(g, n_power_iterations=50)
    g(gg.zeros(1, 6, dtype=gg.float64))
    np.testing.assert_allclose(np.linalg.norm(g.weight.detach().numpy(), 2), 1.0, rtol=1e-8)


def test_spectral_norm_errors_match_torch(torch):
    t, g = torch.nn.Linear(2, 3), nn.Linear(2, 3)
    for lib, m in ((torch, t), (gg, g)):
        lib.nn.utils.spectral_norm(m)
    msgs = []
    for lib, m in ((torch, t), (gg, g)):
        with pytest.raises(RuntimeError) as e:
            lib.nn.utils.spectral_norm(m)
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]
    msgs = []
    for lib in (torch, gg):
        with pytest.raises(ValueError) as e:
            lib.nn.utils.spectral_norm(lib.nn.Linear(2, 3), n_power_iterations=0)
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]
    msgs = []
    for lib in (torch, gg):
        with pytest.raises(ValueError) as e:
            lib.nn.utils.spectral_norm(lib.nn.Linear(2, 3, bias=False), name="bias")
        msgs.append(str(e.value))
    assert msgs[0] == msgs[1]
    with pytest.raises(ValueError, match="^spectral_norm of 'bias' not found in "):
        nn.utils.remove_spectral_norm(g, "bias")


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_lazy_modules_are_refused_as_torch_refuses_them(torch):
    for fn in ("weight_norm", "spectral_norm"):
        msgs = []
        for lib in (torch, gg):
            with pytest.raises(ValueError) as e:
                getattr(lib.nn.utils, fn)(lib.nn.LazyLinear(3))
            msgs.append(str(e.value))
        assert msgs[0] == msgs[1]
