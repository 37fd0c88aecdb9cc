"""The custom elementwise kernels, declared once in ``gpugrad/kernels/*.toml``.

Each TOML table holds the exact arguments of ``cupy.ElementwiseKernel``. :func:`launch`
runs a kernel by name: on CuPy arrays it builds that ElementwiseKernel (lazily, once per
device); on NumPy arrays it calls the reference of the same name in
:mod:`gpugrad.backend.kernel_refs`. Both follow ElementwiseKernel's calling convention:
the inputs in declaration order, then optionally every output array (written in place);
the result is the output, or a tuple when the kernel has several.

Example::

    >>> import numpy as np
    >>> from gpugrad.backend import kernels
    >>> kernels.launch("tanh_bwd", np.ones(2), np.zeros(2))   # gy, y -> gx
    array([1., 1.])
    >>> kernels.SPECS["tanh_bwd"].in_params
    'T gy, T y'
"""
import dataclasses
import pathlib
import types

import numpy as np

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

from .kernel_refs import REFERENCES

__all__ = ["KernelSpec", "Param", "SPECS", "REFERENCES", "launch", "elementwise_kernel_args",
           "load_specs", "KERNEL_DIR"]

KERNEL_DIR = pathlib.Path(__file__).resolve().parent.parent / "kernels"

_KEYS = {"in", "out", "body", "preamble", "dtypes", "scalars"}
_FLOAT_DTYPES = ("float16", "float32", "float64")
_DEFAULT_DTYPES = ("float32", "float64")
# Concrete parameter types a table may use besides the placeholder T.
_CONCRETE = {"bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
             "float16", "float32", "float64"}


@dataclasses.dataclass(frozen=True)
class Param:
    """One ElementwiseKernel parameter: ``type`` is ``'T'`` or a NumPy dtype name."""

    type: str
    name: str

    @property
    def dtype(self):
        """The fixed dtype, or None for the placeholder T."""
        return None if self.type == "T" else np.dtype(self.type)


@dataclasses.dataclass(frozen=True)
class KernelSpec:
    """A validated kernel table: ElementwiseKernel's arguments plus what the tests need.

    Example::

        >>> spec = SPECS["dropout_fwd"]
        >>> [p.name for p in spec.outputs], spec.scalars
        (['mask', 'y'], ('p', 'scale'))
    """

    name: str
    family: str
    in_params: str
    out_params: str
    body: str
    preamble: str = ""
    dtypes: tuple = _DEFAULT_DTYPES
    scalars: tuple = ()
    inputs: tuple = ()
    outputs: tuple = ()


def _parse_params(text, where):
    params = []
    for item in text.split(","):
        words = item.split()
        if len(words) != 2:
            raise ValueError(f"{where}: expected 'type name', got {item.strip()!r}")
        typ, name = words
        if typ != "T" and typ not in _CONCRETE:
            raise ValueError(f"{where}: unsupported type {typ!r} (use T or one of "
                             f"{sorted(_CONCRETE)})")
        if not name.isidentifier() or name in ("i", "_ind") or name.startswith("_raw_"):
            raise ValueError(f"{where}: invalid parameter name {name!r}")
        params.append(Param(typ, name))
    return tuple(params)


def _string_list(table, key, where, default):
    value = table.get(key, default)
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{where}: {key!r} must be a list of strings")
    if len(set(value)) != len(value):
        raise ValueError(f"{where}: {key!r} has duplicates")
    return tuple(value)


def _make_spec(name, family, table, where):
    if not name.isidentifier():
        raise ValueError(f"{where}: kernel name must be an identifier")
    if not isinstance(table, dict):
        raise ValueError(f"{where}: expected a table")
    unknown = set(table) - _KEYS
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("in", "out", "body", "preamble"):
        if key in ("in", "out", "body") and key not in table:
            raise ValueError(f"{where}: missing {key!r}")
        if not isinstance(table.get(key, ""), str):
            raise ValueError(f"{where}: {key!r} must be a string")
    if not table["body"].strip():
        raise ValueError(f"{where}: empty body")
    inputs = _parse_params(table["in"], where)
    outputs = _parse_params(table["out"], where)
    names = [p.name for p in inputs + outputs]
    if len(set(names)) != len(names):
        raise ValueError(f"{where}: parameter names repeat: {names}")
    dtypes = _string_list(table, "dtypes", where, _DEFAULT_DTYPES)
    if not dtypes or set(dtypes) - set(_FLOAT_DTYPES):
        raise ValueError(f"{where}: dtypes must be a non-empty subset of {_FLOAT_DTYPES}")
    scalars = _string_list(table, "scalars", where, ())
    input_names = [p.name for p in inputs]
    if set(scalars) - set(input_names):
        raise ValueError(f"{where}: scalars {sorted(set(scalars) - set(input_names))} "
                         f"are not inputs")
    arrays = [p for p in inputs + outputs if p.name not in scalars]
    # CuPy infers T and the loop size from the array arguments.
    if not any(p.type == "T" for p in arrays):
        raise ValueError(f"{where}: no array parameter of type T to infer T from")
    return KernelSpec(
        name=name, family=family, in_params=table["in"].strip(),
        out_params=table["out"].strip(),
        body=table["body"].strip(), preamble=table.get("preamble", ""),
        dtypes=tuple(sorted(dtypes, key=_FLOAT_DTYPES.index)), scalars=scalars,
        inputs=inputs, outputs=outputs)


def load_specs(directory=KERNEL_DIR):
    """Read and validate every ``*.toml`` in directory; returns name -> KernelSpec.

    Raises ValueError naming the file and table of the first malformed entry.
    """
    specs = {}
    files = sorted(pathlib.Path(directory).glob("*.toml"))
    if not files:
        raise ValueError(f"no kernel files in {directory}")
    for path in files:
        with open(path, "rb") as f:
            tables = tomllib.load(f)
        for name, table in tables.items():
            where = f"{path.name} [{name}]"
            if name in specs:
                raise ValueError(f"{where}: kernel also defined in {specs[name].family}.toml")
            specs[name] = _make_spec(name, path.stem, table, where)
    return specs


SPECS = types.MappingProxyType(load_specs())


def elementwise_kernel_args(spec):
    """The ``(args, kwargs)`` that build ``cupy.ElementwiseKernel`` for spec.

    Shared by :func:`launch` and the compile tests, so both see the same kernel.
    """
    return (spec.in_params, spec.out_params, spec.body, spec.name), {"preamble": spec.preamble}


# (device id, name) -> cupy.ElementwiseKernel. CuPy keeps the compiled binaries per dtype
# and layout inside each kernel object.
_CUDA_KERNELS = {}


def _cuda_kernel(name, device_id):
    kernel = _CUDA_KERNELS.get((device_id, name))
    if kernel is None:
        from . import cuda
        args, kwargs = elementwise_kernel_args(_spec(name))
        # setdefault: two threads racing here end up sharing one kernel.
        kernel = _CUDA_KERNELS.setdefault((device_id, name),
                                          cuda._cupy().ElementwiseKernel(*args, **kwargs))
    return kernel


def _spec(name):
    try:
        return SPECS[name]
    except KeyError:
        raise KeyError(f"no kernel named {name!r}; known: {sorted(SPECS)}") from None


def launch(name, *args):
    """Run kernel ``name`` on ``args`` (inputs, then optionally all outputs).

    CuPy arrays among the arguments select the CUDA kernel, which runs on their device;
    otherwise the NumPy reference runs. Returns the output, or a tuple of outputs.

    Example::

        >>> g, m = np.ones(3), np.array([True, False, True])
        >>> launch("dropout_bwd", g, m, 2.0)
        array([2., 0., 2.])
    """
    for a in args:
        # NumPy arrays (most arguments on cpu) skip the attribute test.
        if type(a) is not np.ndarray and hasattr(a, "__cuda_array_interface__"):
            device = a.device
            kernel = _cuda_kernel(name, device.id)
            from . import cuda
            if device.id == cuda._cupy().cuda.runtime.getDevice():
                return kernel(*args)
            with device:
                return kernel(*args)
    try:
        reference = REFERENCES[name]
    except KeyError:
        _spec(name)
        raise KeyError(f"kernel {name!r} has no NumPy reference") from None
    return reference(*args)
