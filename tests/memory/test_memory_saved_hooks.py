"""saved_tensors_hooks and save_on_cpu, with PyTorch's semantics."""
import gc
import threading

import numpy as np
import pytest

import gpugrad as gg

graph = gg.autograd.graph


def test_every_saved_tensor_is_packed_and_unpacked():
    packed, unpacked = [], []

    def pack(t):
        packed.append(t)
        return ("box", t.detach().numpy().copy())

    def unpack(box):
        unpacked.append(box)
        return gg.tensor(box[1])

    x = gg.randn(5, requires_grad=True)
    w = gg.randn(5, requires_grad=True)
    with graph.saved_tensors_hooks(pack, unpack):
        y = (x * w).tanh().sum()           # mul saves x and w, tanh its output
    assert len(packed) == 3
    y.backward()
    assert len(unpacked) == 3
    ref_x, ref_w = x.grad.numpy().copy(), w.grad.numpy().copy()
    x.grad = w.grad = None
    (x * w).tanh().sum().backward()
    np.testing.assert_allclose(ref_x, x.grad.numpy(), rtol=1e-6)
    np.testing.assert_allclose(ref_w, w.grad.numpy(), rtol=1e-6)


def test_hooks_nest_innermost_wins_and_are_popped():
    seen = []
    x = gg.randn(3, requires_grad=True)
    with graph.saved_tensors_hooks(lambda t: seen.append("outer") or t, lambda t: t):
        with graph.saved_tensors_hooks(lambda t: seen.append("inner") or t, lambda t: t):
            x.exp()
        x.exp()
    x.exp()
    assert seen == ["inner", "outer"]


def test_hooks_are_per_thread():
    seen = []
    x = gg.randn(3, requires_grad=True)

    def other():
        x.exp()
    with graph.saved_tensors_hooks(lambda t: seen.append(1) or t, lambda t: t):
        th = threading.Thread(target=other)
        th.start()
        th.join()
    assert seen == []


def test_not_called_when_nothing_is_recorded():
    seen = []
    x = gg.randn(3, requires_grad=True)
    with graph.saved_tensors_hooks(lambda t: seen.append(1) or t, lambda t: t):
        with gg.no_grad():
            x.exp()
        gg.randn(3).exp()
    assert seen == []


def test_in_place_change_is_still_caught():
    x = gg.randn(3, requires_grad=True)
    with graph.saved_tensors_hooks(lambda t: t, lambda t: t):
        y = x * 2.0
        z = y.sin()                        # saves its input, y
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_packed_objects_are_what_is_held():
    x = gg.randn(256, 256, requires_grad=True)
    s0 = gg.memory_stats("cpu")["saved_for_backward_bytes.current"]
    with graph.saved_tensors_hooks(lambda t: None, lambda t: t):
        y = x.exp()
    assert gg.memory_stats("cpu")["saved_for_backward_bytes.current"] == s0
    with graph.saved_tensors_hooks(lambda t: (t,), lambda t: t[0]):
        z = x.sin()
    assert gg.memory_stats("cpu")["saved_for_backward_bytes.current"] - s0 == x.nbytes
    del y, z


def test_save_on_cpu_passes_cpu_tensors_through_without_copy_or_cycle():
    x = gg.randn(128, 128, requires_grad=True)
    gc.collect()
    gc.disable()
    try:
        base = gg.memory_allocated("cpu")
        with graph.save_on_cpu(pin_memory=True):
            y = x.exp()                    # saves its output
            p = y * x                      # saves y and x
            z = p.sum()
        assert gg.memory_allocated("cpu") - base == 2 * x.nbytes   # y and p, no copies
        z.backward()
        np.testing.assert_allclose(x.grad.numpy(),
                                   (np.exp(x.detach().numpy()) * (x.detach().numpy() + 1)),
                                   rtol=1e-5, atol=1e-6)
        del y, p, z
        assert gg.memory_allocated("cpu") - base == x.nbytes       # x.grad only
    finally:
        gc.enable()


@pytest.mark.gpu
@pytest.mark.parametrize("pin", [False, True])
def test_save_on_cpu_moves_cuda_activations_to_the_host(pin):
    if not gg.cuda.is_available():
        pytest.skip("needs CuPy and a CUDA device")
    x = gg.randn(512, 512, device="cuda", requires_grad=True)
    gg.cuda.synchronize()
    dev0, host0 = gg.memory_allocated("cuda"), gg.memory_allocated("cpu")
    with graph.save_on_cpu(pin_memory=pin):
        y = x.exp().sin().sum()
    assert gg.memory_stats("cpu")["saved_for_backward_bytes.current"] >= 2 * x.nbytes
    assert gg.memory_allocated("cpu") - host0 >= 2 * x.nbytes
    y.backward()
    ref = (x.detach().exp().cos() * x.detach().exp()).cpu().numpy()
    np.testing.assert_allclose(x.grad.cpu().numpy(), ref, rtol=1e-4, atol=1e-5)
    assert gg.memory_allocated("cuda") >= dev0
