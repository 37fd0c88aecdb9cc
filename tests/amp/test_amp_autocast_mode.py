"""autocast as a context manager and decorator: nesting, threads, state queries, the weight
cache, custom_fwd/custom_bwd, deprecated spellings, warnings and errors against PyTorch, and
the autocast-off path left bit for bit as it was."""
import threading
import warnings

import numpy as np
import pytest

import gpugrad as gg
from gpugrad.autograd import function as _function

rng = np.random.default_rng(1)
A = rng.standard_normal((3, 4)).astype(np.float32)
B = rng.standard_normal((4, 5)).astype(np.float32)


def _mm():
    return gg.mm(gg.tensor(A), gg.tensor(B))


def _torch_text(message):
    return str(message).replace("torch.", "gpugrad.")


def test_nesting_and_disabled_region_inside():
    with gg.autocast("cpu", dtype=gg.float16):
        assert _mm().dtype is gg.float16
        with gg.autocast("cpu", enabled=False):
            assert not gg.is_autocast_enabled("cpu")
            assert _mm().dtype is gg.float32
            with gg.autocast("cpu", dtype=gg.float16):
                assert _mm().dtype is gg.float16
        assert gg.is_autocast_enabled("cpu")
        assert _mm().dtype is gg.float16
    assert not gg.is_autocast_enabled("cpu")
    assert gg.get_autocast_dtype("cpu") is gg.bfloat16
    assert _function._autocast_hook is None


def test_state_restored_after_exception():
    with pytest.raises(ValueError):
        with gg.autocast("cpu", dtype=gg.float16):
            raise ValueError
    assert not gg.is_autocast_enabled("cpu")
    assert _function._autocast_hook is None


def test_state_queries_match_torch(torch):
    assert gg.get_autocast_dtype("cuda") is gg.float16
    assert str(gg.get_autocast_dtype("cpu")) == str(torch.get_autocast_dtype("cpu")).replace(
        "torch", "gpugrad")
    assert gg.is_autocast_enabled() is torch.is_autocast_enabled() is False
    assert gg.is_autocast_enabled("cpu") is torch.is_autocast_enabled("cpu")
    assert gg.is_autocast_cache_enabled() is torch.is_autocast_cache_enabled()
    assert gg.amp.is_autocast_available("cuda") and gg.amp.is_autocast_available("cpu")
    with gg.autocast("cpu", dtype=gg.float16), torch.autocast("cpu", dtype=torch.float16):
        assert gg.is_autocast_enabled("cpu") and torch.is_autocast_enabled("cpu")
        assert gg.get_autocast_dtype("cpu") is gg.float16


def test_thread_local():
    seen = {}

    def other():
        seen["enabled"] = gg.is_autocast_enabled("cpu")
        seen["dtype"] = _mm().dtype

    with gg.autocast("cpu", dtype=gg.float16):
        t = threading.Thread(target=other)
        t.start()
        t.join()
        assert _mm().dtype is gg.float16
    assert seen == {"enabled": False, "dtype": gg.float32}


def test_enabled_in_another_thread_only():
    seen = {}
    barrier = threading.Barrier(2)

    def other():
        with gg.autocast("cpu", dtype=gg.float16):
            seen["inside"] = _mm().dtype
            barrier.wait()
            barrier.wait()

    t = threading.Thread(target=other)
    t.start()
    barrier.wait()
    assert _mm().dtype is gg.float32        # the hook is installed, this thread is off
    barrier.wait()
    t.join()
    assert seen["inside"] is gg.float16
    assert _function._autocast_hook is None


def test_decorator():
    @gg.autocast("cpu", dtype=gg.float16)
    def f(a, b):
        """doc"""
        return gg.mm(a, b)

    assert f(gg.tensor(A), gg.tensor(B)).dtype is gg.float16
    assert f.__doc__ == "doc" and f.__name__ == "f"
    assert not gg.is_autocast_enabled("cpu")


def test_decorator_requires_callable_as_torch(torch):
    with pytest.raises(TypeError) as t_err:
        torch.autocast("cpu")(3)
    with pytest.raises(TypeError) as g_err:
        gg.autocast("cpu", dtype=gg.float16)(3)
    assert str(g_err.value) == _torch_text(t_err.value)


def test_same_object_names():
    assert gg.autocast is gg.amp.autocast
    assert gg.amp.autocast_mode.autocast is gg.autocast


def test_device_type_errors_as_torch(torch):
    with pytest.raises(ValueError) as t_err:
        torch.autocast(3)
    with pytest.raises(ValueError) as g_err:
        gg.autocast(3)
    assert str(g_err.value) == str(t_err.value)
    with pytest.raises(RuntimeError) as t_err:
        torch.autocast("nodevice")
    with pytest.raises(RuntimeError) as g_err:
        gg.autocast("nodevice")
    # PyTorch's parse error, listing the device types each library knows.
    for err in (g_err, t_err):
        assert str(err.value).startswith("Expected one of cpu, cuda")
        assert str(err.value).endswith(" device type at start of device string: nodevice")


def _warning_texts(fn):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        obj = fn()
    return obj, [(w.category, str(w.message)) for w in rec]


def test_cpu_default_dtype_warns_and_disables_as_torch_does_for_unsupported(torch):
    """PyTorch's default cpu dtype is bfloat16, which gpugrad cannot hold: the region warns
    with PyTorch's text for an unsupported dtype and stays off."""
    ac, texts = _warning_texts(lambda: gg.autocast("cpu"))
    t_ac, t_texts = _warning_texts(lambda: torch.autocast("cpu", dtype=torch.float64))
    assert len(texts) == 1 and texts[0][0] is UserWarning
    assert texts[0][1] == t_texts[0][1].replace("torch.bfloat16, torch.float16",
                                                "gpugrad.float16")
    with ac:
        assert not gg.is_autocast_enabled("cpu")
        assert _mm().dtype is gg.float32
    _, texts = _warning_texts(lambda: gg.autocast("cpu", dtype=gg.float64))
    assert "target dtype is not supported" in texts[0][1]
    _, texts = _warning_texts(lambda: gg.autocast("cpu", enabled=False))
    assert texts == []


def test_cuda_without_gpu_warns_and_disables(torch, monkeypatch):
    monkeypatch.setattr(gg.cuda, "is_available", lambda: False)
    ac, texts = _warning_texts(lambda: gg.autocast("cuda"))
    assert texts == [(UserWarning, "CUDA is not available. Disabling autocast.")]
    if not torch.cuda.is_available():
        _, t_texts = _warning_texts(lambda: torch.autocast("cuda"))
        assert t_texts[0][1].startswith("CUDA is not available")
    with ac:
        assert not gg.is_autocast_enabled("cuda")


def test_cuda_bfloat16_raises_as_torch(monkeypatch):
    monkeypatch.setattr(gg.cuda, "is_available", lambda: True)
    with pytest.raises(RuntimeError, match="Current CUDA Device does not support bfloat16. "
                                           "Please switch dtype to float16."):
        gg.autocast("cuda", dtype=gg.bfloat16)


def test_deprecated_forms_warn_as_torch(torch):
    _, texts = _warning_texts(lambda: gg.cpu.amp.autocast(dtype=gg.float16))
    _, t_texts = _warning_texts(lambda: torch.cpu.amp.autocast(dtype=torch.float16))
    assert texts[0] == (FutureWarning, _torch_text(t_texts[0][1]))
    ac, texts = _warning_texts(lambda: gg.cuda.amp.autocast(enabled=False))
    _, t_texts = _warning_texts(lambda: torch.cuda.amp.autocast(enabled=False))
    assert texts[0] == (FutureWarning, _torch_text(t_texts[0][1]))
    assert isinstance(ac, gg.amp.autocast) and ac.device == "cuda"
    _, texts = _warning_texts(lambda: gg.cuda.amp.GradScaler(enabled=False))
    _, t_texts = _warning_texts(lambda: torch.cuda.amp.GradScaler(enabled=False))
    assert texts[0] == (FutureWarning, _torch_text(t_texts[0][1]))
    _, texts = _warning_texts(lambda: gg.cpu.amp.GradScaler())
    _, t_texts = _warning_texts(lambda: torch.cpu.amp.GradScaler())
    assert texts[0] == (FutureWarning, _torch_text(t_texts[0][1]))
    _, texts = _warning_texts(lambda: gg.cuda.amp.custom_fwd(lambda ctx, x: x))
    _, t_texts = _warning_texts(lambda: torch.cuda.amp.custom_fwd(lambda ctx, x: x))
    assert texts[0] == (FutureWarning, _torch_text(t_texts[0][1]))
    _, texts = _warning_texts(lambda: gg.cuda.amp.custom_bwd(lambda ctx, x: x))
    _, t_texts = _warning_texts(lambda: torch.cuda.amp.custom_bwd(lambda ctx, x: x))
    assert texts[0] == (FutureWarning, _torch_text(t_texts[0][1]))


def test_weight_cache_reuses_one_cast_per_region():
    w = gg.tensor(B, requires_grad=True)
    x = gg.tensor(A)
    with gg.autocast("cpu", dtype=gg.float16):
        y1 = gg.mm(x, w)
        y2 = gg.mm(x, w)
        assert y1.grad_fn.next_functions[1][0] is y2.grad_fn.next_functions[1][0]
    with gg.autocast("cpu", dtype=gg.float16, cache_enabled=False):
        z1, z2 = gg.mm(x, w), gg.mm(x, w)
        assert z1.grad_fn.next_functions[1][0] is not z2.grad_fn.next_functions[1][0]
    from gpugrad.amp import autocast_mode as am
    assert am._cache == {}
    (y1.sum() + y2.sum()).float().backward()
    expected = 2 * (_h16(A).T.astype(np.float32) @ np.ones((3, 5), np.float32))
    np.testing.assert_allclose(w.grad.numpy(), expected, rtol=1e-2)


def _h16(a):
    return a.astype(np.float16)


def test_custom_fwd_bwd_as_torch(torch):
    def make(lib):
        class MyMM(lib.autograd.Function):
            @staticmethod
            @lib.amp.custom_fwd(device_type="cpu", cast_inputs=lib.float32)
            def forward(ctx, a, b):
                ctx.save_for_backward(a, b)
                ctx.inner = lib.is_autocast_enabled("cpu")
                return a.mm(b)

            @staticmethod
            @lib.amp.custom_bwd(device_type="cpu")
            def backward(ctx, g):
                a, b = ctx.saved_tensors
                return g.mm(b.t()), a.t().mm(g)
        return MyMM

    results = []
    for lib in (gg, torch):
        a = lib.tensor(A.astype(np.float16), requires_grad=True)
        b = lib.tensor(B, requires_grad=True)
        with lib.autocast("cpu", dtype=lib.float16):
            y = make(lib).apply(a, b)
        y.sum().backward()
        results.append((str(y.dtype)[-7:], str(a.grad.dtype)[-7:], y.grad_fn.inner,
                        y.detach().numpy()))
    assert results[0][:3] == results[1][:3] == ("float32", "float16", False)
    np.testing.assert_allclose(results[0][3], results[1][3], rtol=1e-6)
    with pytest.raises(ValueError, match="Expected `device_type` of type `str`"):
        gg.amp.custom_fwd(device_type=None)


def test_custom_fwd_without_cast_keeps_autocast():
    class F(gg.autograd.Function):
        @staticmethod
        @gg.amp.custom_fwd(device_type="cpu")
        def forward(ctx, a, b):
            return a.mm(b)

        @staticmethod
        @gg.amp.custom_bwd(device_type="cpu")
        def backward(ctx, g):
            assert gg.is_autocast_enabled("cpu")
            return g, g

    with gg.autocast("cpu", dtype=gg.float16):
        y = F.apply(gg.tensor(A, requires_grad=True), gg.tensor(B))
    assert y.dtype is gg.float16


def test_autocast_off_output_is_bit_identical():
    """A disabled region and no region give the same bits, grads and graph as before."""
    lin = gg.nn.Linear(4, 5)
    x = gg.tensor(A, requires_grad=True)

    def run():
        x.grad = None
        lin.zero_grad()
        y = gg.softmax(lin(x).exp().log(), 1).sum()
        y.backward()
        return y.detach().numpy().copy(), x.grad.numpy().copy(), lin.weight.grad.numpy().copy()

    plain = run()
    with gg.autocast("cpu", enabled=False):
        off = run()
    with gg.autocast("cpu", dtype=gg.float16):
        with gg.autocast("cpu", enabled=False):
            nested_off = run()
    for p, o, n in zip(plain, off, nested_off):
        assert p.dtype == o.dtype == n.dtype == np.float32
        assert p.tobytes() == o.tobytes() == n.tobytes()
