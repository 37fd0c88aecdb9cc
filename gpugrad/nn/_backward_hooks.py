"""The machinery behind ``Module.register_full_backward_hook`` and its pre-hook twin.

As in PyTorch, a module call with backward hooks passes its tensor inputs, and then its
tensor outputs, through an identity Function each. The node made for the outputs is the
first of the call's nodes that backward reaches: its gradients are the module's
``grad_output``. The node made for the inputs is the last: its gradients are
``grad_input``. Pre-hooks on those two nodes run the module's hooks, and what a hook
returns replaces the gradients that flow on.
"""
import warnings

from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..ops.creation import zeros
from ..tensor import Tensor


class BackwardHookFunction(Function):
    """Identity on any number of tensors; its node is where the module's hooks attach."""

    @staticmethod
    def forward(ctx, *tensors):
        return tensors

    @staticmethod
    def backward(ctx, *grads):
        return grads


class BackwardHook:
    """The hooks of one module call: built before forward, fired during backward."""

    def __init__(self, module):
        self.module = module
        self.n_inputs = 0
        self.input_index = ()
        self.grad_outputs = None

    def _wrap(self, values, on_grads):
        """values with its grad-requiring tensors replaced by outputs of one identity node."""
        index = [i for i, v in enumerate(values)
                 if isinstance(v, Tensor) and v.requires_grad]
        if not index or not is_grad_enabled():
            return values, ()
        new = BackwardHookFunction.apply(*[values[i] for i in index])
        new[0].grad_fn.register_prehook(on_grads)
        values = list(values)
        for i, t in zip(index, new):
            values[i] = t
        return tuple(values), tuple(index)

    def setup_input_hook(self, args):
        self.n_inputs = len(args)
        args, self.input_index = self._wrap(args, self._on_input_grads)
        # A tensor input that needs no gradient shows up in grad_input as zeros, as in
        # PyTorch, once some input does; its shape is kept, not the tensor.
        self.zero_inputs = [(i, a.shape, a.dtype, a.device) for i, a in enumerate(args)
                            if self.input_index and isinstance(a, Tensor)
                            and not a.requires_grad]
        return args

    def setup_output_hook(self, result):
        single = not isinstance(result, tuple)
        values = (result,) if single else result
        self.n_outputs = len(values)
        values, self.output_index = self._wrap(values, self._on_output_grads)
        return values[0] if single else values

    @staticmethod
    def _pack(index, grads, n):
        full = [None] * n
        for i, g in zip(index, grads):
            full[i] = g
        return tuple(full)

    def _on_output_grads(self, grads):
        module = self.module
        grad_outputs = self._pack(self.output_index, grads, self.n_outputs)
        for hook in list(module._backward_pre_hooks.values()):
            res = hook(module, grad_outputs)
            if res is not None:
                grad_outputs = _checked(res, self.n_outputs, "Backward pre hook",
                                        "grad_output")
        self.grad_outputs = grad_outputs
        if not self.input_index and module._backward_hooks:
            # No input requires grad, so no input node will fire: the hooks run now, with
            # None for every input, as PyTorch's do.
            warnings.warn("Full backward hook is firing when gradients are computed with "
                          "respect to module outputs since no inputs require gradients.")
            for hook in list(module._backward_hooks.values()):
                hook(module, (None,) * self.n_inputs, grad_outputs)
        return tuple(grad_outputs[i] for i in self.output_index)

    def _on_input_grads(self, grads):
        module = self.module
        grad_inputs = list(self._pack(self.input_index, grads, self.n_inputs))
        for i, shape, dtype, device in self.zero_inputs:
            grad_inputs[i] = zeros(shape, dtype=dtype, device=device)
        grad_inputs = tuple(grad_inputs)
        for hook in list(module._backward_hooks.values()):
            res = hook(module, grad_inputs, self.grad_outputs)
            if res is not None:
                grad_inputs = _checked(res, self.n_inputs, "Backward hook", "grad_input")
        return tuple(grad_inputs[i] for i in self.input_index)


def _checked(res, n, who, what):
    res = tuple(res) if isinstance(res, (tuple, list)) else (res,)
    if len(res) != n:
        raise RuntimeError(f"{who} returned an invalid number of {what}, "
                           f"got {len(res)}, but expected {n}")
    return res
