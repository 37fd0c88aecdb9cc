"""nn.utils.parametrize and nn.utils.parametrizations (weight_norm, spectral_norm) against
PyTorch: names, state dicts, values, gradients, caching, removal and errors."""
import numpy as np
import pytest

import gpugrad as gg
from gpugrad import nn
from gpugrad.autograd import gradcheck, gradgradcheck
from gpugrad.nn.utils import parametrize as P


def _sym(lib):
    class Symmetric(lib.nn.Module):
        def forward(self, X):
            return X.triu() + X.triu(1).transpose(-1, -2)

        def right_inverse(self, A):
            return A.triu()
    return Symmetric


def _scale(lib):
    class Scale(lib.nn.Module):
        def forward(self, X):
            return 2 * X

        def right_inverse(self, A):
            return A / 2
    return Scale


def _no_inverse(lib):
    class Square(lib.nn.Module):
        def forward(self, X):
            return X * X
    return Square


def _pair(torch, dtype="float64"):
    t = torch.nn.Linear(3, 3).to(getattr(torch, dtype))
    g = nn.Linear(3, 3).to(getattr(gg, dtype))
    g.load_state_dict({k: gg.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    return g, t


def _compare(g, t, tol=1e-12):
    np.testing.assert_allclose(g.detach().numpy(), t.detach().numpy(), rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype,tol", [("float64", 1e-12), ("float32", 1e-6)])
def test_register_matches_torch(dtype, tol, torch):
    g, t = _pair(torch, dtype)
    assert P.register_parametrization(g, "weight", _sym(gg)()) is g
    torch.nn.utils.parametrize.register_parametrization(t, "weight", _sym(torch)())
    assert type(g).__name__ == type(t).__name__ == "ParametrizedLinear"
    assert isinstance(g, nn.Linear)
    assert repr(g).replace("gpugrad", "torch") == repr(t)
    assert [n for n, _ in g.named_parameters()] == [n for n, _ in t.named_parameters()]
    assert list(g.state_dict()) == list(t.state_dict())
    assert isinstance(g.parametrizations.weight.original, nn.Parameter)
    # right_inverse ran at registration: the original holds triu(W).
    _compare(g.parametrizations.weight.original, t.parametrizations.weight.original, tol)
    _compare(g.weight, t.weight, tol)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3)).astype(dtype)
    gy, ty = g(gg.tensor(x)), t(torch.tensor(x))
    _compare(gy, ty, tol)
    gy.square().sum().backward()
    ty.square().sum().backward()
    _compare(g.parametrizations.weight.original.grad, t.parametrizations.weight.original.grad,
             10 * tol)
    _compare(g.bias.grad, t.bias.grad, 10 * tol)

    # Assignment goes through right_inverse.
    a = rng.standard_normal((3, 3)).astype(dtype)
    a = a + a.T
    with gg.no_grad(), torch.no_grad():
        g.weight = gg.tensor(a)
        t.weight = torch.tensor(a)
    _compare(g.weight, t.weight, tol)
    _compare(g.parametrizations.weight.original, t.parametrizations.weight.original, tol)


def test_chained_parametrizations_and_state_dict_round_trip(torch):
    g, t = _pair(torch)
    for lib, m in ((gg, g), (torch, t)):
        par = lib.nn.utils.parametrize
        par.register_parametrization(m, "weight", _sym(lib)())
        par.register_parametrization(m, "weight", _scale(lib)())
        par.register_parametrization(m, "bias", _scale(lib)())
    assert list(g.state_dict()) == list(t.state_dict())
    assert repr(g).replace("gpugrad", "torch") == repr(t)
    _compare(g.weight, t.weight)
    _compare(g.bias, t.bias)
    # A state dict saved from torch loads into ours.
    g2 = nn.Linear(3, 3).double()
    P.register_parametrization(g2, "weight", _sym(gg)())
    P.register_parametrization(g2, "weight", _scale(gg)())
    P.register_parametrization(g2, "bias", _scale(gg)())
    g2.load_state_dict({k: gg.tensor(v.numpy()) for k, v in t.state_dict().items()})
    _compare(g2.weight, t.weight)


def test_is_parametrized_and_type_before(torch):
    g = nn.Linear(3, 3)
    assert not P.is_parametrized(g)
    P.register_parametrization(g, "weight", _sym(gg)())
    assert P.is_parametrized(g) and P.is_parametrized(g, "weight")
    assert not P.is_parametrized(g, "bias")
    assert P.type_before_parametrizations(g) is nn.Linear
    assert P.type_before_parametrizations(nn.ReLU()) is nn.ReLU


@pytest.mark.parametrize("leave", [True, False])
def test_remove_parametrizations_matches_torch(leave, torch):
    g, t = _pair(torch)
    for lib, m in ((gg, g), (torch, t)):
        lib.nn.utils.parametrize.register_parametrization(m, "weight", _sym(lib)())
        lib.nn.utils.parametrize.register_parametrization(m, "bias", _scale(lib)())
    original = g.parametrizations.weight.original
    assert P.remove_parametrizations(g, "weight", leave_parametrized=leave) is g
    torch.nn.utils.parametrize.remove_parametrizations(t, "weight", leave_parametrized=leave)
    assert type(g).__name__ == type(t).__name__ == "ParametrizedLinear"
    assert g.weight is original            # the same Parameter object, as in torch
    assert [n for n, _ in g.named_parameters()] == [n for n, _ in t.named_parameters()]
    _compare(g.weight, t.weight)
    P.remove_parametrizations(g, "bias")
    torch.nn.utils.parametrize.remove_parametrizations(t, "bias")
    assert type(g) is nn.Linear and type(t) is torch.nn.Linear
    assert not hasattr(g, "parametrizations")
    assert [n for n, _ in g.named_parameters()] == [n for n, _ in t.named_parameters()]
    _compare(g.bias, t.bias)


def test_cached_computes_once(torch):
    calls = []

    class Counting(nn.Module):
        def forward(self, X):
            calls.append(1)
            return X * 1.0

    g = nn.Linear(3, 3)
    P.register_parametrization(g, "weight", Counting())
    calls.clear()
    with P.cached():
        a = g.weight
        b = g.weight
        with P.cached():           # nested blocks share the cache
            c = g.weight
    assert a is b is c and len(calls) == 1
    g.weight
    assert len(calls) == 2          # outside the block: computed on every access


def test_right_inverse_returning_several_tensors(torch):
    class Split(nn.Module):
        def forward(self, a, b):
            return a + b

        def right_inverse(self, w):
            return w * 0.25, w * 0.75

    g = nn.Linear(3, 2)
    w = g.weight.detach().clone()
    P.register_parametrization(g, "weight", Split())
    assert [n for n, _ in g.named_parameters()] == [
        "bias", "parametrizations.weight.original0", "parametrizations.weight.original1"]
    np.testing.assert_allclose(g.weight.detach().numpy(), w.numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="^Cannot leave unparametrized"):
        P.remove_parametrizations(g, "weight", leave_parametrized=False)
    P.remove_parametrizations(g, "weight")
    assert isinstance(g.weight, nn.Parameter)
    np.testing.assert_allclose(g.weight.detach().numpy(), w.numpy(), rtol=1e-6)


def test_errors_match_torch(torch):
    def both(make, exc):
        msgs = []
        for lib in (torch, gg):
            with pytest.raises(exc) as e:
                make(lib)
            msgs.append(str(e.value).replace("gpugrad", "torch"))
        assert msgs[0] == msgs[1]

    def shape_change(lib):
        class Row(lib.nn.Module):
            def forward(self, X):
                return X[0]
        lib.nn.utils.parametrize.register_parametrization(lib.nn.Linear(3, 3), "weight", Row())

    def dtype_change(lib):
        class ToDouble(lib.nn.Module):
            def forward(self, X):
                return X.double()
        lib.nn.utils.parametrize.register_parametrization(lib.nn.Linear(3, 3), "weight",
                                                          ToDouble())

    def missing(lib):
        lib.nn.utils.parametrize.register_parametrization(lib.nn.Linear(3, 3), "nothing",
                                                          _sym(lib)())

    def not_parametrized(lib):
        lib.nn.utils.parametrize.remove_parametrizations(lib.nn.Linear(3, 3), "weight")

    def no_inverse_assign(lib):
        m = lib.nn.Linear(3, 3)
        lib.nn.utils.parametrize.register_parametrization(m, "weight", _no_inverse(lib)())
        m.weight = lib.zeros(3, 3)

    both(shape_change, ValueError)
    both(dtype_change, ValueError)
    both(not_parametrized, ValueError)
    both(no_inverse_assign, RuntimeError)
    msgs = []
    for lib in (torch, gg):
        with pytest.raises(ValueError) as e:
            missing(lib)
        msgs.append(str(e.value).split("' does not")[1])
    assert msgs[0] == msgs[1]


def test_failed_registration_leaves_the_module_alone():
    class Row(nn.Module):
        def forward(self, X):
            return X[0]

    g = nn.Linear(3, 3)
    w = g.weight
    with pytest.raises(ValueError):
        P.register_parametrization(g, "weight", Row())
    assert type(g) is nn.Linear and g.weight is w and not P.is_parametrized(g)


# ------------------------------------------------------------------ parametrizations
@pytest.mark.parametrize("dtype,tol", [("float64", 1e-12), ("float32", 1e-5)])
@pytest.mark.parametrize("dim", [0, 1, None])
def test_parametrized_weight_norm_matches_torch(dim, dtype, tol, torch):
    g, t = _pair(torch, dtype)
    nn.utils.parametrizations.weight_norm(g, dim=dim)
    torch.nn.utils.parametrizations.weight_norm(t, dim=dim)
    assert list(g.state_dict()) == list(t.state_dict())
    for k, v in t.state_dict().items():
        _compare(g.state_dict()[k], v, tol)
    x = np.random.default_rng(2).standard_normal((4, 3)).astype(dtype)
    gy, ty = g(gg.tensor(x)), t(torch.tensor(x))
    _compare(gy, ty, tol)
    gy.square().sum().backward()
    ty.square().sum().backward()
    for (n, gp), (_, tp) in zip(g.named_parameters(), t.named_parameters()):
        _compare(gp.grad, tp.grad, 10 * tol)
    P.remove_parametrizations(g, "weight")
    torch.nn.utils.parametrize.remove_parametrizations(t, "weight")
    _compare(g.weight, t.weight, 10 * tol)


@pytest.mark.parametrize("dtype,tol", [("float64", 1e-12), ("float32", 2e-5)])
@pytest.mark.parametrize("kind,kw", [("linear", {}), ("linear", dict(n_power_iterations=2)),
                                     ("conv", dict(dim=1)), ("convt", {}), ("bias", {})])
def test_parametrized_spectral_norm_matches_torch(kind, kw, dtype, tol, torch):
    tdt, gdt = getattr(torch, dtype), getattr(gg, dtype)
    if kind == "conv":
        t, g = torch.nn.Conv2d(2, 3, 2), nn.Conv2d(2, 3, 2)
    elif kind == "convt":
        t, g = torch.nn.ConvTranspose2d(2, 3, 2), nn.ConvTranspose2d(2, 3, 2)
    else:
        t, g = torch.nn.Linear(4, 3), nn.Linear(4, 3)
    t, g = t.to(tdt), g.to(gdt)
    g.load_state_dict({k: gg.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    name = "bias" if kind == "bias" else "weight"
    nn.utils.parametrizations.spectral_norm(g, name=name, **kw)
    torch.nn.utils.parametrizations.spectral_norm(t, name=name, **kw)
    assert list(g.state_dict()) == list(t.state_dict())
    # Start from torch's random vectors (15 power iterations already ran on each side).
    sd = {k: gg.tensor(v.detach().numpy()) for k, v in t.state_dict().items()}
    g.load_state_dict(sd)
    x = np.random.default_rng(4).standard_normal(
        (5, 4) if kind in ("linear", "bias") else (2, 2, 4, 4)).astype(dtype)
    for _ in range(3):
        g.zero_grad()
        t.zero_grad()
        gy, ty = g(gg.tensor(x)), t(torch.tensor(x))
        _compare(gy, ty, tol)
        for k, v in t.state_dict().items():
            _compare(g.state_dict()[k], v, tol)
        gy.square().sum().backward()
        ty.square().sum().backward()
        for (n, gp), (_, tp) in zip(g.named_parameters(), t.named_parameters()):
            _compare(gp.grad, tp.grad, 50 * tol)
    g.eval()
    t.eval()
    before = {k: v.clone() for k, v in g.state_dict().items()}
    _compare(g(gg.tensor(x)), t(torch.tensor(x)), tol)
    for k, v in g.state_dict().items():
        assert np.array_equal(v.numpy(), before[k].numpy()), k


def test_parametrized_spectral_norm_errors_match_torch(torch):
    for kw, exc in [(dict(dim=2), IndexError), (dict(n_power_iterations=0), ValueError),
                    (dict(name="nothing"), ValueError)]:
        msgs = []
        for lib in (torch, gg):
            with pytest.raises(exc) as e:
                lib.nn.utils.parametrizations.spectral_norm(lib.nn.Linear(2, 3), **kw)
            msgs.append(str(e.value).split("Module '")[0])
        assert msgs[0] == msgs[1]


def test_parametrized_weight_norm_gradcheck():
    rng = np.random.default_rng(5)
    x = gg.tensor(rng.standard_normal((2, 3)))
    g_ = gg.tensor(rng.standard_normal((4, 1)), requires_grad=True)
    v_ = gg.tensor(rng.standard_normal((4, 3)), requires_grad=True)

    from gpugrad.nn.utils.parametrizations import _WeightNorm
    wn = _WeightNorm(0)
    assert gradcheck(lambda a, b: x @ wn(a, b).T, (g_, v_))
    assert gradgradcheck(lambda a, b: x @ wn(a, b).T, (g_, v_))


def test_parametrized_spectral_norm_gradcheck():
    from gpugrad.nn.utils.parametrizations import _SpectralNorm
    rng = np.random.default_rng(6)
    w = gg.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    sn = _SpectralNorm(w.detach(), n_power_iterations=1).eval()   # fixed u, v in eval
    assert gradcheck(sn, (w,))
    assert gradgradcheck(sn, (w,))


def test_transfer_parametrizations_and_params_matches_torch(torch):
    g, t = _pair(torch)
    g_to, t_to = nn.Linear(3, 3).double(), torch.nn.Linear(3, 3).double()
    for lib, src, dst in ((gg, g, g_to), (torch, t, t_to)):
        par = lib.nn.utils.parametrize
        par.register_parametrization(src, "weight", _sym(lib)())
        par.register_parametrization(src, "weight", _scale(lib)())
        assert par.transfer_parametrizations_and_params(src, dst) is dst
    assert list(g_to.state_dict()) == list(t_to.state_dict())
    assert g_to.parametrizations.weight.original is g.parametrizations.weight.original
    assert [type(p).__name__ for p in g_to.parametrizations.weight] == ["Symmetric", "Scale"]
    _compare(g_to.weight, t_to.weight)
