"""Activations and the other functional forms behind gpugrad.nn's layers.

Elementwise activations run the fused kernels of ``kernels/activation.toml`` both ways. Each
backward kernel is a Function of its own whose backward is written in gpugrad ops, so
``create_graph=True`` works. Every op saves the cheapest thing its derivative reads: the
output where the derivative is a function of it. Dropout lives in ``ops/dropout.py``; linear,
bilinear, embedding and one_hot in ``ops/linear.py``.

Example::

    >>> import gpugrad.nn.functional as F
    >>> F.gelu(gg.tensor([0.0, 1.0]))
    tensor([0.0000, 0.8413])
"""
import math
import warnings

import numpy as np

from .. import dtypes as _dt
from ..autograd.function import Function
from ..autograd.grad_mode import _tls, no_grad
from ..backend import get_array_module
from ..backend.kernels import SPECS, launch
from ..tensor import _wrap_dim
from ._util import register_methods
from .arithmetic import where
from .padding import pad  # noqa: F401  (F.pad lives in ops/padding.py)
from .unary import relu, sigmoid, tanh

__all__ = ["relu", "relu_", "leaky_relu", "leaky_relu_", "elu", "elu_", "selu", "celu", "gelu",
           "silu", "mish", "softplus", "hardtanh", "hardtanh_", "relu6", "hardsigmoid",
           "hardswish", "logsigmoid", "softsign", "tanhshrink", "prelu", "sigmoid", "tanh",
           "softmax", "log_softmax", "softmin", "pad", "normalize", "cosine_similarity"]


def check_float(name, x):
    """PyTorch's error for an op that has no integer kernel."""
    if x.dtype.kind != "f":
        raise NotImplementedError(f"\"{name}\" not implemented for '{_dt.torch_name(x.dtype)}'")


def _run(name, *args):
    """launch(name, ...), through float32 for float16 arrays where the kernel lacks float16."""
    x = args[0]
    if x.dtype == np.float16 and "float16" not in SPECS[name].dtypes:
        up = [a.astype(np.float32) if getattr(a, "dtype", None) == np.float16 else a
              for a in args]
        out = launch(name, *up)
        return out.astype(np.float16)
    return launch(name, *args)


def _inplace(input, fn, *args):
    """Run ``fn(input, *args)`` as an in-place update of input (PyTorch's ``inplace=True``)."""
    from .copy import (_Method, _adopt_history, _check_inplace, _inplace_on_view,
                       _protect_saved, _snapshot, _write)
    _check_inplace(input)
    if not (_tls.grad_enabled and input._requires_grad):
        with no_grad():
            result = fn(input, *args)
        _write(input, result._data)
        return input
    if input._base is not None:
        return _inplace_on_view(input, input._base, _Method(fn, args, {}), ())
    snap = _snapshot(input)
    result = fn(snap, *args)
    _protect_saved(result, snap)
    _write(input, result._data)
    _adopt_history(input, result)
    return input


# ------------------------------------------------------------------ fused pointwise activations
def _pointwise(name, fwd, bwd, second=None, save_output=None):
    """A Function pair: ``y = fwd(x, *params)`` and its backward ``bwd(g, s, *params)``.

    ``s`` is the output when ``save_output(*params)`` says the derivative can be read from
    it, else the input. ``second(G, g, s, *params)`` is the gradient of the backward with
    respect to ``s`` (None: zero almost everywhere), written in gpugrad ops.
    """
    def forward(ctx, x, *params):
        check_float(name, x)
        y = _run(fwd, x, *params)
        ctx.params = params
        ctx.save_for_backward(y if save_output and save_output(*params) else x)
        return y

    def backward(ctx, g):
        s, = ctx.saved_tensors
        return (grad_cls.apply(g, s, *ctx.params),) + (None,) * len(ctx.params)

    def grad_forward(ctx, g, s, *params):
        ctx.params = params
        keep_g = second is not None and ctx.needs_input_grad[1]
        ctx.save_for_backward(g if keep_g else None, s)
        return _run(bwd, g, s, *params)

    def grad_backward(ctx, gg_):
        g, s = ctx.saved_tensors
        need = ctx.needs_input_grad
        dg = grad_cls.apply(gg_, s, *ctx.params) if need[0] else None
        ds = second(gg_, g, s, *ctx.params) if need[1] and second is not None else None
        return (dg, ds) + (None,) * len(ctx.params)

    attrs = {"_array_forward": True, "_builtin": True}
    cls = type(name, (Function,), dict(attrs, forward=staticmethod(forward),
                                       backward=staticmethod(backward)))
    grad_cls = type(name + "Backward", (Function,), dict(
        attrs, forward=staticmethod(grad_forward), backward=staticmethod(grad_backward)))
    return cls


def _elu_second(G, g, x, alpha, scale, input_scale):
    # Clamped so that the unselected branch stays finite (no inf * 0 in higher orders).
    curve = (x.clamp_max(0.0) * input_scale).exp() * (input_scale * input_scale * alpha * scale)
    return where(x <= 0, G * g * curve, 0.0)


def _gelu_second(G, g, x):
    pdf = (x * x * -0.5).exp() * (1 / math.sqrt(2 * math.pi))
    return G * g * pdf * (2 - x * x)


_K, _C = math.sqrt(2 / math.pi), 0.044715


def _gelu_tanh_second(G, g, x):
    x2 = x * x
    t = ((x + _C * x2 * x) * _K).tanh()
    du = (1 + 3 * _C * x2) * _K
    return G * g * (1 - t * t) * (du + 3 * _C * _K * x2 - x * t * du * du)


def _silu_second(G, g, x):
    s = sigmoid(x)
    return G * g * s * (1 - s) * (2 + x * (1 - 2 * s))


def _softplus_second(G, g, x, beta, threshold):
    s = sigmoid(x * beta)
    return where(x * beta > threshold, 0.0, G * g * s * (1 - s) * beta)


LeakyRelu = _pointwise("LeakyRelu", "leaky_relu_fwd", "leaky_relu_bwd",
                       save_output=lambda slope: slope >= 0)
Elu = _pointwise("Elu", "elu_fwd", "elu_bwd", _elu_second)
Gelu = _pointwise("Gelu", "gelu_fwd", "gelu_bwd", _gelu_second)
GeluTanh = _pointwise("GeluTanh", "gelu_tanh_fwd", "gelu_tanh_bwd", _gelu_tanh_second)
Silu = _pointwise("Silu", "silu_fwd", "silu_bwd", _silu_second)
Softplus = _pointwise("Softplus", "softplus_fwd", "softplus_bwd", _softplus_second)

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _maybe_inplace(input, inplace, fn, *args):
    return _inplace(input, fn, *args) if inplace else fn(input, *args)


def relu_(input):
    """In-place :func:`relu`."""
    return input.relu_()


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """``x`` where positive, else ``negative_slope * x``.

    Example::

        >>> F.leaky_relu(gg.tensor([-1.0, 2.0]), 0.1)
        tensor([-0.1000,  2.0000])
    """
    return _maybe_inplace(input, inplace, LeakyRelu.apply, float(negative_slope))


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, True)


def elu(input, alpha=1.0, inplace=False):
    """``x`` where positive, else ``alpha * (exp(x) - 1)``."""
    return _maybe_inplace(input, inplace, Elu.apply, float(alpha), 1.0, 1.0)


def elu_(input, alpha=1.0):
    return elu(input, alpha, True)


def selu(input, inplace=False):
    """Scaled ELU with the self-normalising constants."""
    return _maybe_inplace(input, inplace, Elu.apply, _SELU_ALPHA, _SELU_SCALE, 1.0)


def celu(input, alpha=1.0, inplace=False):
    """``max(0, x) + min(0, alpha * (exp(x / alpha) - 1))``."""
    return _maybe_inplace(input, inplace, Elu.apply, float(alpha), 1.0, 1.0 / alpha)


def gelu(input, approximate="none"):
    """``x * Phi(x)``; ``approximate='tanh'`` uses the tanh formula."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return (Gelu if approximate == "none" else GeluTanh).apply(input)


def silu(input, inplace=False):
    """``x * sigmoid(x)`` (swish)."""
    return _maybe_inplace(input, inplace, Silu.apply)


def softplus(input, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta * x)) / beta``, linear where ``beta * x > threshold``."""
    return Softplus.apply(input, float(beta), float(threshold))


def mish(input, inplace=False):
    """``x * tanh(softplus(x))``."""
    return _maybe_inplace(input, inplace, lambda x: x * tanh(softplus(x)))


# ------------------------------------------------------------------ composite activations
class Hardtanh(Function):
    """``clamp(x, min_val, max_val)``; the gradient passes strictly inside, as torch's."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, lo, hi):
        # PyTorch clamps integer tensors too; bool and unsigned-below-zero are its errors.
        if x.dtype.kind == "b":
            raise RuntimeError("Bool inputs not supported for hardtanh")
        if x.dtype.kind == "u" and int(lo) < 0:
            raise RuntimeError("cannot do hardtanh on an unsigned type with negative limits")
        y = get_array_module(x).clip(x, lo, hi).astype(x.dtype, copy=False)
        # lo < y < hi exactly where lo < x < hi: the output is all backward needs.
        ctx.bounds = (lo, hi)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        lo, hi = ctx.bounds
        return where((y > lo) & (y < hi), g, 0.0), None, None


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """Clamp to ``[min_val, max_val]``."""
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _maybe_inplace(input, inplace, Hardtanh.apply, float(min_val), float(max_val))


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, True)


def relu6(input, inplace=False):
    """``min(max(0, x), 6)``."""
    return hardtanh(input, 0.0, 6.0, inplace)


def hardsigmoid(input, inplace=False):
    """``relu6(x + 3) / 6``."""
    check_float("hardsigmoid_cpu", input._data)
    return _maybe_inplace(input, inplace, lambda x: Hardtanh.apply(x + 3.0, 0.0, 6.0) / 6.0)


def hardswish(input, inplace=False):
    """``x * relu6(x + 3) / 6``."""
    check_float("hardswish_cpu", input._data)
    return _maybe_inplace(input, inplace,
                          lambda x: x * Hardtanh.apply(x + 3.0, 0.0, 6.0) / 6.0)


class LogSigmoid(Function):
    """``log(sigmoid(x))`` computed as ``min(x, 0) - log1p(exp(-|x|))``: never overflows."""
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x):
        check_float("log_sigmoid_forward", x)
        xp = get_array_module(x)
        ctx.save_for_backward(x)
        return (xp.minimum(x, 0) - xp.log1p(xp.exp(-xp.abs(x)))).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * sigmoid(-x)


def logsigmoid(input):
    """``log(1 / (1 + exp(-x)))``, stable for large ``|x|``."""
    return LogSigmoid.apply(input)


def softsign(input):
    """``x / (1 + |x|)``."""
    return input / (input.abs() + 1)


def tanhshrink(input):
    """``x - tanh(x)``."""
    return input - tanh(input)


def prelu(input, weight):
    """Leaky ReLU with a learned slope per channel (dim 1), or one shared slope."""
    from ..autograd import function as _function
    if _function._autocast_hook is not None:    # autocast: both inputs in float16
        input, weight = _function._autocast_hook("prelu", (input, weight))
    if weight.numel() != 1:
        shape = [1] * input.ndim
        shape[1 if input.ndim > 1 else 0] = weight.numel()
        weight = weight.reshape(shape)
    return where(input > 0, input, weight * input)


# ------------------------------------------------------------------ softmax
def _softmax_dim(name, ndim, dim, stacklevel):
    if dim is not None:
        return dim
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def _softmax_axis(x, dim):
    """The array axis, and the dim backward reduces over (None for a 0-d input)."""
    if x.ndim == 0:
        _wrap_dim(dim, 0)
        return None, None
    d = _wrap_dim(dim, x.ndim)
    return d, d


def _shifted_by_max(ctx, name, x, dim):
    """(xp, axis, x - max along axis) for softmax and log_softmax; a copy of an empty x.

    Records the wrapped dim on ctx. Shifting by the max keeps exp in range for any magnitude.
    """
    check_float(name, x)
    xp = get_array_module(x)
    axis, ctx.dim = _softmax_axis(x, dim)
    if x.size == 0:
        return xp, axis, x.copy()
    # xp.asarray: for 0-d input NumPy gives a scalar.
    return xp, axis, xp.asarray(x - x.max(axis=axis, keepdims=True))


class Softmax(Function):
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, dim):
        xp, axis, y = _shifted_by_max(ctx, "softmax_lastdim_kernel_impl", x, dim)
        if x.size:
            xp.exp(y, out=y)
            y /= y.sum(axis=axis, keepdims=True)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        gy = g * y
        return gy - y * gy.sum(ctx.dim, keepdim=True), None


class LogSoftmax(Function):
    _array_forward = True
    _builtin = True

    @staticmethod
    def forward(ctx, x, dim):
        xp, axis, y = _shifted_by_max(ctx, "log_softmax_lastdim_kernel_impl", x, dim)
        if x.size:
            y -= xp.log(xp.exp(y).sum(axis=axis, keepdims=True))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return g - y.exp() * g.sum(ctx.dim, keepdim=True), None


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``exp(x) / sum(exp(x))`` along ``dim``, stable for large magnitudes.

    Example::

        >>> F.softmax(gg.tensor([0.0, 0.0]), dim=0)
        tensor([0.5000, 0.5000])
    """
    dim = _softmax_dim("softmax", input.ndim, dim, _stacklevel)
    return Softmax.apply(input if dtype is None else input.to(dtype), dim)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``x - logsumexp(x)`` along ``dim``, stable for large magnitudes."""
    dim = _softmax_dim("log_softmax", input.ndim, dim, _stacklevel)
    return LogSoftmax.apply(input if dtype is None else input.to(dtype), dim)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """``softmax(-x)`` along ``dim``."""
    dim = _softmax_dim("softmin", input.ndim, dim, _stacklevel)
    return Softmax.apply(-(input if dtype is None else input.to(dtype)), dim)

# ------------------------------------------------------------------ normalize, cosine
def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """``input / max(||input||_p, eps)`` along ``dim``."""
    return input / input.norm(p, dim, keepdim=True).clamp_min(eps)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim`` (norms clamped to eps)."""
    def unit(x):
        n = x.norm(2, dim, keepdim=True)
        # torch clamps the norm in place under no_grad: the value is clamped, the
        # gradient flows as if it were not.
        nd = n.detach()
        return x / (n + (nd.clamp_min(eps) - nd))
    return (unit(x1) * unit(x2)).sum(dim)


register_methods(
    softmax=lambda self, dim, dtype=None: softmax(self, dim, dtype=dtype),
    log_softmax=lambda self, dim, dtype=None: log_softmax(self, dim, dtype=dtype),
)
