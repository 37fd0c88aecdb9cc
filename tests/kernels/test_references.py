"""The NumPy references compute what they claim: a plain formula, and PyTorch's op.

Each reference is checked against a straightforward NumPy formula (np.where, math.erf,
no buffer reuse) on random data and edge values, and, where PyTorch is installed, against
torch's functional op or backward, and against torch.optim's single-tensor SGD, Adam and
AdamW over several steps (float64 to 1e-12 relative).
"""
import math
import pathlib
import sys

import numpy as np
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))   # helpers beside the tests
from _kernel_cases import (ADAM_SETTINGS, SGD_SETTINGS, adam_scalars, cases,  # noqa: E402
                           copy_args, floats)

from gpugrad.backend.kernel_refs import erf as ref_erf  # noqa: E402
from gpugrad.backend.kernel_refs import erfc as ref_erfc  # noqa: E402
from gpugrad.backend.kernels import REFERENCES, SPECS, launch  # noqa: E402

TOL = {"float16": dict(rtol=4e-3, atol=2e-3), "float32": dict(rtol=1e-5, atol=1e-6),
       "float64": dict(rtol=1e-12, atol=1e-14)}


def erf(x):
    return np.vectorize(math.erf, otypes=[np.float64])(x).astype(x.dtype)


def _where(c, a, b):
    return np.where(c, a, b)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


# Plain formulas, in the arrays' dtype, written the obvious way.
PLAIN = {
    "relu_bwd": lambda gy, y: _where(y <= 0, 0, gy),
    "leaky_relu_fwd": lambda x, s: _where(x > 0, x, x * s),
    "leaky_relu_bwd": lambda gy, x, s: _where(x > 0, gy, gy * s),
    "elu_fwd": lambda x, a, s, i: _where(x <= 0, np.expm1(x * i) * (a * s), x * s),
    "elu_bwd": lambda gy, x, a, s, i: _where(x <= 0, gy * i * (a * s) * np.exp(x * i),
                                             gy * s),
    "sigmoid_fwd": lambda x: sigmoid(x),
    "sigmoid_bwd": lambda gy, y: gy * (1 - y) * y,
    "tanh_fwd": np.tanh,
    "tanh_bwd": lambda gy, y: gy * (1 - y * y),
    "gelu_fwd": lambda x: x * 0.5 * (1 + erf(x / np.sqrt(x.dtype.type(2)))),
    "gelu_bwd": lambda gy, x: gy * (0.5 * (1 + erf(x / np.sqrt(x.dtype.type(2))))
                                    + x * np.exp(-x * x / 2) / np.sqrt(2 * np.pi)),
    "gelu_tanh_fwd": lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi)
                                                      * (x + 0.044715 * x ** 3))),
    "gelu_tanh_bwd": lambda gy, x: gy * _gelu_tanh_grad(x),
    "silu_fwd": lambda x: x * sigmoid(x),
    "silu_bwd": lambda gy, x: gy * (sigmoid(x) * (1 + x * (1 - sigmoid(x)))),
    "softplus_fwd": lambda x, b, t: _where(x * b > t, x, np.logaddexp(0, x * b) / b),
    "softplus_bwd": lambda gy, x, b, t: _where(x * b > t, gy, gy * _stable_sigmoid(x * b)),
    "dropout_fwd": lambda x, u, p, scale: (u >= p, x * (u >= p) * scale),
    "dropout_bwd": lambda gy, mask, scale: gy * mask * scale,
    "softmax_xent_bwd": lambda p, t, c, gy, scale, ls, n, ii: _xent_grad(p, t, c, gy, scale,
                                                                         ls, n, ii),
    "mse_bwd": lambda x, y, gy, scale: 2 * (x - y) * scale * gy,
    "clamp_bwd": lambda gy, x, lo, hi: _where((lo <= x) & (x <= hi), gy, 0),
    "where_bwd": lambda c, gy: (_where(c, gy, 0), _where(c, 0, gy)),
}


def _stable_sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def _gelu_tanh_grad(x):
    k = np.sqrt(2 / np.pi)
    t = np.tanh(k * (x + 0.044715 * x ** 3))
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x)


def _xent_grad(p, target, cls, gy, scale, ls, n, ignore):
    onehot = (cls == target).astype(p.dtype)
    q = (1 - ls) * onehot + ls / n
    return np.where(target == ignore, 0, (p - q) * gy * scale).astype(p.dtype)


def _as_tuple(r):
    return r if isinstance(r, tuple) else (r,)


def _close(got, want, dtype, msg=""):
    for g, w in zip(_as_tuple(got), _as_tuple(want)):
        w = np.asarray(w)
        if g.dtype == np.bool_:
            np.testing.assert_array_equal(g, w, err_msg=msg)
            continue
        assert g.shape == w.shape, msg
        np.testing.assert_allclose(g, w.astype(g.dtype), equal_nan=True, err_msg=msg,
                                   **TOL[dtype])


FUNCTIONAL = [(n, dt) for n, s in SPECS.items() if n in PLAIN for dt in s.dtypes]


@pytest.mark.parametrize("name,dtype", FUNCTIONAL, ids=[f"{n}-{d}" for n, d in FUNCTIONAL])
def test_reference_equals_plain_formula(name, dtype):
    with np.errstate(all="ignore"):
        for label, args in cases(name, dtype):
            got = REFERENCES[name](*copy_args(args))
            t = np.dtype(dtype).type
            plain_args = [t(a) if isinstance(a, float) else a for a in args]
            _close(got, PLAIN[name](*plain_args), dtype, label)


def test_plain_formulas_cover_every_functional_kernel():
    assert set(SPECS) - set(PLAIN) == {"sgd_update", "adam_update"}


def test_references_return_fresh_arrays_and_fill_outputs():
    x = floats(np.random.default_rng(1), np.float64)
    gy = np.ones_like(x)
    out = np.full_like(x, 5.0)
    assert launch("gelu_bwd", gy, x, out) is out
    np.testing.assert_array_equal(out, launch("gelu_bwd", gy, x))
    # an output may alias an input, as on the GPU
    y = x.copy()
    launch("tanh_fwd", y, y)
    np.testing.assert_array_equal(y, np.tanh(x))


def test_erf_matches_math_erf():
    x = np.concatenate([np.linspace(-7, 7, 20001), [0.0, -0.0, np.inf, -np.inf, np.nan,
                                                    1e-300, 0.46875, 4.0, 27.0, 1e300]])
    want = np.array([math.erf(v) for v in x])
    got = ref_erf(x)
    np.testing.assert_allclose(got, want, rtol=5e-16, atol=0, equal_nan=True)
    assert np.signbit(ref_erf(np.array([-0.0])))[0]
    assert ref_erf(np.float32([0.5])).dtype == np.float32


def test_erfc_matches_math_erfc_relative_to_itself():
    # Relative to erfc, so the far tail counts: 1 - erf(10) would be 0, erfc(10) is 2.1e-45.
    x = np.concatenate([np.linspace(-7, 27, 34001), [0.0, -0.0, np.inf, -np.inf, np.nan,
                                                    1e-300, 0.46875, -0.46875, 4.0, -4.0]])
    want = np.array([math.erfc(v) for v in x])
    got = ref_erfc(x)
    # Past x = 26.5 erfc is subnormal, where float64 itself keeps fewer digits: a few of its
    # smallest steps (5e-324 each) are allowed there.
    np.testing.assert_allclose(got, want, rtol=2e-15, atol=4 * 5e-324, equal_nan=True)
    x32 = np.linspace(-5, 9, 1401, dtype=np.float32)
    want32 = np.array([math.erfc(float(v)) for v in x32])
    np.testing.assert_allclose(ref_erfc(x32), want32, rtol=2e-6, atol=1e-37)
    assert ref_erfc(x32).dtype == np.float32
    big = np.random.default_rng(0).standard_normal(3 * 2 ** 16 + 5)     # several pieces
    np.testing.assert_allclose(ref_erfc(big), [math.erfc(v) for v in big], rtol=2e-15, atol=0)


def test_softplus_large_threshold_does_not_overflow():
    x = np.array([100.0, 200.0], np.float32)
    y = launch("softplus_fwd", x, 1.0, 1e9)
    g = launch("softplus_bwd", np.ones_like(x), x, 1.0, 1e9)
    np.testing.assert_allclose(y, x, rtol=1e-6)
    np.testing.assert_array_equal(g, [1.0, 1.0])


def test_reference_warnings_are_silent():
    with np.errstate(all="raise"):
        x = floats(np.random.default_rng(2), np.float32)
        launch("silu_bwd", np.ones_like(x), x)
        launch("gelu_tanh_bwd", np.ones_like(x), x)


# ------------------------------------------------------------------------------- PyTorch

def _torch():
    return pytest.importorskip("torch")


def _torch_result(name, args):
    torch = _torch()
    F = torch.nn.functional
    aten = torch.ops.aten
    tt = [torch.from_numpy(np.array(a)) if isinstance(a, np.ndarray) else a for a in args]
    if name in ("softmax_xent_bwd", "clamp_bwd", "where_bwd"):
        return _torch_autograd(name, tt)
    fn = {
        "relu_bwd": lambda gy, y: aten.threshold_backward(gy, y, 0),
        "leaky_relu_fwd": lambda x, s: F.leaky_relu(x, s),
        "leaky_relu_bwd": lambda gy, x, s: aten.leaky_relu_backward(gy, x, s, False),
        "elu_fwd": lambda x, a, s, i: aten.elu(x, a, s, i),
        "elu_bwd": lambda gy, x, a, s, i: aten.elu_backward(gy, a, s, i, False, x),
        "sigmoid_fwd": torch.sigmoid,
        "sigmoid_bwd": aten.sigmoid_backward,
        "tanh_fwd": torch.tanh,
        "tanh_bwd": aten.tanh_backward,
        "gelu_fwd": F.gelu,
        "gelu_bwd": lambda gy, x: aten.gelu_backward(gy, x, approximate="none"),
        "gelu_tanh_fwd": lambda x: F.gelu(x, approximate="tanh"),
        "gelu_tanh_bwd": lambda gy, x: aten.gelu_backward(gy, x, approximate="tanh"),
        "silu_fwd": F.silu,
        "silu_bwd": aten.silu_backward,
        "softplus_fwd": lambda x, b, t: F.softplus(x, b, t),
        "softplus_bwd": lambda gy, x, b, t: aten.softplus_backward(gy, x, b, t),
        "dropout_fwd": lambda x, u, p, scale: (u >= p, aten.native_dropout_backward(
            x, u >= p, scale)),
        "dropout_bwd": lambda gy, mask, scale: aten.native_dropout_backward(gy, mask, scale),
        "mse_bwd": lambda x, y, gy, scale: aten.mse_loss_backward(
            gy.expand_as(x) if scale == 1.0 else gy, x, y, 0 if scale == 1.0 else 1),
    }[name]
    return tuple(r.numpy() for r in _as_tuple(fn(*tt)))


def _torch_autograd(name, tt):
    torch = _torch()
    if name == "clamp_bwd":
        gy, x, lo, hi = tt
        x = x.clone().requires_grad_()
        torch.clamp(x, lo, hi).backward(gy)
        return (x.grad.numpy(),)
    if name == "where_bwd":
        cond, gy = tt
        a = torch.zeros(gy.shape, dtype=gy.dtype).expand(torch.broadcast_shapes(
            cond.shape, gy.shape)).clone().requires_grad_()
        b = a.detach().clone().requires_grad_()
        torch.where(cond, a, b).backward(gy.expand_as(a))
        return a.grad.numpy(), b.grad.numpy()
    p, target, cls, gy, scale, ls, n, ignore = tt
    logits = torch.log(p).requires_grad_()
    per_row = scale == 1.0
    loss = torch.nn.functional.cross_entropy(
        logits, target.squeeze(1), ignore_index=ignore, label_smoothing=ls,
        reduction="none" if per_row else "mean")
    loss.backward(gy.squeeze(1) if per_row else gy)
    return (logits.grad.numpy(),)


TORCH_CASES = [(n, dt) for n, s in SPECS.items() if n in PLAIN
               for dt in s.dtypes if dt != "float16"]


@pytest.mark.torch
@pytest.mark.parametrize("name,dtype", TORCH_CASES, ids=[f"{n}-{d}" for n, d in TORCH_CASES])
def test_reference_equals_torch(name, dtype):
    _torch()
    for label, args in cases(name, dtype):
        got = REFERENCES[name](*copy_args(args))
        if name == "softmax_xent_bwd":
            # torch re-normalises softmax(log p); p sums to 1 only to rounding.
            tol = dict(rtol=1e-10, atol=1e-13) if dtype == "float64" else \
                dict(rtol=1e-4, atol=1e-6)
            for g, w in zip(_as_tuple(got), _torch_result(name, args)):
                np.testing.assert_allclose(g, w, equal_nan=True, err_msg=label, **tol)
            continue
        want = _torch_result(name, args)
        if name == "gelu_fwd" and dtype == "float32":
            # On some CPUs torch's vectorised float32 erf gives NaN at +-inf; ours gives
            # erf's limits (as torch's scalar path does), so only those NaNs are excused.
            x = args[0]
            torch_nan_at_inf = np.isinf(x) & np.isnan(want[0])
            want = (np.where(torch_nan_at_inf, got, want[0]),)
        _close(got, want, dtype, label)


def _random_grads(dtype, steps, shape=(5, 7), seed=3):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(dtype) for _ in range(steps)]


OPT_TOL = {"float64": dict(rtol=1e-12, atol=1e-15), "float32": dict(rtol=2e-6, atol=1e-7)}


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("setting", SGD_SETTINGS, ids=[str(s) for s in SGD_SETTINGS])
def test_sgd_update_equals_torch(setting, dtype):
    torch = _torch()
    lr, momentum, dampening, weight_decay, nesterov, maximize, _ = setting
    grads = _random_grads(dtype, 4)
    start = np.random.default_rng(4).standard_normal(grads[0].shape).astype(dtype)
    p = torch.tensor(start, requires_grad=True)
    opt = torch.optim.SGD([p], lr=lr, momentum=momentum, dampening=dampening,
                          weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                          foreach=False)
    param = start.copy()
    buf = np.zeros_like(param) if momentum else param    # unused without momentum
    for step, g in enumerate(grads):
        p.grad = torch.tensor(g)
        opt.step()
        launch("sgd_update", g, lr, momentum, dampening, weight_decay, nesterov, maximize,
               step == 0, param, buf)
        np.testing.assert_allclose(param, p.detach().numpy(), **OPT_TOL[dtype])
    if momentum:
        np.testing.assert_allclose(buf, opt.state[p]["momentum_buffer"].numpy(),
                                   **OPT_TOL[dtype])


@pytest.mark.torch
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("setting", ADAM_SETTINGS, ids=[str(s) for s in ADAM_SETTINGS])
def test_adam_update_equals_torch(setting, dtype):
    torch = _torch()
    lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad, maximize = setting
    grads = _random_grads(dtype, 5)
    start = np.random.default_rng(5).standard_normal(grads[0].shape).astype(dtype)
    p = torch.tensor(start, requires_grad=True)
    cls = torch.optim.AdamW if decoupled else torch.optim.Adam
    opt = cls([p], lr=lr, betas=(beta1, beta2), eps=eps, weight_decay=weight_decay,
              amsgrad=amsgrad, maximize=maximize, foreach=False)
    param = start.copy()
    exp_avg, exp_avg_sq = np.zeros_like(param), np.zeros_like(param)
    max_sq = np.zeros_like(param) if amsgrad else exp_avg_sq   # unused without amsgrad
    for step, g in enumerate(grads, start=1):
        p.grad = torch.tensor(g)
        opt.step()
        launch("adam_update", g, *adam_scalars(setting, step), param, exp_avg, exp_avg_sq,
               max_sq)
        np.testing.assert_allclose(param, p.detach().numpy(), **OPT_TOL[dtype])
    state = opt.state[p]
    np.testing.assert_allclose(exp_avg, state["exp_avg"].numpy(), **OPT_TOL[dtype])
    np.testing.assert_allclose(exp_avg_sq, state["exp_avg_sq"].numpy(), **OPT_TOL[dtype])
    if amsgrad:
        np.testing.assert_allclose(max_sq, state["max_exp_avg_sq"].numpy(), **OPT_TOL[dtype])
