"""Property tests for every elementwise op: random shapes (0-d, size-0, size-1 dims), dtypes
and broadcasting; forward against NumPy, result dtype against PyTorch, float64 gradients
against central differences."""
import math
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import gpugrad as gg

from _fuzz import (ALL_DTYPES, FLOATS, arrays, assert_close, broadcast_pair, fuzz, host, leaf,
                   nnf, same_as_torch, shapes, smooth_values, torch_dtype_name)

_erf = np.vectorize(math.erf, otypes=[np.float64])


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softplus(x):
    return np.where(x > 20, x, np.log1p(np.exp(np.minimum(x, 20))))


@dataclass
class Op:
    """One op of the menu: ``fn(m, *xs)`` runs on gpugrad or torch; ``ref`` is NumPy's
    float64 answer. ``domain``: where values are drawn. ``floats_only``: integer inputs are an
    error (activations). ``grad``: has a non-zero derivative to check."""
    name: str
    fn: object
    ref: object
    domain: str = "any"
    floats_only: bool = False
    grad: bool = True


_SELU = (1.6732632423543772848170429916717, 1.0507009873554804934193349852946)

UNARY = [
    Op("neg", lambda m, x: -x, np.negative),
    Op("abs", lambda m, x: m.abs(x), np.abs, "nonzero"),
    Op("exp", lambda m, x: m.exp(x), np.exp),
    Op("exp2", lambda m, x: m.exp2(x), np.exp2),
    Op("expm1", lambda m, x: m.expm1(x), np.expm1),
    Op("log", lambda m, x: m.log(x), np.log, "pos"),
    Op("log1p", lambda m, x: m.log1p(x), np.log1p, "pos"),
    Op("log2", lambda m, x: m.log2(x), np.log2, "pos"),
    Op("log10", lambda m, x: m.log10(x), np.log10, "pos"),
    Op("sqrt", lambda m, x: m.sqrt(x), np.sqrt, "pos"),
    Op("rsqrt", lambda m, x: m.rsqrt(x), lambda x: 1 / np.sqrt(x), "pos"),
    Op("square", lambda m, x: m.square(x), np.square),
    Op("reciprocal", lambda m, x: m.reciprocal(x), lambda x: 1 / x, "nonzero"),
    Op("sin", lambda m, x: m.sin(x), np.sin),
    Op("cos", lambda m, x: m.cos(x), np.cos),
    Op("tan", lambda m, x: m.tan(x), np.tan, "small"),
    Op("asin", lambda m, x: m.asin(x), np.arcsin, "unit"),
    Op("acos", lambda m, x: m.acos(x), np.arccos, "unit"),
    Op("atan", lambda m, x: m.atan(x), np.arctan),
    Op("sinh", lambda m, x: m.sinh(x), np.sinh),
    Op("cosh", lambda m, x: m.cosh(x), np.cosh),
    Op("tanh", lambda m, x: m.tanh(x), np.tanh),
    Op("sigmoid", lambda m, x: m.sigmoid(x), _sigmoid),
    Op("erf", lambda m, x: m.erf(x), _erf),
    Op("relu", lambda m, x: m.relu(x), lambda x: np.maximum(x, 0), "nonzero"),
    Op("sign", lambda m, x: m.sign(x), np.sign, "nonzero", grad=False),
    Op("floor", lambda m, x: m.floor(x), np.floor, grad=False),
    Op("ceil", lambda m, x: m.ceil(x), np.ceil, grad=False),
    Op("round", lambda m, x: m.round(x), np.round, grad=False),
    Op("trunc", lambda m, x: m.trunc(x), np.trunc, grad=False),
    Op("frac", lambda m, x: m.frac(x), lambda x: x - np.trunc(x), floats_only=True),
    Op("clamp", lambda m, x: m.clamp(x, -0.5, 0.7), lambda x: np.clip(x, -0.5, 0.7)),
    Op("clamp_min", lambda m, x: m.clamp_min(x, 0.3), lambda x: np.maximum(x, 0.3)),
    Op("clamp_max", lambda m, x: m.clamp_max(x, 0.3), lambda x: np.minimum(x, 0.3)),
    Op("pow_scalar", lambda m, x: x ** 3, lambda x: x ** 3),
    Op("pow_frac", lambda m, x: x ** 1.5, lambda x: x ** 1.5, "pos"),
    Op("rpow", lambda m, x: 2.0 ** x, lambda x: 2.0 ** x),
    Op("rdiv", lambda m, x: 2.0 / x, lambda x: 2.0 / x, "nonzero"),
    Op("rsub", lambda m, x: 1.5 - x, lambda x: 1.5 - x),
    Op("nan_to_num", lambda m, x: m.nan_to_num(x), np.nan_to_num),
    # Activations (nn.functional): float inputs only, as in PyTorch.
    Op("leaky_relu", lambda m, x: nnf(m).leaky_relu(x, 0.1),
       lambda x: np.where(x > 0, x, 0.1 * x), "nonzero", True),
    Op("elu", lambda m, x: nnf(m).elu(x), lambda x: np.where(x > 0, x, np.expm1(x)),
       "nonzero", True),
    Op("selu", lambda m, x: nnf(m).selu(x),
       lambda x: _SELU[1] * np.where(x > 0, x, _SELU[0] * np.expm1(x)), "nonzero", True),
    Op("celu", lambda m, x: nnf(m).celu(x, 0.5),
       lambda x: np.where(x > 0, x, 0.5 * np.expm1(x / 0.5)), "nonzero", True),
    Op("gelu", lambda m, x: nnf(m).gelu(x), lambda x: x * 0.5 * (1 + _erf(x / np.sqrt(2))),
       floats_only=True),
    Op("gelu_tanh", lambda m, x: nnf(m).gelu(x, approximate="tanh"),
       lambda x: 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3))),
       floats_only=True),
    Op("silu", lambda m, x: nnf(m).silu(x), lambda x: x * _sigmoid(x), floats_only=True),
    Op("mish", lambda m, x: nnf(m).mish(x), lambda x: x * np.tanh(_softplus(x)),
       floats_only=True),
    Op("softplus", lambda m, x: nnf(m).softplus(x), _softplus, floats_only=True),
    Op("hardtanh", lambda m, x: nnf(m).hardtanh(x), lambda x: np.clip(x, -1, 1),
       floats_only=True),
    Op("relu6", lambda m, x: nnf(m).relu6(x * 3), lambda x: np.clip(x * 3, 0, 6),
       "nonzero", True),
    Op("hardsigmoid", lambda m, x: nnf(m).hardsigmoid(x * 2),
       lambda x: np.clip(x * 2 / 6 + 0.5, 0, 1), floats_only=True),
    Op("hardswish", lambda m, x: nnf(m).hardswish(x * 2),
       lambda x: x * 2 * np.clip(x * 2 + 3, 0, 6) / 6, floats_only=True),
    Op("logsigmoid", lambda m, x: nnf(m).logsigmoid(x), lambda x: -_softplus(-x),
       floats_only=True),
    Op("softsign", lambda m, x: nnf(m).softsign(x), lambda x: x / (1 + np.abs(x)),
       "nonzero", True),
    Op("tanhshrink", lambda m, x: nnf(m).tanhshrink(x), lambda x: x - np.tanh(x),
       floats_only=True),
]

BINARY = [
    Op("add", lambda m, a, b: a + b, np.add),
    Op("sub", lambda m, a, b: a - b, np.subtract),
    Op("mul", lambda m, a, b: a * b, np.multiply),
    Op("div", lambda m, a, b: a / b, np.divide, "nonzero"),
    Op("pow", lambda m, a, b: m.pow(a, b), np.power, "pos"),
    Op("maximum", lambda m, a, b: m.maximum(a, b), np.maximum),
    Op("minimum", lambda m, a, b: m.minimum(a, b), np.minimum),
    Op("fmax", lambda m, a, b: m.fmax(a, b), np.fmax),
    Op("fmin", lambda m, a, b: m.fmin(a, b), np.fmin),
    Op("remainder", lambda m, a, b: m.remainder(a, b), np.remainder, "nonzero"),
    Op("fmod", lambda m, a, b: m.fmod(a, b), np.fmod, "nonzero"),
    Op("add_alpha", lambda m, a, b: m.add(a, b, alpha=2), lambda a, b: a + 2 * b),
    Op("where", lambda m, a, b: m.where(a > b, a, b), lambda a, b: np.where(a > b, a, b)),
    Op("floor_divide", lambda m, a, b: m.floor_divide(a, b), np.floor_divide, "nonzero",
       grad=False),
    Op("eq", lambda m, a, b: a == b, np.equal, grad=False),
    Op("lt", lambda m, a, b: a < b, np.less, grad=False),
    Op("ge", lambda m, a, b: a >= b, np.greater_equal, grad=False),
    Op("logical_and", lambda m, a, b: m.logical_and(a, b), np.logical_and, grad=False),
    Op("logical_xor", lambda m, a, b: m.logical_xor(a, b), np.logical_xor, grad=False),
]

_UNARY_IDS = [op.name for op in UNARY]
_BINARY_IDS = [op.name for op in BINARY]
_GRAD_UNARY = [op for op in UNARY if op.grad]
_GRAD_BINARY = [op for op in BINARY if op.grad]
_seeds = st.integers(0, 2 ** 32 - 1)


def _reference(op, *arrays):
    """NumPy's answer, computed in float64 from float inputs."""
    with np.errstate(all="ignore"):
        wide = [a.astype(np.float64) if a.dtype.kind == "f" else a for a in arrays]
        return op.ref(*wide)


@pytest.mark.parametrize("op", UNARY, ids=_UNARY_IDS)
@fuzz(25)
@given(data=st.data(), dtype=st.sampled_from(FLOATS))
def test_unary_forward_matches_numpy(op, device, data, dtype):
    x = data.draw(arrays(dtype, shapes(max_numel=64), op.domain))
    out = op.fn(gg, gg.tensor(x, device=device))
    assert out.shape == x.shape and out.dtype.name == dtype
    assert_close(out, _reference(op, x).astype(dtype), dtype, op.name)


@pytest.mark.parametrize("op", UNARY, ids=_UNARY_IDS)
@fuzz(12)
@given(data=st.data(), dtype=st.sampled_from(ALL_DTYPES))
def test_unary_dtype_matches_torch(op, device, data, dtype):
    """Any dtype: the result dtype (or the error) is PyTorch's; for floats so is the gradient,
    kinks included (relu and abs at 0, clamp at its bounds)."""
    torch = pytest.importorskip("torch")
    x = data.draw(arrays(dtype, shapes(), op.domain))
    same_as_torch(torch, op.fn, [x], device, grad=True)


@pytest.mark.parametrize("op", _GRAD_UNARY, ids=[op.name for op in _GRAD_UNARY])
@fuzz(8)
@given(shape=shapes(max_numel=12), seed=_seeds)
def test_unary_grad_matches_finite_differences(op, device, shape, seed):
    x = leaf(smooth_values(np.random.default_rng(seed), shape, op.domain), device)
    assert op.fn(gg, x).requires_grad, f"{op.name} dropped the graph"
    assert gg.autograd.gradcheck(lambda t: op.fn(gg, t), (x,))


@pytest.mark.parametrize("op", BINARY, ids=_BINARY_IDS)
@fuzz(25)
@given(data=st.data(), shapes_=broadcast_pair(), dtype=st.sampled_from(FLOATS))
def test_binary_forward_broadcasts_like_numpy(op, device, data, shapes_, dtype):
    a = data.draw(arrays(dtype, shapes_[0], op.domain))
    b = data.draw(arrays(dtype, shapes_[1], op.domain))
    out = op.fn(gg, gg.tensor(a, device=device), gg.tensor(b, device=device))
    ref = _reference(op, a, b)
    assert_close(out, ref.astype(out.dtype.name), out.dtype.name, op.name)


_OPERANDS = st.sampled_from(ALL_DTYPES + ("int", "float", "bool"))


@pytest.mark.parametrize("op", BINARY, ids=_BINARY_IDS)
@fuzz(20)
@given(data=st.data(), shapes_=broadcast_pair(), kinds=st.tuples(_OPERANDS, _OPERANDS))
def test_binary_promotion_matches_torch(op, device, data, shapes_, kinds):
    """Mixed dtypes and Python numbers on either side: result dtype and values as PyTorch."""
    torch = pytest.importorskip("torch")
    if all(k in ("int", "float", "bool") for k in kinds):
        kinds = (kinds[0], "float32")
    operands = []
    for kind, shape in zip(kinds, shapes_):
        if kind in ("int", "float", "bool"):
            dt = {"int": "int64", "float": "float64", "bool": "bool"}[kind]
            v = data.draw(arrays(dt, (), op.domain)).item()
            operands.append(v)
        else:
            operands.append(data.draw(arrays(kind, shape, op.domain)))

    def run(m):
        args = [v if not isinstance(v, np.ndarray) else
                (torch.from_numpy(v.copy()) if m is torch else gg.tensor(v, device=device))
                for v in operands]
        return op.fn(m, *args)

    try:
        expected = run(torch)
    except TypeError:
        # torch.maximum(t, 2) has no such overload; gpugrad takes a Python number on either
        # side of every binary op (a superset of torch's signatures), so nothing to compare.
        return
    except Exception as e:
        with pytest.raises(type(e)):
            run(gg)
        return
    out = run(gg)
    assert out.dtype.name == torch_dtype_name(expected), \
        f"{op.name}{tuple(kinds)}: {out.dtype} vs {expected.dtype}"
    assert tuple(out.shape) == tuple(expected.shape)
    assert_close(out, expected.numpy(), out.dtype.name, op.name)


@pytest.mark.parametrize("op", _GRAD_BINARY, ids=[op.name for op in _GRAD_BINARY])
@fuzz(10)
@given(shapes_=broadcast_pair(), seed=_seeds, which=st.sampled_from(["both", "a", "b"]))
def test_binary_grad_matches_finite_differences(op, device, shapes_, seed, which):
    """Broadcast gradients are summed back to each input's shape (the engine's job)."""
    rng = np.random.default_rng(seed)
    a = leaf(smooth_values(rng, shapes_[0], op.domain), device, which != "b")
    b = leaf(smooth_values(rng, shapes_[1], op.domain), device, which != "a")
    assert gg.autograd.gradcheck(lambda x, y: op.fn(gg, x, y), (a, b))
    out = op.fn(gg, a, b)
    assert out.requires_grad, f"{op.name} dropped the graph"
    out.sum().backward()
    for t in (a, b):
        assert (t.grad is None) == (not t.requires_grad)
        if t.grad is not None:
            assert t.grad.shape == t.shape and t.grad.dtype == gg.float64


@fuzz(40)
@given(shapes_=broadcast_pair(), seed=_seeds)
def test_inplace_arithmetic_matches_out_of_place(device, shapes_, seed):
    """``a += b`` (when ``b`` broadcasts into ``a``) equals ``a + b`` and keeps a's shape."""
    sa, sb = shapes_
    if np.broadcast_shapes(sa, sb) != tuple(sa):
        sa, sb = sb, sa
    if np.broadcast_shapes(sa, sb) != tuple(sa):
        return
    rng = np.random.default_rng(seed)
    av, bv = smooth_values(rng, sa), smooth_values(rng, sb, "nonzero")
    for name, ref in (("__iadd__", np.add), ("__isub__", np.subtract),
                      ("__imul__", np.multiply), ("__itruediv__", np.divide)):
        a = leaf(av, device, False)
        before = a
        a = getattr(a, name)(leaf(bv, device, False))
        assert a is before and a.shape == sa
        np.testing.assert_allclose(host(a), ref(av, bv), rtol=1e-12, err_msg=name)
