"""RMSprop: divide the gradient by a running root mean square of its recent values.

Example::

    >>> opt = gg.optim.RMSprop(model.parameters(), lr=1e-2, alpha=0.99)
"""
from ._arrays import effective_grad, lerp_, xp_of
from .optimizer import Optimizer, _check_nonnegative, _new_step_tensor, _step_value

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop as ``torch.optim.RMSprop`` (same order of operations, so float64 agrees).

    Per-parameter state: ``'step'``, ``'square_avg'``, plus ``'momentum_buffer'`` when
    ``momentum > 0`` and ``'grad_avg'`` when ``centered``. ``foreach`` and ``capturable``
    are accepted and ignored.

    Example::

        >>> w = gg.tensor([1.0], requires_grad=True)
        >>> opt = gg.optim.RMSprop([w], lr=0.01, centered=True)
        >>> (w * w).sum().backward(); opt.step()
    """

    _per_element_state = ("square_avg", "momentum_buffer", "grad_avg")

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        _check_nonnegative(lr, "learning rate")
        _check_nonnegative(eps, "epsilon value")
        _check_nonnegative(momentum, "momentum value")
        _check_nonnegative(weight_decay, "weight_decay value")
        _check_nonnegative(alpha, "alpha value")
        if differentiable:
            raise ValueError("differentiable=True is not supported by gpugrad optimizers")
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay,
                    "capturable": capturable, "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable}
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One RMSprop step on every parameter that has a gradient; returns closure's loss."""
        return self._run_step(closure)

    def _update(self, group, param, grad):
        state = self.state[param]
        momentum, centered = float(group["momentum"]), bool(group["centered"])
        if len(state) == 0:
            state["step"] = _new_step_tensor()
            state["square_avg"] = self._state_zeros_like(param)
            if momentum > 0:
                state["momentum_buffer"] = self._state_zeros_like(param)
            if centered:
                state["grad_avg"] = self._state_zeros_like(param)
        _step_value(state)
        p = param._data
        xp = xp_of(p)
        t = p.dtype.type
        alpha, lr = float(group["alpha"]), float(group["lr"])
        g = effective_grad(xp, grad, p, float(group["weight_decay"]), bool(group["maximize"]))
        square_avg = state["square_avg"]._data
        # square_avg = alpha * square_avg + (1 - alpha) * g * g, as mul_ then addcmul_.
        square_avg *= t(alpha)
        tmp = xp.multiply(g, t(1 - alpha))
        tmp *= g
        square_avg += tmp
        if centered:
            grad_avg = lerp_(xp, state["grad_avg"]._data, g, 1 - alpha)
            xp.multiply(grad_avg, t(-1), out=tmp)
            tmp *= grad_avg
            tmp += square_avg
            avg = xp.sqrt(tmp, out=tmp)
        else:
            avg = xp.sqrt(square_avg, out=tmp)
        avg += t(group["eps"])
        if momentum > 0:
            buf = state["momentum_buffer"]._data
            buf *= t(momentum)
            q = xp.divide(g, avg, out=avg)
            buf += q
            xp.multiply(buf, t(-lr), out=q)
            p += q
        else:
            q = xp.multiply(g, t(-lr))
            q /= avg
            p += q
