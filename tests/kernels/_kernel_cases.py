"""Arguments for every kernel in gpugrad/kernels/*.toml: random data plus edge values.

:func:`cases` yields ``(label, args)`` where args are what ``launch(name, *args)`` takes
(the inputs; for the in-place optimizer kernels also the state arrays they update). Edge
values (0, -0, +-1, +-inf, NaN, the smallest normal and subnormal numbers, large
magnitudes) sit at the front of every float array.
"""
import math

import numpy as np

N = 67          # odd, so no SIMD-width coincidences


def edge_values(dtype):
    dtype = np.dtype(dtype)
    info = np.finfo(dtype)
    big = 3e4 if dtype == np.float16 else 1e30
    return np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, big, -big, 30.0, -30.0,
                     float(info.tiny), -float(info.tiny), float(info.smallest_subnormal),
                     1e-3, -1e-3, 0.5, -0.5], dtype)


def floats(rng, dtype, shape=(N,), scale=3.0, edges=True, low=None, high=None):
    """Random floats of dtype; edge values first unless edges is False."""
    if low is not None:
        a = rng.uniform(low, high, size=shape)
    else:
        a = rng.standard_normal(shape) * scale
    a = a.astype(dtype)
    if edges:
        e = edge_values(dtype)
        flat = a.reshape(-1)
        k = min(len(e), flat.size)
        flat[:k] = e[:k]
    return a


def _bools(rng, shape=(N,)):
    return rng.random(shape) < 0.5


def _gy_x(name, dtype, rng):
    return [("random+edges", [floats(rng, dtype), floats(rng, dtype)])]


def _elu(name, dtype, rng):
    out = []
    settings = {"elu": (1.0, 1.0, 1.0), "selu": (1.6732632423543772, 1.0507009873554805, 1.0),
                "celu": (0.5, 1.0, 2.0)}
    for label, params in settings.items():
        x = floats(rng, dtype)
        args = [x, *params] if name == "elu_fwd" else [floats(rng, dtype), x, *params]
        out.append((label, args))
    return out


def _leaky(name, dtype, rng):
    out = []
    for slope in (0.01, 0.2, -0.5):
        x = floats(rng, dtype)
        args = [x, slope] if name == "leaky_relu_fwd" else [floats(rng, dtype), x, slope]
        out.append((f"slope={slope}", args))
    return out


def _softplus(name, dtype, rng):
    out = []
    for beta, threshold in ((1.0, 20.0), (2.0, 5.0), (0.5, 100.0)):
        x = floats(rng, dtype, scale=20.0)
        args = [x, beta, threshold] if name == "softplus_fwd" else \
            [floats(rng, dtype), x, beta, threshold]
        out.append((f"beta={beta},threshold={threshold}", args))
    return out


def _unary(name, dtype, rng):
    return [("random+edges", [floats(rng, dtype)])]


def _dropout_fwd(name, dtype, rng):
    out = []
    for p in (0.0, 0.3, 1.0):
        u = floats(rng, dtype, edges=False, low=0.0, high=1.0)
        u[:3] = [0.0, p, np.nextafter(np.asarray(p, dtype), np.asarray(0.0, dtype))]
        scale = 0.0 if p == 1.0 else 1.0 / (1.0 - p)
        out.append((f"p={p}", [floats(rng, dtype), u, p, scale]))
    return out


def _dropout_bwd(name, dtype, rng):
    return [(f"scale={s}", [floats(rng, dtype), _bools(rng), s]) for s in (1.0, 1 / 0.7, 0.0)]


def _softmax_xent(name, dtype, rng):
    out = []
    for shape, ls, per_row in (((N, 5), 0.0, False), ((N, 5), 0.1, False),
                               ((N, 7), 0.25, True), ((9, 4, 6), 0.1, False)):
        logits = rng.standard_normal(shape) * 3
        logits[0, 0] = 40.0                        # a saturated row
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p = (p / p.sum(axis=1, keepdims=True)).astype(dtype)
        c = shape[1]
        tshape = (shape[0], 1) + shape[2:]
        target = rng.integers(0, c, size=tshape).astype(np.int64)
        target.reshape(-1)[::5] = -100                 # ignored rows
        cls = np.arange(c, dtype=np.int64).reshape((1, c) + (1,) * (len(shape) - 2))
        gy = floats(rng, dtype, shape=tshape, edges=False) if per_row else \
            np.asarray(0.75, dtype)
        counted = int((target != -100).sum())
        scale = 1.0 if per_row else 1.0 / counted
        out.append((f"shape={shape},ls={ls},per_row={per_row}",
                    [p, target, cls, gy, scale, ls, c, -100]))
    return out


def _mse(name, dtype, rng):
    return [("mean", [floats(rng, dtype), floats(rng, dtype), np.asarray(1.5, dtype), 1.0 / N]),
            ("none", [floats(rng, dtype), floats(rng, dtype), floats(rng, dtype), 1.0])]


def _clamp(name, dtype, rng):
    out = []
    for lo, hi in ((-1.0, 1.0), (-math.inf, 0.5), (0.0, math.inf)):
        x = floats(rng, dtype)
        x[-4:] = [lo, hi, 0.25, -0.25]
        out.append((f"lo={lo},hi={hi}", [floats(rng, dtype), x, lo, hi]))
    return out


def _where(name, dtype, rng):
    return [("same-shape", [_bools(rng), floats(rng, dtype)]),
            ("broadcast", [_bools(rng, (7, 1)), floats(rng, dtype, shape=(1, 9))])]


SGD_SETTINGS = [
    # lr, momentum, dampening, weight_decay, nesterov, maximize, first_step
    (0.1, 0.0, 0.0, 0.0, False, False, False),
    (0.1, 0.0, 0.0, 1e-2, False, True, False),
    (0.05, 0.9, 0.0, 0.0, False, False, True),
    (0.05, 0.9, 0.1, 1e-2, False, False, False),
    (0.05, 0.9, 0.0, 1e-2, True, False, False),
    (0.05, 0.8, 0.0, 0.0, True, True, True),
]

ADAM_SETTINGS = [
    # lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad, maximize
    (1e-3, 0.9, 0.999, 1e-8, 0.0, False, False, False),
    (1e-2, 0.9, 0.999, 1e-8, 1e-2, False, False, False),
    (1e-2, 0.9, 0.999, 1e-8, 1e-2, True, False, False),
    (1e-2, 0.9, 0.99, 1e-6, 0.0, False, True, False),
    (1e-2, 0.3, 0.9, 1e-8, 1e-1, True, True, True),   # 1 - beta1 >= 0.5: lerp's other form
]


def adam_scalars(setting, step):
    """The scalar arguments of adam_update for a setting at a step count (from 1)."""
    lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad, maximize = setting
    return [lr, beta1, beta2, eps, weight_decay, 1 - beta1 ** step,
            (1 - beta2 ** step) ** 0.5, decoupled, amsgrad, maximize]


def _sgd(name, dtype, rng):
    out = []
    for setting in SGD_SETTINGS:
        param, buf = floats(rng, dtype, edges=False), floats(rng, dtype, edges=False)
        grad = floats(rng, dtype, edges=False)
        grad[:3] = [0.0, np.inf, np.nan]
        out.append((str(setting), [grad, *setting, param, buf]))
    return out


def _adam(name, dtype, rng):
    out = []
    for setting in ADAM_SETTINGS:
        grad = floats(rng, dtype, edges=False)
        grad[:3] = [0.0, 1e-30, np.nan]
        param, exp_avg = floats(rng, dtype, edges=False), floats(rng, dtype, edges=False)
        exp_avg_sq = np.abs(floats(rng, dtype, edges=False))
        max_sq = exp_avg_sq + np.abs(floats(rng, dtype, edges=False)) * (rng.random(N) < .5)
        out.append((str(setting), [grad, *adam_scalars(setting, 3), param, exp_avg,
                                   exp_avg_sq, max_sq.astype(dtype)]))
    return out


BUILDERS = {
    "relu_bwd": _gy_x, "leaky_relu_fwd": _leaky, "leaky_relu_bwd": _leaky,
    "elu_fwd": _elu, "elu_bwd": _elu, "sigmoid_fwd": _unary, "sigmoid_bwd": _gy_x,
    "tanh_fwd": _unary, "tanh_bwd": _gy_x, "gelu_fwd": _unary, "gelu_bwd": _gy_x,
    "gelu_tanh_fwd": _unary, "gelu_tanh_bwd": _gy_x, "silu_fwd": _unary, "silu_bwd": _gy_x,
    "softplus_fwd": _softplus, "softplus_bwd": _softplus,
    "dropout_fwd": _dropout_fwd, "dropout_bwd": _dropout_bwd,
    "softmax_xent_bwd": _softmax_xent, "mse_bwd": _mse,
    "clamp_bwd": _clamp, "where_bwd": _where,
    "sgd_update": _sgd, "adam_update": _adam,
}


def cases(name, dtype, seed=0):
    """[(label, args)] for kernel name with T = dtype; deterministic per (name, dtype)."""
    rng = np.random.default_rng([seed, sum(map(ord, name)), np.dtype(dtype).itemsize])
    return BUILDERS[name](name, np.dtype(dtype), rng)


def copy_args(args):
    """Copies of the array arguments (in-place kernels overwrite theirs)."""
    return [a.copy() if isinstance(a, np.ndarray) else a for a in args]
