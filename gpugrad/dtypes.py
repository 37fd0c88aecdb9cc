"""gpugrad's dtypes: thin names over NumPy dtypes, with PyTorch's defaults and promotion.

Example::

    >>> gg.tensor([1, 2]).dtype, gg.tensor([1.0]).dtype
    (gpugrad.int64, gpugrad.float32)
"""
import numpy as np

__all__ = ["dtype", "float16", "float32", "float64", "bfloat16", "int8", "int16", "int32",
           "int64", "uint8", "bool", "half", "float", "double", "long", "int", "short",
           "get_default_dtype", "set_default_dtype", "promote_types", "finfo", "iinfo"]


class dtype:
    """A tensor element type; ``np_dtype`` is the NumPy dtype that stores it."""

    __slots__ = ("name", "np_dtype", "is_floating_point", "is_signed", "itemsize")
    is_complex = False      # no complex dtypes here

    def __init__(self, name, np_dtype):
        self.name = name
        self.np_dtype = np.dtype(np_dtype)
        self.is_floating_point = self.np_dtype.kind == "f"
        self.is_signed = self.np_dtype.kind in "fi"
        self.itemsize = self.np_dtype.itemsize

    def __repr__(self):
        return f"gpugrad.{self.name}"

    def __reduce__(self):
        return (_from_name, (self.name,))


float16 = half = dtype("float16", np.float16)
float32 = float = dtype("float32", np.float32)
float64 = double = dtype("float64", np.float64)
int8 = dtype("int8", np.int8)
int16 = short = dtype("int16", np.int16)
int32 = int = dtype("int32", np.int32)
int64 = long = dtype("int64", np.int64)
uint8 = dtype("uint8", np.uint8)
bool = dtype("bool", np.bool_)


class _MissingDtype(dtype):
    """A PyTorch dtype that NumPy and CuPy arrays cannot hold: the name exists, and making a
    tensor of it raises a clear TypeError (rather than silently using the default dtype)."""

    __slots__ = ()

    def __init__(self, name, itemsize):
        self.name, self.np_dtype, self.itemsize = name, None, itemsize
        self.is_floating_point = self.is_signed = True


bfloat16 = _MissingDtype("bfloat16", 2)

_ALL = (float16, float32, float64, int8, int16, int32, int64, uint8, bool)
_BY_NP = {d.np_dtype: d for d in _ALL}
_BY_NAME = {d.name: d for d in _ALL + (bfloat16,)}


def _from_name(name):
    return _BY_NAME[name]


def from_numpy_dtype(npd):
    """The gpugrad dtype of a NumPy dtype; raises TypeError for unsupported ones."""
    try:
        return _BY_NP[npd]
    except KeyError:
        raise TypeError(f"gpugrad does not support arrays of dtype {np.dtype(npd)}; supported: "
                        + ", ".join(d.name for d in _ALL)) from None


def to_numpy_dtype(d):
    """The NumPy dtype behind a gpugrad dtype, a NumPy dtype, a type or a string."""
    if d is None:
        return None
    if type(d) is dtype:
        return d.np_dtype
    if type(d) is _MissingDtype:
        raise TypeError(f"gpugrad has no {d.name} tensors (NumPy and CuPy have no {d.name} "
                        f"arrays); use float16 or float32")
    if d is builtins_float:
        # As in PyTorch, ``dtype=float`` means double, whatever the default dtype.
        return np.dtype(np.float64)
    if d is builtins_int:
        return np.dtype(np.int64)
    if d is builtins_bool:
        return np.dtype(np.bool_)
    npd = np.dtype(d)
    from_numpy_dtype(npd)
    return npd


import builtins as _b  # noqa: E402  (the names above shadow the builtins on purpose)
builtins_float, builtins_int, builtins_bool = _b.float, _b.int, _b.bool

_default_float = float32


def get_default_dtype():
    """The floating dtype of tensors made from Python floats (float32 unless changed)."""
    return _default_float


def set_default_dtype(d):
    """Set the default floating dtype (float32 or float64, as PyTorch allows).

    Example::

        >>> gg.set_default_dtype(gg.float64); gg.tensor([1.0]).dtype
        gpugrad.float64
    """
    global _default_float
    d = _BY_NP[to_numpy_dtype(d)]
    if not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default_float = d


# PyTorch's scalar-type names, for error messages ("Float", "Long", ...).
_TORCH_NAMES = {"float16": "Half", "float32": "Float", "float64": "Double", "int8": "Char",
                "int16": "Short", "int32": "Int", "int64": "Long", "uint8": "Byte",
                "bool": "Bool"}


def torch_name(npd):
    """PyTorch's name for a NumPy dtype's scalar type (``Float`` for float32)."""
    return _TORCH_NAMES[np.dtype(npd).name]


_CPP_NAMES = {"float16": "c10::Half", "float32": "float", "float64": "double",
              "int8": "signed char", "int16": "short int", "int32": "int", "int64": "long int",
              "uint8": "unsigned char", "bool": "bool"}


def cpp_name(npd):
    """PyTorch's C++ name of a NumPy dtype's scalar type (``long int`` for int64)."""
    return _CPP_NAMES[np.dtype(npd).name]


def _promote_np(a, b):
    """PyTorch's promotion table for two NumPy dtypes: unlike NumPy, an integer and a float
    give the float (int32 + float16 is float16, not float64)."""
    if a == b:
        return a
    ka, kb = a.kind, b.kind
    if ka == "b":
        return b
    if kb == "b":
        return a
    if ka == "f" and kb != "f":
        return a
    if kb == "f" and ka != "f":
        return b
    return np.promote_types(a, b)


def promote_types(a, b):
    """PyTorch's promotion of two dtypes (no value-based rules).

    Example::

        >>> gg.promote_types(gg.int32, gg.float16)
        gpugrad.float16
    """
    return _BY_NP[_promote_np(to_numpy_dtype(a), to_numpy_dtype(b))]


def _combine_categories(higher, lower):
    # c10's combine_categories: a lower-priority group only matters when it is of a higher
    # category (bool < integer < floating); then the two promote.
    if higher is None:
        return lower
    if lower is None or higher.kind == "f":
        return higher
    if higher.kind == "b" or lower.kind == "f":
        return _promote_np(higher, lower)
    return higher


def result_type(*operands):
    """The NumPy dtype of an op on tensors and Python scalars, by PyTorch's rules.

    Dimensioned tensors outrank zero-dim tensors, which outrank Python scalars; a lower group
    only matters when it is of a higher category (bool < integer < floating), and a Python
    float then counts as the default float dtype.
    Operands are arrays (tensor data, already unwrapped) or Python numbers.
    """
    dim_t = zero_t = scalar = None
    for op in operands:
        if hasattr(op, "dtype") and hasattr(op, "ndim"):
            d = op.dtype
            if op.ndim:
                dim_t = d if dim_t is None else _promote_np(dim_t, d)
            else:
                zero_t = d if zero_t is None else _promote_np(zero_t, d)
        else:
            if isinstance(op, _b.bool):
                d = _NP_BOOL
            elif isinstance(op, _b.int):
                d = _NP_INT64
            elif isinstance(op, _b.float):
                d = _default_float.np_dtype
            else:
                raise TypeError(f"unsupported operand type {type(op).__name__}")
            scalar = d if scalar is None else _promote_np(scalar, d)
    return _combine_categories(dim_t, _combine_categories(zero_t, scalar))


_NP_BOOL = np.dtype(np.bool_)
_NP_INT64 = np.dtype(np.int64)


class finfo:
    """Machine limits of a floating dtype (the default dtype when none is given), as
    ``torch.finfo``: ``bits``, ``eps``, ``max``, ``min``, ``tiny`` (= ``smallest_normal``),
    ``resolution`` and ``dtype`` (its name).

    Example::

        >>> gg.finfo(gg.float16).max
        65504.0
    """

    def __init__(self, type=None):
        d = get_default_dtype() if type is None else type
        if not getattr(d, "is_floating_point", False):
            raise TypeError("gpugrad.finfo() requires a floating point input type. Use "
                            "gpugrad.iinfo to handle 'gpugrad.finfo'")
        info = np.finfo(to_numpy_dtype(d))
        self.bits = _b.int(info.bits)
        self.eps = _b.float(info.eps)
        self.max = _b.float(info.max)
        self.min = _b.float(info.min)
        self.tiny = self.smallest_normal = _b.float(info.smallest_normal)
        self.resolution = 10.0 ** -_b.int(info.precision)   # a Python float, not float16's
        self.dtype = d.name

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype, as ``torch.iinfo``: ``bits``, ``min``, ``max``, ``dtype``."""

    def __init__(self, type):
        if type is bool:
            raise TypeError("gpugrad.bool is not supported by gpugrad.iinfo")
        if getattr(type, "is_floating_point", True):
            raise TypeError("gpugrad.iinfo() requires an integer input type. Use "
                            "gpugrad.finfo to handle 'gpugrad.iinfo'")
        info = np.iinfo(to_numpy_dtype(type))
        self.bits, self.min, self.max = _b.int(info.bits), _b.int(info.min), _b.int(info.max)
        self.dtype = type.name

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
