"""NumPy references of the optimizer kernels (``gpugrad/kernels/optim.toml``).

Registered into :data:`kernel_refs.REFERENCES` like the others, and computed in the same
order of operations as the CUDA bodies (which follow torch's single-tensor steps), so that
float64 results equal torch's to rounding. Every pass writes into a buffer the update owns
(the ufunc's positional output, in place): one temporary per update, two with weight decay
or maximize.

Splitting a big parameter into cache-sized blocks does not pay on CPUs whose last-level
cache holds a model's parameters and state (each pass then reads from cache anyway, and the
ufunc calls per block add up), so the passes run over whole arrays; a big parameter is
split into one contiguous slice per thread instead (:mod:`cpu_threads`), as PyTorch splits
its elementwise ops over its intra-op threads.

Small parameters (biases, small layers) make the cost per call count as much as the passes:
each hyperparameter is rounded to the dtype once per update into a 0-d array (an operand a
ufunc takes about twice as fast as a Python or NumPy scalar, which it converts on every
call), and outputs are passed positionally, not as ``out=``. The updates do arithmetic that
can overflow, so they run with the error state set silent, as in ``kernel_refs``.
"""
import numpy as np

from .cpu_threads import split_elementwise
from .kernel_refs import REFERENCES, _reference


def _plus_scaled(g, a, alpha):
    """g + alpha * a in one new buffer."""
    r = np.multiply(a, alpha)
    np.add(r, g, r)
    return r


@_reference
def sgd_update(grad, lr, momentum, dampening, weight_decay, nesterov, maximize, first_step,
               param, momentum_buffer):
    # Hyperparameters are doubles: expressions of them are rounded to the dtype once.
    t = param.dtype
    lr, momentum, dampening, weight_decay = float(lr), float(momentum), float(dampening), \
        float(weight_decay)
    g = np.negative(grad) if maximize else grad
    if weight_decay != 0:
        g = _plus_scaled(g, param, np.array(weight_decay, t))
    tmp = None
    if momentum != 0:
        buf = momentum_buffer
        m = np.array(momentum, t)
        if first_step:
            np.copyto(buf, g)
        else:
            np.multiply(buf, m, buf)
            if dampening == 0:
                np.add(buf, g, buf)     # g * (1 - 0) is g exactly: one pass fewer
            else:
                tmp = np.multiply(g, np.array(1 - dampening, t))
                np.add(buf, tmp, buf)
        g = _plus_scaled(g, buf, m) if nesterov else buf
    np.add(param, np.multiply(g, np.array(-lr, t), tmp), param)
    return param, momentum_buffer


@_reference
def adam_update(grad, lr, beta1, beta2, eps, weight_decay, bias_correction1,
                bias_correction2_sqrt, decoupled, amsgrad, maximize,
                param, exp_avg, exp_avg_sq, max_exp_avg_sq):
    # Hyperparameters are doubles: expressions of them are rounded to the dtype once.
    t = param.dtype
    lr, beta1, beta2, weight_decay = float(lr), float(beta1), float(beta2), float(weight_decay)
    g = np.negative(grad) if maximize else grad
    if weight_decay != 0:
        if decoupled:
            np.multiply(param, np.array(1 - lr * weight_decay, t), param)
        else:
            g = _plus_scaled(g, param, np.array(weight_decay, t))
    tmp = np.subtract(g, exp_avg)
    w = np.array(1 - beta1, t)
    if abs(w) < 0.5:            # torch's lerp picks its formula by the weight
        np.multiply(tmp, w, tmp)
        np.add(exp_avg, tmp, exp_avg)
    else:
        np.multiply(tmp, np.array(t.type(1) - w), tmp)       # 1 - w, rounded in T
        np.subtract(g, tmp, exp_avg)
    np.multiply(exp_avg_sq, np.array(beta2, t), exp_avg_sq)
    np.multiply(g, np.array(1 - beta2, t), tmp)
    np.multiply(tmp, g, tmp)
    np.add(exp_avg_sq, tmp, exp_avg_sq)
    v = exp_avg_sq
    if amsgrad:
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)   # NaN wins, as torch
        v = max_exp_avg_sq
    np.sqrt(v, tmp)
    np.divide(tmp, np.array(bias_correction2_sqrt, t), tmp)
    np.add(tmp, np.array(eps, t), tmp)
    step = g if g is not grad else np.empty_like(tmp)     # reuse a buffer we own
    np.multiply(exp_avg, np.array(-(lr / bias_correction1), t), step)
    np.divide(step, tmp, step)
    np.add(param, step, param)
    return param, exp_avg, exp_avg_sq, max_exp_avg_sq


# Big parameters are updated in slices on several threads (see cpu_threads): the arrays are
# the gradient, the parameter and its state, each read and written element by element.
REFERENCES["sgd_update"] = split_elementwise(REFERENCES["sgd_update"], (0, 8, 9), (8, 9))
REFERENCES["adam_update"] = split_elementwise(REFERENCES["adam_update"], (0, 11, 12, 13, 14),
                                              (11, 12, 13, 14))
