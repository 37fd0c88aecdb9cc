"""gpugrad.testing: assert_close passes and fails as torch.testing.assert_close, with its
messages; make_tensor draws what torch.testing.make_tensor draws."""
import re

import numpy as np
import pytest

import gpugrad as gg
from gpugrad.testing import assert_close, make_tensor

NAN, INF = float("nan"), float("inf")


def _t(lib, data, dtype=None, **kw):
    return lib.tensor(data, dtype=None if dtype is None else getattr(lib, dtype), **kw)


# Each case builds (actual, expected) with either library.
CASES = {
    "one_off": lambda L: (_t(L, [1., 2, 3]), _t(L, [1., 2.1, 3])),
    "dtype": lambda L: (_t(L, [1., 2, 3]), _t(L, [1., 2, 3], "float64")),
    "shape": lambda L: (_t(L, [1., 2, 3]), _t(L, [1., 2])),
    "ints": lambda L: (_t(L, [1, 2, 3]), _t(L, [1, 5, 3])),
    "ints_zero_expected": lambda L: (_t(L, [0, 3, 0]), _t(L, [0, 0, 1])),
    "uint8_wrap": lambda L: (_t(L, [1, 2, 200], "uint8"), _t(L, [3, 2, 0], "uint8")),
    "int_dtypes": lambda L: (_t(L, [1, 2]), _t(L, [1, 2], "int32")),
    "int_vs_float": lambda L: (_t(L, [1, 2, 3]), _t(L, [1, 2, 3], "float32")),
    "int_vs_bool": lambda L: (_t(L, [1, 2]), _t(L, [True, False])),
    "bools": lambda L: (_t(L, [True, False]), _t(L, [True, True])),
    "float16": lambda L: (_t(L, [1., 5, 7], "float16"), _t(L, [1.01, 5, 7.1], "float16")),
    "float16_close": lambda L: (_t(L, [1.], "float16"), _t(L, [1.001], "float16")),
    "float64_vs_32": lambda L: (_t(L, [1., 2.]).double(), _t(L, [1., 2.5])),
    "2d": lambda L: (_t(L, [[1., 2], [3, 4]]), _t(L, [[1., 2], [3, 5]])),
    "3d": lambda L: (L.arange(24.).reshape(2, 3, 4), L.arange(24.).reshape(2, 3, 4) * 1.0001),
    "zero_dim": lambda L: (_t(L, 1.0), _t(L, 2.0)),
    "zero_dim_bool": lambda L: (_t(L, True), _t(L, False)),
    "empty": lambda L: (L.zeros(0), L.zeros(0)),
    "nan": lambda L: (_t(L, [NAN]), _t(L, [NAN])),
    "nan_mixed": lambda L: (_t(L, [1., NAN, 3.]), _t(L, [2., 2., NAN])),
    "inf_same": lambda L: (_t(L, [1.0, INF]), _t(L, [1.0, INF])),
    "inf_opposite": lambda L: (_t(L, [1.0, INF]), _t(L, [1.0, -INF])),
    "zero_expected": lambda L: (_t(L, [1., 0., 3., 0.]), _t(L, [1., 1e-3, 0., 1.])),
    "within_atol": lambda L: (_t(L, [0.]), _t(L, [1e-6])),
    "beyond_atol": lambda L: (_t(L, [0.]), _t(L, [1e-4])),
    "requires_grad": lambda L: (_t(L, [1.], requires_grad=True), _t(L, [1.])),
    "stride": lambda L: (L.zeros(3, 2).t(), L.zeros(2, 3)),
    "parameter": lambda L: (L.nn.Parameter(L.zeros(2)), L.zeros(2)),
    "parameter_expected": lambda L: (L.zeros(2), L.nn.Parameter(L.zeros(2))),
    "numpy_arrays": lambda L: (np.array([1.]), np.array([2.])),
    "tensor_vs_numpy": lambda L: (_t(L, [1.]), np.array([1.])),
    "floats": lambda L: (1.0, 1.1),
    "ints_py": lambda L: (1, 2),
    "int_vs_float_py": lambda L: (1, 1.0),
    "complex_py": lambda L: (1 + 2j, 1 + 2.1j),
    "nan_py": lambda L: (NAN, NAN),
    "numpy_scalars": lambda L: (np.float32(1.0), np.float32(1.5)),
    "numpy_int_vs_int": lambda L: (np.int64(2), 2),
    "number_vs_tensor": lambda L: (1.0, _t(L, 1.0)),
    "tensor_vs_number": lambda L: (_t(L, 1.0), 1.0),
    "booleans": lambda L: (True, False),
    "strings": lambda L: ("a", "a"),
    "nones": lambda L: (None, None),
    "none_vs_number": lambda L: (None, 1),
    "list_of_floats": lambda L: ([1.0, 2.0], [1.0, 2.5]),
    "tuple_vs_list": lambda L: ((1.0, 2.0), [1.0, 2.0]),
    "list_of_tensors": lambda L: ([_t(L, 1.0)], [_t(L, 2.0)]),
    "dict_of_tensors": lambda L: ({"a": _t(L, 1.0)}, {"a": _t(L, 2.0)}),
    "lengths": lambda L: ([1.0], [1.0, 2.0]),
    "keys": lambda L: ({"a": 1.0}, {"b": 1.0}),
    "nested": lambda L: ([1, [2, {"x": _t(L, [1., 2.])}]], [1, [2, {"x": _t(L, [1., 2.5])}]]),
}

OPTIONS = {
    "default": {},
    "rtol_only": dict(rtol=0.1),
    "atol_only": dict(atol=1.),
    "loose": dict(rtol=0.1, atol=0.),
    "exact": dict(rtol=0., atol=0.),
    "custom_tol": dict(rtol=1e-2, atol=1e-3),
    "no_dtype": dict(check_dtype=False),
    "equal_nan": dict(equal_nan=True),
    "stride": dict(check_stride=True),
    "no_subclasses": dict(allow_subclasses=False),
    "msg": dict(msg="custom"),
    "msg_callable": dict(msg=lambda m: "Header\n\n" + m + "\n\nFooter"),
}


def _outcome(make, lib, check, options):
    try:
        actual, expected = make(lib)
        check(actual, expected, **options)
        return None
    except Exception as e:  # compared with the other library's outcome
        return type(e).__name__, str(e)


@pytest.mark.parametrize("options", OPTIONS.values(), ids=list(OPTIONS))
@pytest.mark.parametrize("case", CASES.values(), ids=list(CASES))
def test_assert_close_as_torch(torch, case, options):
    ours = _outcome(case, gg, assert_close, options)
    theirs = _outcome(case, torch, torch.testing.assert_close, options)
    if theirs is not None:
        text = re.sub(r"(?<![A-Za-z])torch", "gpugrad", theirs[1])
        # The class PyTorch names ``torch.Tensor`` is ``gpugrad.tensor.Tensor`` here.
        theirs = (theirs[0], text.replace("<class 'gpugrad.Tensor'>",
                                          "<class 'gpugrad.tensor.Tensor'>"))
    assert ours == theirs


# The messages written out, so that they are checked where PyTorch is not installed too.
def _message(actual, expected, **kw):
    with pytest.raises(Exception) as info:
        assert_close(actual, expected, **kw)
    return info.type, str(info.value)


def test_float_mismatch_message():
    kind, text = _message(gg.tensor([1., 2, 3]), gg.tensor([1., 2.1, 3]))
    assert kind is AssertionError
    assert text == ("Tensor-likes are not close!\n\n"
                    "Mismatched elements: 1 / 3 (33.3%)\n"
                    "Greatest absolute difference: 0.09999990463256836 at index (1,) "
                    "(up to 1e-05 allowed)\n"
                    "Greatest relative difference: 0.04761900380253792 at index (1,) "
                    "(up to 1.3e-06 allowed)")


def test_integer_mismatch_is_equality():
    kind, text = _message(gg.tensor([1, 2, 3]), gg.tensor([1, 5, 3]))
    assert kind is AssertionError
    assert text == ("Tensor-likes are not equal!\n\n"
                    "Mismatched elements: 1 / 3 (33.3%)\n"
                    "Greatest absolute difference: 3 at index (1,)\n"
                    "Greatest relative difference: 0.6000000238418579 at index (1,)")


def test_attribute_mismatch_messages():
    assert _message(gg.tensor([1.]), gg.tensor([1.], dtype=gg.float64)) == (
        AssertionError, "The values for attribute 'dtype' do not match: gpugrad.float32 != "
                        "gpugrad.float64.")
    assert _message(gg.zeros(3), gg.zeros(2)) == (
        AssertionError, "The values for attribute 'shape' do not match: gpugrad.Size([3]) != "
                        "gpugrad.Size([2]).")
    assert _message(gg.zeros(3, 2).t(), gg.zeros(2, 3), check_stride=True) == (
        AssertionError, "The values for attribute 'stride()' do not match: (1, 2) != (3, 1).")


def test_scalar_and_nested_messages():
    assert _message([1.0, 2.0], [1.0, 2.5]) == (
        AssertionError, "Scalars are not close!\n\nExpected 2.5 but got 2.0.\n"
                        "Absolute difference: 0.5 (up to 1e-07 allowed)\n"
                        "Relative difference: 0.2 (up to 1e-07 allowed)\n\n"
                        "The failure occurred for item [1]")
    kind, text = _message({"w": [gg.tensor(1.0)]}, {"w": [gg.tensor(2.0)]})
    assert kind is AssertionError
    assert text.endswith("The failure occurred for item ['w'][0]")
    assert _message(1.0, gg.tensor(1.0)) == (
        TypeError, "No comparison pair was able to handle inputs of type <class 'float'> and "
                   "<class 'gpugrad.tensor.Tensor'>.")
    assert _message(gg.tensor([1.]), gg.tensor([2.]), rtol=0.1) == (
        ValueError, "Both 'rtol' and 'atol' must be either specified or omitted, but got no "
                    "atol.")


def test_passing_cases():
    assert_close(gg.tensor([1., 2.]), gg.tensor([1., 2. + 1e-6]))
    assert_close(gg.tensor([1., 2.]), gg.tensor([1., 2.]).double(), check_dtype=False)
    assert_close(gg.tensor([NAN, 1.]), gg.tensor([NAN, 1.]), equal_nan=True)
    assert_close(gg.tensor([1., 2.]), gg.tensor([1.1, 2.2]), rtol=0.1, atol=0.)
    assert_close({"a": [1, 2.0], "b": None}, {"a": (1, 2.0), "b": None})
    assert_close(gg.tensor([1., 2.], requires_grad=True) * 2, gg.tensor([2., 4.]))


def test_devices_must_agree_unless_unchecked(device):
    x = gg.tensor([1., 2.], device=device)
    assert_close(x, gg.tensor([1., 2.], device=device))
    assert_close(x, gg.tensor([1., 2.]), check_device=False)
    if device != "cpu":
        kind, text = _message(x, gg.tensor([1., 2.]))
        assert text == f"The values for attribute 'device' do not match: {x.device} != cpu."
    kind, text = _message(x, gg.tensor([1., 3.], device=device))
    assert kind is AssertionError
    assert text.startswith("Tensor-likes are not close!\n\nMismatched elements: 1 / 2 (50.0%)")


# ------------------------------------------------------------------ make_tensor
MAKE = {
    "float32": ((2, 3), dict(dtype="float32")),
    "int_grad": ((2, 3), dict(dtype="int64", requires_grad=True)),
    "bool_seq": (((2, 3),), dict(dtype="bool")),
    "uint8_clamped": ((4,), dict(dtype="uint8", low=-5, high=3)),
    "uint8_outside": ((4,), dict(dtype="uint8", low=-5, high=-1)),
    "low_ge_high": ((4,), dict(dtype="float32", low=2, high=1)),
    "nan_low": ((4,), dict(dtype="float32", low=NAN)),
    "noncontiguous": ((3, 4), dict(dtype="float64", noncontiguous=True, requires_grad=True)),
    "noncontiguous_one": ((1,), dict(dtype="float64", noncontiguous=True)),
    "int8_wide": ((5,), dict(dtype="int8", low=-1000, high=1000)),
    "float16_wide": ((5,), dict(dtype="float16", low=-1e6, high=1e6)),
    "int64_float_bounds": ((5,), dict(dtype="int64", low=0.5, high=3.5)),
    "zero_dim": ((), dict(dtype="float32")),
    "exclude_zero": ((5,), dict(dtype="float32", exclude_zero=True)),
}


def _made(fn):
    try:
        t = fn()
        return "ok", tuple(t.shape), str(t.dtype).split(".")[-1], t.requires_grad, \
            t.is_contiguous()
    except Exception as e:  # compared with the other library's outcome
        return type(e).__name__, re.sub(r"(?<![A-Za-z])torch", "gpugrad", str(e))


@pytest.mark.parametrize("shape,kw", MAKE.values(), ids=list(MAKE))
def test_make_tensor_as_torch(torch, shape, kw):
    ours = _made(lambda: make_tensor(*shape, device="cpu",
                                     **dict(kw, dtype=getattr(gg, kw["dtype"]))))
    theirs = _made(lambda: torch.testing.make_tensor(
        *shape, device="cpu", **dict(kw, dtype=getattr(torch, kw["dtype"]))))
    assert ours == theirs


@pytest.mark.parametrize("dtype,low,high,lo,hi", [
    ("float32", None, None, -9, 9), ("float64", -1, 1, -1, 1), ("int8", -1000, 1000, -128, 127),
    ("uint8", None, None, 0, 9), ("int64", 0.5, 3.5, 1, 3), ("int32", None, None, -9, 9),
    ("bool", None, None, 0, 1), ("float16", -1e6, 1e6, -65504, 65504)])
def test_make_tensor_range(device, dtype, low, high, lo, hi):
    gg.manual_seed(0)
    x = make_tensor((2000,), dtype=getattr(gg, dtype), device=device, low=low, high=high)
    assert x.dtype is getattr(gg, dtype) and x.device == gg.device(device)
    values = x.cpu().numpy().astype(np.float64)
    assert np.isfinite(values).all() and lo <= values.min() and values.max() <= hi
    if not x.is_floating_point():
        # Integer bounds are reached: both ends of a small range are drawn.
        assert values.min() == lo and values.max() == hi
    else:
        assert values.max() < (high if high is not None else hi) or hi == 65504


def test_make_tensor_options(device):
    gg.manual_seed(1)
    x = make_tensor(3, 4, dtype=gg.float32, device=device, noncontiguous=True,
                    requires_grad=True)
    assert x.shape == (3, 4) and not x.is_contiguous() and x.requires_grad
    assert x.is_leaf
    z = make_tensor((500,), dtype=gg.int32, device=device, low=0, high=2, exclude_zero=True)
    assert (z.cpu().numpy() == 1).all()
    f = make_tensor((500,), dtype=gg.float32, device=device, low=0, high=1e-30,
                    exclude_zero=True)
    assert (f.cpu().numpy() != 0).all()
    gg.manual_seed(5)
    a = make_tensor(4, dtype=gg.float64, device=device)
    gg.manual_seed(5)
    assert_close(a, make_tensor(4, dtype=gg.float64, device=device), rtol=0, atol=0)
    with pytest.raises(TypeError, match="not supported by gpugrad.testing.make_tensor"):
        make_tensor(2, dtype=gg.bfloat16, device=device)


# ------------------------------------------------------------------ property: random data
from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=150, deadline=None)
@given(dtype=st.sampled_from(["float16", "float32", "float64", "int32", "uint8", "bool"]),
       shape=st.lists(st.integers(1, 4), min_size=1, max_size=3),
       seed=st.integers(0, 2 ** 32 - 1), scale=st.sampled_from([1e-7, 1e-5, 1e-3, 1.0]),
       special=st.booleans(), tol=st.sampled_from([None, (0.0, 0.0), (1e-3, 1e-4)]))
def test_random_pairs_as_torch(dtype, shape, seed, scale, special, tol):
    torch = pytest.importorskip("torch")
    r = np.random.default_rng(seed)
    npd = np.dtype(dtype)
    base = r.standard_normal(shape) * 10
    other = base + r.standard_normal(shape) * scale * (r.random(shape) < 0.5)
    if special and npd.kind == "f":
        # Zeros, infinities and NaNs where the two sides may or may not agree.
        for arr in (base, other):
            arr[r.random(shape) < 0.2] = r.choice([0.0, INF, -INF, NAN])
    if npd.kind == "b":
        a, e = base > 0, other > 0
    elif npd.kind == "f":
        a, e = base.astype(npd), other.astype(npd)
    else:
        # Integers: mostly different values; unsigned ones from magnitudes (no wrapping casts).
        if npd.kind == "u":
            base, other = np.abs(base), np.abs(other)
        a, e = base.astype(npd), (other * 3).astype(npd)
    kw = {} if tol is None else dict(rtol=tol[0], atol=tol[1])
    ours = _outcome(lambda L: (gg.tensor(a), gg.tensor(e)), gg, assert_close, kw)
    theirs = _outcome(lambda L: (torch.tensor(a), torch.tensor(e)), torch,
                      torch.testing.assert_close, kw)
    assert ours == theirs
