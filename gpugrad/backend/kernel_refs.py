"""NumPy references of the kernels in ``gpugrad/kernels/*.toml``: the CPU backend runs these.

One function per kernel, named like it, taking its parameters in the same order (inputs,
then outputs). As with ``cupy.ElementwiseKernel``, outputs may be passed to be written in
place (the optimizer updates require them) and the result is the output or a tuple of
outputs. Each computes what the CUDA body computes, in the same order of operations and in
the array's dtype (scalars are cast to it first, as CuPy does), so the tests can hold the
two to a few ulps. Overflow and invalid operations are silent, as on the GPU.

Silence has a price: setting NumPy's error state costs a few hundred nanoseconds a call
(:func:`_quiet` keeps it as low as it goes), as much as the arithmetic on a small array. A
reference none of whose operations can raise a floating-point exception, whatever the input
(it compares, selects and copies bits, never floating-point arithmetic), is declared
``@_reference(fp_silent=True)`` and runs in the caller's error state, at no cost. The
declaration is checked, not trusted: ``tests/kernels/test_fp_silent.py`` runs each such
reference under ``np.errstate(all="raise")`` on infinities, NaN, huge, subnormal and zero
values.

They run on every CPU training step, on small arrays as on big ones, so they keep both the
temporaries and the NumPy calls few: results are built in one buffer, passed to each ufunc
as its positional output (``out=`` costs more per call); constants are 0-d arrays of the
operands' dtype, made once (:class:`_PerDtype`); gradient gates copy bits
(:func:`_zero_where`) rather than multiply or call ``np.where``.

Example::

    >>> import numpy as np
    >>> from gpugrad.backend.kernel_refs import REFERENCES
    >>> REFERENCES["relu_bwd"](np.array([1.0, 2.0]), np.array([-1.0, 3.0]))
    array([0., 2.])
"""
import functools

import numpy as np

REFERENCES = {}


def _reference(fn=None, *, fp_silent=False):
    """Register fn under its name, run with IEEE exceptions silent as in CUDA.

    ``@_reference(fp_silent=True)`` declares that no NumPy operation of fn can raise a
    floating-point exception, whatever the input: fn then runs in the caller's error state,
    not setting one. The registered function's ``fp_silent`` attribute holds the
    declaration, which the tests check on every such reference.
    """
    if fn is None:
        return functools.partial(_reference, fp_silent=fp_silent)
    call = fn if fp_silent else _quiet(fn)
    # Set the error state here rather than through call: a Python call less per kernel.
    inline = not fp_silent and _ERROR_STATE is not None

    @functools.wraps(fn)
    def run(*args):
        # A loop, not any() over a generator: this runs on every kernel call.
        for a in args:
            if type(a) is _ndarray and a.ndim == 0:
                return _run_0d(call, args)
        if inline:
            token = _ERROR_STATE.set(_IGNORE_ALL)
            try:
                return fn(*args)
            finally:
                _ERROR_STATE.reset(token)
        return call(*args)
    run.fp_silent = fp_silent
    REFERENCES[fn.__name__] = run
    return run


_ndarray = np.ndarray

try:
    # NumPy 2 keeps the error state in a context variable. np.errstate builds a new state
    # object on each call (most of its ~450 ns); the all-ignore one is built here once and
    # set the way np.errstate sets it, per thread and reentrant (the token restores the
    # caller's state). Besides the error modes it holds no error callback (an ignored
    # error calls none anyway) and NumPy's ufunc buffer size at import, which only chunks
    # the loops, never changes a result.
    from numpy._core._ufunc_config import _extobj_contextvar as _ERROR_STATE
    from numpy._core._ufunc_config import _make_extobj
    _IGNORE_ALL = _make_extobj(all="ignore", call=None)
except (ImportError, AttributeError, TypeError):     # NumPy 1, or these names changed
    _ERROR_STATE = None
# NumPy 2's errstate used as a decorator keeps its state per call (thread-safe, reentrant);
# NumPy 1's keeps it on the instance, so there each call enters its own.
_ERRSTATE_DECORATES = int(np.__version__.split(".")[0]) >= 2


def _quiet(fn):
    """fn, run with every floating-point error ignored."""
    if _ERROR_STATE is not None:
        def run(*args):
            token = _ERROR_STATE.set(_IGNORE_ALL)
            try:
                return fn(*args)
            finally:
                _ERROR_STATE.reset(token)
        return run
    if _ERRSTATE_DECORATES:
        return np.errstate(all="ignore")(fn)

    def run(*args):
        with np.errstate(all="ignore"):
            return fn(*args)
    return run


def _run_0d(call, args):
    """Run call on 1-element views of 0-d arrays: NumPy ufuncs turn 0-d results into
    scalars, which the references' output buffers cannot be."""
    all_0d = all(a.ndim == 0 for a in args if type(a) is np.ndarray)
    args = tuple(a.reshape(1) if type(a) is np.ndarray and a.ndim == 0 else a for a in args)
    out = call(*args)
    if not all_0d:
        return out
    if type(out) is tuple:
        return tuple(o.reshape(()) for o in out)
    return out.reshape(())


class _PerDtype(dict):
    """A constant as a 0-d array of each dtype asked for: ``_ONE[a.dtype]``.

    A ufunc takes a 0-d array of its operand's dtype in about half the time of a Python or
    NumPy scalar, which it converts on every call (and ``a.dtype.type(1)`` itself costs about
    as much as an operation on a small array), so each is made once per dtype, read-only
    unless ``writeable``. ``value`` is a number, rounded to the dtype as CuPy's ``(T)c``, or
    a function of the dtype's scalar type (for constants the kernels compute in T).
    """

    __slots__ = ("value", "writeable")

    def __init__(self, value, writeable=False):
        super().__init__()
        self.value = value
        self.writeable = writeable

    def __missing__(self, dtype):
        value = self.value(dtype.type) if callable(self.value) else self.value
        return self.setdefault(dtype, _constant(value, dtype, self.writeable))


def _constant(value, dtype, writeable=False):
    c = np.array(value, dtype)
    c.flags.writeable = writeable
    return c


_ZERO, _ONE, _HALF, _TWO = _PerDtype(0), _PerDtype(1), _PerDtype(0.5), _PerDtype(2)


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


# Up to this many elements _zero_where copies g and puts zeros (np.putmask: the fewest
# calls); past it the bitwise select wins, as putmask branches per element and a random
# mask (a ReLU's) mispredicts: at 64k elements it is ~10 times slower.
_PUTMASK_MAX = 2048
_INT_OF_SIZE = {2: np.dtype(np.int16), 4: np.dtype(np.int32), 8: np.dtype(np.int64)}
# np.putmask copies a read-only values array first (~200 ns); it never writes this one.
_PUT_ZERO = _PerDtype(0, writeable=True)


def _zero_where(drop, g):
    """drop ? 0 : g elementwise (broadcasting), in g's dtype: the kernels' gradient gate.

    Exact for every g, inf and NaN included, with +0 where dropped as in the kernels. It
    only copies bits, so it raises no floating-point exception (see fp_silent).
    """
    if g.size <= _PUTMASK_MAX and g.shape == drop.shape:
        r = g.copy()
        np.putmask(r, drop, _PUT_ZERO[g.dtype])
        return r
    bits = _INT_OF_SIZE.get(g.dtype.itemsize)
    if bits is None or g.dtype.kind != "f":
        return np.where(drop, _ZERO[g.dtype], g)
    # g & (drop - 1) on the bits: drop - 1 is all ones where kept and 0 where dropped.
    mask = drop.astype(bits)
    np.subtract(mask, _ONE[bits], mask)
    if mask.shape == g.shape:
        return np.bitwise_and(g.view(bits), mask, mask).view(g.dtype)
    return np.bitwise_and(g.view(bits), mask).view(g.dtype)       # broadcasting


def _choose(keep, if_true, if_false, t):
    """An array of keep ? if_true : if_false for two scalars, by table lookup (exact, and
    faster than np.where)."""
    return np.array([if_false, if_true], t).take(np.asarray(keep).view(np.uint8))


def _cast(value, dtype):
    # CuPy casts scalar arguments to the parameter's type (here a 0-d array of it).
    return np.array(value, dtype)


def _scalar(value, dtype):
    # As _cast, but arrays pass through.
    return value if isinstance(value, np.ndarray) else np.array(value, dtype)


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
_F32, _F64 = np.dtype(np.float32), np.dtype(np.float64)


def _ratio_table(num, den, lead):
    """_ratio's coefficients as 0-d arrays, per working dtype: (lead, num, den)."""
    return {t: (_constant(lead, t), tuple(_constant(a, t) for a in num),
                tuple(_constant(b, t) for b in den))
            for t in (_F32, _F64)}


_ERF_SMALL = _ratio_table(_ERF_A[:4], _ERF_B, _ERF_A[4])
_ERF_MIDDLE = _ratio_table(_ERF_C[:8], _ERF_D, _ERF_C[8])
_ERF_LARGE = _ratio_table(_ERF_P[:5], _ERF_Q, _ERF_P[5])
_SMALL_MAX, _MIDDLE_MAX, _CLIP = _PerDtype(0.46875), _PerDtype(4.0), _PerDtype(30.0)
_SIXTEEN, _ONE_OVER_SQRT_PI_T = _PerDtype(16.0), _PerDtype(_ONE_OVER_SQRT_PI)


def _ratio(z, table):
    """(..((lead*z + num[0])*z + ...)*z + num[-1]) / ((..(z + den[0])*z ..)*z + den[-1])."""
    # (Stacking numerator and denominator in one (2, n) array halves the calls, but a
    # broadcasting call costs twice a flat one on small arrays: no gain.)
    lead, num, den = table[z.dtype]
    n = np.multiply(z, lead)
    d = z.copy()
    for a, b in zip(num[:-1], den[:-1]):
        np.add(n, a, n)
        np.multiply(n, z, n)
        np.add(d, b, d)
        np.multiply(d, z, d)
    np.add(n, num[-1], n)
    np.add(d, den[-1], d)
    return np.divide(n, d, n)


def _times_exp_minus_square(r, y):
    # r * exp(-y*y), with y*y split so the rounding of the square is not magnified. Both
    # exponentials are taken in one (2, n) array: one call for the two.
    t = y.dtype
    e = np.empty((2, y.size), t)
    ysq, d = e
    np.multiply(y, _SIXTEEN[t], ysq)
    np.trunc(ysq, ysq)
    np.divide(ysq, _SIXTEEN[t], ysq)
    np.subtract(y, ysq, d)
    np.multiply(d, np.add(y, ysq), d)
    np.multiply(ysq, ysq, ysq)
    np.negative(e, e)
    np.exp(e, e)
    np.multiply(r, ysq, r)
    np.multiply(r, d, r)
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
    return _erf_or_erfc(x, out, False)


def erfc(x, out=None):
    """The complementary error function ``1 - erf(x)``, elementwise, with the same accuracy
    as :func:`erf` relative to erfc itself (no cancellation for large x: erfc(10) is
    2.09e-45, not 0).

    Example::

        >>> float(erfc(np.array(3.0)))
        2.209049699858544e-05
    """
    return _erf_or_erfc(x, out, True)


def _erf_or_erfc(x, out, complement):
    x = np.asarray(x)
    work = _F64 if x.dtype == _F64 else _F32
    if x.size <= _PIECE:
        # One piece: taken whole, as slicing it would cost more than its arithmetic.
        r = _erf_flat(x.reshape(-1).astype(work, copy=False), complement).reshape(x.shape)
        if out is None:
            return r.astype(x.dtype, copy=False)
        np.copyto(out, r)
        return out
    if out is None:
        out = np.empty(x.shape, x.dtype)
    return _in_pieces(lambda piece: _erf_flat(piece.astype(work, copy=False), complement),
                      out, x)


def _erf_flat(xw, complement=False):
    """erf (erfc with ``complement``) of a float32 or float64 array (a new array; xw is only
    read). Beyond the small range Cody's fits give erfc(|x|) itself; erf is 1 minus it."""
    t = xw.dtype
    y = np.abs(xw)
    out = np.empty_like(xw)
    # Index arrays with take/put are several times faster than boolean-mask indexing, and
    # ravel().nonzero() than np.flatnonzero.
    small = np.less_equal(y, _SMALL_MAX[t])
    not_large = np.less_equal(y, _MIDDLE_MAX[t])
    middle = np.logical_xor(not_large, small).ravel().nonzero()[0]   # small is not large
    large = np.logical_not(not_large).ravel().nonzero()[0]           # also NaN and inf
    small = small.ravel().nonzero()[0]
    if small.size:
        xs = xw.take(small)
        r = _ratio(np.multiply(xs, xs), _ERF_SMALL)
        np.multiply(xs, r, r)
        out.put(small, np.subtract(_ONE[t], r, r) if complement else r)
    if middle.size:
        ym = y.take(middle)
        r = _times_exp_minus_square(_ratio(ym, _ERF_MIDDLE), ym)
        out.put(middle, _from_erfc_of_abs(r, xw.take(middle), t, complement))
    if large.size:
        # erfc(30) underflows to 0; clipping there keeps inf out of the arithmetic.
        yl = np.minimum(y.take(large), _CLIP[t])
        z = np.multiply(yl, yl)
        np.divide(_ONE[t], z, z)
        r = _ratio(z, _ERF_LARGE)
        np.multiply(z, r, r)
        np.subtract(_ONE_OVER_SQRT_PI_T[t], r, r)
        np.divide(r, yl, r)
        r = _times_exp_minus_square(r, yl)
        out.put(large, _from_erfc_of_abs(r, xw.take(large), t, complement))
    return out


def _from_erfc_of_abs(r, x, t, complement):
    """erf(x) (or erfc(x) with ``complement``) from r = erfc(|x|), in place in r."""
    if complement:
        # erfc(-y) = 2 - erfc(y); NaN stays NaN either way.
        return np.where(np.signbit(x), np.subtract(_TWO[t], r), r)
    np.subtract(_ONE[t], r, r)
    return np.copysign(r, x, r)


# ----------------------------------------------------------------------------- activation

@_reference(fp_silent=True)
def relu_bwd(gy, y, gx=None):
    drop = np.less_equal(y, _ZERO[y.dtype])        # a NaN y passes gy, as in torch
    return _emit(_zero_where(drop, gy), gx)


@_reference
def leaky_relu_fwd(x, negative_slope, y=None):
    # x * 1 == x exactly, so one multiply by a per-element factor computes both branches.
    r = _choose(np.greater(x, _ZERO[x.dtype]), 1, negative_slope, x.dtype)
    np.multiply(r, x, r)
    return _emit(r, y)


@_reference
def leaky_relu_bwd(gy, x, negative_slope, gx=None):
    factor = _choose(np.greater(x, _ZERO[x.dtype]), 1, negative_slope, x.dtype)
    if factor.shape == np.shape(gy):
        return _emit(np.multiply(gy, factor, factor), gx)
    return _emit(np.multiply(gy, factor), gx)


@_reference
def elu_fwd(x, alpha, scale, input_scale, y=None):
    t = x.dtype
    alpha, scale, input_scale = _cast(alpha, t), _cast(scale, t), _cast(input_scale, t)
    neg = np.multiply(x, input_scale)
    np.expm1(neg, neg)
    np.multiply(neg, np.multiply(alpha, scale), neg)
    r = np.multiply(x, scale)
    np.copyto(r, neg, where=np.less_equal(x, _ZERO[t]))
    return _emit(r, y)


@_reference
def elu_bwd(gy, x, alpha, scale, input_scale, gx=None):
    t = x.dtype
    alpha, scale, input_scale = _cast(alpha, t), _cast(scale, t), _cast(input_scale, t)
    e = np.multiply(x, input_scale)
    np.exp(e, e)
    r = _new(t, gy, x)
    np.multiply(gy, input_scale, r)
    np.multiply(r, np.multiply(alpha, scale), r)
    np.multiply(r, e, r)
    linear = np.less_equal(x, _ZERO[t])
    np.logical_not(linear, linear)                  # NaN x takes the linear branch, as torch
    np.copyto(r, np.multiply(gy, scale), where=linear)
    return _emit(r, gx)


@_reference
def sigmoid_fwd(x, y=None):
    t = x.dtype
    r = np.negative(x)
    np.exp(r, r)
    np.add(r, _ONE[t], r)
    np.divide(_ONE[t], r, r)
    return _emit(r, y)


@_reference
def sigmoid_bwd(gy, y, gx=None):
    if type(gy) is _ndarray and gy.shape == y.shape:     # no broadcast buffer needed
        r = np.subtract(_ONE[y.dtype], y)
    else:
        r = np.subtract(_ONE[y.dtype], y, _new(y.dtype, gy, y))
    np.multiply(gy, r, r)
    np.multiply(r, y, r)
    return _emit(r, gx)


@_reference
def tanh_fwd(x, y=None):
    return np.tanh(x) if y is None else np.tanh(x, y)


@_reference
def tanh_bwd(gy, y, gx=None):
    if type(gy) is _ndarray and gy.shape == y.shape:     # no broadcast buffer needed
        r = np.multiply(y, y)
    else:
        r = np.multiply(y, y, _new(y.dtype, gy, y))
    np.subtract(_ONE[y.dtype], r, r)
    np.multiply(r, gy, r)
    return _emit(r, gx)


_SQRT1_2 = _PerDtype(0.70710678118654752440)
_INV_SQRT_2PI = _PerDtype(0.39894228040143267794)
_SQRT_2_PI = _PerDtype(0.79788456080286535588)
_KAPPA = _PerDtype(0.044715)
_THREE_KAPPA = _PerDtype(lambda t: t(3) * t(0.044715))     # (T)3 * (T)0.044715, in T
_MINUS_HALF = _PerDtype(-0.5)


@_reference
def gelu_fwd(x, y=None):
    if x.size <= _PIECE:
        return _emit(_gelu_fwd(x), y)
    return _emit(_in_pieces(_gelu_fwd, np.empty(x.shape, x.dtype), x), y)


def _gelu_fwd(x):
    t = x.dtype
    c = erf(np.multiply(x, _SQRT1_2[t]))
    np.add(c, _ONE[t], c)
    r = np.multiply(x, _HALF[t])
    return np.multiply(r, c, r)


@_reference
def gelu_bwd(gy, x, gx=None):
    if x.size > _PIECE and np.shape(gy) == x.shape and getattr(gy, "dtype", None) == x.dtype:
        return _emit(_in_pieces(_gelu_bwd, np.empty(x.shape, x.dtype), gy, x), gx)
    return _emit(_gelu_bwd(gy, x), gx)


def _gelu_bwd(gy, x):
    t = x.dtype
    cdf = erf(np.multiply(x, _SQRT1_2[t]))
    np.add(cdf, _ONE[t], cdf)
    np.multiply(cdf, _HALF[t], cdf)
    pdf = np.multiply(x, x)
    np.multiply(pdf, _MINUS_HALF[t], pdf)
    np.exp(pdf, pdf)
    np.multiply(pdf, _INV_SQRT_2PI[t], pdf)
    np.multiply(pdf, x, pdf)
    np.add(cdf, pdf, cdf)
    del pdf
    if type(gy) is _ndarray and gy.shape == cdf.shape and gy.dtype == t:
        return np.multiply(gy, cdf, cdf)
    return np.multiply(gy, cdf)


@_reference
def gelu_tanh_fwd(x, y=None):
    t = x.dtype
    inner = np.multiply(x, x)
    np.multiply(inner, x, inner)
    np.multiply(inner, _KAPPA[t], inner)
    np.add(inner, x, inner)
    np.multiply(inner, _SQRT_2_PI[t], inner)
    np.tanh(inner, inner)
    np.add(inner, _ONE[t], inner)
    r = np.multiply(x, _HALF[t])
    np.multiply(r, inner, r)
    return _emit(r, y)


@_reference
def gelu_tanh_bwd(gy, x, gx=None):
    t = x.dtype
    one = _ONE[t]
    x_sq = np.multiply(x, x)
    th = np.multiply(x_sq, x)
    np.multiply(th, _KAPPA[t], th)
    np.add(th, x, th)
    np.multiply(th, _SQRT_2_PI[t], th)
    np.tanh(th, th)
    left = np.add(th, one)
    np.multiply(left, _HALF[t], left)
    np.multiply(th, th, th)
    np.subtract(one, th, th)                        # tanh' of the inner argument
    np.multiply(x_sq, _THREE_KAPPA[t], x_sq)
    np.add(x_sq, one, x_sq)
    np.multiply(x_sq, _SQRT_2_PI[t], x_sq)          # derivative of the inner argument
    right = np.multiply(x, _HALF[t])
    np.multiply(right, th, right)
    np.multiply(right, x_sq, right)
    np.add(left, right, left)
    return _emit(np.multiply(gy, left), gx)


@_reference
def silu_fwd(x, y=None):
    d = np.negative(x)
    np.exp(d, d)
    np.add(d, _ONE[x.dtype], d)
    np.divide(x, d, d)
    return _emit(d, y)


@_reference
def silu_bwd(gy, x, gx=None):
    one = _ONE[x.dtype]
    s = np.negative(x)
    np.exp(s, s)
    np.add(s, one, s)
    np.divide(one, s, s)
    k = np.subtract(one, s)
    np.multiply(k, x, k)
    np.add(k, one, k)
    r = np.multiply(gy, s)
    np.multiply(r, k, r)
    return _emit(r, gx)


@_reference
def softplus_fwd(x, beta, threshold, y=None):
    t = x.dtype
    beta = _cast(beta, t)
    z = np.multiply(x, beta)
    linear = np.greater(z, _cast(threshold, t))
    e = np.abs(z)
    np.negative(e, e)
    np.exp(e, e)
    np.log1p(e, e)
    np.maximum(z, _ZERO[t], out=z)                  # positional: deprecated in NumPy 2.4
    np.add(z, e, z)
    np.divide(z, beta, z)
    np.copyto(z, x, where=linear)
    return _emit(z, y)


@_reference
def softplus_bwd(gy, x, beta, threshold, gx=None):
    t = x.dtype
    z = np.multiply(x, _cast(beta, t))
    e = np.abs(z)
    np.negative(e, e)
    np.exp(e, e)
    d = np.add(e, _ONE[t])
    np.divide(e, d, e)                              # sigmoid(z) for z < 0
    np.divide(_ONE[t], d, d)                        # sigmoid(z) for z >= 0
    np.copyto(e, d, where=np.greater_equal(z, _ZERO[t]))
    r = np.multiply(gy, e)
    np.copyto(r, gy, where=np.greater(z, _cast(threshold, t)))
    return _emit(r, gx)


# -------------------------------------------------------------------------------- dropout

@_reference
def dropout_fwd(x, u, p, scale, mask=None, y=None):
    t = x.dtype
    keep = np.greater_equal(u, _cast(p, t))
    # x * 1 * scale == x * scale and x * 0 * scale == x * 0 exactly, so this equals
    # the kernel's x * (mask ? scale : 0), NaN included.
    r = np.multiply(x, keep)
    np.multiply(r, _cast(scale, t), r)
    return _emit(keep, mask), _emit(r, y)


@_reference
def dropout_bwd(gy, mask, scale, gx=None):
    r = np.multiply(gy, mask)
    np.multiply(r, _cast(scale, gy.dtype), r)
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
    np.subtract(p, r, r)
    np.multiply(r, np.multiply(gy, _cast(scale, p.dtype)), r)
    return _emit(_zero_where(np.equal(target, ignore_index), r), gx)


@_reference
def mse_bwd(x, y, gy, scale, gx=None):
    t = x.dtype.type
    r = _new(x.dtype, x, y, gy)
    np.subtract(x, y, r)
    np.multiply(r, np.array(t(2) * t(scale)), r)
    np.multiply(r, gy, r)
    return _emit(r, gx)


# ----------------------------------------------------------------------------------- misc

@_reference
def clamp_bwd(gy, x, lo, hi, gx=None):
    # Not fp_silent: casting a bound to T can overflow (1e10 to float16).
    t = x.dtype
    drop = np.greater_equal(x, _scalar(lo, t))
    np.logical_and(drop, np.less_equal(x, _scalar(hi, t)), drop)
    np.logical_not(drop, drop)                      # outside [lo, hi], or NaN
    return _emit(_zero_where(drop, gy), gx)


@_reference(fp_silent=True)
def where_bwd(cond, gy, gx=None, gother=None):
    return _emit(_zero_where(~cond, gy), gx), _emit(_zero_where(cond, gy), gother)


# ---------------------------------------------------------------------------------- optim
# sgd_update and adam_update: in their own module (blocked passes over big parameters).
from . import kernel_refs_optim  # noqa: E402,F401  (registers them)
