"""Stochastic gradient descent, with momentum, dampening, Nesterov and weight decay.

Example::

    >>> opt = gg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    >>> loss.backward(); opt.step(); opt.zero_grad()
"""
from ..backend.kernels import launch
from .optimizer import Optimizer, _check_fused, _check_nonnegative

__all__ = ["SGD"]


class SGD(Optimizer):
    """SGD as ``torch.optim.SGD``, one fused ``sgd_update`` kernel per parameter.

    Per-parameter state: ``'momentum_buffer'`` (only when ``momentum != 0``), set to the
    first gradient on the first step as in PyTorch. ``foreach`` and ``fused`` are accepted
    and ignored: every update is already one fused pass.

    Example::

        >>> w = gg.tensor([1.0], requires_grad=True)
        >>> opt = gg.optim.SGD([w], lr=0.5, momentum=0.9, nesterov=True)
        >>> (w * w).sum().backward(); opt.step(); w
        tensor([-0.9000], requires_grad=True)
    """

    _per_element_state = ("momentum_buffer",)

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0,
                 nesterov=False, *, maximize=False, foreach=None, differentiable=False,
                 fused=None):
        _check_nonnegative(lr, "learning rate")
        _check_nonnegative(momentum, "momentum value")
        _check_nonnegative(weight_decay, "weight_decay value")
        if differentiable:
            raise ValueError("differentiable=True is not supported by gpugrad optimizers")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize,
                    "foreach": foreach, "differentiable": differentiable, "fused": fused}
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)
        _check_fused(fused, foreach)

    def step(self, closure=None):
        """One SGD step on every parameter that has a gradient; returns closure's loss."""
        return self._run_step(closure)

    _made_this_step = frozenset()

    def _prepare_group(self, group):
        # Buffers made in this step. A parameter listed twice (PyTorch warns) gets a fresh
        # buffer at each appearance in its first step, the last one kept, as in PyTorch,
        # which reads every buffer before it updates any.
        self._made_this_step = set()

    def _update(self, group, param, grad):
        momentum = float(group["momentum"])
        p = param._data
        buf = p                           # the kernel ignores the buffer without momentum
        first_step = False
        if momentum != 0:
            state = self.state[param]
            t = state.get("momentum_buffer")
            if t is None or id(param) in self._made_this_step:
                t = state["momentum_buffer"] = self._state_zeros_like(param)
                self._made_this_step.add(id(param))
                first_step = True
            buf = t._data
        launch("sgd_update", grad, float(group["lr"]), momentum, float(group["dampening"]),
               float(group["weight_decay"]), bool(group["nesterov"]), bool(group["maximize"]),
               first_step, p, buf)
