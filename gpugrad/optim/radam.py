"""RAdam: Adam whose adaptive term is switched on once its variance is tractable.

Example::

    >>> opt = gg.optim.RAdam(model.parameters(), lr=1e-3)
    >>> loss.backward(); opt.step(); opt.zero_grad()
"""
from ._arrays import effective_grad, lerp_, xp_of
from .nadam import _check_betas
from .optimizer import Optimizer, _check_nonnegative, _new_step_tensor, _step_value

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam as ``torch.optim.RAdam`` (same order of operations, so float64 agrees).

    Per-parameter state: ``'step'``, ``'exp_avg'`` and ``'exp_avg_sq'``.
    ``decoupled_weight_decay=True`` shrinks the parameter directly, as AdamW does.
    ``foreach`` and ``capturable`` are accepted and ignored.

    Example::

        >>> w = gg.tensor([1.0], requires_grad=True)
        >>> opt = gg.optim.RAdam([w], lr=0.1)
        >>> (w * w).sum().backward(); opt.step(); w     # no adaptive term on early steps
        tensor([0.9000], requires_grad=True)
    """

    _per_element_state = ("exp_avg", "exp_avg_sq")

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False,
                 capturable=False, differentiable=False):
        _check_nonnegative(lr, "learning rate")
        _check_nonnegative(eps, "epsilon value")
        _check_betas(betas)
        _check_nonnegative(weight_decay, "weight_decay value")
        if differentiable:
            raise ValueError("differentiable=True is not supported by gpugrad optimizers")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "foreach": foreach, "capturable": capturable,
                    "decoupled_weight_decay": decoupled_weight_decay,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One RAdam step on every parameter that has a gradient; returns closure's loss."""
        return self._run_step(closure)

    def _update(self, group, param, grad):
        state = self.state[param]
        if len(state) == 0:
            state["step"] = _new_step_tensor()
            state["exp_avg"] = self._state_zeros_like(param)
            state["exp_avg_sq"] = self._state_zeros_like(param)
        step = _step_value(state)
        p = param._data
        xp = xp_of(p)
        t = p.dtype.type
        beta1, beta2 = (float(b) for b in group["betas"])
        lr, wd, eps = float(group["lr"]), float(group["weight_decay"]), float(group["eps"])
        if wd != 0 and group["decoupled_weight_decay"]:
            p *= t(1 - lr * wd)
            g = effective_grad(xp, grad, p, 0.0, bool(group["maximize"]))
        else:
            g = effective_grad(xp, grad, p, wd, bool(group["maximize"]))
        exp_avg = lerp_(xp, state["exp_avg"]._data, g, 1 - beta1)
        exp_avg_sq = state["exp_avg_sq"]._data
        exp_avg_sq *= t(beta2)
        tmp = xp.multiply(g, t(1 - beta2))
        tmp *= g
        exp_avg_sq += tmp
        bias_correction1 = 1 - beta1 ** step
        bias_correction2 = 1 - beta2 ** step
        # The length of the approximated simple moving average, in double on the host.
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
        update = xp.divide(exp_avg, t(bias_correction1))
        update *= t(lr)
        if rho_t > 5.0:
            rect = ((rho_t - 4) * (rho_t - 2) * rho_inf
                    / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
            xp.sqrt(exp_avg_sq, out=tmp)
            tmp += t(eps)
            xp.divide(t(bias_correction2 ** 0.5), tmp, out=tmp)   # adaptive learning rate
            update *= tmp
            update *= t(rect)
        p -= update
