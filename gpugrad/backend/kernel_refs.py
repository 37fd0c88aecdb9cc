"""NumPy references of the kernels in ``gpugrad/kernels/*.toml``: the CPU backend runs these.

One function per kernel, named like it, taking its parameters in the same order (inputs,
then outputs). As with ``cupy.ElementwiseKernel``, outputs may be passed to be written in
place (the optimizer updates require them) and the result is the output or a tuple of
outputs. Each computes what the CUDA body computes, in the same order of operations and in
the array's dtype (scalars are cast to it first, as CuPy does), so the tests can hold the
two to a few ulps. Overflow and invalid operations are silent, as on the GPU.

They run on every CPU training step, so they keep temporaries few: results are built in
one buffer with ``out=`` rather than one new array per operation.

Example::

    >>> import numpy as np
    >>> from gpugrad.backend.kernel_refs import REFERENCES
    >>> REFERENCES["relu_bwd"](np.array([1.0, 2.0]), np.array([-1.0, 3.0]))
    array([0., 2.])
"""
import functools
from math import isfinite as _isfinite

import numpy as np

REFERENCES = {}


def _reference(fn):
    """Register fn under its name, run with IEEE exceptions silent as in CUDA."""
    quiet = _quiet(fn)

    @functools.wraps(fn)
    def run(*args):
        # A loop, not any() over a generator: this runs on every kernel call.
        for a in args:
            if type(a) is _ndarray and a.ndim == 0:
                return _run_0d(fn, args)
        return quiet(*args)
    REFERENCES[fn.__name__] = run
    return run


_ndarray = np.ndarray
# NumPy 2's errstate used as a decorator keeps its state per call (thread-safe, reentrant)
# and costs half of entering a new ``np.errstate`` each call; NumPy 1's keeps it on the
# instance, so there each call enters its own.
_ERRSTATE_DECORATES = int(np.__version__.split(".")[0]) >= 2


def _quiet(fn):
    if _ERRSTATE_DECORATES:
        return np.errstate(all="ignore")(fn)

    def run(*args):
        with np.errstate(all="ignore"):
            return fn(*args)
    return run


def _run_0d(fn, args):
    """Run fn on 1-element views of 0-d arrays: NumPy ufuncs turn 0-d results into scalars,
    which the references' ``out=`` buffers cannot be."""
    all_0d = all(a.ndim == 0 for a in args if type(a) is np.ndarray)
    args = tuple(a.reshape(1) if type(a) is np.ndarray and a.ndim == 0 else a for a in args)
    with np.errstate(all="ignore"):
        out = fn(*args)
    if not all_0d:
        return out
    if type(out) is tuple:
        return tuple(o.reshape(()) for o in out)
    return out.reshape(())


def _new(dtype, *arrays):
    """An uninitialised result buffer of the arrays' broadcast shape."""
    # Arrays of one shape (the common case) need no np.shape calls or broadcast.
    shape = arrays[0].shape if type(arrays[0]) is _ndarray else None
    for a in arrays:
        if type(a) is not _ndarray or a.shape != shape:
            shape = np.broadcast_shapes(*[np.shape(a) for a in arrays])
            break
    return np.empty(shape, dtype)


def _emit(result, out):
    # Results are built in fresh buffers, so an output that aliases an input is safe.
    if out is None:
        return result
    np.copyto(out, result)
    return out


def _pass_or_zero(keep, g):
    """keep ? g : 0 elementwise (broadcasting), the kernels' gradient gate.

    g * keep is exact for finite g and several times faster than np.where, which is the
    fallback for inf and NaN (inf * 0 would give NaN where the kernel gives 0). Only the
    sign of a zero may differ from the kernel's.
    """
    # All finite? A small array's sum says so in fewer calls (a NaN or inf makes the sum one;
    # a sum that overflows only sends finite values to np.where); a big one is tested as is.
    if (_isfinite(np.add.reduce(g, None)) if g.size <= 4096 else np.isfinite(g).all()):
        return np.multiply(g, keep)
    return np.where(keep, g, 0)


def _choose(keep, if_true, if_false, t):
    """An array of keep ? if_true : if_false for two scalars, by table lookup (exact, and
    faster than np.where)."""
    return np.array([if_false, if_true], t).take(np.asarray(keep).view(np.uint8))


def _scalar(value, t):
    # CuPy casts scalar arguments to the parameter's type; arrays pass through.
    return value if isinstance(value, np.ndarray) else t(value)


# ------------------------------------------------------------------------------------ erf
# NumPy has no erf, and SciPy is not a dependency: W. J. Cody's rational approximations
# ("Rational Chebyshev approximations for the error function", Math. Comp. 1969), accurate
# to double precision, evaluated per range on the elements in that range.

_ERF_A = (3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02,
          3.20937758913846947e03, 1.85777706184603153e-1)
_ERF_B = (2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03,
          2.84423683343917062e03)
_ERF_C = (5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01,
          2.98635138197400131e02, 8.81952221241769090e02, 1.71204761263407058e03,
          2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8)
_ERF_D = (1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02,
          1.62138957456669019e03, 3.29079923573345963e03, 4.36261909014324716e03,
          3.43936767414372164e03, 1.23033935480374942e03)
_ERF_P = (3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1,
          1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2)
_ERF_Q = (2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1,
          6.05183413124413191e-2, 2.33520497626869185e-3)
_ONE_OVER_SQRT_PI = 5.6418958354775628695e-1


def _ratio(z, num, den, lead):
    """(..((lead*z + num[0])*z + ...)*z + num[-1]) / ((..(z + den[0])*z ..)*z + den[-1])."""
    n = np.multiply(z, lead)
    d = z.copy()
    for a, b in zip(num[:-1], den[:-1]):
        n += a
        n *= z
        d += b
        d *= z
    n += num[-1]
    d += den[-1]
    n /= d
    return n


def _times_exp_minus_square(r, y):
    # r * exp(-y*y), with y*y split so the rounding of the square is not magnified.
    ysq = np.multiply(y, 16.0)
    np.trunc(ysq, out=ysq)
    ysq /= 16.0
    d = np.subtract(y, ysq)
    d *= np.add(y, ysq)
    np.multiply(ysq, ysq, out=ysq)
    np.negative(ysq, out=ysq)
    np.exp(ysq, out=ysq)
    np.negative(d, out=d)
    np.exp(d, out=d)
    r *= ysq
    r *= d
    return r


# Elements per piece for the references whose temporaries would otherwise be several times
# the tensor (erf's range split needs ~30 bytes of scratch per element: masks, int64 indices,
# gathered copies; GELU holds two more buffers): they go a piece at a time, within L2.
_PIECE = 1 << 16


def _in_pieces(fn, out, *arrays):
    """``out`` = fn(*arrays) elementwise, about _PIECE elements at a time, so that fn's
    temporaries take one piece's size. Arrays have out's shape; each piece is read before it
    is written, so out may be one of them."""
    if out.flags.c_contiguous and all(a.flags.c_contiguous for a in arrays):
        parts, res, step = [a.reshape(-1) for a in arrays], out.reshape(-1), _PIECE
    else:
        # Cut along the first dim: a strided or broadcast view (an expanded gradient) would
        # be copied whole by reshape(-1).
        parts, res = arrays, out
        step = max(1, _PIECE // max(1, int(np.prod(out.shape[1:]))))
    for start in range(0, len(res), step):
        piece = slice(start, start + step)
        res[piece] = fn(*[p[piece] for p in parts])
    return out


def erf(x, out=None):
    """The error function, elementwise, in x's floating dtype.

    float64 is accurate to 2 ulp; float32 and float16 are computed in float32, within a
    few float32 ulps of the correctly rounded value, as CUDA's erff. ``out`` (x's shape and
    dtype) may be ``x`` itself: each piece is read before it is written.

    Example::

        >>> float(erf(np.array(0.5)))
        0.5204998778130465
    """
    x = np.asarray(x)
    work = np.float64 if x.dtype == np.float64 else np.float32
    if out is None:
        out = np.empty(x.shape, x.dtype)
    return _in_pieces(lambda piece: _erf_flat(piece.astype(work)), out, x)


def _erf_flat(xw):
    """erf of a 1-d float32 or float64 array (a new array; xw may be overwritten)."""
    y = np.abs(xw)
    out = np.empty_like(xw)
    # Index arrays with take/put are several times faster than boolean-mask indexing.
    small = y <= 0.46875
    not_large = y <= 4.0
    middle = np.flatnonzero(not_large & ~small)
    large = np.flatnonzero(~not_large)              # also NaN and inf
    small = np.flatnonzero(small)
    if small.size:
        xs = xw.take(small)
        out.put(small, xs * _ratio(xs * xs, _ERF_A[:4], _ERF_B, _ERF_A[4]))
    if middle.size:
        ym = y.take(middle)
        r = _times_exp_minus_square(_ratio(ym, _ERF_C[:8], _ERF_D, _ERF_C[8]), ym)
        out.put(middle, np.copysign(1.0 - r, xw.take(middle)))
    if large.size:
        # erfc(30) underflows to 0; clipping there keeps inf out of the arithmetic.
        yl = np.minimum(y.take(large), 30.0)
        z = 1.0 / (yl * yl)
        r = z * _ratio(z, _ERF_P[:5], _ERF_Q, _ERF_P[5])
        r = _times_exp_minus_square((_ONE_OVER_SQRT_PI - r) / yl, yl)
        out.put(large, np.copysign(1.0 - r, xw.take(large)))
    return out


# ----------------------------------------------------------------------------- activation

@_reference
def relu_bwd(gy, y, gx=None):
    keep = np.less_equal(y, 0)
    np.logical_not(keep, out=keep)              # a NaN y passes gy, as in torch
    return _emit(_pass_or_zero(keep, gy), gx)


@_reference
def leaky_relu_fwd(x, negative_slope, y=None):
    # x * 1 == x exactly, so one multiply by a per-element factor computes both branches.
    r = _choose(np.greater(x, 0), 1, negative_slope, x.dtype)
    r *= x
    return _emit(r, y)


@_reference
def leaky_relu_bwd(gy, x, negative_slope, gx=None):
    factor = _choose(np.greater(x, 0), 1, negative_slope, x.dtype)
    if factor.shape == np.shape(gy):
        return _emit(np.multiply(gy, factor, out=factor), gx)
    return _emit(np.multiply(gy, factor), gx)


@_reference
def elu_fwd(x, alpha, scale, input_scale, y=None):
    t = x.dtype.type
    alpha, scale, input_scale = t(alpha), t(scale), t(input_scale)
    neg = np.multiply(x, input_scale)
    np.expm1(neg, out=neg)
    neg *= alpha * scale
    r = np.multiply(x, scale)
    np.copyto(r, neg, where=x <= 0)
    return _emit(r, y)


@_reference
def elu_bwd(gy, x, alpha, scale, input_scale, gx=None):
    t = x.dtype.type
    alpha, scale, input_scale = t(alpha), t(scale), t(input_scale)
    e = np.multiply(x, input_scale)
    np.exp(e, out=e)
    r = _new(x.dtype, gy, x)
    np.multiply(gy, input_scale, out=r)
    r *= alpha * scale
    r *= e
    linear = np.less_equal(x, 0)
    np.logical_not(linear, out=linear)              # NaN x takes the linear branch, as torch
    np.copyto(r, np.multiply(gy, scale), where=linear)
    return _emit(r, gx)


@_reference
def sigmoid_fwd(x, y=None):
    r = np.negative(x)
    np.exp(r, out=r)
    r += 1
    np.divide(1, r, out=r)
    return _emit(r, y)


@_reference
def sigmoid_bwd(gy, y, gx=None):
    r = _new(y.dtype, gy, y)
    np.subtract(1, y, out=r)
    np.multiply(gy, r, out=r)
    r *= y
    return _emit(r, gx)


@_reference
def tanh_fwd(x, y=None):
    return _emit(np.tanh(x), y)


@_reference
def tanh_bwd(gy, y, gx=None):
    r = _new(y.dtype, gy, y)
    np.multiply(y, y, out=r)
    np.subtract(y.dtype.type(1), r, out=r)      # 1 in the dtype: no conversion per call
    r *= gy
    return _emit(r, gx)


_SQRT1_2 = 0.70710678118654752440
_INV_SQRT_2PI = 0.39894228040143267794
_SQRT_2_PI = 0.79788456080286535588
_KAPPA = 0.044715


@_reference
def gelu_fwd(x, y=None):
    if x.size <= _PIECE:
        return _emit(_gelu_fwd(x), y)
    return _emit(_in_pieces(_gelu_fwd, np.empty(x.shape, x.dtype), x), y)


def _gelu_fwd(x):
    t = x.dtype.type
    c = np.multiply(x, t(_SQRT1_2))
    erf(c, out=c)
    c += 1
    r = np.multiply(x, t(0.5))
    r *= c
    return r


@_reference
def gelu_bwd(gy, x, gx=None):
    if x.size > _PIECE and np.shape(gy) == x.shape and getattr(gy, "dtype", None) == x.dtype:
        return _emit(_in_pieces(_gelu_bwd, np.empty(x.shape, x.dtype), gy, x), gx)
    return _emit(_gelu_bwd(gy, x), gx)


def _gelu_bwd(gy, x):
    t = x.dtype.type
    cdf = np.multiply(x, t(_SQRT1_2))
    erf(cdf, out=cdf)
    cdf += 1
    cdf *= t(0.5)
    pdf = np.multiply(x, x)
    pdf *= t(-0.5)
    np.exp(pdf, out=pdf)
    pdf *= t(_INV_SQRT_2PI)
    pdf *= x
    cdf += pdf
    del pdf
    if cdf.shape == np.shape(gy) and getattr(gy, "dtype", None) == cdf.dtype:
        return np.multiply(gy, cdf, out=cdf)
    return np.multiply(gy, cdf)


@_reference
def gelu_tanh_fwd(x, y=None):
    t = x.dtype.type
    inner = np.multiply(x, x)
    inner *= x
    inner *= t(_KAPPA)
    inner += x
    inner *= t(_SQRT_2_PI)
    np.tanh(inner, out=inner)
    inner += 1
    r = np.multiply(x, t(0.5))
    r *= inner
    return _emit(r, y)


@_reference
def gelu_tanh_bwd(gy, x, gx=None):
    t = x.dtype.type
    x_sq = np.multiply(x, x)
    th = np.multiply(x_sq, x)
    th *= t(_KAPPA)
    th += x
    th *= t(_SQRT_2_PI)
    np.tanh(th, out=th)
    left = np.add(th, 1)
    left *= t(0.5)
    np.multiply(th, th, out=th)
    np.subtract(1, th, out=th)                      # tanh' of the inner argument
    x_sq *= t(3) * t(_KAPPA)
    x_sq += 1
    x_sq *= t(_SQRT_2_PI)                           # derivative of the inner argument
    right = np.multiply(x, t(0.5))
    right *= th
    right *= x_sq
    left += right
    return _emit(np.multiply(gy, left), gx)


@_reference
def silu_fwd(x, y=None):
    d = np.negative(x)
    np.exp(d, out=d)
    d += 1
    np.divide(x, d, out=d)
    return _emit(d, y)


@_reference
def silu_bwd(gy, x, gx=None):
    s = np.negative(x)
    np.exp(s, out=s)
    s += 1
    np.divide(1, s, out=s)
    k = np.subtract(1, s)
    k *= x
    k += 1
    r = np.multiply(gy, s)
    r *= k
    return _emit(r, gx)


@_reference
def softplus_fwd(x, beta, threshold, y=None):
    t = x.dtype.type
    beta = t(beta)
    z = np.multiply(x, beta)
    linear = z > t(threshold)
    e = np.abs(z)
    np.negative(e, out=e)
    np.exp(e, out=e)
    np.log1p(e, out=e)
    np.maximum(z, 0, out=z)
    z += e
    z /= beta
    np.copyto(z, x, where=linear)
    return _emit(z, y)


@_reference
def softplus_bwd(gy, x, beta, threshold, gx=None):
    t = x.dtype.type
    z = np.multiply(x, t(beta))
    e = np.abs(z)
    np.negative(e, out=e)
    np.exp(e, out=e)
    d = np.add(e, 1)
    np.divide(e, d, out=e)                          # sigmoid(z) for z < 0
    np.divide(1, d, out=d)                          # sigmoid(z) for z >= 0
    np.copyto(e, d, where=z >= 0)
    r = np.multiply(gy, e)
    np.copyto(r, gy, where=z > t(threshold))
    return _emit(r, gx)


# -------------------------------------------------------------------------------- dropout

@_reference
def dropout_fwd(x, u, p, scale, mask=None, y=None):
    t = x.dtype.type
    keep = np.greater_equal(u, t(p))
    # x * 1 * scale == x * scale and x * 0 * scale == x * 0 exactly, so this equals
    # the kernel's x * (mask ? scale : 0), NaN included.
    r = np.multiply(x, keep)
    r *= t(scale)
    return _emit(keep, mask), _emit(r, y)


@_reference
def dropout_bwd(gy, mask, scale, gx=None):
    r = np.multiply(gy, mask)
    r *= gy.dtype.type(scale)
    return _emit(r, gx)


# ----------------------------------------------------------------------------------- loss

@_reference
def softmax_xent_bwd(p, target, cls, gy, scale, label_smoothing, num_classes, ignore_index,
                     gx=None):
    t = p.dtype.type
    smoothing = t(label_smoothing)
    off = smoothing / t(num_classes)
    on = off + (t(1) - smoothing)
    r = _choose(np.equal(cls, target), on, off, p.dtype)
    np.subtract(p, r, out=r)
    r *= np.multiply(gy, t(scale))
    return _emit(_pass_or_zero(np.not_equal(target, ignore_index), r), gx)


@_reference
def mse_bwd(x, y, gy, scale, gx=None):
    t = x.dtype.type
    r = _new(x.dtype, x, y, gy)
    np.subtract(x, y, out=r)
    r *= t(2) * t(scale)
    r *= gy
    return _emit(r, gx)


# ----------------------------------------------------------------------------------- misc

@_reference
def clamp_bwd(gy, x, lo, hi, gx=None):
    t = x.dtype.type
    inside = np.greater_equal(x, _scalar(lo, t))
    inside &= np.less_equal(x, _scalar(hi, t))
    return _emit(_pass_or_zero(inside, gy), gx)


@_reference
def where_bwd(cond, gy, gx=None, gother=None):
    return _emit(_pass_or_zero(cond, gy), gx), _emit(_pass_or_zero(~cond, gy), gother)


# ---------------------------------------------------------------------------------- optim
# sgd_update and adam_update: in their own module (blocked passes over big parameters).
from . import kernel_refs_optim  # noqa: E402,F401  (registers them)
