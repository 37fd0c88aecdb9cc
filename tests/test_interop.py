"""Zero-copy exchange: DLPack with NumPy and PyTorch on cpu here, with CuPy, PyTorch and JAX
on cuda where a GPU is; ``__cuda_array_interface__``; ``.numpy()`` refusing what it cannot
share, in PyTorch's words."""
import pathlib
import sys

import numpy as np
import pytest

import gpugrad as gg
from gpugrad.backend import cuda

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "backend"))
from _fake_cuda import fake_cuda_tensor  # noqa: E402

HAS_GPU = cuda.is_available()
NUMPY_ON_CUDA = ("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy "
                 "the tensor to host memory first.")
NUMPY_WITH_GRAD = ("Can't call numpy() on Tensor that requires grad. Use "
                   "tensor.detach().numpy() instead.")
EXPORT_WITH_GRAD = "Can't export tensors that require gradient, use tensor.detach()"
DTYPES = [np.float16, np.float32, np.float64, np.int8, np.int32, np.int64, np.uint8, np.bool_]


def _ptr(a):
    return a.__array_interface__["data"][0]


# --------------------------------------------------------------------------- NumPy

@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: np.dtype(d).name)
def test_numpy_to_gpugrad_shares_memory(dtype):
    a = np.arange(6).reshape(2, 3).astype(dtype)
    t = gg.from_dlpack(a)
    assert t.shape == (2, 3) and t.device == "cpu" and np.dtype(t.numpy().dtype) == dtype
    assert np.shares_memory(t.numpy(), a)
    a[0, 0] = 1
    assert t[0, 0].item() == 1


def test_gpugrad_to_numpy_shares_memory_both_ways():
    t = gg.tensor([[1.0, 2.0], [3.0, 4.0]])
    a = np.from_dlpack(t)
    assert _ptr(a) == _ptr(t.numpy())
    a[1, 1] = -4.0
    assert t[1, 1].item() == -4.0
    t.add_(1)           # and writes through gpugrad show in NumPy
    assert a[0, 0] == 2.0


def test_strided_views_keep_their_strides():
    base = np.arange(12.0).reshape(3, 4)
    t = gg.from_dlpack(base.T)
    assert t.shape == (4, 3) and np.shares_memory(t.numpy(), base)
    assert t.tolist() == base.T.tolist()
    back = np.from_dlpack(t.t())
    assert np.shares_memory(back, base) and back.tolist() == base.tolist()


def test_dlpack_device_and_copy():
    t = gg.ones(3)
    assert tuple(t.__dlpack_device__()) == (1, 0)
    a = np.zeros(3, np.float32)
    assert not np.shares_memory(gg.from_dlpack(a, copy=True).numpy(), a)
    assert np.shares_memory(gg.from_dlpack(a, device="cpu").numpy(), a)
    if np.lib.NumpyVersion(np.__version__) >= "2.1.0":
        # The consumer's copy=True reaches the array instead of being dropped.
        assert not np.shares_memory(np.from_dlpack(t, copy=True), t.numpy())


def test_from_dlpack_of_a_tensor_shares_it():
    t = gg.arange(3.0)
    u = gg.from_dlpack(t)
    u.add_(1)
    assert t.tolist() == [1.0, 2.0, 3.0]


def test_tensors_that_require_grad_are_not_exported():
    x = gg.ones(2, requires_grad=True)
    for export in (np.from_dlpack, gg.from_dlpack, lambda t: t.__dlpack__()):
        with pytest.raises(RuntimeError) as info:
            export(x)
        assert str(info.value) == EXPORT_WITH_GRAD
    assert np.from_dlpack(x.detach()).tolist() == [1.0, 1.0]


def test_numpy_refuses_grad_and_cuda_in_pytorchs_words():
    with pytest.raises(RuntimeError) as info:
        gg.ones(2, requires_grad=True).numpy()
    assert str(info.value) == NUMPY_WITH_GRAD
    with pytest.raises(TypeError) as info:
        fake_cuda_tensor([1.0]).numpy()
    assert str(info.value) == NUMPY_ON_CUDA
    with pytest.raises(TypeError) as info:
        np.asarray(fake_cuda_tensor([1.0]))
    assert str(info.value) == NUMPY_ON_CUDA


def test_from_dlpack_rejects_what_is_not_an_array():
    with pytest.raises(TypeError, match="__dlpack__ and __dlpack_device__, got list"):
        gg.from_dlpack([1.0, 2.0])

    class Elsewhere:
        def __dlpack_device__(self):
            return (14, 0)          # kDLOneAPI

        def __dlpack__(self, **kwargs):
            raise AssertionError("must not be asked")
    with pytest.raises(RuntimeError, match="unsupported DLPack device type 14"):
        gg.from_dlpack(Elsewhere())


@pytest.mark.skipif(HAS_GPU, reason="checks what happens without a GPU")
def test_cuda_data_without_a_gpu_gets_the_clear_error():
    class OnCuda:
        def __dlpack_device__(self):
            return (2, 0)

        def __dlpack__(self, **kwargs):
            raise AssertionError("must not be asked")
    with pytest.raises(RuntimeError, match="^CUDA is not available: "):
        gg.from_dlpack(OnCuda())


# ---------------------------------------------------------------------- __cuda_array_interface__

def test_cpu_tensors_have_no_cuda_array_interface():
    # AttributeError, so that hasattr() is False and libraries fall back to DLPack.
    t = gg.ones(2)
    assert not hasattr(t, "__cuda_array_interface__")
    with pytest.raises(AttributeError, match="non-CUDA tensor.*use tensor.cuda\\(\\)"):
        t.__cuda_array_interface__


def test_cuda_array_interface_passes_through_and_refuses_grad():
    t = fake_cuda_tensor([1.0, 2.0])
    assert t.__cuda_array_interface__["shape"] == (2,)
    t.requires_grad_(True)
    with pytest.raises(RuntimeError, match="on Variable that requires grad"):
        t.__cuda_array_interface__


# --------------------------------------------------------------------------- PyTorch, cpu

def test_pytorch_to_gpugrad_shares_memory():
    torch = pytest.importorskip("torch")
    src = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    t = gg.from_dlpack(src)
    assert t.dtype == gg.float32 and t.shape == (2, 3)
    src[0, 0] = 42.0
    assert t[0, 0].item() == 42.0
    t.mul_(2)
    assert src[0, 0].item() == 84.0


def test_gpugrad_to_pytorch_shares_memory():
    torch = pytest.importorskip("torch")
    t = gg.tensor([1.0, 2.0, 3.0], dtype=gg.float64)
    p = torch.from_dlpack(t)
    assert p.dtype == torch.float64 and p.data_ptr() == _ptr(t.numpy())
    p[2] = -1.0
    assert t[2].item() == -1.0
    assert torch.from_dlpack(t, copy=True).data_ptr() != _ptr(t.numpy())
    with pytest.raises(RuntimeError, match="require gradient"):
        torch.from_dlpack(gg.ones(1, requires_grad=True))


def test_pytorch_int_and_bool_round_trip():
    torch = pytest.importorskip("torch")
    for src in (torch.tensor([1, 2, 3]), torch.tensor([True, False])):
        t = gg.from_dlpack(src)
        assert t.tolist() == src.tolist()
        assert torch.equal(torch.from_dlpack(t), src)


# --------------------------------------------------------------------------- on a GPU

gpu = pytest.mark.skipif(not HAS_GPU, reason="needs CuPy and a CUDA device")


@pytest.mark.gpu
@gpu
def test_gpu_cupy_round_trip_shares_memory():
    import cupy
    a = cupy.arange(4, dtype=cupy.float32)
    t = gg.from_dlpack(a)
    assert t.is_cuda and t._data.data.ptr == a.data.ptr
    a[0] = 7
    assert t[0].item() == 7.0
    b = cupy.from_dlpack(t)
    assert b.data.ptr == a.data.ptr
    c = cupy.asarray(t)          # through __cuda_array_interface__
    assert c.data.ptr == a.data.ptr
    assert t.__cuda_array_interface__["data"][0] == a.data.ptr
    assert tuple(t.__dlpack_device__()) == (2, 0)


@pytest.mark.gpu
@gpu
def test_gpu_numpy_refuses_cuda_tensors():
    with pytest.raises(TypeError) as info:
        gg.ones(2, device="cuda").numpy()
    assert str(info.value) == NUMPY_ON_CUDA


@pytest.mark.gpu
@gpu
def test_gpu_pytorch_cuda_round_trip():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("this PyTorch build has no CUDA")
    src = torch.arange(3, dtype=torch.float32, device="cuda")
    t = gg.from_dlpack(src)
    assert t.is_cuda and t._data.data.ptr == src.data_ptr()
    back = torch.from_dlpack(t)
    assert back.device.type == "cuda" and back.data_ptr() == src.data_ptr()
    assert torch.as_tensor(t, device="cuda").data_ptr() == src.data_ptr()   # via the interface


@pytest.mark.gpu
@gpu
def test_gpu_jax_round_trip():
    jax = pytest.importorskip("jax")
    if not any(d.platform == "gpu" for d in jax.devices()):
        pytest.skip("JAX sees no GPU")
    import jax.numpy as jnp
    x = jnp.arange(3.0, dtype=jnp.float32)
    t = gg.from_dlpack(x)
    assert t.is_cuda and t.cpu().tolist() == [0.0, 1.0, 2.0]
    y = jnp.from_dlpack(t)
    assert y.tolist() == [0.0, 1.0, 2.0]
