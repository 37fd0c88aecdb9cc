"""References declared ``fp_silent`` really raise no floating-point exception.

A reference declared ``@_reference(fp_silent=True)`` runs without NumPy's error state set to
ignore (it costs about as much as a small kernel). The declaration is checked here rather
than trusted: every such reference runs under ``np.errstate(all="raise")``, with warnings as
errors, on arrays full of inf, -inf, NaN, the largest finite values, 1e38, the smallest
normal and subnormal numbers and signed zeros, in every floating dtype, at sizes that cover
SIMD bodies and tails and both of the gradient gate's strategies, broadcast, strided and 0-d.
The other references set the error state themselves; that they leave the caller's intact is
checked too.
"""
import warnings

import numpy as np
import pytest

from gpugrad.backend import kernel_refs
from gpugrad.backend.kernels import REFERENCES, SPECS

FP_SILENT = sorted(name for name, ref in REFERENCES.items() if ref.fp_silent)
DTYPES = ("float16", "float32", "float64")


def hostile_values(dtype):
    """Every value class that can make an IEEE operation raise, in dtype."""
    dtype = np.dtype(dtype)
    info = np.finfo(dtype)
    huge = float(info.max) if dtype == np.float16 else 1e38
    sub = float(info.smallest_subnormal)
    values = [np.inf, -np.inf, np.nan, -np.nan, float(info.max), -float(info.max), huge, -huge,
              float(info.tiny), -float(info.tiny), sub, -sub, 3 * sub, 0.0, -0.0, 1.0, -1.0]
    return np.array(values, dtype)


def hostile(rng, dtype, shape):
    return rng.choice(hostile_values(dtype), size=shape)


# Sizes: a SIMD tail alone, bodies plus tails, and past kernel_refs._PUTMASK_MAX (the gate's
# bitwise strategy).
SHAPES = [(1,), (7,), (67,), (5, 13), (3 * kernel_refs._PUTMASK_MAX + 5,)]


def _array(p, dtype, rng, shape, how="plain"):
    """An argument for parameter p: contiguous, every other element of one twice the size
    ("strided"), or one element broadcast to shape ("expanded", a gradient of a sum)."""
    if how == "strided":
        full = _array(p, dtype, rng, tuple(2 * n for n in shape))
        return full[tuple(slice(None, None, 2) for _ in shape)]
    if how == "expanded":
        return np.broadcast_to(_array(p, dtype, rng, (1,) * len(shape)), shape)
    if p.dtype is None:
        return np.asarray(hostile(rng, dtype, shape))
    if p.dtype == np.bool_:
        return np.asarray(rng.random(shape) < 0.5)
    return np.asarray(rng.integers(-3, 3, size=shape), p.dtype)


def _scalars(dtype):
    return [float(v) for v in hostile_values(dtype)]


def _layouts(arrays):
    """(label, {parameter name: (shape, how)}) for the array parameters."""
    first = arrays[0].name
    out = []
    for shape in SHAPES:
        out.append((f"{shape}", {p.name: (shape, "plain") for p in arrays}))
        out.append((f"{shape} strided", {p.name: (shape, "strided") for p in arrays}))
    out.append(("0-d", {p.name: ((), "plain") for p in arrays}))
    for n in (7, 67):           # the first a column, the others rows: a broadcast result
        out.append((f"broadcast {n}", {p.name: ((n, 1) if p.name == first else (1, n),
                                                 "plain") for p in arrays}))
    out.append(("0-d beside full", {p.name: (() if p.name == first else (67,), "plain")
                                    for p in arrays}))
    out.append(("expanded", {p.name: ((67,), "expanded" if p.name == first else "plain")
                             for p in arrays}))
    return out


def _calls(name, dtype, rng):
    """(label, args) covering shapes, broadcasting, strides and 0-d, for each hostile value
    of the scalar parameters (if any)."""
    spec = SPECS[name]
    arrays = [p for p in spec.inputs if p.name not in spec.scalars]
    for value in (_scalars(dtype) if spec.scalars else [None]):
        for label, layout in _layouts(arrays):
            yield label, [value if p.name in spec.scalars else
                          _array(p, dtype, rng, *layout[p.name]) for p in spec.inputs]


def _outputs(name, dtype, result):
    spec = SPECS[name]
    result = result if isinstance(result, tuple) else (result,)
    return [np.empty(r.shape, dtype if p.dtype is None else p.dtype)
            for p, r in zip(spec.outputs, result)]


CASES = [(name, dt) for name in FP_SILENT for dt in DTYPES if dt in SPECS[name].dtypes]


def test_some_references_are_declared_fp_silent():
    assert "relu_bwd" in FP_SILENT
    for name, ref in REFERENCES.items():
        assert isinstance(ref.fp_silent, bool), name


@pytest.mark.parametrize("name,dtype", CASES, ids=[f"{n}-{d}" for n, d in CASES])
def test_fp_silent_reference_raises_nothing(name, dtype):
    rng = np.random.default_rng([sum(map(ord, name)), np.dtype(dtype).itemsize])
    ref = REFERENCES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for label, args in _calls(name, dtype, rng):
            with np.errstate(all="raise"):
                try:
                    result = ref(*args)
                    ref(*args, *_outputs(name, dtype, result))     # outputs passed in
                except (FloatingPointError, RuntimeWarning) as e:
                    pytest.fail(f"{name} declared fp_silent raised on {dtype} {label}: {e}")


def test_hostile_inputs_make_arithmetic_raise():
    # The inputs above are hostile enough: an arithmetic reference run without its error
    # state (its undecorated function) raises on them.
    rng = np.random.default_rng(0)
    x = hostile(rng, "float32", (67,))
    raw = REFERENCES["tanh_bwd"].__wrapped__
    with np.errstate(all="raise"), pytest.raises(FloatingPointError):
        raw(x, x)


def test_quiet_references_keep_the_callers_error_state():
    x = np.array([-1e38, np.inf, np.nan, 0.0, 1e-45], np.float32)
    with np.errstate(all="raise"):
        before = np.geterr()
        y = REFERENCES["sigmoid_fwd"](x)                # exp overflows: silent inside
        g = REFERENCES["tanh_bwd"](x, x)
        assert np.geterr() == before
        with pytest.raises(FloatingPointError):
            np.multiply(x, x)
    np.testing.assert_array_equal(y, np.array([0.0, 1.0, np.nan, 0.5, 0.5], np.float32))
    assert g[1] == -np.inf and np.isnan(g[2])
    # An exception inside a reference restores the state as well.
    with np.errstate(all="raise"):
        with pytest.raises(ValueError):
            REFERENCES["tanh_bwd"](np.ones(3, np.float32), np.ones(4, np.float32))
        assert np.geterr() == before


def test_quiet_falls_back_to_errstate(monkeypatch):
    # Where NumPy's error-state context variable is not found (NumPy 1, or renamed), the
    # references are silenced by np.errstate.
    monkeypatch.setattr(kernel_refs, "_ERROR_STATE", None)
    square = kernel_refs._quiet(lambda a: a * a)
    with np.errstate(all="raise"):
        assert square(np.float32([1e38]))[0] == np.inf
