"""Small top-level functions of PyTorch's namespace: dtype queries, global switches that
gpugrad records (determinism, float32 matmul precision) and ``compile``, which gpugrad accepts
and leaves as is.

Example::

    >>> gg.result_type(gg.tensor([1, 2]), 1.5)
    gpugrad.float32
    >>> gg.can_cast(gg.float64, gg.int32)
    False
"""
import numbers
import warnings

import numpy as np

from . import dtypes as _dt
from .tensor import Tensor

__all__ = ["is_nonzero", "is_complex", "result_type", "can_cast", "is_storage",
           "use_deterministic_algorithms", "are_deterministic_algorithms_enabled",
           "is_deterministic_algorithms_warn_only_enabled", "set_float32_matmul_precision",
           "get_float32_matmul_precision", "compile"]


def _arg_type_name(value, detailed=False):
    """A value's type as PyTorch's argument parser names it in its errors (``detailed``: with
    the types of a list's items, as in its lines on why a signature did not match)."""
    if isinstance(value, Tensor):
        return "Tensor"
    if isinstance(value, _dt.dtype):
        return "gpugrad.dtype"
    if detailed and isinstance(value, list):
        return f"list of [{', '.join(_arg_type_name(v) for v in value)}]"
    if detailed and isinstance(value, tuple):
        return f"tuple of ({', '.join(_arg_type_name(v) for v in value)})"
    cls = type(value)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"


def _require_tensor(fn, value):
    if not isinstance(value, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not "
                        f"{_arg_type_name(value)}")


def is_nonzero(input):
    """The truth of a one-element tensor; raises for an empty or a bigger one, as PyTorch.

    Example::

        >>> gg.is_nonzero(gg.tensor([0.5]))
        True
    """
    _require_tensor("is_nonzero", input)
    return input.is_nonzero()


def is_complex(input):
    """True if ``input`` has a complex dtype (gpugrad has none, so False for every tensor).

    Example::

        >>> gg.is_complex(gg.tensor([1.0]))
        False
    """
    _require_tensor("is_complex", input)
    return input.is_complex()


def is_storage(obj):
    """False: gpugrad tensors hold arrays, not separate storage objects as PyTorch's do.

    Example::

        >>> gg.is_storage(gg.tensor([1.0]))
        False
    """
    return False


def _is_number(value):
    # PyTorch's parser takes Python and NumPy scalars as numbers, not 0-d arrays.
    return isinstance(value, (numbers.Number, np.generic)) and not isinstance(value, Tensor)


_RESULT_TYPE_SIGNATURES = (("Tensor tensor", "Tensor other"), ("Number scalar", "Tensor tensor"),
                           ("Tensor tensor", "Number other"),
                           ("Number scalar1", "Number scalar2"))


def _result_type_error(a, b):
    got = (a, b)
    names = [_arg_type_name(v, detailed=True) for v in got]
    lines = [f"result_type() received an invalid combination of arguments - got "
             f"({', '.join(_arg_type_name(v) for v in got)}), but expected one of:"]
    for sig in _RESULT_TYPE_SIGNATURES:
        marked = []
        for value, name, param in zip(got, names, sig):
            # As PyTorch's parser marks them: a number never counts as matching here.
            ok = param.startswith("Tensor") and isinstance(value, Tensor)
            marked.append(name if ok else f"!{name}!")
        lines.append(f" * ({', '.join(sig)})")
        lines.append(f"      didn't match because some of the arguments have invalid types: "
                     f"({', '.join(marked)})")
    return TypeError("\n".join(lines) + "\n")


def _operand(value):
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (bool, int, float)):
        return value
    raise TypeError(f"gpugrad has no complex dtypes (got {value!r})")


def result_type(tensor, other):
    """The dtype an arithmetic op on ``tensor`` and ``other`` (tensors or Python numbers) gives,
    by PyTorch's promotion rules: dimensioned tensors outrank zero-dim ones, which outrank
    numbers, unless the lower one is of a higher category (bool < integer < floating).

    Example::

        >>> gg.result_type(gg.tensor([1], dtype=gg.uint8), -1)
        gpugrad.uint8
        >>> gg.result_type(gg.tensor([1]), 2.0)
        gpugrad.float32
    """
    for value in (tensor, other):
        if not (isinstance(value, Tensor) or _is_number(value)):
            raise _result_type_error(tensor, other)
    return _dt.from_numpy_dtype(_dt.result_type(_operand(tensor), _operand(other)))


def can_cast(from_, to):
    """Whether PyTorch's casting rules allow ``from_`` to ``to`` in ops with an ``out``
    (no float to integer, nothing but bool to bool).

    Example::

        >>> gg.can_cast(gg.float64, gg.float32), gg.can_cast(gg.float32, gg.int32)
        (True, False)
    """
    for pos, (name, value) in enumerate((("from_", from_), ("to", to)), 1):
        if not isinstance(value, _dt.dtype):
            raise TypeError(f"can_cast(): argument '{name}' (position {pos}) must be "
                            f"gpugrad.dtype, not {_arg_type_name(value)}")
    if from_.is_floating_point and not to.is_floating_point:
        return False
    if from_ is not _dt.bool and to is _dt.bool:
        return False
    return True


# ------------------------------------------------------------------ global switches
# gpugrad's NumPy path gives the same bits on every run. On cuda, accumulating writes
# (advanced-indexing backward, index_add, index_put with accumulate) go through
# cupyx.scatter_add, whose atomic float adds may differ in the last bits between runs; gpugrad
# has no other algorithm to switch to, so the flags are only recorded, for code that sets them
# and reads them back.
_deterministic = {"mode": False, "warn_only": False}


def _require_bool(name, value, positional):
    if not isinstance(value, bool):
        where = f"'{name}' (position 1)" if positional else f"'{name}'"
        raise TypeError(f"_set_deterministic_algorithms(): argument {where} must be bool, not "
                        f"{type(value).__name__}")


def use_deterministic_algorithms(mode, *, warn_only=False):
    """Ask for deterministic algorithms, as ``torch.use_deterministic_algorithms``.

    gpugrad's cpu ops give the same bits on every run; on cuda, accumulating writes (such as
    the backward of advanced indexing) use atomic adds whatever the flag says. This records
    the flags that :func:`are_deterministic_algorithms_enabled` and
    :func:`is_deterministic_algorithms_warn_only_enabled` report; it changes no algorithm.

    Example::

        >>> gg.use_deterministic_algorithms(True)
        >>> gg.are_deterministic_algorithms_enabled()
        True
    """
    _require_bool("mode", mode, True)
    _require_bool("warn_only", warn_only, False)
    _deterministic["mode"] = mode
    _deterministic["warn_only"] = warn_only     # kept even with mode False, as PyTorch does


def are_deterministic_algorithms_enabled():
    """Whether :func:`use_deterministic_algorithms` last switched determinism on."""
    return _deterministic["mode"]


def is_deterministic_algorithms_warn_only_enabled():
    """The ``warn_only`` given to the last :func:`use_deterministic_algorithms` call."""
    return _deterministic["warn_only"]


_PRECISIONS = ("highest", "high", "medium")
_matmul_precision = ["highest"]


def set_float32_matmul_precision(precision):
    """Record the float32 matmul precision ('highest', 'high' or 'medium'), as PyTorch.

    gpugrad always multiplies float32 in float32 (CuPy uses TensorFloat-32 only when its
    ``CUPY_TF32`` environment variable is set), so the value is only reported back by
    :func:`get_float32_matmul_precision`. Another string warns and changes nothing.

    Example::

        >>> gg.set_float32_matmul_precision("high"); gg.get_float32_matmul_precision()
        'high'
    """
    if not isinstance(precision, str):
        raise RuntimeError(f"set_float32_matmul_precision expects a str, but got "
                           f"{type(precision).__name__}")
    if precision not in _PRECISIONS:
        # PyTorch's wording, missing space included.
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                      f"setFloat32MatmulPrecision call has no effect.", UserWarning,
                      stacklevel=2)
        return
    _matmul_precision[0] = precision


def get_float32_matmul_precision():
    """The precision last set by :func:`set_float32_matmul_precision` ('highest' at first)."""
    return _matmul_precision[0]


def compile(model=None, *, fullgraph=False, dynamic=None, backend="inductor", mode=None,
            options=None, name=None, disable=False, recompile_limit=None,
            isolate_recompiles=False, shapes_spec=None):
    """Accept ``torch.compile``'s arguments and return ``model`` unchanged.

    gpugrad does not compile: it runs every op eagerly, so code written for PyTorch keeps
    working, at eager speed.

    As PyTorch's, it works directly (``gg.compile(model)``) and as a decorator, with or without
    arguments.

    Example::

        >>> @gg.compile(fullgraph=True)
        ... def f(x):
        ...     return x * 2
        >>> f(gg.tensor([1.0]))
        tensor([2.])
    """
    if model is None:
        def decorate(model):
            if model is None:
                raise RuntimeError("Model can't be None")
            return compile(model, fullgraph=fullgraph, dynamic=dynamic, backend=backend,
                           mode=mode, options=options, name=name, disable=disable,
                           recompile_limit=recompile_limit,
                           isolate_recompiles=isolate_recompiles, shapes_spec=shapes_spec)
        return decorate
    if mode is not None and options is not None:
        raise RuntimeError("Either mode or options can be specified, but both can't be "
                           "specified at the same time.")
    return model
