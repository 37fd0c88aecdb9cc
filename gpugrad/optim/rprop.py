"""Rprop: per-element step sizes that grow while the gradient keeps its sign and shrink when
it flips; only the sign of the gradient is used.

Example::

    >>> opt = gg.optim.Rprop(model.parameters(), lr=1e-2, etas=(0.5, 1.2))
    >>> loss.backward(); opt.step(); opt.zero_grad()
"""
from ._arrays import xp_of
from .optimizer import Optimizer, _check_nonnegative, _new_step_tensor, _step_value

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Rprop as ``torch.optim.Rprop`` (full-batch training; no weight decay, as in PyTorch).

    Per-parameter state: ``'step'``, ``'prev'`` (the last gradient used, zeroed where its
    sign flipped) and ``'step_size'`` (starting at ``lr``, kept within ``step_sizes``).
    ``foreach`` and ``capturable`` are accepted and ignored.

    Example::

        >>> w = gg.tensor([1.0, -1.0], requires_grad=True)
        >>> opt = gg.optim.Rprop([w], lr=0.1)
        >>> (w * w).sum().backward(); opt.step(); w
        tensor([ 0.9000, -0.9000], requires_grad=True)
    """

    _per_element_state = ("prev", "step_size")

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_nonnegative(lr, "learning rate")
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        if differentiable:
            raise ValueError("differentiable=True is not supported by gpugrad optimizers")
        defaults = {"lr": lr, "etas": etas, "step_sizes": step_sizes, "foreach": foreach,
                    "maximize": maximize, "differentiable": differentiable,
                    "capturable": capturable}
        super().__init__(params, defaults)

    def step(self, closure=None):
        """One Rprop step on every parameter that has a gradient; returns closure's loss."""
        return self._run_step(closure)

    def _update(self, group, param, grad):
        state = self.state[param]
        if len(state) == 0:
            state["step"] = _new_step_tensor()
            state["prev"] = self._state_zeros_like(param)
            state["step_size"] = self._state_zeros_like(param, float(group["lr"]))
        _step_value(state)
        p = param._data
        xp = xp_of(p)
        t = p.dtype.type
        etaminus, etaplus = (t(e) for e in group["etas"])
        step_size_min, step_size_max = group["step_sizes"]
        g = xp.negative(grad) if group["maximize"] else grad.copy()
        prev, step_size = state["prev"]._data, state["step_size"]._data
        sign = xp.sign(xp.multiply(g, prev))
        # Map the sign to the step-size factor: +1 -> etaplus, -1 -> etaminus, 0 -> 1.
        factor = xp.where(sign > 0, etaplus, xp.where(sign < 0, etaminus, t(1)))
        step_size *= factor
        xp.clip(step_size, t(step_size_min), t(step_size_max), out=step_size)
        # Where the sign flipped, skip this step and forget the gradient.
        g[factor == etaminus] = 0
        upd = xp.sign(g)
        upd *= step_size
        p -= upd
        prev[...] = g
