"""Adagrad: per-element learning rates that shrink with the sum of squared gradients.

Example::

    >>> opt = gg.optim.Adagrad(model.parameters(), lr=1e-2, lr_decay=1e-4)
"""
from ._arrays import effective_grad, xp_of
from .optimizer import (Optimizer, _check_fused, _check_nonnegative, _new_step_tensor,
                        _step_value)

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad as ``torch.optim.Adagrad`` (dense gradients).

    Per-parameter state, made when the parameter is added (as in PyTorch): ``'step'`` and
    ``'sum'`` (filled with ``initial_accumulator_value``). ``foreach`` and ``fused`` are
    accepted and ignored.

    Example::

        >>> w = gg.tensor([1.0], requires_grad=True)
        >>> opt = gg.optim.Adagrad([w], lr=0.1)
        >>> (w * w).sum().backward(); opt.step(); w
        tensor([0.9000], requires_grad=True)
    """

    _per_element_state = ("sum",)

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check_nonnegative(lr, "learning rate")
        _check_nonnegative(lr_decay, "lr_decay value")
        _check_nonnegative(weight_decay, "weight_decay value")
        _check_nonnegative(initial_accumulator_value, "initial_accumulator_value value")
        _check_nonnegative(eps, "epsilon value")
        if differentiable:
            raise ValueError("differentiable=True is not supported by gpugrad optimizers")
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value,
                    "foreach": foreach, "maximize": maximize,
                    "differentiable": differentiable, "fused": fused}
        super().__init__(params, defaults)
        _check_fused(fused, foreach)

    def add_param_group(self, param_group):
        group = super().add_param_group(param_group)
        for p in group["params"]:
            self._init_state(group, p)
        return group

    def _init_state(self, group, param):
        state = self.state[param]
        state["step"] = _new_step_tensor()
        state["sum"] = self._state_zeros_like(param, float(group["initial_accumulator_value"]))

    def step(self, closure=None):
        """One Adagrad step on every parameter that has a gradient; returns closure's loss."""
        return self._run_step(closure)

    def _update(self, group, param, grad):
        state = self.state[param]
        if "sum" not in state:
            self._init_state(group, param)
        step = _step_value(state)
        p = param._data
        xp = xp_of(p)
        t = p.dtype.type
        g = effective_grad(xp, grad, p, float(group["weight_decay"]), bool(group["maximize"]))
        clr = float(group["lr"]) / (1 + (step - 1) * float(group["lr_decay"]))
        acc = state["sum"]._data
        tmp = xp.multiply(g, g)        # addcmul_(g, g, value=1)
        acc += tmp
        std = xp.sqrt(acc, out=tmp)
        std += t(group["eps"])
        q = xp.multiply(g, t(-clr))
        q /= std
        p += q
