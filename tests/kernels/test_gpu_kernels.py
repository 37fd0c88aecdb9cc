"""On a GPU: every kernel, launched through CuPy, computes what its NumPy reference does.

Skipped where CuPy sees no CUDA device. float32 subnormal inputs are replaced by zero
first: CuPy compiles with -ftz=true, so the GPU flushes them (by design, as PyTorch's
CUDA kernels do) and a comparison like ``y <= 0`` then differs from the CPU's.
"""
import pathlib
import sys

import numpy as np
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))   # helpers beside the tests
from _kernel_cases import cases, copy_args, floats  # noqa: E402

from gpugrad.backend import cuda, kernels  # noqa: E402
from gpugrad.backend.kernels import REFERENCES, SPECS, launch  # noqa: E402

pytestmark = [pytest.mark.gpu,
              pytest.mark.skipif(not cuda.is_available(), reason="needs CuPy and a CUDA device")]

# CUDA's tanhf, erff, expf are within 2 ulp, its double functions within 1-2 ulp; the atol
# covers outputs that cancel (1 + tanh(z) for z << 0 in the tanh GELU).
TOL = {"float16": dict(rtol=4e-3, atol=2e-3), "float32": dict(rtol=1e-5, atol=4e-6),
       "float64": dict(rtol=1e-12, atol=1e-14)}


def _no_subnormals(args):
    out = []
    for a in args:
        if isinstance(a, np.ndarray) and a.dtype == np.float32:
            a = np.where(np.abs(a) < np.finfo(np.float32).tiny, np.float32(0), a)
        out.append(a)
    return out


def _to_gpu(args):
    import cupy
    return [cupy.asarray(a) if isinstance(a, np.ndarray) else a for a in args]


def _as_tuple(r):
    return r if isinstance(r, tuple) else (r,)


def _check(got, want, dtype, label):
    import cupy
    for g, w in zip(_as_tuple(got), _as_tuple(want)):
        assert isinstance(g, cupy.ndarray), label
        g = cupy.asnumpy(g)
        assert g.dtype == w.dtype and g.shape == w.shape, label
        if g.dtype == np.bool_:
            np.testing.assert_array_equal(g, w, err_msg=label)
        else:
            np.testing.assert_allclose(g, w, equal_nan=True, err_msg=label, **TOL[dtype])


CASES = [(n, dt) for n, s in SPECS.items() for dt in s.dtypes]


@pytest.mark.parametrize("name,dtype", CASES, ids=[f"{n}-{d}" for n, d in CASES])
def test_gpu_kernel_matches_reference(name, dtype):
    spec = SPECS[name]
    for label, args in cases(name, dtype):
        args = _no_subnormals(args)
        want = REFERENCES[name](*copy_args(args))
        gpu_args = _to_gpu(args)
        got = launch(name, *gpu_args)
        _check(got, want, dtype, label)
        if len(args) == len(spec.inputs) + len(spec.outputs):
            # in-place kernels update the arrays they were given
            n_in = len(spec.inputs)
            for g, w in zip(gpu_args[n_in:], _as_tuple(want)):
                _check(g, w, dtype, label + " (in place)")


def test_strided_inputs_and_given_outputs():
    import cupy
    x = cupy.asarray(floats(np.random.default_rng(0), np.float32, shape=(8, 6)))
    xt = x.T                                   # a strided view
    gy = cupy.ones_like(xt)
    out = cupy.empty_like(xt)
    assert launch("gelu_bwd", gy, xt, out) is out
    want = REFERENCES["gelu_bwd"](cupy.asnumpy(gy), cupy.asnumpy(xt))
    _check(out, want, "float32", "strided")


def test_kernels_are_built_once_per_device():
    import cupy
    x = cupy.linspace(-1, 1, 5)
    launch("tanh_fwd", x)
    first = kernels._CUDA_KERNELS[(x.device.id, "tanh_fwd")]
    launch("tanh_fwd", x)
    assert kernels._CUDA_KERNELS[(x.device.id, "tanh_fwd")] is first


@pytest.mark.skipif(cuda.device_count() < 2, reason="needs two CUDA devices")
def test_runs_on_the_arrays_device():
    import cupy
    with cupy.cuda.Device(1):
        x = cupy.linspace(-1, 1, 5)
    with cupy.cuda.Device(0):
        y = launch("tanh_fwd", x)
    assert y.device.id == 1
    np.testing.assert_allclose(cupy.asnumpy(y), np.tanh(np.linspace(-1, 1, 5)), rtol=1e-12)
