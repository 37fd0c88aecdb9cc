"""Strategies and checks shared by the fuzz tests.

Values for forward checks come from hypothesis (so it can shrink them to 0, 1, -0.0 ...);
values for gradient checks come from a seeded generator inside each op's smooth domain, so
central differences never straddle a kink (relu at 0, floor at integers, ties in max).
"""
import math
import os
import warnings

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gpugrad as gg

# The default profile is derandomized and keeps no example database, so CI sees the same
# examples on every run and nothing is written into the checkout. GPUGRAD_FUZZ=explore draws
# fresh examples (GPUGRAD_FUZZ_SCALE=N runs N times as many) when hunting bugs; whatever it
# finds belongs in test_regressions.py. The profiles are parents of each test's settings,
# never loaded globally, so other suites keep their own.
_COMMON = dict(
    deadline=None,
    database=None,
    print_blob=True,
    # The ``device`` fixture is a plain string; big draws and filters are on purpose.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
settings.register_profile("gpugrad-ci", derandomize=True, **_COMMON)
settings.register_profile("gpugrad-explore", derandomize=False, **_COMMON)
_PROFILE = settings.get_profile("gpugrad-" + os.environ.get("GPUGRAD_FUZZ", "ci"))
SCALE = int(os.environ.get("GPUGRAD_FUZZ_SCALE", "1"))


def fuzz(n):
    """Settings for a property test that draws ``n`` examples (times GPUGRAD_FUZZ_SCALE)."""
    return settings(parent=_PROFILE, max_examples=n * SCALE)


FLOATS = ("float16", "float32", "float64")
INTS = ("uint8", "int8", "int16", "int32", "int64")
ALL_DTYPES = FLOATS + INTS + ("bool",)

# Forward tolerances against NumPy by result dtype: (rtol, atol).
TOL = {"float16": (2e-3, 2e-3), "float32": (2e-5, 1e-6), "float64": (1e-10, 1e-12)}
# Against torch float64 is held less tightly: some of its kernels use float32 constants
# (hardsigmoid's backward multiplies by 1.0f / 6).
TORCH_TOL = dict(TOL, float64=(1e-7, 1e-10))

# Each domain: the interval values are drawn from, and how far from 0 they keep (ops with a
# pole or a kink at 0 such as reciprocal, abs, sign).
DOMAINS = {
    "any": (-3.0, 3.0, 0.0),
    "pos": (0.2, 3.0, 0.0),
    "unit": (-0.9, 0.9, 0.0),
    "nonzero": (-3.0, 3.0, 0.2),
    "small": (-1.2, 1.2, 0.0),
}


def numel(shape):
    return math.prod(shape)


def shapes(max_dims=3, max_side=3, max_numel=24, min_dims=0):
    """Shapes with 0-d, size-0 and size-1 dims, small enough for element-wise gradcheck."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=0,
                            max_side=max_side).filter(lambda s: numel(s) <= max_numel)


def broadcast_pair(max_dims=3, max_side=3):
    """Two shapes that broadcast together (either side may be the smaller one)."""
    return hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=max_dims,
                                             min_side=0, max_side=max_side).map(
        lambda b: b.input_shapes).filter(lambda ss: all(numel(s) <= 24 for s in ss))


def elements(dtype, domain="any"):
    """A hypothesis strategy for one element of ``dtype`` inside ``domain``."""
    lo, hi, gap = DOMAINS[domain]
    if dtype == "bool":
        return st.booleans() if lo <= 0 else st.just(True)
    if dtype in INTS:
        ilo = 1 if lo > 0 else (0 if dtype == "uint8" else -3)
        ints = st.integers(ilo, 3)
        return ints.filter(lambda v: v != 0) if gap else ints
    width = {"float16": 16, "float32": 32, "float64": 64}[dtype]
    # Bounds must be representable at the drawn width (0.2 is not a float16).
    lo, hi = (np.dtype(dtype).type(v).item() for v in (lo, hi))
    floats = st.floats(lo, hi, width=width, allow_nan=False, allow_subnormal=False)
    # No magnitudes below 1e-15: x * x underflows there, and where torch special-cases
    # (the norm of one element is |x|) the two libraries legitimately differ.
    least = max(gap, 1e-15)
    return floats.filter(lambda v: abs(v) >= least or (v == 0 and not gap))


def arrays(dtype, shape, domain="any"):
    return hnp.arrays(np.dtype(dtype), shape, elements=elements(dtype, domain))


def smooth_values(rng, shape, domain="any"):
    """float64 values well inside ``domain`` for gradient checks."""
    lo, hi, gap = DOMAINS[domain]
    v = rng.uniform(lo, hi, size=shape)
    if gap:
        v = np.where(np.abs(v) < gap, np.copysign(gap, v) + np.sign(v) * 0.01, v)
        v = np.where(v == 0, gap + 0.01, v)
    return np.asarray(v, dtype=np.float64)


def leaf(array, device="cpu", requires_grad=True):
    """A float64 leaf tensor on ``device`` holding a copy of ``array``."""
    return gg.tensor(np.array(array), device=device, requires_grad=requires_grad)


def host(t):
    """A tensor's values as a NumPy array."""
    return t.detach().cpu().numpy()


def assert_close(actual, expected, dtype, msg="", tol=TOL):
    """Compare a gpugrad result with a NumPy reference by the result dtype's tolerance."""
    a = host(actual) if isinstance(actual, gg.Tensor) else np.asarray(actual)
    e = np.asarray(expected)
    assert a.shape == e.shape, f"{msg}: shape {a.shape} != {e.shape}"
    if a.dtype.kind in "biu":
        np.testing.assert_array_equal(a, e, err_msg=msg)
        return
    rtol, atol = tol.get(str(dtype), tol["float32"])
    np.testing.assert_allclose(a.astype(np.float64), e.astype(np.float64), rtol=rtol,
                               atol=atol * max(1.0, float(np.max(np.abs(e), initial=0.0))),
                               equal_nan=True, err_msg=msg)


def torch_dtype_name(t):
    return str(t.dtype).split(".")[-1]


def nnf(m):
    """The functional namespace of ``m`` (gpugrad or torch): activations and losses."""
    return m.nn.functional


def _flat_outputs(out):
    """Tensors of an op's result (a tensor, or a tuple such as max's (values, indices))."""
    if isinstance(out, (tuple, list)):
        return list(out)
    return [out]


def _weights(shape):
    """Fixed, asymmetric weights for sum(out * w), so every output element counts apart."""
    return np.cos(np.arange(numel(shape), dtype=np.float64) * 1.3).reshape(shape)


def same_as_torch(torch, fn, arrays, device="cpu", grad=False):
    """Run ``fn(m, *tensors)`` with gpugrad and with torch on the same data.

    Either both raise (the same exception type) or both return: then dtypes, shapes and
    values agree, and with ``grad`` so do the gradients of ``sum(out * w)`` with respect to
    every float input (ties in max/median decide who gets the gradient: torch's rule).
    """
    def make(m, a):
        t = torch.from_numpy(a.copy()) if m is torch else gg.tensor(a, device=device)
        if grad and a.dtype.kind == "f":
            t.requires_grad_(True)
        return t

    with warnings.catch_warnings():
        # Both sides warn about degenerate input (var with one element, NumPy's empty
        # means); those warnings are not what this compares.
        warnings.simplefilter("ignore")
        return _same_as_torch(torch, fn, arrays, make, device, grad)


def _same_as_torch(torch, fn, arrays, make, device, grad):
    t_in = [make(torch, a) for a in arrays]
    g_in = [make(gg, a) for a in arrays]
    try:
        expected = fn(torch, *t_in)
    except Exception as e:
        try:
            fn(gg, *g_in)
        except Exception as ours:
            assert type(ours).__name__ == type(e).__name__, \
                f"raised {type(ours).__name__}: {ours}\ntorch raised {type(e).__name__}: {e}"
            return None
        raise AssertionError(f"torch raised {type(e).__name__}: {e}; gpugrad did not")
    out = fn(gg, *g_in)
    t_outs, g_outs = _flat_outputs(expected), _flat_outputs(out)
    assert len(t_outs) == len(g_outs)
    for i, (o, e) in enumerate(zip(g_outs, t_outs)):
        assert o.dtype.name == torch_dtype_name(e), f"output {i}: {o.dtype} vs {e.dtype}"
        assert tuple(o.shape) == tuple(e.shape), f"output {i}: {o.shape} vs {e.shape}"
        assert_close(o, e.detach().numpy(), o.dtype.name, f"output {i}", TORCH_TOL)
    if grad:
        _same_grads(torch, t_in, g_in, t_outs, g_outs, device)
    return out


def _same_grads(torch, t_in, g_in, t_outs, g_outs, device):
    pairs = [(t, g) for t, g in zip(t_outs, g_outs)
             if t.requires_grad and t.dtype.is_floating_point]
    assert all(g.requires_grad for _, g in pairs) and \
        len(pairs) == sum(g.requires_grad for g in g_outs), "requires_grad differs"
    diff = [i for i, t in enumerate(t_in) if t.requires_grad]
    if not pairs or not diff:
        return
    t_loss = sum((t * torch.from_numpy(_weights(t.shape)).to(t.dtype)).sum() for t, _ in pairs)
    g_loss = sum((g * gg.tensor(_weights(g.shape), dtype=g.dtype, device=device)).sum()
                 for _, g in pairs)
    t_grads = torch.autograd.grad(t_loss, [t_in[i] for i in diff], allow_unused=True)
    g_grads = gg.autograd.grad(g_loss, [g_in[i] for i in diff], allow_unused=True)
    for i, tg, gg_ in zip(diff, t_grads, g_grads):
        if tg is None:
            assert gg_ is None or not host(gg_).any(), f"grad {i}: torch has none"
            continue
        if gg_ is None and tg.numel() == 0:
            continue    # cat skips legacy empty 1-D inputs, so they get no (empty) gradient
        assert gg_ is not None, f"grad {i}: gpugrad has none"
        assert gg_.dtype.name == torch_dtype_name(tg), f"grad {i}: {gg_.dtype} vs {tg.dtype}"
        assert_close(gg_, tg.numpy(), gg_.dtype.name, f"grad {i}", TORCH_TOL)
