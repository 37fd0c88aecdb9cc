"""Small top-level functions, as PyTorch's: is_nonzero, is_complex, result_type, can_cast,
finfo/iinfo, the determinism and float32 matmul precision switches, compile, is_storage."""
import warnings

import numpy as np
import pytest

import gpugrad as gg
from tests.torch_compare import same

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


@pytest.fixture
def restore_switches():
    """The switches are global: leave them as found."""
    det = (gg.are_deterministic_algorithms_enabled(),
           gg.is_deterministic_algorithms_warn_only_enabled())
    precision = gg.get_float32_matmul_precision()
    yield
    gg.use_deterministic_algorithms(det[0], warn_only=det[1])
    gg.set_float32_matmul_precision(precision)


@pytest.mark.parametrize("make", [
    lambda L: L.tensor([1.5]), lambda L: L.tensor([0.0]), lambda L: L.tensor(0),
    lambda L: L.tensor([[True]]), lambda L: L.tensor([]), lambda L: L.tensor([1., 2.]), lambda L: 1,
    lambda L: [1.0]])
def test_is_nonzero_and_is_complex_as_torch(torch, make):
    same(lambda lib: lib.is_nonzero(make(lib)), torch)
    same(lambda lib: lib.is_complex(make(lib)), torch)


OPERANDS = {
    "int64": lambda L: L.tensor([1, 2]), "uint8": lambda L: L.tensor([1], dtype=L.uint8),
    "int8": lambda L: L.tensor([1], dtype=L.int8), "bool": lambda L: L.tensor([True]),
    "float16": lambda L: L.tensor([1.], dtype=L.float16),
    "float64_0d": lambda L: L.tensor(1., dtype=L.float64),
    "int32_0d": lambda L: L.tensor(1, dtype=L.int32), "float32": lambda L: L.tensor([1.]),
    "py_int": lambda L: -1, "py_float": lambda L: 2.5, "py_bool": lambda L: True,
    "np_float": lambda L: np.float64(2.0), "np_int": lambda L: np.int32(3),
    "none": lambda L: None, "str": lambda L: "a", "list": lambda L: [1],
}


@pytest.mark.parametrize("b", OPERANDS.values(), ids=list(OPERANDS))
@pytest.mark.parametrize("a", OPERANDS.values(), ids=list(OPERANDS))
def test_result_type_as_torch(torch, a, b):
    same(lambda lib: lib.result_type(a(lib), b(lib)), torch)


def test_result_type_follows_default_dtype():
    gg.set_default_dtype(gg.float64)
    try:
        assert gg.result_type(gg.tensor([1]), 1.0) is gg.float64
        assert gg.result_type(1, 2.0) is gg.float64
    finally:
        gg.set_default_dtype(gg.float32)
    assert gg.result_type(gg.tensor([1]), 1.0) is gg.float32


@pytest.mark.parametrize("to", DTYPES)
@pytest.mark.parametrize("from_", DTYPES)
def test_can_cast_as_torch(torch, from_, to):
    same(lambda lib: lib.can_cast(getattr(lib, from_), getattr(lib, to)), torch)


@pytest.mark.parametrize("args", [(1, "bool"), ("float32", 1.0), ("float32", None)])
def test_can_cast_errors_as_torch(torch, args):
    def fn(lib):
        return lib.can_cast(*[getattr(lib, a) if isinstance(a, str) else a for a in args])
    same(fn, torch)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", None])
def test_finfo_as_torch(torch, dtype):
    def fn(lib):
        info = lib.finfo() if dtype is None else lib.finfo(getattr(lib, dtype))
        return (info.eps, info.max, info.min, info.tiny, info.smallest_normal, info.resolution,
                info.bits, info.dtype, repr(info))
    same(fn, torch, rtol=0, atol=0)


@pytest.mark.parametrize("dtype", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_as_torch(torch, dtype):
    def fn(lib):
        info = lib.iinfo(getattr(lib, dtype))
        return info.bits, info.min, info.max, info.dtype, repr(info)
    same(fn, torch)


def test_finfo_values():
    f = gg.finfo(gg.float32)
    assert f.eps == 2.0 ** -23 and f.bits == 32 and f.dtype == "float32"
    assert f.tiny == f.smallest_normal == 2.0 ** -126 and f.resolution == 1e-6
    assert f.max == -f.min == float(np.finfo(np.float32).max)
    assert gg.finfo().dtype == gg.get_default_dtype().name
    assert gg.iinfo(gg.int64).max == 2 ** 63 - 1


def test_deterministic_switches_round_trip(torch, restore_switches):
    tstate = (torch.are_deterministic_algorithms_enabled(),
              torch.is_deterministic_algorithms_warn_only_enabled())
    try:
        for mode, warn_only in [(True, False), (True, True), (False, True), (False, False)]:
            same(lambda lib, m=mode, w=warn_only: (lib.use_deterministic_algorithms(m, warn_only=w),
                              lib.are_deterministic_algorithms_enabled(),
                              lib.is_deterministic_algorithms_warn_only_enabled()), torch)
        same(lambda lib: lib.use_deterministic_algorithms(1), torch)
        same(lambda lib: lib.use_deterministic_algorithms("x"), torch)
        same(lambda lib: lib.use_deterministic_algorithms(True, warn_only=1), torch)
        same(lambda lib: lib.are_deterministic_algorithms_enabled(), torch)
    finally:
        torch.use_deterministic_algorithms(tstate[0], warn_only=tstate[1])


def test_deterministic_mode_gives_same_bits(restore_switches):
    gg.use_deterministic_algorithms(True)
    x = gg.randn(64, 32, generator=gg.Generator().manual_seed(0), requires_grad=True)
    w = gg.randn(32, 8, generator=gg.Generator().manual_seed(1))
    grads = []
    for _ in range(2):
        x.grad = None
        (x @ w).tanh().sum().backward()
        grads.append(x.grad.numpy().copy())
    np.testing.assert_array_equal(grads[0], grads[1])


def test_float32_matmul_precision_as_torch(torch, restore_switches):
    before = torch.get_float32_matmul_precision()
    try:
        for value in ["high", "medium", "highest"]:
            same(lambda lib, v=value: (lib.set_float32_matmul_precision(v),
                              lib.get_float32_matmul_precision()), torch)
        same(lambda lib: lib.set_float32_matmul_precision(1), torch)
        for bad in ["HIGH", "foo"]:
            with warnings.catch_warnings(record=True) as ours:
                warnings.simplefilter("always")
                gg.set_float32_matmul_precision(bad)
            with warnings.catch_warnings(record=True) as theirs:
                warnings.simplefilter("always")
                torch.set_float32_matmul_precision(bad)
            assert [str(w.message) for w in ours] == \
                [str(w.message).split(" (Triggered internally")[0] for w in theirs]
            assert gg.get_float32_matmul_precision() == torch.get_float32_matmul_precision()
    finally:
        torch.set_float32_matmul_precision(before)


def test_float32_matmul_precision_default_and_validation(restore_switches):
    gg.set_float32_matmul_precision("highest")
    assert gg.get_float32_matmul_precision() == "highest"
    gg.set_float32_matmul_precision("medium")
    assert gg.get_float32_matmul_precision() == "medium"
    with pytest.warns(UserWarning, match="is not one of 'highest', 'high', or 'medium'"):
        gg.set_float32_matmul_precision("low")
    assert gg.get_float32_matmul_precision() == "medium"
    with pytest.raises(RuntimeError, match="expects a str, but got NoneType"):
        gg.set_float32_matmul_precision(None)


def test_compile_returns_the_model_unchanged():
    model = gg.nn.Linear(2, 3)
    assert gg.compile(model) is model
    assert gg.compile(model, mode="max-autotune", fullgraph=True, dynamic=False) is model

    def f(x):
        return x * 2
    assert gg.compile(f) is f
    assert gg.compile(backend="eager")(f) is f

    @gg.compile
    def g(x):
        return x + 1

    @gg.compile(mode="reduce-overhead")
    def h(x):
        return x - 1
    assert g(gg.tensor([1.])).tolist() == [2.] and h(gg.tensor([1.])).tolist() == [0.]
    assert g.__name__ == "g" and h.__name__ == "h"
    assert "does not compile" in gg.compile.__doc__


def test_compile_errors_as_torch(torch):
    same(lambda lib: lib.compile(lambda x: x, mode="default", options={}), torch)
    same(lambda lib: lib.compile()(None), torch)
    same(lambda lib: lib.compile(lambda x: x, unknown_option=True), torch)


def test_is_storage_and_numel(torch):
    same(lambda lib: (lib.is_storage(lib.zeros(2)), lib.is_storage(None),
                      lib.numel(lib.zeros(2, 3)), lib.is_floating_point(lib.zeros(1)),
                      lib.is_tensor(lib.zeros(1))), torch)


def test_exported_names():
    for name in ["is_nonzero", "is_complex", "result_type", "can_cast", "finfo", "iinfo",
                 "use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
                 "is_deterministic_algorithms_warn_only_enabled", "compile",
                 "set_float32_matmul_precision", "get_float32_matmul_precision", "is_storage",
                 "numel", "testing"]:
        assert hasattr(gg, name), name
    assert gg.finfo is gg.dtypes.finfo and gg.iinfo is gg.dtypes.iinfo
