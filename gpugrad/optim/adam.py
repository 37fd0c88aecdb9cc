"""Adam and AdamW: adaptive moments, with L2 (Adam) or decoupled (AdamW) weight decay.

Example::

    >>> opt = gg.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    >>> loss.backward(); opt.step(); opt.zero_grad()
"""
from ..backend.kernels import launch
from .optimizer import (Optimizer, _check_fused, _check_nonnegative, _new_step_tensor,
                        _step_value)

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam as ``torch.optim.Adam``, one fused ``adam_update`` kernel per parameter.

    Per-parameter state: ``'step'`` (a 0-d cpu tensor), ``'exp_avg'``, ``'exp_avg_sq'`` and,
    with ``amsgrad``, ``'max_exp_avg_sq'``. ``decoupled_weight_decay=True`` is AdamW.
    ``foreach``, ``fused`` and ``capturable`` are accepted and ignored.

    Example::

        >>> w = gg.tensor([1.0], requires_grad=True)
        >>> opt = gg.optim.Adam([w], lr=0.1)
        >>> (w * w).sum().backward(); opt.step(); w      # the first step moves by ~lr
        tensor([0.9000], requires_grad=True)
    """

    _per_element_state = ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        _check_nonnegative(lr, "learning rate")
        _check_nonnegative(eps, "epsilon value")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        _check_nonnegative(weight_decay, "weight_decay value")
        if differentiable:
            raise ValueError("differentiable=True is not supported by gpugrad optimizers")
        defaults = {"lr": lr, "betas": (float(betas[0]), float(betas[1])), "eps": eps,
                    "weight_decay": weight_decay, "amsgrad": amsgrad, "maximize": maximize,
                    "foreach": foreach, "capturable": capturable,
                    "differentiable": differentiable, "fused": fused,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)
        _check_fused(fused, foreach)

    def step(self, closure=None):
        """One Adam step on every parameter that has a gradient; returns closure's loss."""
        return self._run_step(closure)

    def _update(self, group, param, grad):
        state = self.state[param]
        amsgrad = bool(group["amsgrad"])
        if len(state) == 0:
            state["step"] = _new_step_tensor()
            state["exp_avg"] = self._state_zeros_like(param)
            state["exp_avg_sq"] = self._state_zeros_like(param)
            if amsgrad:
                state["max_exp_avg_sq"] = self._state_zeros_like(param)
        elif amsgrad and "max_exp_avg_sq" not in state:
            # A state saved without amsgrad: start the running maximum from zero.
            state["max_exp_avg_sq"] = self._state_zeros_like(param)
        beta1, beta2 = (float(b) for b in group["betas"])
        step = _step_value(state)
        # PyTorch's host-side arithmetic, in double, so the kernel sees the same numbers.
        bias_correction1 = 1 - beta1 ** step
        bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
        exp_avg_sq = state["exp_avg_sq"]._data
        max_sq = state["max_exp_avg_sq"]._data if amsgrad else exp_avg_sq
        launch("adam_update", grad, float(group["lr"]), beta1, beta2, float(group["eps"]),
               float(group["weight_decay"]), bias_correction1, bias_correction2_sqrt,
               bool(group["decoupled_weight_decay"]), amsgrad, bool(group["maximize"]),
               param._data, state["exp_avg"]._data, exp_avg_sq, max_sq)


class AdamW(Adam):
    """AdamW as ``torch.optim.AdamW``: Adam whose weight decay shrinks the parameter directly
    (``param *= 1 - lr * weight_decay``) instead of adding to the gradient.

    Example::

        >>> opt = gg.optim.AdamW(model.parameters(), lr=1e-3)   # weight_decay=1e-2
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach,
                         maximize=maximize, capturable=capturable,
                         differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def load_state_dict(self, state_dict):
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
