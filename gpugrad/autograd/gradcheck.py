"""Numerical gradient checks: central differences in float64 against autograd.

Example::

    >>> x = gg.randn(3, dtype=gg.float64, requires_grad=True)
    >>> gg.autograd.gradcheck(gg.sin, (x,))
    True
"""
import numpy as np

from .engine import grad as _grad

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


def _numerical_jacobian(fn, inputs, out_index, eps):
    """d out[out_index] / d each differentiable input, by central differences."""
    from ..autograd.grad_mode import no_grad
    from ..tensor import _make
    jac = []
    for t in inputs:
        if not getattr(t, "_requires_grad", False):
            jac.append(None)
            continue
        data = t._data
        flat = data.reshape(-1)
        with no_grad():
            n_out = _outputs(fn, inputs)[out_index]._data.size
        xp = t._array_module
        j = np.zeros((flat.size, n_out))
        for k in range(flat.size):
            orig = flat[k].item()
            flat[k] = orig + eps
            with no_grad():
                plus = _to_host(_outputs(fn, inputs)[out_index]._data).astype(np.float64)
            flat[k] = orig - eps
            with no_grad():
                minus = _to_host(_outputs(fn, inputs)[out_index]._data).astype(np.float64)
            flat[k] = orig
            j[k] = ((plus - minus) / (2 * eps)).reshape(-1)
        jac.append(j)
    return jac


def _to_host(a):
    return a if type(a) is np.ndarray else a.get()


def _analytical_jacobian(fn, inputs, out_index, create_graph=False):
    from ..tensor import _make
    outs = _outputs(fn, inputs)
    out = outs[out_index]
    diff = [t for t in inputs if getattr(t, "_requires_grad", False)]
    n_out = out._data.size
    jac = [np.zeros((t._data.size, n_out)) if getattr(t, "_requires_grad", False) else None
           for t in inputs]
    if not out._requires_grad:
        return jac
    xp = out._array_module
    for k in range(n_out):
        g = xp.zeros(out._data.shape, dtype=out._data.dtype)
        g.reshape(-1)[k] = 1
        grads = _grad(out, diff, _make(g), retain_graph=True, allow_unused=True)
        it = iter(grads)
        for i, t in enumerate(inputs):
            if getattr(t, "_requires_grad", False):
                gi = next(it)
                if gi is not None:
                    jac[i][:, k] = _to_host(gi._data).astype(np.float64).reshape(-1)
    return jac


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              nondet_tol=0.0, check_undefined_grad=True, fast_mode=False, **kwargs):
    """Compare autograd's Jacobian of ``func`` with central differences (use float64 inputs).

    Returns True, or raises :class:`GradcheckError` (False with ``raise_exception=False``).
    """
    inputs = _tensors(inputs)
    for t in inputs:
        if getattr(t, "_requires_grad", False) and t._data.dtype != np.float64:
            import warnings
            warnings.warn("Input #0 requires gradient and is not a double precision floating "
                          "point. This check will likely fail if all the inputs are not of "
                          "double precision floating point. ", UserWarning, stacklevel=2)
    outs = _outputs(func, inputs)
    for oi in range(len(outs)):
        if not outs[oi]._requires_grad:
            continue
        num = _numerical_jacobian(func, inputs, oi, eps)
        ana = _analytical_jacobian(func, inputs, oi)
        for i, (n, a) in enumerate(zip(num, ana)):
            if n is None:
                continue
            if not np.allclose(a, n, rtol=rtol, atol=atol):
                msg = (f"Jacobian mismatch for output {oi} with respect to input {i},\n"
                       f"numerical:{n}\nanalytical:{a}\n")
                if raise_exception:
                    raise GradcheckError(msg)
                return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, **kwargs):
    """Check second derivatives: gradcheck of the function ``(inputs, v) -> vjp(func)``."""
    from ..tensor import _make
    inputs = _tensors(inputs)
    outs = _outputs(func, inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = tuple(
            _make(_like(o._data, rng.standard_normal(o._data.shape))).requires_grad_(True)
            for o in outs if o._requires_grad)
    else:
        grad_outputs = _tensors(grad_outputs)
    n_in = len(inputs)
    diff_idx = [i for i, t in enumerate(inputs) if getattr(t, "_requires_grad", False)]

    def vjp(*args):
        ins, gos = args[:n_in], args[n_in:]
        o = [x for x in _outputs(func, ins) if x._requires_grad]
        diff = [ins[i] for i in diff_idx]
        gs = _grad(o, diff, gos, create_graph=True, allow_unused=True)
        return tuple(g for g in gs if g is not None)

    return gradcheck(vjp, inputs + tuple(grad_outputs), eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)


def _like(ref, host):
    if type(ref) is np.ndarray:
        return host.astype(ref.dtype)
    import cupy
    return cupy.asarray(host, dtype=ref.dtype)
