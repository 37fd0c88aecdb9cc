"""Property tests for reductions and the other along-a-dim ops: random shapes (0-d, size-0 and
size-1 dims), dims (None, one, several, negative), keepdim and dtypes. Forward against NumPy,
edge cases (empty reductions, integer inputs, ties) against PyTorch, float64 gradients against
central differences."""
import warnings
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import gpugrad as gg

from _fuzz import (ALL_DTYPES, FLOATS, arrays, assert_close, fuzz, leaf, nnf, same_as_torch,
                   shapes, smooth_values)


def _np_logsumexp(x, axis, keepdims):
    m = np.max(x, axis=axis, keepdims=True, initial=-np.inf)
    m = np.where(np.isfinite(m), m, 0)
    return np.log(np.sum(np.exp(x - m), axis=axis, keepdims=keepdims)) + (
        m if keepdims else np.squeeze(m, axis=axis))


def _np_softmax(x, axis, keepdims):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _np_log_softmax(x, axis, keepdims):
    return x - _np_logsumexp(x, axis, True)


def _np_median(x, axis, keepdims):
    # PyTorch's median is the lower one of the two middle values.
    n = x.shape[axis]
    return np.take(np.sort(x, axis=axis), [(n - 1) // 2], axis=axis).squeeze(
        axis) if not keepdims else np.take(np.sort(x, axis=axis), [(n - 1) // 2], axis=axis)


@dataclass
class Red:
    """``fn(m, x, dim, keepdim)`` on gpugrad or torch; ``ref(x, axis, keepdims)`` NumPy's.
    ``dims``: "multi" (None, an int or a tuple), "one" (an int), "one_or_none", "required"
    (an int or a tuple, not None), "none". ``identity``: defined on an empty reduction."""
    name: str
    fn: object
    ref: object
    dims: str = "multi"
    identity: bool = True
    grad: bool = True
    floats_only: bool = False
    keepdim_all: bool = True    # keepdim applies with dim=None too


REDUCTIONS = [
    Red("sum", lambda m, x, d, k: m.sum(x, dim=d, keepdim=k), np.sum),
    Red("mean", lambda m, x, d, k: m.mean(x, dim=d, keepdim=k), np.mean,
        floats_only=True),
    Red("prod", lambda m, x, d, k: m.prod(x, d, keepdim=k) if d is not None else m.prod(x),
        np.prod, "one_or_none", keepdim_all=False),
    Red("amax", lambda m, x, d, k: m.amax(x, dim=() if d is None else d, keepdim=k), np.max,
        identity=False),
    Red("amin", lambda m, x, d, k: m.amin(x, dim=() if d is None else d, keepdim=k), np.min,
        identity=False),
    Red("max", lambda m, x, d, k: m.max(x), lambda x, axis, keepdims: np.max(x), "none",
        identity=False),
    Red("min", lambda m, x, d, k: m.min(x), lambda x, axis, keepdims: np.min(x), "none",
        identity=False),
    Red("max_dim", lambda m, x, d, k: m.max(x, dim=d, keepdim=k), np.max, "one",
        identity=False),
    Red("min_dim", lambda m, x, d, k: m.min(x, dim=d, keepdim=k), np.min, "one",
        identity=False),
    Red("argmax", lambda m, x, d, k: m.argmax(x, dim=d, keepdim=k), np.argmax,
        "one_or_none", identity=False, grad=False),
    Red("argmin", lambda m, x, d, k: m.argmin(x, dim=d, keepdim=k), np.argmin,
        "one_or_none", identity=False, grad=False),
    Red("logsumexp", lambda m, x, d, k: m.logsumexp(x, dim=d, keepdim=k), _np_logsumexp,
        "required"),
    Red("var", lambda m, x, d, k: m.var(x, dim=d, keepdim=k),
        lambda x, axis, keepdims: np.var(x, axis=axis, ddof=1, keepdims=keepdims),
        floats_only=True),
    Red("std", lambda m, x, d, k: m.std(x, dim=d, keepdim=k),
        lambda x, axis, keepdims: np.std(x, axis=axis, ddof=1, keepdims=keepdims),
        floats_only=True),
    Red("var_biased", lambda m, x, d, k: m.var(x, dim=d, keepdim=k, correction=0),
        lambda x, axis, keepdims: np.var(x, axis=axis, keepdims=keepdims), floats_only=True),
    Red("norm", lambda m, x, d, k: m.norm(x, dim=d, keepdim=k),
        lambda x, axis, keepdims: np.sqrt(np.sum(x * x, axis=axis, keepdims=keepdims)),
        floats_only=True),
    Red("cumsum", lambda m, x, d, k: m.cumsum(x, dim=d),
        lambda x, axis, keepdims: np.cumsum(x, axis=axis), "one"),
    Red("cumprod", lambda m, x, d, k: m.cumprod(x, dim=d),
        lambda x, axis, keepdims: np.cumprod(x, axis=axis), "one"),
    Red("softmax", lambda m, x, d, k: nnf(m).softmax(x, dim=d), _np_softmax, "one",
        floats_only=True),
    Red("log_softmax", lambda m, x, d, k: nnf(m).log_softmax(x, dim=d), _np_log_softmax,
        "one", floats_only=True),
    Red("median_dim", lambda m, x, d, k: m.median(x, dim=d, keepdim=k).values, _np_median,
        "one", identity=False),
    Red("all", lambda m, x, d, k: m.all(x) if d is None else m.all(x, dim=d, keepdim=k),
        np.all, "one_or_none", grad=False, keepdim_all=False),
    Red("any", lambda m, x, d, k: m.any(x) if d is None else m.any(x, dim=d, keepdim=k),
        np.any, "one_or_none", grad=False, keepdim_all=False),
    Red("count_nonzero", lambda m, x, d, k: m.count_nonzero(x, dim=d), np.count_nonzero,
        grad=False),
    Red("nansum", lambda m, x, d, k: m.nansum(x, dim=d, keepdim=k), np.nansum,
        floats_only=True),
]
_IDS = [r.name for r in REDUCTIONS]
_GRAD = [r for r in REDUCTIONS if r.grad]


@st.composite
def dims(draw, ndim, kind):
    """A ``dim`` argument valid for ``ndim`` (0-d tensors take dim 0 and -1, as PyTorch)."""
    n = max(ndim, 1)
    one = st.integers(-n, n - 1)
    if kind == "none":
        return None
    if kind == "one":
        return draw(one)
    if kind == "one_or_none":
        return draw(st.none() | one)
    several = st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim,
                       unique=True).map(tuple) if ndim else st.just((0,))
    if kind == "required":
        return draw(one | several)
    # dim=() means every dim, as None does (PyTorch 2's rule for sum, mean, amax, var ...).
    return draw(st.none() | one | several | st.just(()))


def _axes(d, ndim):
    if d is None or d == ():
        return tuple(range(ndim))
    return tuple(sorted(a % max(ndim, 1) for a in (d if isinstance(d, tuple) else (d,))))


def _reference(red, x, d, keepdim):
    """NumPy's answer; a 0-d input is reduced as a 1-element vector."""
    keepdim = keepdim and (d is not None or red.keepdim_all)
    x64 = x.astype(np.float64) if x.dtype.kind == "f" else x
    flat0 = x.ndim == 0
    if flat0:
        x64 = x64.reshape(1)
    axes = None if d is None else (_axes(d, 1) if flat0 else _axes(d, x.ndim))
    if red.dims in ("one", "one_or_none") and axes is not None:
        axes = axes[0]
    if x.size == 0 and red.name.endswith("softmax"):
        return x64.copy()
    with np.errstate(all="ignore"):
        if red.dims == "none":
            r = red.ref(x64, None, False)
        elif red.name.startswith("arg") and axes is None:
            r = np.argmax(x64) if red.name == "argmax" else np.argmin(x64)
            r = np.reshape(r, (1,) * x.ndim) if keepdim else r
        elif red.name == "count_nonzero":
            r = red.ref(x64, axis=axes)
        else:
            r = red.ref(x64, axis=axes, keepdims=keepdim)
    r = np.asarray(r)
    return r.reshape(()) if flat0 else r


def _empty_reduction(red, shape, d):
    reduced = _axes(d, len(shape)) if red.dims != "none" else tuple(range(len(shape)))
    return any(shape[a] == 0 for a in reduced if a < len(shape)) or (
        red.dims == "none" and 0 in shape)


@pytest.mark.parametrize("red", REDUCTIONS, ids=_IDS)
@fuzz(30)
@given(data=st.data(), dtype=st.sampled_from(FLOATS), keepdim=st.booleans())
def test_reduction_forward_matches_numpy(red, device, data, dtype, keepdim):
    x = data.draw(arrays(dtype, shapes(max_dims=4, max_numel=48)))
    d = data.draw(dims(x.ndim, red.dims))
    assume(red.identity or not _empty_reduction(red, x.shape, d))
    with warnings.catch_warnings():
        # The mean of nothing is nan; NumPy says so in a warning, on both sides here.
        warnings.simplefilter("ignore", RuntimeWarning)
        out = red.fn(gg, gg.tensor(x, device=device), d, keepdim)
        ref = _reference(red, x, d, keepdim)
    if isinstance(out, tuple):        # max(dim) / min(dim): the values
        out = out[0]
    if red.name.startswith("arg") or red.name == "count_nonzero":
        assert out.dtype == gg.int64
        np.testing.assert_array_equal(out.numpy(), ref)
        return
    if red.name in ("all", "any"):
        np.testing.assert_array_equal(out.numpy(), ref)
        return
    assert_close(out, ref.astype(dtype), dtype, red.name)


@pytest.mark.parametrize("red", REDUCTIONS, ids=_IDS)
@fuzz(25)
@given(data=st.data(), dtype=st.sampled_from(ALL_DTYPES), keepdim=st.booleans())
def test_reduction_matches_torch(red, device, data, dtype, keepdim):
    """Empty reductions, integer and bool inputs, ties: outcome, dtype and (for floats, ties
    included) gradients as PyTorch's."""
    torch = pytest.importorskip("torch")
    x = data.draw(arrays(dtype, shapes(max_dims=3, max_numel=24)))
    d = data.draw(dims(x.ndim, red.dims))
    # torch returns an empty integer softmax without looking at its dtype; gpugrad refuses
    # the dtype whatever the size. Not worth copying.
    assume(not (red.floats_only and x.size == 0 and dtype not in FLOATS))
    # torch.norm (p='fro') sends 3+ dims to matrix_norm, which refuses them; gpugrad takes
    # the vector norm over them, as torch.linalg.vector_norm would.
    assume(not (red.name == "norm" and isinstance(d, tuple) and len(d) > 2))
    # torch 2.13's var/std backward with dim=() divides by 1, not n (its forward is right;
    # gpugrad's gradient is checked against central differences below).
    grad = not (d == () and red.name.startswith(("var", "std")))
    same_as_torch(torch, lambda m, t: red.fn(m, t, d, keepdim), [x], device, grad=grad)


@pytest.mark.parametrize("red", _GRAD, ids=[r.name for r in _GRAD])
@fuzz(10)
@given(data=st.data(), keepdim=st.booleans(), seed=st.integers(0, 2 ** 32 - 1))
def test_reduction_grad_matches_finite_differences(red, device, data, keepdim, seed):
    shape = data.draw(shapes(max_dims=3, max_numel=12))
    d = data.draw(dims(len(shape), red.dims))
    assume(red.identity or not _empty_reduction(red, shape, d))
    if red.name.startswith(("var", "std")):
        # n - correction <= 0 gives inf/nan; std also has a kink where all values are equal.
        n = int(np.prod([shape[a] for a in _axes(d, len(shape))])) if shape else 1
        assume(n > 1)
    x = leaf(smooth_values(np.random.default_rng(seed), shape), device)

    def fn(t):
        out = red.fn(gg, t, d, keepdim)
        return out[0] if isinstance(out, tuple) else out
    assert gg.autograd.gradcheck(fn, (x,))
