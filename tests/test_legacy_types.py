"""Legacy tensor types (gg.FloatTensor, gg.LongTensor, ...): constructors, isinstance and
Tensor.type(), as PyTorch's."""
import numpy as np
import pytest

import gpugrad as gg
from tests.torch_compare import same

NAMES = {"FloatTensor": "float32", "DoubleTensor": "float64", "HalfTensor": "float16",
         "LongTensor": "int64", "IntTensor": "int32", "ShortTensor": "int16",
         "CharTensor": "int8", "ByteTensor": "uint8", "BoolTensor": "bool"}


@pytest.mark.parametrize("name", NAMES)
def test_constructors_as_torch(torch, name):
    def fn(lib):
        cls = getattr(lib, name)
        return (cls([1, 0, 2]), cls([[1.7, 0.0], [2.2, 3.0]]), cls((1, 2)), cls([]),
                cls(2, 3).shape, cls(lib.Size([4])).shape, cls().shape, cls.dtype)
    same(fn, torch)


@pytest.mark.parametrize("args", [(-1,), (2, "a"), (2.5,), ("abc",)])
def test_constructor_errors_as_torch(torch, args):
    same(lambda lib: lib.FloatTensor(*args), torch)


def test_constructor_from_tensor_as_torch(torch):
    same(lambda lib: lib.FloatTensor(lib.tensor([1., 2.])), torch)
    same(lambda lib: lib.FloatTensor(lib.tensor([1, 2])), torch)
    same(lambda lib: lib.LongTensor(lib.tensor([1., 2.], dtype=lib.float64)), torch)
    same(lambda lib: lib.FloatTensor([1.], device="cuda"), torch)
    same(lambda lib: lib.FloatTensor([1.], device="cpu"), torch)


def test_constructor_keeps_data():
    src = gg.tensor([1., 2.])
    t = gg.FloatTensor(src)
    assert t.dtype is gg.float32 and t.tolist() == [1., 2.]
    a = np.array([1, 2])
    assert gg.DoubleTensor(a).dtype is gg.float64
    assert gg.LongTensor([1.7, -2.2]).tolist() == [1, -2]     # truncated, as torch
    assert gg.BoolTensor([2, 0]).tolist() == [True, False]
    assert gg.FloatTensor(2, 3).shape == (2, 3)
    assert not gg.FloatTensor([1.]).requires_grad


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("dtype", sorted(set(NAMES.values())))
def test_isinstance_as_torch(torch, name, dtype):
    def fn(lib):
        t = lib.zeros(2, dtype=getattr(lib, dtype))
        cls = getattr(lib, name)
        return isinstance(t, cls), isinstance(t, lib.Tensor), isinstance(1, cls)
    same(fn, torch)


def test_types_are_not_tensor_subclasses(torch):
    same(lambda lib: (issubclass(lib.FloatTensor, lib.Tensor), lib.FloatTensor.is_cuda,
                      lib.FloatTensor.__name__, repr(lib.FloatTensor)), torch)
    assert isinstance(gg.nn.Parameter(gg.zeros(2)), gg.FloatTensor)


def test_cuda_tensors_are_not_cpu_types(device):
    t = gg.zeros(2, device=device)
    assert isinstance(t, gg.FloatTensor) == (device == "cpu")
    assert t.type() == ("gpugrad.FloatTensor" if device == "cpu" else
                        "gpugrad.cuda.FloatTensor")


@pytest.mark.parametrize("target", ["DoubleTensor", "IntTensor", "BoolTensor", "FloatTensor"])
def test_type_casts_as_torch(torch, target):
    def fn(lib):
        t = lib.tensor([0.5, 1.5, 0.0])
        by_class = t.type(getattr(lib, target))
        by_name = t.type(f"{lib.__name__}.{target}")
        by_keyword = t.type(dtype=getattr(lib, target))
        return (by_class, by_name, by_keyword, by_class.type(), by_class is t, by_name is t)
    same(fn, torch)


@pytest.mark.parametrize("spec", ["foo", "gpugrad.Foo", "gpugrad.FloatTensorX", 1])
def test_type_errors_as_torch(torch, spec):
    def fn(lib):
        s = spec.replace("gpugrad", lib.__name__) if isinstance(spec, str) else spec
        return lib.zeros(2).type(s)
    same(fn, torch)


def test_type_with_dtype_and_grad():
    x = gg.tensor([1., 2.], requires_grad=True)
    y = x.type(gg.DoubleTensor)
    assert y.dtype is gg.float64 and y.requires_grad
    y.sum().backward()
    assert x.grad.dtype is gg.float32 and x.grad.tolist() == [1., 1.]
    assert x.type(gg.float64).dtype is gg.float64
    assert x.type() == "gpugrad.FloatTensor"


def test_cuda_type_name_moves_to_cuda(device):
    t = gg.tensor([1., 2.], device=device)
    if device == "cpu" and not gg.cuda.is_available():
        return
    moved = t.type("gpugrad.cuda.DoubleTensor")
    assert moved.is_cuda and moved.dtype is gg.float64
    back = moved.type(gg.LongTensor)
    assert not back.is_cuda and back.dtype is gg.int64


def test_module_type_as_torch(torch):
    def fn(lib):
        lib.manual_seed(0)
        m = lib.nn.Linear(2, 3).type(lib.DoubleTensor)
        return m.weight.dtype, m.bias.dtype, isinstance(m.weight, lib.DoubleTensor)
    same(fn, torch)


def test_cuda_types(device):
    t = gg.zeros(2, device=device)
    assert isinstance(t, gg.cuda.FloatTensor) == (device == "cuda")
    assert not isinstance(t, gg.cuda.DoubleTensor)
    assert repr(gg.cuda.FloatTensor) == "<class 'gpugrad.cuda.FloatTensor'>"
    assert gg.cuda.LongTensor.dtype is gg.int64 and gg.cuda.LongTensor.is_cuda
    with pytest.raises(RuntimeError, match="legacy constructor expects device type: cuda but "
                                           "device type: cpu was passed"):
        gg.cuda.FloatTensor([1.], device="cpu")
    with pytest.raises(TypeError, match=r"expected TensorOptions\(dtype=float, device=cuda"):
        gg.cuda.FloatTensor(gg.zeros(2))
    if device == "cpu":
        return
    made = gg.cuda.LongTensor([1, 2])
    assert made.is_cuda and made.dtype is gg.int64 and made.tolist() == [1, 2]
    assert gg.cuda.FloatTensor(2, 3).shape == (2, 3)
    wrapped = gg.cuda.FloatTensor(t)
    assert wrapped.is_cuda and not isinstance(wrapped, gg.FloatTensor)
    moved = gg.zeros(2).type(gg.cuda.DoubleTensor)
    assert moved.is_cuda and moved.dtype is gg.float64
