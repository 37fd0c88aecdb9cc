"""NAdam: Adam with Nesterov momentum and a momentum-decay schedule.

Example::

    >>> opt = gg.optim.NAdam(model.parameters(), lr=2e-3, momentum_decay=4e-3)
    >>> loss.backward(); opt.step(); opt.zero_grad()
"""
from ._arrays import effective_grad, lerp_, xp_of
from ._scalar_state import new_scalar, scalar_value
from .optimizer import Optimizer, _check_nonnegative, _new_step_tensor, _step_value

__all__ = ["NAdam"]


def _check_betas(betas):
    if not 0.0 <= betas[0] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
    if not 0.0 <= betas[1] < 1.0:
        raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")


class NAdam(Optimizer):
    """NAdam as ``torch.optim.NAdam`` (same order of operations, so float64 agrees).

    Per-parameter state: ``'step'`` and ``'mu_product'`` (0-d cpu tensors in the scalar
    dtype), ``'exp_avg'`` and ``'exp_avg_sq'``. ``decoupled_weight_decay=True`` shrinks the
    parameter directly, as AdamW does. ``foreach`` and ``capturable`` are accepted and
    ignored.

    Example::

        >>> w = gg.tensor([1.0], requires_grad=True)
        >>> opt = gg.optim.NAdam([w], lr=0.1)
        >>> (w * w).sum().backward(); opt.step()
    """

    _per_element_state = ("exp_avg", "exp_avg_sq")

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 momentum_decay=4e-3, decoupled_weight_decay=False, *, foreach=None,
                 maximize=False, capturable=False, differentiable=False):
        _check_nonnegative(lr, "learning rate")
        _check_nonnegative(eps, "epsilon value")
        _check_betas(betas)
        _check_nonnegative(weight_decay, "weight_decay value")
        _check_nonnegative(momentum_decay, "momentum_decay value")
        if differentiable:
            raise ValueError("differentiable=True is not supported by gpugrad optimizers")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "momentum_decay": momentum_decay,
                    "decoupled_weight_decay": decoupled_weight_decay, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One NAdam step on every parameter that has a gradient; returns closure's loss."""
        return self._run_step(closure)

    def _update(self, group, param, grad):
        state = self.state[param]
        if len(state) == 0:
            state["step"] = _new_step_tensor()
            state["mu_product"] = new_scalar(1.0)
            state["exp_avg"] = self._state_zeros_like(param)
            state["exp_avg_sq"] = self._state_zeros_like(param)
        step = _step_value(state)
        p = param._data
        xp = xp_of(p)
        t = p.dtype.type
        beta1, beta2 = (float(b) for b in group["betas"])
        lr, wd = float(group["lr"]), float(group["weight_decay"])
        eps, momentum_decay = float(group["eps"]), float(group["momentum_decay"])
        bias_correction2 = 1 - beta2 ** step
        if wd != 0 and group["decoupled_weight_decay"]:
            p *= t(1 - lr * wd)
            g = effective_grad(xp, grad, p, 0.0, bool(group["maximize"]))
        else:
            g = effective_grad(xp, grad, p, wd, bool(group["maximize"]))
        # The momentum schedule, in double on the host as PyTorch computes it.
        mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
        mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
        mu_product = state["mu_product"]
        # In place, in the dtype mu_product has (float64 once loaded, as in PyTorch).
        mu_product._data *= mu_product._data.dtype.type(mu)
        mu_product_value = scalar_value(mu_product)
        mu_product_next = mu_product_value * mu_next
        exp_avg = lerp_(xp, state["exp_avg"]._data, g, 1 - beta1)
        exp_avg_sq = state["exp_avg_sq"]._data
        # exp_avg_sq.mul_(beta2).addcmul_(g, g, value=1 - beta2)
        exp_avg_sq *= t(beta2)
        tmp = xp.multiply(g, t(1 - beta2))
        tmp *= g
        exp_avg_sq += tmp
        denom = xp.divide(exp_avg_sq, t(bias_correction2))
        xp.sqrt(denom, out=denom)
        denom += t(eps)
        # param.addcdiv_(g, denom, value=c1); param.addcdiv_(exp_avg, denom, value=c2)
        xp.multiply(g, t(-lr * (1.0 - mu) / (1.0 - mu_product_value)), out=tmp)
        tmp /= denom
        p += tmp
        xp.multiply(exp_avg, t((-lr * mu_next) / (1.0 - mu_product_next)), out=tmp)
        tmp /= denom
        p += tmp
