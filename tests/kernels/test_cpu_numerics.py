"""Every kernel body, compiled for the host with g++, computes what its NumPy reference does.

The bodies are wrapped the way cupy.ElementwiseKernel binds names (const T &x for inputs,
T &y for outputs, scalars by value), so this checks the arithmetic of the CUDA source
without a GPU: a wrong sign, a missing cast or a branch that differs from the reference
shows up here. Every claimed dtype is covered, float16 through CuPy's float16 semantics.
"""
import dataclasses
import pathlib
import shutil
import sys

import numpy as np
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))   # helpers beside the tests
import _kernel_build as kb  # noqa: E402
from _kernel_cases import cases, copy_args  # noqa: E402

from gpugrad.backend.kernels import REFERENCES, SPECS  # noqa: E402

pytestmark = pytest.mark.skipif(shutil.which("g++") is None and "CXX" not in kb.os.environ,
                                reason="no host C++ compiler (g++)")

# float16: CuPy rounds once per assignment, NumPy after every operation.
TOL = {"float16": dict(rtol=4e-3, atol=2e-3), "float32": dict(rtol=2e-6, atol=1e-6),
       "float64": dict(rtol=1e-13, atol=1e-14)}


@pytest.fixture(scope="module")
def host():
    return kb.host_kernels()


def _outputs(result):
    return result if isinstance(result, tuple) else (result,)


CASES = [(name, dt) for name, spec in SPECS.items() for dt in spec.dtypes]


@pytest.mark.parametrize("name,dtype", CASES, ids=[f"{n}-{d}" for n, d in CASES])
def test_host_build_matches_reference(host, name, dtype):
    spec = SPECS[name]
    for label, args in cases(name, dtype):
        got = _outputs(host[name, dtype](*copy_args(args)))
        want = _outputs(REFERENCES[name](*copy_args(args)))
        assert len(got) == len(want) == len(spec.outputs)
        for p, g, w in zip(spec.outputs, got, want):
            assert g.dtype == w.dtype == kb.param_dtype(p, dtype), (label, p.name)
            assert g.shape == w.shape, (label, p.name)
            if g.dtype == np.bool_:
                np.testing.assert_array_equal(g, w, err_msg=f"{label}: {p.name}")
            else:
                np.testing.assert_allclose(g, w, equal_nan=True, err_msg=f"{label}: {p.name}",
                                           **TOL[dtype])
                # Same NaN and infinity pattern, and same sign of infinities.
                np.testing.assert_array_equal(np.isnan(g), np.isnan(w))
                np.testing.assert_array_equal(np.isposinf(g), np.isposinf(w))


def test_outputs_passed_in_are_written(host):
    x = np.linspace(-2, 2, 9)
    gy = np.ones_like(x)
    out = np.full_like(x, 7.0)
    assert host["tanh_bwd", "float64"](gy, np.tanh(x), out) is out
    np.testing.assert_allclose(out, REFERENCES["tanh_bwd"](gy, np.tanh(x)), rtol=1e-15)


def test_broadcast_arguments(host):
    gy = np.arange(3.0).reshape(3, 1)
    y = np.linspace(-1, 1, 4).reshape(1, 4)
    got = host["relu_bwd", "float64"](gy, y)
    np.testing.assert_array_equal(got, REFERENCES["relu_bwd"](gy, y))
    assert got.shape == (3, 4)


def test_host_compile_errors_are_readable():
    bad = dataclasses.replace(SPECS["tanh_fwd"], body="y = tanhh(x)")
    with pytest.raises(RuntimeError, match="tanhh"):
        kb.host_compile(kb.PRELUDE + kb.host_function(bad, "float32"))
