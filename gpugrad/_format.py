"""``repr`` of tensors in PyTorch's style: ``tensor([1.0000, 2.5000], requires_grad=True)``."""
import numpy as np

from . import dtypes as _dt


def _float_formatter(values):
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return lambda v: _special(v) or f"{v:.4f}"
    absmax = float(np.abs(finite).max())
    absmin = float(np.abs(finite[finite != 0]).min()) if np.any(finite != 0) else 0.0
    integral = bool(np.all(finite == np.round(finite)))
    if integral and absmax < 1e8:
        width = max(len(f"{v:.0f}.") for v in finite)
        return lambda v: (_special(v) or f"{v:.0f}.").rjust(width)
    if absmax >= 1e8 or (absmin and absmin < 1e-4) or (absmin and absmax / absmin > 1e3 and
                                                         absmax > 1e3):
        return lambda v: _special(v) or f"{v:.4e}"
    width = max(len(f"{v:.4f}") for v in finite)
    return lambda v: (_special(v) or f"{v:.4f}").rjust(width)


def _special(v):
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    return None


def format_array(a):
    """The body of a tensor's repr: nested brackets, PyTorch-like number format."""
    if a.dtype.kind == "f":
        fmt = _float_formatter(a.astype(np.float64).ravel())
        formatter = {"float_kind": lambda v: fmt(float(v))}
    elif a.dtype.kind == "b":
        formatter = {"bool": lambda v: "True" if v else "False"}
    else:
        formatter = None
    if a.ndim == 0:
        if formatter and "float_kind" in formatter:
            return formatter["float_kind"](a.item()).strip()
        return str(a.item())
    return np.array2string(a, separator=", ", formatter=formatter, prefix="tensor(",
                           threshold=1000, edgeitems=3, max_line_width=80)


def format_tensor(t):
    data = t._data
    dev = t.device
    if dev.type != "cpu":
        data = data.get()
    body = format_array(data)
    suffix = []
    if dev.type != "cpu":
        suffix.append(f"device='{dev.type}:{dev.index or 0}'")
    default_float = _dt.get_default_dtype().np_dtype
    if data.dtype not in (default_float, np.dtype(np.int64), np.dtype(np.bool_)) or \
            data.size == 0 and data.dtype != default_float:
        suffix.append(f"dtype={t.dtype!r}")
    if data.size == 0 and data.ndim > 1:
        suffix.insert(0, f"size={tuple(data.shape)}")
    if t.grad_fn is not None:
        suffix.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._requires_grad:
        suffix.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + s for s in suffix) + ")"
