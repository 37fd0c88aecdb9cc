"""dtypes: names, aliases, properties, the default dtype and PyTorch's promotion table."""
import itertools

import pytest

import gpugrad as gg
from torch_compare import same

NAMES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
ALIASES = {"half": "float16", "float": "float32", "double": "float64", "short": "int16",
           "int": "int32", "long": "int64"}


@pytest.mark.parametrize("name", NAMES)
def test_dtype_properties(name, torch):
    same(lambda m: (repr(getattr(m, name)), getattr(m, name).is_floating_point,
                    getattr(m, name).is_signed, getattr(m, name).itemsize), torch)


@pytest.mark.parametrize("alias", list(ALIASES))
def test_aliases(alias):
    assert getattr(gg, alias) is getattr(gg, ALIASES[alias])


@pytest.mark.parametrize("a,b", list(itertools.combinations_with_replacement(NAMES, 2)))
def test_promote_types_table(a, b, torch):
    same(lambda m: (m.promote_types(getattr(m, a), getattr(m, b)),
                    m.promote_types(getattr(m, b), getattr(m, a))), torch)


def test_default_dtype(torch):
    same(lambda m: (m.get_default_dtype(), m.tensor([1.0]).dtype, m.tensor([1]).dtype,
                    m.tensor([True]).dtype, m.tensor(2.5).dtype, m.zeros(2).dtype,
                    m.arange(3).dtype, m.arange(3.0).dtype, m.full((1,), 2).dtype,
                    m.linspace(0, 1, 3).dtype, m.rand(1).dtype), torch)


def test_set_default_dtype(torch):
    def f(m):
        m.set_default_dtype(m.float64)
        try:
            return (m.get_default_dtype(), m.tensor([1.0]).dtype, m.zeros(1).dtype,
                    (m.tensor([1, 2]) / 2).dtype, (m.ones(2, dtype=m.float32) * 2.5).dtype,
                    m.tensor([1]).dtype)
        finally:
            m.set_default_dtype(m.float32)
    same(f, torch)
    same(lambda m: m.set_default_dtype(m.int64), torch)
    assert gg.get_default_dtype() is gg.float32


def test_dtype_arguments_accept_python_types(torch):
    same(lambda m: (m.zeros(1, dtype=float).dtype, m.zeros(1, dtype=int).dtype,
                    m.zeros(1, dtype=bool).dtype), torch)


def test_unsupported_numpy_dtype():
    import numpy as np
    with pytest.raises(TypeError, match="does not support arrays of dtype complex128"):
        gg.from_numpy(np.zeros(2, np.complex128))


def test_dtypes_pickle():
    import pickle
    for name in NAMES:
        d = getattr(gg, name)
        assert pickle.loads(pickle.dumps(d)) is d


INFERRED = {
    "numpy float16 scalar": lambda m, np: m.tensor(np.float16(2.5)),
    "numpy float64 scalar": lambda m, np: m.tensor(np.float64(1.5)),
    "numpy int32 scalar": lambda m, np: m.tensor(np.int32(3)),
    "numpy uint8 scalar": lambda m, np: m.tensor(np.uint8(3)),
    "numpy bool scalar": lambda m, np: m.tensor(np.bool_(True)),
    "int32 and int": lambda m, np: m.tensor([np.int32(1), 2]),
    "float16 and float": lambda m, np: m.tensor([np.float16(1), 2.0]),
    "uint8 and bool": lambda m, np: m.tensor([np.uint8(1), True]),
    "int8 and uint8": lambda m, np: m.tensor([np.int8(1), np.uint8(2)]),
    "int16 and float16": lambda m, np: m.tensor([np.int16(1), np.float16(1)]),
    "nested float16 and float": lambda m, np: m.tensor([[np.float16(1)], [2.0]]),
    "float64 tensor and float": lambda m, np: m.tensor([m.tensor(1.0, dtype=m.float64), 1.0]),
    "float16 tensors": lambda m, np: m.tensor([m.tensor(1.0, dtype=m.float16)] * 2),
    "int32 tensor and int": lambda m, np: m.tensor([m.tensor(1, dtype=m.int32), 1]),
    "as_tensor of a numpy float64 scalar": lambda m, np: m.as_tensor(np.float64(2)),
    "python numbers": lambda m, np: (m.tensor([1, 2.5]), m.tensor([[1, 2]]), m.tensor([])),
}


@pytest.mark.parametrize("case", list(INFERRED))
def test_tensor_infers_dtype_from_numpy_scalars_and_tensors(case, torch):
    """Each element counts with its own dtype (NumPy scalars and tensors keep theirs), and
    the dtypes promote together, as torch.tensor infers them."""
    import numpy as np
    same(lambda m: INFERRED[case](m, np), torch)


def _info(m):
    """``finfo`` and ``iinfo``: PyTorch's top-level names, gpugrad's in ``gpugrad.dtypes``."""
    return (m.finfo, m.iinfo) if m.__name__ == "torch" else (m.dtypes.finfo, m.dtypes.iinfo)


@pytest.mark.parametrize("name", ["float16", "float32", "float64", None])
def test_finfo(name, torch):
    def f(m):
        finfo, _ = _info(m)
        i = finfo(getattr(m, name)) if name else finfo()
        return i.bits, i.eps, i.max, i.min, i.tiny, i.smallest_normal, i.resolution, i.dtype, \
            repr(i)
    same(f, torch)


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo(name, torch):
    def f(m):
        i = _info(m)[1](getattr(m, name))
        return i.bits, i.min, i.max, i.dtype, repr(i)
    same(f, torch)


@pytest.mark.parametrize("call", ["finfo(m.int32)", "iinfo(m.float32)", "iinfo(m.bool)"])
def test_info_errors(call, torch):
    same(lambda m: eval(call, {"m": m, "finfo": _info(m)[0], "iinfo": _info(m)[1]}), torch)


@pytest.mark.parametrize("name", NAMES)
def test_is_complex(name, torch):
    same(lambda m: getattr(m, name).is_complex, torch)


@pytest.mark.parametrize("make", ["gg.tensor([1.0], dtype=gg.bfloat16)",
                                  "gg.zeros(2, dtype=gg.bfloat16)",
                                  "gg.ones(2).to(gg.bfloat16)"])
def test_bfloat16_is_refused_not_replaced(make):
    # NumPy has no bfloat16: asking for it must fail, not quietly give the default dtype.
    with pytest.raises(TypeError, match="no bfloat16 tensors"):
        eval(make, {"gg": gg})


def test_bfloat16_name(torch):
    same(lambda m: (repr(m.bfloat16), m.bfloat16.is_floating_point, m.bfloat16.itemsize),
         torch)
    assert pickle_roundtrip(gg.bfloat16) is gg.bfloat16


def pickle_roundtrip(obj):
    import pickle
    return pickle.loads(pickle.dumps(obj))
