"""NumPy references of the optimizer kernels (``gpugrad/kernels/optim.toml``).

Registered into :data:`kernel_refs.REFERENCES` like the others, and computed in the same
order of operations as the CUDA bodies (which follow torch's single-tensor steps), so that
float64 results equal torch's to rounding. Every pass writes into a buffer the update owns
(``out=``, in place): one temporary per update, two with weight decay or maximize.

Splitting a big parameter into cache-sized blocks does not pay on CPUs whose last-level
cache holds a model's parameters and state (each pass then reads from cache anyway, and the
ufunc calls per block add up), so the passes run over whole arrays.
"""
import numpy as np

from .kernel_refs import _reference


def _plus_scaled(g, a, alpha):
    """g + alpha * a in one new buffer."""
    r = np.multiply(a, alpha)
    r += g
    return r


@_reference
def sgd_update(grad, lr, momentum, dampening, weight_decay, nesterov, maximize, first_step,
               param, momentum_buffer):
    # Hyperparameters are doubles: expressions of them are rounded to the dtype once.
    t = param.dtype.type
    lr, momentum, dampening, weight_decay = float(lr), float(momentum), float(dampening), \
        float(weight_decay)
    g = np.negative(grad) if maximize else grad
    if weight_decay != 0:
        g = _plus_scaled(g, param, t(weight_decay))
    tmp = None
    if momentum != 0:
        buf = momentum_buffer
        if first_step:
            np.copyto(buf, g)
        else:
            buf *= t(momentum)
            if dampening == 0:
                buf += g        # g * (1 - 0) is g exactly: one pass fewer
            else:
                tmp = np.multiply(g, t(1 - dampening))
                buf += tmp
        g = _plus_scaled(g, buf, t(momentum)) if nesterov else buf
    param += np.multiply(g, t(-lr), out=tmp)
    return param, momentum_buffer


@_reference
def adam_update(grad, lr, beta1, beta2, eps, weight_decay, bias_correction1,
                bias_correction2_sqrt, decoupled, amsgrad, maximize,
                param, exp_avg, exp_avg_sq, max_exp_avg_sq):
    # Hyperparameters are doubles: expressions of them are rounded to the dtype once.
    t = param.dtype.type
    lr, beta1, beta2, weight_decay = float(lr), float(beta1), float(beta2), float(weight_decay)
    g = np.negative(grad) if maximize else grad
    if weight_decay != 0:
        if decoupled:
            param *= t(1 - lr * weight_decay)
        else:
            g = _plus_scaled(g, param, t(weight_decay))
    tmp = np.subtract(g, exp_avg)
    w = t(1 - beta1)
    if abs(w) < 0.5:            # torch's lerp picks its formula by the weight
        tmp *= w
        exp_avg += tmp
    else:
        tmp *= t(1) - w
        np.subtract(g, tmp, out=exp_avg)
    exp_avg_sq *= t(beta2)
    np.multiply(g, t(1 - beta2), out=tmp)
    tmp *= g
    exp_avg_sq += tmp
    v = exp_avg_sq
    if amsgrad:
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)   # NaN wins, as torch
        v = max_exp_avg_sq
    np.sqrt(v, out=tmp)
    tmp /= t(bias_correction2_sqrt)
    tmp += t(eps)
    step = g if g is not grad else np.empty_like(tmp)     # reuse a buffer we own
    np.multiply(exp_avg, t(-(lr / bias_correction1)), out=step)
    step /= tmp
    param += step
    return param, exp_avg, exp_avg_sq, max_exp_avg_sq
