"""L-BFGS: a quasi-Newton method that re-evaluates the model through a closure.

Example::

    >>> opt = gg.optim.LBFGS(model.parameters(), line_search_fn="strong_wolfe")
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = loss_fn(model(x), y)
    ...     loss.backward()
    ...     return loss
    >>> opt.step(closure)
"""
import numpy as np

from ..autograd.grad_mode import enable_grad, no_grad
from ..tensor import Tensor, _make
from ._arrays import xp_of
from ._strong_wolfe import strong_wolfe
from .optimizer import Optimizer, _check_nonnegative

__all__ = ["LBFGS"]

# State entries that hold arrays (wrapped as tensors between steps, as PyTorch keeps them).
_ARRAY_KEYS = ("d", "t", "H_diag", "prev_flat_grad")
_LIST_KEYS = ("old_dirs", "old_stps", "ro", "al")


class LBFGS(Optimizer):
    """L-BFGS as ``torch.optim.LBFGS``: one parameter group, a closure on every step.

    The state lives under the first parameter, with PyTorch's keys: ``'func_evals'``,
    ``'n_iter'``, ``'d'``, ``'t'``, ``'old_dirs'``, ``'old_stps'``, ``'ro'``, ``'H_diag'``,
    ``'prev_flat_grad'``, ``'prev_loss'`` and (after the second iteration) ``'al'``.
    All parameters must be on one device; it keeps ``history_size + 1`` flat copies of them.

    Example::

        >>> w = gg.tensor([3.0, -2.0], requires_grad=True)
        >>> opt = gg.optim.LBFGS([w], line_search_fn="strong_wolfe")
        >>> def closure():
        ...     opt.zero_grad(); loss = ((w - 1) ** 2).sum(); loss.backward(); return loss
        >>> opt.step(closure); w
        tensor([1., 1.], requires_grad=True)
    """

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7,
                 tolerance_change=1e-9, history_size=100, line_search_fn=None):
        _check_nonnegative(lr, "learning rate")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        defaults = {"lr": lr, "max_iter": max_iter, "max_eval": max_eval,
                    "tolerance_grad": tolerance_grad, "tolerance_change": tolerance_change,
                    "history_size": history_size, "line_search_fn": line_search_fn}
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        self._params = self.param_groups[0]["params"]

    # ------------------------------------------------------------------ flat views
    def _gather_flat_grad(self):
        # Checks every gradient (shape, dtype, device) before the caller changes anything.
        with_grad = {id(p): g for p, g in self._grads_of(self.param_groups[0])}
        views = []
        for p in self._params:
            g = with_grad.get(id(p))
            views.append(g.reshape(-1) if g is not None else xp_of(p._data).zeros(
                p._data.size, dtype=p._data.dtype))
        return xp_of(self._params[0]._data).concatenate(views)

    def _add_grad(self, step_size, update):
        offset = 0
        for p in self._params:
            data = p._data
            n = data.size
            # float(): the step may be a 0-d CuPy array, which NumPy scalars cannot take.
            data += update[offset:offset + n].reshape(data.shape) * data.dtype.type(
                float(step_size))
            p._version[0] += 1
            offset += n

    def _clone_param(self):
        return [p._data.copy() for p in self._params]

    def _set_param(self, params_data):
        for p, data in zip(self._params, params_data):
            p._data[...] = data
            p._version[0] += 1

    def _directional_evaluate(self, closure, x, t, d):
        self._add_grad(t, d)
        with enable_grad():
            loss = float(closure())
        flat_grad = self._gather_flat_grad()
        self._set_param(x)
        return loss, flat_grad

    # ------------------------------------------------------------------ step
    def step(self, closure):
        """Run up to ``max_iter`` L-BFGS iterations; ``closure`` re-evaluates the model,
        calls backward and returns the loss. Returns the loss of the first evaluation."""
        with no_grad():
            return self._step(closure)

    def _step(self, closure):
        group = self.param_groups[0]
        lr = float(group["lr"])
        max_iter, max_eval = group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        line_search_fn, history_size = group["line_search_fn"], group["history_size"]
        if line_search_fn is not None and line_search_fn != "strong_wolfe":
            # PyTorch says so only when it reaches the search; saying it first changes
            # nothing but keeps a bad option from leaving a half-done step.
            raise RuntimeError("only 'strong_wolfe' is supported")

        state = self.state[self._params[0]]
        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        flat_grad = self._gather_flat_grad()      # raises before anything has changed
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        current_evals = 1
        state["func_evals"] += 1
        if abs(flat_grad).max() <= tolerance_grad:
            return orig_loss

        d, t, H_diag, prev_flat_grad = (_unwrap(state.get(k)) for k in _ARRAY_KEYS)
        old_dirs, old_stps, ro = (_unwrap_list(state.get(k)) for k in _LIST_KEYS[:3])
        prev_loss = state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro = [], [], []
                H_diag = 1
            else:
                # Update the curvature pairs, keeping at most history_size of them.
                y = flat_grad - prev_flat_grad
                s = d * d.dtype.type(float(t))
                ys = y.dot(s)
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / y.dot(y)
                # Two-loop recursion for d = -H g.
                num_old = len(old_dirs)
                if "al" not in state:
                    state["al"] = [None] * history_size
                al = state["al"]
                q = -flat_grad
                for i in range(num_old - 1, -1, -1):
                    al[i] = old_stps[i].dot(q) * ro[i]
                    q += old_dirs[i] * (-al[i])
                d = r = q * H_diag
                for i in range(num_old):
                    be_i = old_dirs[i].dot(r) * ro[i]
                    r += old_stps[i] * (al[i] - be_i)

            if prev_flat_grad is None:
                prev_flat_grad = flat_grad.copy()
            else:
                prev_flat_grad[...] = flat_grad
            prev_loss = loss

            # The first step of all is scaled down, as PyTorch does.
            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / abs(flat_grad).sum()) * lr
            else:
                t = lr
            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:
                break

            ls_func_evals = 0
            if line_search_fn is not None:
                x_init = self._clone_param()

                def obj_func(x, step, direction):
                    return self._directional_evaluate(closure, x, step, direction)

                loss, flat_grad, t, ls_func_evals = strong_wolfe(
                    obj_func, x_init, t, d, loss, flat_grad, gtd,
                    max_ls=max_eval - current_evals)
                self._add_grad(t, d)
                opt_cond = abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_grad(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    with enable_grad():
                        loss = float(closure())
                    flat_grad = self._gather_flat_grad()
                    opt_cond = abs(flat_grad).max() <= tolerance_grad
                    ls_func_evals = 1
            current_evals += ls_func_evals
            state["func_evals"] += ls_func_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if abs(d * d.dtype.type(float(t))).max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state["d"] = _wrap(d)
        state["t"] = _wrap(t)
        state["old_dirs"] = [_wrap(v) for v in old_dirs]
        state["old_stps"] = [_wrap(v) for v in old_stps]
        state["ro"] = [_wrap(v) for v in ro]
        state["H_diag"] = _wrap(H_diag)
        state["prev_flat_grad"] = _wrap(prev_flat_grad)
        state["prev_loss"] = prev_loss
        if "al" in state:
            state["al"] = [_wrap(v) for v in state["al"]]
        return orig_loss


def _wrap(value):
    """An array or array scalar as a tensor (0-d for scalars); Python numbers as they are."""
    if isinstance(value, np.generic):          # np.float64 is also a float: test it first
        return _make(np.asarray(value))
    if value is None or isinstance(value, (int, float, Tensor)):
        return value
    return _make(value)


def _unwrap(value):
    return value._data if isinstance(value, Tensor) else value


def _unwrap_list(values):
    return None if values is None else [_unwrap(v) for v in values]
