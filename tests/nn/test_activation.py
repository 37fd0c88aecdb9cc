"""Activation functions and layers, softmax, pad, normalize: gradients, torch parity, saves."""
import warnings

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F
from gpugrad import nn
from gpugrad.autograd import gradcheck, gradgradcheck

# Values away from every kink (0, +-1, 6, -3, 3) so that finite differences are smooth.
X = np.array([[-2.3, -0.7, -0.2, 0.4], [0.9, 1.6, -1.4, 2.7], [-0.45, 0.15, 3.9, -3.6]])

ACTIVATIONS = {
    "relu": (F.relu, "relu", {}),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.2), "leaky_relu", {"negative_slope": 0.2}),
    "leaky_relu_neg": (lambda x: F.leaky_relu(x, -0.3), "leaky_relu", {"negative_slope": -0.3}),
    "elu": (lambda x: F.elu(x, 1.3), "elu", {"alpha": 1.3}),
    "selu": (F.selu, "selu", {}),
    # alpha exact in float32: torch's celu backward rounds 1 / alpha through float32.
    "celu": (lambda x: F.celu(x, 0.5), "celu", {"alpha": 0.5}),
    "gelu": (F.gelu, "gelu", {}),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), "gelu", {"approximate": "tanh"}),
    "silu": (F.silu, "silu", {}),
    "mish": (F.mish, "mish", {}),
    "softplus": (lambda x: F.softplus(x, 2.0, 3.0), "softplus", {"beta": 2.0, "threshold": 3.0}),
    "hardtanh": (lambda x: F.hardtanh(x, -1.5, 2.0), "hardtanh",
                 {"min_val": -1.5, "max_val": 2.0}),
    "relu6": (lambda x: F.relu6(x * 2), None, {}),
    "hardsigmoid": (F.hardsigmoid, "hardsigmoid", {}),
    "hardswish": (F.hardswish, "hardswish", {}),
    "logsigmoid": (F.logsigmoid, "logsigmoid", {}),
    "softsign": (F.softsign, "softsign", {}),
    "tanhshrink": (F.tanhshrink, "tanhshrink", {}),
    "sigmoid": (F.sigmoid, "sigmoid", {}),
    "tanh": (F.tanh, "tanh", {}),
    "softmax": (lambda x: F.softmax(x, 1), "softmax", {"dim": 1}),
    "log_softmax": (lambda x: F.log_softmax(x, 0), "log_softmax", {"dim": 0}),
    "softmin": (lambda x: F.softmin(x, -1), "softmin", {"dim": -1}),
}


def _x(device, data=X, dtype=gg.float64):
    return gg.tensor(data, dtype=dtype, device=device, requires_grad=True)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_gradcheck_and_gradgradcheck(name, device):
    fn = ACTIVATIONS[name][0]
    x = _x(device)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_matches_torch(name, device):
    torch = pytest.importorskip("torch")
    fn, tname, kwargs = ACTIVATIONS[name]
    if tname is None:
        tfn = lambda t: torch.nn.functional.relu6(t * 2)  # noqa: E731
    else:
        tfn = lambda t: getattr(torch.nn.functional, tname)(t, **kwargs)  # noqa: E731
    # torch's hardsigmoid/hardswish kernels use a float32 1/6 even in float64.
    f64_tol = 1e-7 if name in ("hardsigmoid", "hardswish") else 1e-12
    for dtype, tol in ((gg.float64, f64_tol), (gg.float32, 1e-6)):
        x = _x(device, X * 1.7, dtype)
        t = torch.tensor(X * 1.7, dtype=getattr(torch, dtype.name), requires_grad=True)
        g = np.cos(np.arange(X.size)).reshape(X.shape)
        out, tout = fn(x), tfn(t)
        np.testing.assert_allclose(out.detach().cpu().numpy(), tout.detach().numpy(),
                                   rtol=tol, atol=tol)
        out.backward(gg.tensor(g, dtype=dtype, device=device))
        tout.backward(torch.tensor(g, dtype=t.dtype))
        np.testing.assert_allclose(x.grad.cpu().numpy(), t.grad.numpy(), rtol=10 * tol,
                                   atol=10 * tol)


@pytest.mark.torch
def test_second_derivatives_match_torch():
    torch = pytest.importorskip("torch")
    for name in ("gelu", "gelu_tanh", "silu", "elu", "softplus", "mish", "log_softmax"):
        fn, tname, kwargs = ACTIVATIONS[name]
        x = _x("cpu")
        t = torch.tensor(X, requires_grad=True)
        (gx,) = gg.autograd.grad(fn(x).sum(), x, create_graph=True)
        (gx * gx).sum().backward()
        (tgx,) = torch.autograd.grad(getattr(torch.nn.functional, tname)(t, **kwargs).sum(), t,
                                     create_graph=True)
        (tgx * tgx).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=name)


def test_saves_output_not_input():
    x = gg.randn(5, requires_grad=True)
    for fn in (F.relu, lambda t: F.leaky_relu(t, 0.1), F.sigmoid, F.tanh,
               lambda t: F.softmax(t, 0), lambda t: F.log_softmax(t, 0)):
        out = fn(x)
        saved = out.grad_fn._saved
        assert len(saved) == 1 and saved[0].is_output and saved[0].data is out._data
    # A negative slope flips signs: then the input is what backward can read.
    out = F.leaky_relu(x, -0.5)
    assert out.grad_fn._saved[0].tensor is x


def test_no_graph_under_no_grad():
    x = gg.randn(3, 4, requires_grad=True)
    with gg.no_grad():
        for name, (fn, _, _) in ACTIVATIONS.items():
            out = fn(x)
            assert out.grad_fn is None and not out.requires_grad, name


def test_inplace_variants():
    x = gg.tensor([-1.0, 2.0])
    assert F.relu_(x) is x and x.tolist() == [0.0, 2.0]
    y = gg.tensor([-1.0, 2.0])
    assert F.leaky_relu(y, 0.5, inplace=True) is y and y.tolist() == [-0.5, 2.0]
    z = gg.tensor([-2.0, 0.5, 9.0])
    nn.ReLU6(inplace=True)(z)
    assert z.tolist() == [0.0, 0.5, 6.0]
    # Recorded in-place on a non-leaf: the gradient still flows.
    a = gg.tensor([-1.0, 3.0], requires_grad=True)
    b = a * 1.0
    F.elu(b, inplace=True).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [np.exp(-1.0), 1.0], rtol=1e-6)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        F.silu(a, inplace=True)


def test_float16_and_dtype_errors():
    h = gg.tensor([-1.0, 0.5, 2.0], dtype=gg.float16)
    for fn in (F.gelu, F.silu, F.elu, lambda t: F.softplus(t), lambda t: F.leaky_relu(t)):
        out = fn(h)
        assert out.dtype == gg.float16
    np.testing.assert_allclose(F.gelu(h).numpy().astype(np.float64),
                               F.gelu(h.double()).numpy(), rtol=2e-3, atol=1e-3)
    with pytest.raises(NotImplementedError, match="not implemented for 'Long'"):
        F.leaky_relu(gg.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        F.gelu(gg.ones(1), approximate="fast")


# ------------------------------------------------------------------------ softmax
def test_softmax_stable_for_large_float32(device):
    x = gg.tensor([[1e4, -1e4, 0.0, 9999.0]], device=device, requires_grad=True)
    p = F.softmax(x, 1)
    lp = F.log_softmax(x, 1)
    assert np.isfinite(p.detach().cpu().numpy()).all()
    assert np.isfinite(lp.detach().cpu().numpy()).all()
    np.testing.assert_allclose(p.detach().cpu().numpy(), [[1 / (1 + np.exp(-1)), 0, 0,
                                                           1 / (1 + np.e)]], rtol=1e-6)
    np.testing.assert_allclose(lp.detach().cpu().numpy()[0, [0, 1, 3]],
                               [-np.log1p(np.exp(-1.0)), -2e4 - np.log1p(np.exp(-1.0)),
                                -1 - np.log1p(np.exp(-1.0))], rtol=1e-6)
    (lp[0, 0] + p[0, 3]).backward()
    assert np.isfinite(x.grad.cpu().numpy()).all()


def test_softmax_implicit_dim_warns():
    x = gg.randn(2, 3)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        y = F.softmax(x)
    np.testing.assert_allclose(y.sum(1).numpy(), [1, 1], rtol=1e-6)
    with pytest.warns(UserWarning, match="log_softmax"):
        nn.LogSoftmax()(gg.randn(3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.softmax(x, dim=0)
    assert F.softmax(gg.tensor(3.0), 0).item() == 1.0
    assert x.softmax(-1).shape == (2, 3) and x.log_softmax(0).shape == (2, 3)
    assert F.softmax(x, 1, dtype=gg.float64).dtype == gg.float64


# ------------------------------------------------------------------------ layers
@pytest.mark.torch
def test_module_reprs_match_torch():
    torch = pytest.importorskip("torch")
    specs = ["ReLU()", "ReLU(inplace=True)", "LeakyReLU(0.2, True)", "ELU(alpha=0.5)", "CELU()",
             "SELU()", "GELU('tanh')", "SiLU()", "Mish()", "Sigmoid()", "Tanh()",
             "Softmax(dim=1)", "LogSoftmax()", "Softmin(0)", "Softplus(2, 10)", "Hardtanh()",
             "ReLU6()", "Hardsigmoid()", "Hardswish()", "LogSigmoid()", "Softsign()",
             "Tanhshrink()", "PReLU(3)"]
    for spec in specs:
        assert repr(eval("nn." + spec)) == repr(eval("torch.nn." + spec, {"torch": torch})), spec


@pytest.mark.torch
def test_modules_match_torch():
    torch = pytest.importorskip("torch")
    x = np.linspace(-3, 3, 12).reshape(3, 4)
    for name in ("ReLU", "ELU", "GELU", "SiLU", "Softplus", "Hardtanh", "LogSigmoid", "Mish",
                 "Tanh", "Sigmoid", "Softsign"):
        ours = getattr(nn, name)()(gg.tensor(x)).numpy()
        theirs = getattr(torch.nn, name)()(torch.tensor(x)).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14, err_msg=name)
    p = nn.PReLU(4)
    tp = torch.nn.PReLU(4)
    xt = torch.tensor(x, dtype=torch.float32, requires_grad=True)
    xg = gg.tensor(x, dtype=gg.float32, requires_grad=True)
    p(xg).sum().backward()
    tp(xt).sum().backward()
    np.testing.assert_allclose(p.weight.grad.numpy(), tp.weight.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(xg.grad.numpy(), xt.grad.numpy())


def test_prelu_gradcheck():
    w = gg.tensor([0.25, -0.1, 0.5, 0.3], dtype=gg.float64, requires_grad=True)
    assert gradcheck(F.prelu, (_x("cpu"), w))


# ------------------------------------------------------------------------ pad, normalize
@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_gradcheck(mode, device):
    x = gg.tensor(np.random.default_rng(0).standard_normal((1, 2, 3, 4)), device=device,
                  requires_grad=True)
    value = 0.5 if mode == "constant" else None      # the other modes take no value
    fn = lambda t: F.pad(t, (1, 2, 2, 1), mode=mode, value=value)  # noqa: E731
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


@pytest.mark.torch
@pytest.mark.parametrize("pad,mode", [((1, 2), "reflect"), ((2, 0, 1, 1), "replicate"),
                                      ((1, 1, 2, 2, 1, 0), "circular"),
                                      ((-1, 2, 0, -2), "constant"),
                                      ((1, 1, 0, 0, 1, 1), "constant")])
def test_pad_matches_torch(pad, mode):
    torch = pytest.importorskip("torch")
    shape = (2, 3, 4, 5, 6)[:len(pad) // 2 + 2] if mode != "constant" else (2, 3, 4, 5)
    x = np.random.default_rng(1).standard_normal(shape)
    g = gg.tensor(x, requires_grad=True)
    t = torch.tensor(x, requires_grad=True)
    out = F.pad(g, pad, mode=mode, value=None if mode != "constant" else 2.5)
    tout = torch.nn.functional.pad(t, pad, mode=mode,
                                   value=None if mode != "constant" else 2.5)
    np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy())
    w = np.random.default_rng(2).standard_normal(tuple(tout.shape))
    out.backward(gg.tensor(w))
    tout.backward(torch.tensor(w))
    np.testing.assert_allclose(g.grad.numpy(), t.grad.numpy(), rtol=1e-12)


@pytest.mark.torch
def test_pad_errors_match_torch():
    torch = pytest.importorskip("torch")
    from torch_compare import same
    same(lambda lib: lib.nn.functional.pad(lib.ones(1, 1, 3), (3, 3), mode="reflect"), torch)
    same(lambda lib: lib.nn.functional.pad(lib.ones(1, 1, 3), (3,)), torch)
    same(lambda lib: lib.nn.functional.pad(lib.ones(3), (1, 1, 1, 1, 1, 1)), torch)
    same(lambda lib: lib.nn.functional.pad(lib.ones(1, 3), (1, 1), mode="wrap"), torch)
    same(lambda lib: lib.nn.functional.pad(lib.ones(3), (1, 1), mode="reflect"), torch)


@pytest.mark.torch
def test_normalize_and_cosine_similarity_match_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    a, b = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    a[1] = 0.0                                       # exercises the eps clamp
    cases = [(lambda m, x, y: m.normalize(x, dim=1), 1),
             (lambda m, x, y: m.normalize(x, p=3, dim=0), 1),
             (lambda m, x, y: m.cosine_similarity(x, y), 2),
             (lambda m, x, y: m.cosine_similarity(x, y, dim=0), 2)]
    for fn, n in cases:
        gx, gy = gg.tensor(a, requires_grad=True), gg.tensor(b, requires_grad=True)
        tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
        out, tout = fn(F, gx, gy), fn(torch.nn.functional, tx, ty)
        np.testing.assert_allclose(out.detach().numpy(), tout.detach().numpy(), atol=1e-12)
        out.sum().backward()
        tout.sum().backward()
        np.testing.assert_allclose(gx.grad.numpy(), tx.grad.numpy(), atol=1e-10)
        if n == 2:
            np.testing.assert_allclose(gy.grad.numpy(), ty.grad.numpy(), atol=1e-10)


def test_normalize_gradcheck():
    x = _x("cpu")
    y = gg.tensor(X[::-1].copy(), requires_grad=True)
    assert gradcheck(lambda t: F.normalize(t, dim=1), (x,))
    assert gradcheck(lambda s, t: F.cosine_similarity(s, t, dim=1), (x, y))


def test_functional_relu_takes_inplace(torch):
    """F.relu(x, inplace=...) as torch.nn.functional.relu: the same values and gradients,
    with inplace=True updating a non-leaf input in place."""
    from torch_compare import same

    def run(m, inplace):
        x = m.tensor([-1.0, 0.5, 2.0, -3.0], requires_grad=True)
        h = x * 2
        y = m.nn.functional.relu(h, inplace=inplace)
        y.sum().backward()
        return y, y is h, x.grad
    same(lambda m: run(m, True), torch)
    same(lambda m: run(m, False), torch)
    x = gg.tensor([-1.0, 0.5, 2.0, -3.0], dtype=gg.float64, requires_grad=True)
    assert gradcheck(lambda t: F.relu(t * 1, inplace=True), (x,))
    assert gradcheck(lambda t: F.relu(t, inplace=False), (x,))
