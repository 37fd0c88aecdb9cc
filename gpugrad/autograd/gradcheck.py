"""Numerical gradient checks: central differences in float64 against autograd.

Example::

    >>> x = gg.randn(3, dtype=gg.float64, requires_grad=True)
    >>> gg.autograd.gradcheck(gg.sin, (x,))
    True
"""
import warnings

import numpy as np

from .engine import grad as _grad
from .grad_mode import _tls

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck when analytical and numerical gradients disagree."""


def _tensors(inputs):
    from ..tensor import Tensor
    if isinstance(inputs, Tensor):
        return (inputs,)
    return tuple(inputs)


def _outputs(fn, inputs):
    from ..tensor import Tensor
    out = fn(*inputs)
    if isinstance(out, Tensor):
        return (out,)
    return tuple(o for o in out if isinstance(o, Tensor))


def _requires_grad(t):
    return getattr(t, "_requires_grad", False)


def _to_host(a):
    return a if type(a) is np.ndarray else a.get()


def _evaluate(fn, inputs):
    """All outputs of ``fn`` as flat float64 host arrays, computed without a graph."""
    prev = _tls.grad_enabled
    _tls.grad_enabled = False
    try:
        return [_to_host(o._data).astype(np.float64).reshape(-1) for o in _outputs(fn, inputs)]
    finally:
        _tls.grad_enabled = prev


def _numerical_jacobians(fn, inputs, eps):
    """``jac[i][o]``: d outputs[o] / d inputs[i] (rows: input elements), central differences."""
    sizes = [o.size for o in _evaluate(fn, inputs)]
    jac = []
    for t in inputs:
        if not _requires_grad(t):
            jac.append(None)
            continue
        # Perturb the tensor's own storage element by element (any layout, any device).
        data = t._data
        per_out = [np.zeros((data.size, n)) for n in sizes]
        for k in range(data.size):
            pos = np.unravel_index(k, data.shape) if data.ndim else ()
            orig = data[pos].item()
            data[pos] = orig + eps
            plus = _evaluate(fn, inputs)
            data[pos] = orig - eps
            minus = _evaluate(fn, inputs)
            data[pos] = orig
            for o, (p, m) in enumerate(zip(plus, minus)):
                per_out[o][k] = (p - m) / (2 * eps)
        jac.append(per_out)
    return jac


def _analytical_jacobians(outs, inputs):
    """``jac[i][o]`` from one backward per output element (a one-hot grad_output)."""
    from ..tensor import _make
    diff = [t for t in inputs if _requires_grad(t)]
    jac = [None if not _requires_grad(t) else [np.zeros((t._data.size, o._data.size))
                                               for o in outs] for t in inputs]
    for oi, out in enumerate(outs):
        if not out._requires_grad:
            continue
        xp = out._array_module
        for k in range(out._data.size):
            g = xp.zeros(out._data.size, dtype=out._data.dtype)
            g[k] = 1
            grads = _grad(out, diff, _make(g.reshape(out._data.shape)), retain_graph=True,
                          allow_unused=True)
            it = iter(grads)
            for i, t in enumerate(inputs):
                if _requires_grad(t):
                    gi = next(it)
                    if gi is not None:
                        jac[i][oi][:, k] = _to_host(gi._data).astype(np.float64).reshape(-1)
    return jac


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, fast_mode=False, **kwargs):
    """Compare autograd's Jacobian of ``func`` with central differences (use float64 inputs).

    Returns True, or raises :class:`GradcheckError` (False with ``raise_exception=False``).
    """
    inputs = _tensors(inputs)
    if not any(_requires_grad(t) for t in inputs):
        raise ValueError("gradcheck expects at least one input tensor to require gradient, "
                         "but none of the them have requires_grad=True.")
    for idx, t in enumerate(inputs):
        if _requires_grad(t) and t._data.dtype != np.float64:
            warnings.warn(f"Input #{idx} requires gradient and is not a double precision "
                          "floating point or complex. This check will likely fail if all the "
                          "inputs are not of double precision floating point or complex. ",
                          UserWarning, stacklevel=2)
    prev = _tls.grad_enabled
    _tls.grad_enabled = True
    try:
        outs = _outputs(func, inputs)
        ana = _analytical_jacobians(outs, inputs)
    finally:
        _tls.grad_enabled = prev
    num = _numerical_jacobians(func, inputs, eps)
    for i, (n_i, a_i) in enumerate(zip(num, ana)):
        if n_i is None:
            continue
        for oi, (n, a) in enumerate(zip(n_i, a_i)):
            if not outs[oi]._requires_grad:
                # A float output cut off from the graph must really not depend on the input
                # (as PyTorch's check); integer outputs are never differentiable.
                if outs[oi]._data.dtype.kind != "f" or np.allclose(n, 0, atol=atol):
                    continue
                if raise_exception:
                    raise GradcheckError("Numerical gradient for function expected to be "
                                         f"zero, got for output {oi} with respect to input "
                                         f"{i}:\n{n}\n")
                return False
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                if raise_exception:
                    raise GradcheckError(f"Jacobian mismatch for output {oi} with respect to "
                                         f"input {i},\nnumerical:{n}\nanalytical:{a}\n")
                return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, **kwargs):
    """Check second derivatives: gradcheck of the function ``(inputs, v) -> vjp(func)``."""
    from ..tensor import _make
    inputs = _tensors(inputs)
    prev = _tls.grad_enabled
    _tls.grad_enabled = True
    try:
        outs = _outputs(func, inputs)
    finally:
        _tls.grad_enabled = prev
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(
            _make(_like(o._data, rng.standard_normal(o._data.shape))).requires_grad_(True)
            for o in outs if o._requires_grad)
    else:
        grad_outputs = _tensors(grad_outputs)
    n_in = len(inputs)
    diff_idx = [i for i, t in enumerate(inputs) if _requires_grad(t)]

    def vjp(*args):
        ins, gos = args[:n_in], args[n_in:]
        # The vector-Jacobian product needs a graph even where gradcheck evaluates it
        # without one (its central differences).
        prev = _tls.grad_enabled
        _tls.grad_enabled = True
        try:
            o = [x for x in _outputs(func, ins) if x._requires_grad]
            diff = [ins[i] for i in diff_idx]
            gs = _grad(o, diff, gos, create_graph=True, allow_unused=True)
        finally:
            _tls.grad_enabled = prev
        return tuple(g for g in gs if g is not None)

    return gradcheck(vjp, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)


def _like(ref, host):
    if type(ref) is np.ndarray:
        return host.astype(ref.dtype)
    import cupy
    return cupy.asarray(host, dtype=ref.dtype)
