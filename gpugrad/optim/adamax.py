"""Adamax: Adam with the infinity norm of past gradients in place of their second moment.

Example::

    >>> opt = gg.optim.Adamax(model.parameters(), lr=2e-3)
    >>> loss.backward(); opt.step(); opt.zero_grad()
"""
from ._arrays import effective_grad, lerp_, xp_of
from .nadam import _check_betas
from .optimizer import Optimizer, _check_nonnegative, _new_step_tensor, _step_value

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax as ``torch.optim.Adamax`` (same order of operations, so float64 agrees).

    Per-parameter state: ``'step'``, ``'exp_avg'`` and ``'exp_inf'``. ``foreach`` and
    ``capturable`` are accepted and ignored.

    Example::

        >>> w = gg.tensor([1.0], requires_grad=True)
        >>> opt = gg.optim.Adamax([w], lr=0.1)
        >>> (w * w).sum().backward(); opt.step(); w
        tensor([0.9000], requires_grad=True)
    """

    _per_element_state = ("exp_avg", "exp_inf")

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 foreach=None, *, maximize=False, differentiable=False, capturable=False):
        _check_nonnegative(lr, "learning rate")
        _check_nonnegative(eps, "epsilon value")
        _check_betas(betas)
        _check_nonnegative(weight_decay, "weight_decay value")
        if differentiable:
            raise ValueError("differentiable=True is not supported by gpugrad optimizers")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "capturable": capturable}
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One Adamax step on every parameter that has a gradient; returns closure's loss."""
        return self._run_step(closure)

    def _update(self, group, param, grad):
        state = self.state[param]
        if len(state) == 0:
            state["step"] = _new_step_tensor()
            state["exp_avg"] = self._state_zeros_like(param)
            state["exp_inf"] = self._state_zeros_like(param)
        step = _step_value(state)
        p = param._data
        xp = xp_of(p)
        t = p.dtype.type
        beta1, beta2 = (float(b) for b in group["betas"])
        g = effective_grad(xp, grad, p, float(group["weight_decay"]), bool(group["maximize"]))
        exp_avg = lerp_(xp, state["exp_avg"]._data, g, 1 - beta1)
        exp_inf = state["exp_inf"]._data
        exp_inf *= t(beta2)
        norm = xp.abs(g)
        norm += t(group["eps"])
        xp.maximum(exp_inf, norm, out=exp_inf)
        clr = float(group["lr"]) / (1 - beta1 ** step)
        xp.multiply(exp_avg, t(-clr), out=norm)     # param.addcdiv_(exp_avg, exp_inf, -clr)
        norm /= exp_inf
        p += norm
