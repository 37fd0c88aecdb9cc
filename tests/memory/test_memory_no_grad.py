"""With grad mode off nothing is kept: a forward peaks at weights + input + two activations."""
import gc
import tracemalloc

import pytest

import gpugrad as gg

from _helpers import mlp_forward, mlp_params

LAYERS, WIDTH, BATCH = 12, 512, 256
SLACK = 8 * 1024          # "a few KiB": the loss of the 1 KiB threshold and Python objects
# NumPy's ufunc iterator buffers a broadcast operand (Linear's bias add) in 8192 elements:
# a fixed 32 KiB inside the op, whatever the sizes.
UFUNC_BUFFER = 32 * 1024


def _bound(params, x):
    weights = sum(w.nbytes + b.nbytes for w, b in params)
    act = BATCH * WIDTH * 4
    return weights + x.nbytes + 2 * act


@pytest.mark.parametrize("mode", ["no_grad", "inference_mode"])
def test_forward_peak_cpu(mode):
    gc.collect()
    base = gg.memory_allocated("cpu")
    params = mlp_params(LAYERS, WIDTH)
    x = gg.randn(BATCH, WIDTH)
    bound = _bound(params, x)
    assert gg.memory_allocated("cpu") - base == bound - 2 * BATCH * WIDTH * 4
    ctx = gg.no_grad() if mode == "no_grad" else gg.inference_mode()
    tracemalloc.start()
    try:
        gg.reset_peak_memory_stats("cpu")
        traced0, _ = tracemalloc.get_traced_memory()
        with ctx:
            out = mlp_forward(params, x)
        _, traced_peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert gg.max_memory_allocated("cpu") - base <= bound + SLACK
    # The true peak, NumPy temporaries inside each op included (tracemalloc started after the
    # model existed, so its figure is everything the forward added on top of it).
    assert traced_peak - traced0 <= 2 * BATCH * WIDTH * 4 + UFUNC_BUFFER + SLACK
    assert out.grad_fn is None and gg.memory_stats("cpu")["saved_for_backward_bytes.current"] \
        == 0


def test_grad_on_keeps_every_activation_for_contrast():
    params = mlp_params(LAYERS, WIDTH)
    x = gg.randn(BATCH, WIDTH)
    base = gg.memory_allocated("cpu")
    out = mlp_forward(params, x)
    act = BATCH * WIDTH * 4
    assert gg.memory_allocated("cpu") - base == LAYERS * act   # each ReLU output stays
    del out


@pytest.mark.gpu
@pytest.mark.parametrize("mode", ["no_grad", "inference_mode"])
def test_forward_peak_cuda(mode):
    if not gg.cuda.is_available():
        pytest.skip("needs CuPy and a CUDA device")
    params = mlp_params(LAYERS, WIDTH, device="cuda")
    x = gg.randn(BATCH, WIDTH, device="cuda")
    gg.cuda.synchronize()
    base = gg.memory_allocated("cuda")
    ctx = gg.no_grad() if mode == "no_grad" else gg.inference_mode()
    gg.reset_peak_memory_stats("cuda")
    with ctx:
        out = mlp_forward(params, x)
    gg.cuda.synchronize()
    # The pool counts every allocation, temporaries included (512-byte units).
    assert gg.max_memory_allocated("cuda") - base <= 2 * BATCH * WIDTH * 4 + SLACK
    del out
