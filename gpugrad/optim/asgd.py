"""ASGD: SGD with a decaying step size and a running average of the iterates.

Example::

    >>> opt = gg.optim.ASGD(model.parameters(), lr=1e-2, t0=100)
    >>> loss.backward(); opt.step(); opt.zero_grad()
    >>> averaged = opt.state[some_param]["ax"]    # the averaged parameter
"""
from ._arrays import effective_grad, xp_of
from ._scalar_state import new_scalar, scalar_value, set_scalar
from .optimizer import Optimizer, _check_nonnegative, _new_step_tensor, _step_value

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """ASGD as ``torch.optim.ASGD`` (same order of operations, so float64 agrees).

    Per-parameter state: ``'step'`` (on the cpu), ``'eta'`` and ``'mu'`` (0-d tensors in the
    scalar dtype on the parameter's device, whose rounding enters the update as in
    PyTorch) and ``'ax'``, the average of
    the iterates since step ``t0``. ``foreach`` and ``capturable`` are accepted and ignored.

    Example::

        >>> w = gg.tensor([1.0], requires_grad=True)
        >>> opt = gg.optim.ASGD([w], lr=0.1, lambd=0.0)
        >>> (w * w).sum().backward(); opt.step(); w
        tensor([0.8000], requires_grad=True)
    """

    _per_element_state = ("ax",)

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0,
                 foreach=None, maximize=False, differentiable=False, capturable=False):
        _check_nonnegative(lr, "learning rate")
        _check_nonnegative(weight_decay, "weight_decay value")
        if differentiable:
            raise ValueError("differentiable=True is not supported by gpugrad optimizers")
        defaults = {"lr": lr, "lambd": lambd, "alpha": alpha, "t0": t0,
                    "weight_decay": weight_decay, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One ASGD step on every parameter that has a gradient; returns closure's loss."""
        return self._run_step(closure)

    def _update(self, group, param, grad):
        state = self.state[param]
        lr, lambd = float(group["lr"]), float(group["lambd"])
        if len(state) == 0:
            state["step"] = _new_step_tensor()
            state["eta"] = new_scalar(lr, like=param)
            state["mu"] = new_scalar(1.0, like=param)
            state["ax"] = self._state_zeros_like(param)
        step = _step_value(state)
        p = param._data
        xp = xp_of(p)
        t = p.dtype.type
        g = effective_grad(xp, grad, p, float(group["weight_decay"]), bool(group["maximize"]))
        eta = scalar_value(state["eta"])
        p *= t(1 - lambd * eta)                  # decay term
        upd = xp.multiply(g, t(-eta))
        p += upd
        ax = state["ax"]._data
        mu = scalar_value(state["mu"])
        if mu != 1:
            xp.subtract(p, ax, out=upd)
            upd *= t(mu)
            ax += upd
        else:
            ax[...] = p
        set_scalar(state["eta"], lr / ((1 + lambd * lr * step) ** float(group["alpha"])))
        set_scalar(state["mu"], 1 / max(1, step - float(group["t0"])))
