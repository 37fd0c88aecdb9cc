"""Build the kernels of gpugrad/kernels/*.toml without a GPU, for the kernel tests.

Two builders:
- :func:`cuda_source` gives the exact CUDA source that ``cupy.ElementwiseKernel`` would
  compile for a dtype and memory layout (through CuPy's private code generator, pinned to
  cupy 14.2; :func:`fallback_source` is a template of the same shape for when that moves),
  and :func:`nvrtc_compile` compiles it with NVRTC as CuPy would, for any arch.
- :func:`host_library` compiles the same bodies as C++ with the host compiler (g++), bound
  the way ElementwiseKernel binds names, so their numbers can be checked against NumPy.

Importing this module points CuPy's kernel cache at a temporary folder (before CuPy is
imported), so tests never write to ~/.cupy.
"""
import atexit
import ctypes
import hashlib
import os
import pathlib
import shutil
import subprocess
import tempfile

import numpy as np

if "CUPY_CACHE_DIR" not in os.environ:
    os.environ["CUPY_CACHE_DIR"] = tempfile.mkdtemp(prefix="gpugrad-cupy-cache-")
    atexit.register(shutil.rmtree, os.environ["CUPY_CACHE_DIR"], ignore_errors=True)

from gpugrad.backend import kernels  # noqa: E402

SPECS = kernels.SPECS

# C names CuPy gives to the NumPy dtypes our kernels use (cupy._core._scalar typenames).
CTYPES = {"bool": "bool", "int8": "signed char", "int16": "short", "int32": "int",
          "int64": "long long", "uint8": "unsigned char", "uint16": "unsigned short",
          "uint32": "unsigned int", "uint64": "unsigned long long", "float16": "float16",
          "float32": "float", "float64": "double"}

# name -> (ndim after CuPy's reduce_dims, inputs c-contiguous, outputs c-contiguous,
# 32-bit indexing). Fresh outputs are contiguous even when an input is a strided view.
LAYOUTS = {
    "contiguous": (1, True, True, True),
    "strided": (2, False, True, True),
    "strided_idx64": (3, False, False, False),
}
ARCHS = ("sm_75", "sm_80", "sm_90")


def param_dtype(param, dtype):
    """The dtype of a parameter when T is dtype."""
    return np.dtype(dtype) if param.type == "T" else np.dtype(param.type)


# ------------------------------------------------------------------------------ CUDA side

def import_cupy():
    import cupy
    return cupy


def cupy_kernel(spec):
    """cupy.ElementwiseKernel built exactly as gpugrad.backend.kernels builds it."""
    args, kwargs = kernels.elementwise_kernel_args(spec)
    return import_cupy().ElementwiseKernel(*args, **kwargs)


def _cupy_header():
    from cupy._core import core
    # What compile_with_cache prepends (its cdef _cupy_header).
    return "\n".join(f"#include <{h}>" for h in core._cupy_header_list)


def cuda_source(spec, dtype, layout="contiguous"):
    """The exact source CuPy generates for spec with T = dtype in the given layout."""
    from cupy._core import _carray, _kernel, _scalar
    cupy = import_cupy()
    ndarray_kind, indexer_kind, scalar_kind = 1, 2, 3      # cdef enum _ArgKind
    ek = cupy_kernel(spec)
    ndim, in_contig, out_contig, idx32 = LAYOUTS[layout]
    n_in = len(ek.in_params)
    infos = []
    for k, p in enumerate(ek.in_params + ek.out_params):
        dt = np.dtype(dtype) if p.dtype is None else np.dtype(p.dtype)
        if p.name in spec.scalars:
            infos.append(_kernel._ArgInfo(scalar_kind, _scalar.CScalar, dt, 0, True, True))
        else:
            contig = in_contig if k < n_in else out_contig
            infos.append(_kernel._ArgInfo(ndarray_kind, cupy.ndarray, dt, ndim, contig, idx32))
    infos.append(_kernel._ArgInfo(indexer_kind, _carray.Indexer, None, ndim, True, idx32))
    type_map = _kernel._TypeMap((("T", np.dtype(dtype)),))
    code = _kernel._get_elementwise_kernel_code(tuple(infos), type_map, ek.params,
                                                ek.operation, ek.name, ek.preamble)
    return _cupy_header() + code


def fallback_source(spec, dtype, layout="contiguous"):
    """A template of the same shape as CuPy 14.2's, for when its private generator moves."""
    ndim, in_contig, out_contig, idx32 = LAYOUTS[layout]
    params, binds = [], []
    for k, p in enumerate(spec.inputs + spec.outputs):
        is_input = k < len(spec.inputs)
        ctype = CTYPES[param_dtype(p, dtype).name]
        const = "const " if is_input else ""
        if p.name in spec.scalars:
            params.append(f"{const}{ctype} {p.name}")
            continue
        contig = in_contig if is_input else out_contig
        params.append(f"{const}CArray<{ctype}, {ndim}, {int(contig)}, {int(idx32)}> "
                      f"_raw_{p.name}")
        typ = "T" if p.type == "T" else CTYPES[p.type]
        binds.append(f"{const}{typ} &{p.name} = _raw_{p.name}[_ind.get()];")
    params.append(f"CIndexer<{ndim}, {int(idx32)}> _ind")
    binds.append(spec.body)
    operation = "\n".join(binds)
    # CuPy declares the types it needs beyond the C builtins (cupy._core._scalar).
    decls = '#include "cupy/float16.cuh"\n' if np.dtype(dtype) == np.float16 else ""
    return f"""{_cupy_header()}
    {decls}
    typedef {CTYPES[np.dtype(dtype).name]} T;

    {spec.preamble}
    extern "C" __global__ void {spec.name}({', '.join(params)}) {{
      ;
      #pragma unroll 1
      CUPY_FOR(i, _ind.size()) {{
        _ind.set(i);
        {operation};
      }}
      ;
    }}
    """


def source_for(spec, dtype, layout="contiguous"):
    """cuda_source, or fallback_source where CuPy's private generator is gone."""
    try:
        return cuda_source(spec, dtype, layout)
    except (ImportError, AttributeError, TypeError):
        return fallback_source(spec, dtype, layout)


HEADERS_HINT = ("install the kernel-check extra (pip install -e \".[kernel-check]\"): its "
                "nvidia-cuda-runtime-cu12 wheel ships the CUDA 12 headers (cuda_fp16.h, ...)")


def cuda_include_dir():
    """Where the CUDA runtime headers are, found as CuPy 14 finds them (cuda.pathfinder:
    the nvidia-cuda-runtime-cu12 wheel first, then conda, CUDA_PATH, system dirs), or None."""
    try:
        from cuda.pathfinder import find_nvidia_header_directory
    except ImportError:
        return None
    return find_nvidia_header_directory("cudart")


def nvrtc_options(arch):
    """The NVRTC options CuPy's compile_with_cache passes, in its order, for arch."""
    from cupy._core import core
    try:
        base = core.assemble_cupy_compiler_options(())
    except RuntimeError as e:
        # CuPy 14 refuses to build any kernel without the CUDA headers: say how to get them.
        raise RuntimeError(f"{e}\nFor these checks, {HEADERS_HINT}.") from None
    include = cuda_include_dir()
    # Where a CuPy finds its headers some other way, the wheel's still go on the path, after
    # CuPy's own, so that float16 kernels find cuda_fp16.h as they would on a user's machine.
    if include and f"-I{include}" not in base:
        base = base + (f"-I{include}",)
    return base + ("-ftz=true", f"-arch={arch}", "--device-as-default-execution-space")


def nvrtc_compile(source, arch, name="kern.cu"):
    """Compile with NVRTC for arch; returns the cubin. RuntimeError carries the log."""
    from cupy_backends.cuda.libs import nvrtc
    prog = nvrtc.createProgram(source, name, (), ())
    try:
        try:
            nvrtc.compileProgram(prog, nvrtc_options(arch))
        except nvrtc.NVRTCError as e:
            raise RuntimeError(f"{e}\n{nvrtc.getProgramLog(prog)}") from None
        return nvrtc.getCUBIN(prog)
    finally:
        nvrtc.destroyProgram(prog)


_FP16_HEADERS = []


def float16_headers_missing():
    """Why float16 kernels cannot compile here, or "" when they can.

    CuPy's float16 type includes cuda_fp16.h, which NVRTC 12 does not ship: it comes from
    the nvidia-cuda-runtime-cu12 wheel of the kernel-check extra, or a CUDA toolkit (CuPy
    needs it at run time too).
    """
    if not _FP16_HEADERS:
        try:
            nvrtc_compile("#include <cuda_fp16.h>\n", "sm_80", name="fp16_probe.cu")
            _FP16_HEADERS.append("")
        except RuntimeError:
            _FP16_HEADERS.append(f"cuda_fp16.h not found, so float16 kernels cannot compile: "
                                 f"{HEADERS_HINT}")
    return _FP16_HEADERS[0]


# ------------------------------------------------------------------------------ host side

PRELUDE = r"""
#include <math.h>
#include <cmath>
#define __device__
#define __host__
#define __forceinline__ inline
using std::exp; using std::expm1; using std::log; using std::log1p; using std::tanh;
using std::erf; using std::sqrt; using std::fabs; using std::fmax; using std::fmin;
using std::isnan; using std::isinf; using std::pow;

// CuPy's float16 (cupy/float16.cuh): half storage, arithmetic in float through the
// implicit conversion, rounding on construction and assignment only.
class float16 {
  _Float16 data_;
 public:
  float16() {}
  float16(float v) : data_((_Float16)v) {}
  explicit float16(double v) : data_((_Float16)(float)v) {}
  explicit float16(bool v) : data_((_Float16)(float)v) {}
  explicit float16(int v) : data_((_Float16)(float)v) {}
  explicit float16(long long v) : data_((_Float16)(float)v) {}
  operator float() const { return (float)data_; }
  float16& operator=(const float16&) = default;
  template <typename U> float16& operator=(const U& rhs) {
    *this = static_cast<float16>(rhs);
    return *this;
  }
};
static_assert(sizeof(float16) == 2, "float16 must be 2 bytes");
inline int isnan(float16 x) { return std::isnan((float)x); }
"""

# ctypes types of scalar arguments on the host side: floats travel as double (the value
# is rounded to the parameter's dtype in Python first, so the cast in C is exact).
_SCALAR_CARG = {"b": ctypes.c_bool, "i": ctypes.c_longlong, "u": ctypes.c_ulonglong,
                "f": ctypes.c_double}
_SCALAR_CTYPE = {"b": "bool", "i": "long long", "u": "unsigned long long", "f": "double"}


def host_symbol(name, dtype):
    return f"gg_{name}_{np.dtype(dtype).name}"


def host_function(spec, dtype):
    """C++ for one kernel and dtype: a loop binding names as ElementwiseKernel does."""
    args, scalar_binds, binds = [], [], []
    for k, p in enumerate(spec.inputs + spec.outputs):
        const = "const " if k < len(spec.inputs) else ""
        dt = param_dtype(p, dtype)
        typ = "T" if p.type == "T" else CTYPES[p.type]
        if p.name in spec.scalars:
            args.append(f"{_SCALAR_CTYPE[dt.kind]} _s_{p.name}")
            scalar_binds.append(f"const {typ} {p.name} = ({typ})_s_{p.name};")
        else:
            args.append(f"{const}{CTYPES[dt.name]}* _raw_{p.name}")
            binds.append(f"{const}{typ} &{p.name} = _raw_{p.name}[i];")
    return f"""
namespace k_{host_symbol(spec.name, dtype)} {{
typedef {CTYPES[np.dtype(dtype).name]} T;
{spec.preamble}
extern "C" void {host_symbol(spec.name, dtype)}({', '.join(args)}, long long _n) {{
  {' '.join(scalar_binds)}
  for (long long i = 0; i < _n; ++i) {{
    {' '.join(binds)}
    {spec.body};
  }}
}}
}}"""


def host_source(specs=None):
    specs = SPECS if specs is None else specs
    parts = [PRELUDE]
    for spec in specs.values():
        parts += [host_function(spec, dt) for dt in spec.dtypes]
    return "\n".join(parts)


def _cache_dir():
    d = pathlib.Path(os.environ.get("GPUGRAD_KERNEL_TEST_CACHE",
                                    pathlib.Path(tempfile.gettempdir())
                                    / f"gpugrad-host-kernels-{os.getuid()}"))
    d.mkdir(parents=True, exist_ok=True)
    return d


def host_compile(source, cxx=None, flags=("-O2", "-fPIC", "-shared", "-std=c++17")):
    """Compile source to a shared library once per source hash; returns its path."""
    cxx = cxx or os.environ.get("CXX", "g++")
    digest = hashlib.sha256((cxx + " ".join(flags) + source).encode()).hexdigest()[:20]
    so = _cache_dir() / f"k_{digest}.so"
    if not so.exists():
        cpp = so.with_suffix(".cpp")
        cpp.write_text(source)
        tmp = so.with_suffix(f".{os.getpid()}.tmp")
        r = subprocess.run([cxx, *flags, str(cpp), "-o", str(tmp)], capture_output=True,
                           text=True)
        if r.returncode:
            raise RuntimeError(f"{cxx} failed:\n{r.stderr}")
        os.replace(tmp, so)     # atomic: parallel test runs never load a half-written file
    return so


class HostKernel:
    """A host-compiled kernel called like ElementwiseKernel: k(*inputs[, *outputs])."""

    def __init__(self, lib, spec, dtype):
        self.spec, self.dtype = spec, np.dtype(dtype)
        self.fn = getattr(lib, host_symbol(spec.name, dtype))
        argtypes = []
        for p in spec.inputs + spec.outputs:
            if p.name in spec.scalars:
                argtypes.append(_SCALAR_CARG[param_dtype(p, dtype).kind])
            else:
                argtypes.append(ctypes.c_void_p)
        self.fn.argtypes = argtypes + [ctypes.c_longlong]
        self.fn.restype = None

    def __call__(self, *args):
        spec = self.spec
        params = spec.inputs + spec.outputs
        if len(args) not in (len(spec.inputs), len(params)):
            raise TypeError(f"{spec.name}: wrong number of arguments")
        given_out = len(args) == len(params)
        arrays = [a for p, a in zip(params, args) if p.name not in spec.scalars]
        shape = np.broadcast_shapes(*(np.shape(a) for a in arrays))
        cargs, keep, outs = [], [], []
        for k, p in enumerate(params):
            dt = param_dtype(p, self.dtype)
            if p.name in spec.scalars:
                value = dt.type(args[k])        # CuPy casts scalars to the parameter type
                cargs.append(bool(value) if dt.kind == "b" else value.item())
                continue
            if k < len(spec.inputs):
                a = np.ascontiguousarray(np.broadcast_to(np.asarray(args[k]), shape))
                if a.dtype != dt:
                    raise TypeError(f"{spec.name}: {p.name} is {a.dtype}, expected {dt}")
            else:
                target = args[k] if given_out else np.empty(shape, dt)
                a = np.ascontiguousarray(target)
                outs.append((target, a))
            keep.append(a)
            cargs.append(a.ctypes.data)
        self.fn(*cargs, int(np.prod(shape)))
        results = []
        for target, a in outs:
            if a is not target:
                np.copyto(target, a)
            results.append(target)
        return results[0] if len(results) == 1 else tuple(results)


def host_kernels(specs=None):
    """{(name, dtype): HostKernel} for every kernel and claimed dtype."""
    specs = SPECS if specs is None else specs
    lib = ctypes.CDLL(str(host_compile(host_source(specs))))
    return {(s.name, dt): HostKernel(lib, s, dt) for s in specs.values() for dt in s.dtypes}
