"""Testing helpers, as ``torch.testing``: :func:`assert_close` and :func:`make_tensor`.

Example::

    >>> from gpugrad.testing import assert_close
    >>> assert_close(gg.tensor([1.0, 2.0]), gg.tensor([1.0, 2.0 + 1e-7]))
    >>> assert_close(gg.tensor([1.0, 2.0]), gg.tensor([1.0, 2.1]))
    Traceback (most recent call last):
    ...
    AssertionError: Tensor-likes are not close!
    <BLANKLINE>
    Mismatched elements: 1 / 2 (50.0%)
    Greatest absolute difference: 0.09999990463256836 at index (1,) (up to 1e-05 allowed)
    Greatest relative difference: 0.04761900380253792 at index (1,) (up to 1.3e-06 allowed)

The checks, their order, the default tolerances and the messages are PyTorch's, with
gpugrad's names for dtypes, shapes and devices.
"""
import cmath
import collections.abc
import math
import warnings

import numpy as np

from . import dtypes as _dt
from .tensor import Tensor

__all__ = ["assert_close", "make_tensor"]

# PyTorch's default (rtol, atol) per dtype; every other dtype compares exactly.
_DTYPE_PRECISIONS = {_dt.float16: (1e-3, 1e-5), _dt.bfloat16: (0.016, 1e-5),
                     _dt.float32: (1.3e-6, 1e-5), _dt.float64: (1e-7, 1e-7)}
# Python numbers compare with the tolerances of the dtype PyTorch gives them (complex
# numbers as complex128, which gpugrad has no tensors of, with float64's tolerances).
_NUMBER_PRECISIONS = {bool: (0.0, 0.0), int: (0.0, 0.0), float: (1e-7, 1e-7),
                      complex: (1e-7, 1e-7)}


class _Failure(Exception):
    """A failed check: the exception type and message to raise, and the item it concerns."""

    def __init__(self, type, msg, id=()):
        super().__init__(msg)
        self.type, self.msg, self.id = type, msg, id

    def to_error(self, msg=None):
        if not isinstance(msg, str):
            generated = self.msg
            if self.id:
                where = "".join(str([item]) for item in self.id)
                generated += f"\n\nThe failure occurred for item {where}"
            msg = msg(generated) if callable(msg) else generated
        return self.type(msg)


class _Unsupported(Exception):
    """This kind of pair does not handle these inputs; the next kind is tried."""


def _tolerances(precisions, rtol, atol, id):
    if (rtol is None) ^ (atol is None):
        # Both or neither: atol=0 alone would still pass values within the default rtol.
        raise _Failure(ValueError, f"Both 'rtol' and 'atol' must be either specified or "
                                   f"omitted, but got no {'rtol' if rtol is None else 'atol'}.",
                       id)
    if rtol is not None:
        return rtol, atol
    return max(p[0] for p in precisions), max(p[1] for p in precisions)


def _mismatch_msg(identifier, extra, abs_diff, abs_idx, atol, rel_diff, rel_idx, rtol):
    equality = rtol == 0 and atol == 0

    def diff_line(kind, diff, idx, tol):
        line = (f"{kind.title()} difference: {diff}" if idx is None
                else f"Greatest {kind} difference: {diff} at index {idx}")
        return line + ("" if equality else f" (up to {tol} allowed)") + "\n"

    msg = f"{identifier} are not {'equal' if equality else 'close'}!\n\n{extra.strip()}\n"
    msg += diff_line("absolute", abs_diff, abs_idx, atol)
    msg += diff_line("relative", rel_diff, rel_idx, rtol)
    return msg.strip()


def _scalar_mismatch_msg(actual, expected, rtol, atol):
    abs_diff = abs(actual - expected)
    rel_diff = float("inf") if expected == 0 else abs_diff / abs(expected)
    return _mismatch_msg("Scalars", f"Expected {expected} but got {actual}.", abs_diff, None,
                         atol, rel_diff, None, rtol)


# ------------------------------------------------------------------ pairs of leaves
def _none_pair(actual, expected, id, opts):
    if not (actual is None or expected is None):
        raise _Unsupported

    def compare():
        if not (actual is None and expected is None):
            raise _Failure(AssertionError, f"None mismatch: {actual} is not {expected}", id)
    return compare


def _bool_pair(actual, expected, id, opts):
    if not all(isinstance(v, (bool, np.bool_)) for v in (actual, expected)):
        raise _Unsupported
    actual, expected = bool(actual), bool(expected)

    def compare():
        if actual is not expected:
            raise _Failure(AssertionError, f"Booleans mismatch: {actual} is not {expected}", id)
    return compare


def _number_pair(actual, expected, id, opts):
    kinds = (int, float, complex, np.number)
    if not all(isinstance(v, kinds) for v in (actual, expected)):
        raise _Unsupported
    actual, expected = (v.item() if isinstance(v, np.number) else v
                        for v in (actual, expected))
    rtol, atol = _tolerances([_NUMBER_PRECISIONS[type(v)] for v in (actual, expected)],
                             opts["rtol"], opts["atol"], id)

    def compare():
        if opts["check_dtype"] and type(actual) is not type(expected):
            raise _Failure(AssertionError, f"The (d)types do not match: {type(actual)} != "
                                           f"{type(expected)}.", id)
        if actual == expected:
            return
        if opts["equal_nan"] and cmath.isnan(actual) and cmath.isnan(expected):
            return
        abs_diff = abs(actual - expected)
        if cmath.isfinite(abs_diff) and abs_diff <= atol + rtol * abs(expected):
            return
        raise _Failure(AssertionError, _scalar_mismatch_msg(actual, expected, rtol, atol), id)
    return compare


def _as_tensor(value):
    if isinstance(value, Tensor):
        return value
    from .ops import as_tensor
    try:
        return as_tensor(value)
    except Exception:
        raise _Unsupported from None


def _tensor_pair(actual, expected, id, opts):
    related = isinstance(actual, type(expected)) or isinstance(expected, type(actual))
    if not related or (not opts["allow_subclasses"] and type(actual) is not type(expected)):
        raise _Unsupported
    actual, expected = _as_tensor(actual), _as_tensor(expected)
    rtol, atol = _tolerances([_DTYPE_PRECISIONS.get(t.dtype, (0.0, 0.0))
                              for t in (actual, expected)], opts["rtol"], opts["atol"], id)

    def compare():
        _compare_attributes(actual, expected, opts, id)
        a, e = actual.detach(), expected.detach()
        if a.device != e.device:
            a, e = a.cpu(), e.cpu()
        if a.dtype is not e.dtype:
            common = _dt.promote_types(a.dtype, e.dtype)
            a, e = a.to(common), e.to(common)
        _compare_values(a._data, e._data, rtol, atol, opts["equal_nan"], id)
    return compare


def _compare_attributes(actual, expected, opts, id):
    def mismatch(name, a, e):
        raise _Failure(AssertionError, f"The values for attribute '{name}' do not match: "
                                       f"{a} != {e}.", id)
    if actual.shape != expected.shape:
        mismatch("shape", actual.shape, expected.shape)
    # Every gpugrad tensor is strided, so layouts always agree (check_layout has no effect).
    if opts["check_stride"] and actual.stride() != expected.stride():
        mismatch("stride()", actual.stride(), expected.stride())
    if opts["check_device"] and actual.device != expected.device:
        mismatch("device", actual.device, expected.device)
    if opts["check_dtype"] and actual.dtype is not expected.dtype:
        mismatch("dtype", actual.dtype, expected.dtype)


def _isclose(xp, a, e, rtol, atol, equal_nan):
    """``torch.isclose`` on arrays of one dtype, with its arithmetic in the same dtypes."""
    close = a == e
    if equal_nan and a.dtype.kind == "f":
        close |= xp.isnan(a) & xp.isnan(e)
    if rtol == 0 and atol == 0:
        return close
    default = _dt.get_default_dtype().np_dtype
    if a.dtype.kind == "b":
        a, e = a.astype(default), e.astype(default)
    # As PyTorch: the allowed error of an integer tensor is in the default float dtype, and
    # a float16 tensor's stays float16 (a Python scalar does not promote it).
    scaled = rtol * (e.astype(default) if e.dtype.kind in "iu" else e)
    allowed = atol + xp.abs(scaled)
    with np.errstate(invalid="ignore", over="ignore"):
        err = xp.abs(a - e)
        close |= xp.isfinite(err) & (err <= allowed)
    return close


def _compare_values(a, e, rtol, atol, equal_nan, id):
    for name, tol in (("rtol", rtol), ("atol", atol)):
        if tol < 0:
            raise RuntimeError(f"{name} must be greater than or equal to zero, but got {tol}")
    from .backend import get_array_module
    xp = get_array_module(a)
    matches = _isclose(xp, a, e, rtol, atol, equal_nan)
    if bool(matches.all()):
        return
    if a.ndim == 0:
        msg = _scalar_mismatch_msg(a.item(), e.item(), rtol, atol)
    else:
        msg = _tensor_mismatch_msg(xp, a, e, matches, rtol, atol)
    raise _Failure(AssertionError, msg, id)


def _tensor_mismatch_msg(xp, a, e, matches, rtol, atol):
    n = matches.size
    wrong = n - int(matches.sum())
    extra = f"Mismatched elements: {wrong} / {n} ({wrong / n:.1%})"
    af, ef, mf = a.ravel(), e.ravel(), matches.ravel()
    if af.dtype.kind != "f":
        af, ef = af.astype(np.int64), ef.astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        abs_diff = xp.abs(af - ef)
        abs_diff[mf] = 0
        # Integer differences divide as PyTorch's true division does: in the default dtype.
        if abs_diff.dtype.kind != "f":
            default = _dt.get_default_dtype().np_dtype
            rel_diff = abs_diff.astype(default) / xp.abs(ef).astype(default)
        else:
            rel_diff = abs_diff / xp.abs(ef)
        rel_diff[mf] = 0
    # argmax gives the first greatest element, or the first NaN, as torch.max does.
    i, j = int(xp.argmax(abs_diff)), int(xp.argmax(rel_diff))

    def index(flat):
        return tuple(int(k) for k in np.unravel_index(flat, matches.shape))
    return _mismatch_msg("Tensor-likes", extra, abs_diff[i].item(), index(i), atol,
                         rel_diff[j].item(), index(j), rtol)


_PAIR_KINDS = (_none_pair, _bool_pair, _number_pair, _tensor_pair)


def _originate(actual, expected, id, opts):
    """The comparisons to run, one per leaf of possibly nested sequences and mappings."""
    seq = collections.abc.Sequence
    if isinstance(actual, seq) and not isinstance(actual, str) \
            and isinstance(expected, seq) and not isinstance(expected, str):
        if len(actual) != len(expected):
            raise _Failure(AssertionError, f"The length of the sequences mismatch: "
                                           f"{len(actual)} != {len(expected)}", id)
        out = []
        for k in range(len(actual)):
            out += _originate(actual[k], expected[k], id + (k,), opts)
        return out
    mapping = collections.abc.Mapping
    if isinstance(actual, mapping) and isinstance(expected, mapping):
        a_keys, e_keys = set(actual.keys()), set(expected.keys())
        if a_keys != e_keys:
            raise _Failure(AssertionError,
                           f"The keys of the mappings do not match:\n"
                           f"Missing keys in the actual mapping: {sorted(e_keys - a_keys)}\n"
                           f"Additional keys in the actual mapping: "
                           f"{sorted(a_keys - e_keys)}", id)
        try:
            keys = sorted(a_keys)     # the first failure reported should not depend on hashing
        except TypeError:
            keys = list(a_keys)
        out = []
        for key in keys:
            out += _originate(actual[key], expected[key], id + (key,), opts)
        return out
    for kind in _PAIR_KINDS:
        try:
            return [kind(actual, expected, id, opts)]
        except _Unsupported:
            continue
    raise _Failure(TypeError, f"No comparison pair was able to handle inputs of type "
                              f"{type(actual)} and {type(expected)}.", id)


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None,
                 equal_nan=False, check_device=True, check_dtype=True, check_layout=True,
                 check_stride=False, msg=None):
    """Assert that ``actual`` and ``expected`` are close, as ``torch.testing.assert_close``.

    Tensors (and NumPy arrays, compared with each other) must agree in shape and, unless
    switched off, in device, dtype and stride (``check_stride``); then every element must
    satisfy ``|actual - expected| <= atol + rtol * |expected|``. Python numbers compare with
    numbers, ``None`` with ``None``; sequences and mappings are compared item by item. A number
    is never compared with a tensor (TypeError), as in PyTorch.

    Default ``(rtol, atol)``: float16 ``(1e-3, 1e-5)``, float32 ``(1.3e-6, 1e-5)``, float64
    and Python floats ``(1e-7, 1e-7)``, integers and bool ``(0, 0)``; give both or neither.
    ``msg`` replaces the message, or, if callable, maps the generated one to the message.

    Example::

        >>> assert_close(gg.tensor([1, 2]), gg.tensor([1, 3]))
        Traceback (most recent call last):
        ...
        AssertionError: Tensor-likes are not equal!
        <BLANKLINE>
        Mismatched elements: 1 / 2 (50.0%)
        Greatest absolute difference: 1 at index (1,)
        Greatest relative difference: 0.3333333432674408 at index (1,)
        >>> assert_close(gg.tensor([1.0]), gg.tensor([1.0], dtype=gg.float64), check_dtype=False)
        >>> assert_close({"loss": 1.0}, {"loss": 1.0 + 1e-9})
    """
    __tracebackhide__ = True
    opts = dict(allow_subclasses=allow_subclasses, rtol=rtol, atol=atol, equal_nan=equal_nan,
                check_device=check_device, check_dtype=check_dtype, check_layout=check_layout,
                check_stride=check_stride)
    try:
        comparisons = _originate(actual, expected, (), opts)
    except _Failure as failure:
        # As PyTorch: inputs that cannot be compared are reported as they are, whatever msg.
        raise failure.to_error() from None
    for compare in comparisons:
        try:
            compare()
        except _Failure as failure:
            raise failure.to_error(msg) from None


# ------------------------------------------------------------------ make_tensor
def _low_high(dtype, low, high, lowest, highest, default_low, default_high):
    low = default_low if low is None else low
    high = default_high if high is None else high
    if any(isinstance(v, float) and math.isnan(v) for v in (low, high)):
        raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and high={high}")
    if low == high and dtype.is_floating_point:
        warnings.warn("Passing `low==high` to `gpugrad.testing.make_tensor` for floating types "
                      "is deprecated. Use `gpugrad.full(...)` instead.", FutureWarning,
                      stacklevel=3)
    elif low >= high:
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    elif high < lowest or low >= highest:
        raise ValueError(f"The value interval specified by `low` and `high` is [{low}, {high}), "
                         f"but {dtype} only supports [{lowest}, {highest})")
    low, high = min(max(low, lowest), highest), min(max(high, lowest), highest)
    if not dtype.is_floating_point:
        # Ceil both: no value below low, and randint's high is exclusive already.
        return math.ceil(low), math.ceil(high)
    return low, high


def make_tensor(*shape, dtype, device, low=None, high=None, requires_grad=False,
                noncontiguous=False, exclude_zero=False, memory_format=None):
    """A tensor of ``shape`` with values drawn uniformly from ``[low, high)``, as
    ``torch.testing.make_tensor``, from gpugrad's generator (``gg.manual_seed`` repeats it).

    Defaults: ``[-9, 9)`` for floats, ``[-9, 10)`` for signed and ``[0, 10)`` for unsigned
    integers, both values for bool; bounds outside the dtype's range are clamped.
    ``noncontiguous`` gives a strided view; ``exclude_zero`` replaces zeros with 1 (or the
    dtype's ``tiny`` for floats). ``memory_format`` is accepted and, gpugrad having only
    row-major tensors, changes nothing.

    Example::

        >>> x = make_tensor((2, 3), dtype=gg.float32, device="cpu", low=-1, high=1)
        >>> x.shape, bool((x >= -1).all() and (x < 1).all())
        (gpugrad.Size([2, 3]), True)
    """
    from . import ops
    if len(shape) == 1 and isinstance(shape[0], collections.abc.Sequence):
        shape = shape[0]
    shape = tuple(shape)
    if noncontiguous and memory_format is not None:
        raise ValueError(f"The parameters `noncontiguous` and `memory_format` are mutually "
                         f"exclusive, but got noncontiguous={noncontiguous} and "
                         f"memory_format={memory_format}")
    if not isinstance(dtype, _dt.dtype) or dtype.np_dtype is None:
        raise TypeError(f"The requested dtype '{dtype}' is not supported by "
                        f"gpugrad.testing.make_tensor().")
    floating = dtype.is_floating_point
    if requires_grad and not floating:
        raise ValueError(f"`requires_grad=True` is not supported for boolean and integral "
                         f"dtypes, but got dtype={dtype}")
    noncontiguous = noncontiguous and math.prod(shape) > 1
    if noncontiguous:
        # Twice as long in the last dim, so that the view's neighbours differ.
        shape = shape[:-1] + (2 * shape[-1],)
    if dtype is _dt.bool:
        low, high = _low_high(dtype, low, high, 0, 2, 0, 2)
        result = ops.randint(low, high, shape, device=device, dtype=dtype)
    elif not floating:
        info = _dt.iinfo(dtype)
        # randint draws int64 bounds, so int64's exclusive high stops at its max.
        low, high = _low_high(dtype, low, high, info.min,
                              info.max + (1 if dtype is not _dt.int64 else 0), -9, 10)
        result = ops.randint(low, high, shape, device=device, dtype=dtype)
    else:
        info = _dt.finfo(dtype)
        low, high = _low_high(dtype, low, high, info.min, info.max, -9, 9)
        result = ops.empty(shape, device=device, dtype=dtype)
        if high - low >= info.max:
            # The drawing computes high - low, which would overflow: draw half and double.
            result.uniform_(low / 2, high / 2).mul_(2)
        else:
            result.uniform_(low, high)
    if noncontiguous:
        result = result[..., 1::2]
    if exclude_zero:
        result[result == 0] = 1 if not floating else _dt.finfo(dtype).tiny
    if floating:
        result.requires_grad_(requires_grad)
    return result
