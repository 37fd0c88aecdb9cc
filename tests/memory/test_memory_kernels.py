"""Scratch inside the NumPy references of the kernels: erf and GELU (on cpu) work a piece at a
time, so an op's temporaries stay near the size of its output."""
import tracemalloc

import numpy as np

import gpugrad as gg
import gpugrad.nn.functional as F
from gpugrad.backend.kernel_refs import REFERENCES, erf

N = 2 ** 21                  # 8 MiB of float32


def _peak(fn):
    """(result, bytes allocated at fn's worst moment beyond what was there before)."""
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        out = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return out, peak - base


def test_erf_scratch_is_a_fraction_of_its_output():
    x = np.random.default_rng(0).standard_normal(N).astype(np.float32)
    y, peak = _peak(lambda: erf(x))
    # The output plus one piece's masks, indices and gathered copies (~2 MiB), where the
    # whole-tensor version took eight times the output.
    assert peak <= y.nbytes + y.nbytes // 2
    z = x.copy()
    assert erf(z, out=z) is z
    np.testing.assert_array_equal(z, y)


def test_gelu_forward_and_backward_scratch_is_one_piece():
    gg.manual_seed(0)
    x = gg.randn(N, requires_grad=True)
    y, peak = _peak(lambda: F.gelu(x))
    assert peak <= y.nbytes + y.nbytes // 2             # the output and one piece's scratch
    loss = y.sum()
    # The incoming gradient is a broadcast view of one number: it is not copied whole.
    _, peak = _peak(lambda: loss.backward())
    assert peak <= y.nbytes + y.nbytes // 2             # the gradient and one piece's scratch
    assert np.array_equal(x.grad.numpy(), REFERENCES["gelu_bwd"](
        np.ones(N, np.float32), x.detach().numpy()))
