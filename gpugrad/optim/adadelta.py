"""Adadelta: steps scaled by the ratio of running RMS of updates to running RMS of gradients.

Example::

    >>> opt = gg.optim.Adadelta(model.parameters())      # lr=1.0, rho=0.9
    >>> loss.backward(); opt.step(); opt.zero_grad()
"""
from ._arrays import effective_grad, xp_of
from .optimizer import Optimizer, _check_nonnegative, _new_step_tensor, _step_value

__all__ = ["Adadelta"]


class Adadelta(Optimizer):
    """Adadelta as ``torch.optim.Adadelta`` (same order of operations, so float64 agrees).

    Per-parameter state: ``'step'``, ``'square_avg'`` and ``'acc_delta'``. ``foreach`` and
    ``capturable`` are accepted and ignored.

    Example::

        >>> w = gg.tensor([1.0], requires_grad=True)
        >>> opt = gg.optim.Adadelta([w], rho=0.95)
        >>> (w * w).sum().backward(); opt.step()
    """

    _per_element_state = ("square_avg", "acc_delta")

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *,
                 capturable=False, maximize=False, differentiable=False):
        _check_nonnegative(lr, "learning rate")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        _check_nonnegative(eps, "epsilon value")
        _check_nonnegative(weight_decay, "weight_decay value")
        if differentiable:
            raise ValueError("differentiable=True is not supported by gpugrad optimizers")
        defaults = {"lr": lr, "rho": rho, "eps": eps, "weight_decay": weight_decay,
                    "maximize": maximize, "capturable": capturable, "foreach": foreach,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One Adadelta step on every parameter that has a gradient; returns closure's loss."""
        return self._run_step(closure)

    def _update(self, group, param, grad):
        state = self.state[param]
        if len(state) == 0:
            state["step"] = _new_step_tensor()
            state["square_avg"] = self._state_zeros_like(param)
            state["acc_delta"] = self._state_zeros_like(param)
        _step_value(state)
        p = param._data
        xp = xp_of(p)
        t = p.dtype.type
        rho, eps = float(group["rho"]), t(group["eps"])
        g = effective_grad(xp, grad, p, float(group["weight_decay"]), bool(group["maximize"]))
        square_avg, acc_delta = state["square_avg"]._data, state["acc_delta"]._data
        square_avg *= t(rho)
        tmp = xp.multiply(g, t(1 - rho))
        tmp *= g
        square_avg += tmp
        std = xp.add(square_avg, eps, out=tmp)
        xp.sqrt(std, out=std)
        delta = xp.add(acc_delta, eps)
        xp.sqrt(delta, out=delta)
        delta /= std
        delta *= g
        acc_delta *= t(rho)
        xp.multiply(delta, t(1 - rho), out=tmp)
        tmp *= delta
        acc_delta += tmp
        delta *= t(-float(group["lr"]))
        p += delta
