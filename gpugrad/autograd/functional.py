"""Derivatives of whole functions, as ``torch.autograd.functional``: jacobian, hessian, vjp,
jvp, vhp and hvp.

Each is built on :func:`gpugrad.autograd.grad`: a Jacobian is one reverse pass per output
element; a Jacobian-vector product is the derivative of a vector-Jacobian product with
respect to its (dummy) vector, which needs backward formulas that are themselves
differentiable (they are, being written with gpugrad ops).

Example::

    >>> x = gg.tensor([1.0, 2.0])
    >>> gg.autograd.functional.jacobian(lambda t: t ** 2, x)
    tensor([[2., 0.],
            [0., 4.]])
"""
from .engine import grad
from .grad_mode import enable_grad

__all__ = ["jacobian", "hessian", "vjp", "jvp", "vhp", "hvp"]


def _as_tuple(x):
    """(tuple of tensors, whether ``x`` was a tuple or list)."""
    if isinstance(x, (tuple, list)):
        return tuple(x), True
    return (x,), False


def _prepare(inputs, create_graph):
    # As PyTorch: an input that already requires grad keeps its history only when the result
    # must be differentiable again (create_graph); otherwise every input is a fresh leaf.
    return tuple(x.view_as(x) if create_graph and x.requires_grad else
                 x.detach().requires_grad_(True) for x in inputs)


def _finish(results, create_graph):
    return tuple(r if create_graph or r is None else r.detach() for r in results)


def _check_outputs(outputs, strict):
    """With ``strict``, PyTorch's error for an output that no input reaches at all."""
    for k, o in enumerate(outputs):
        if strict and not o.requires_grad:
            raise RuntimeError(f"Output {k} of the user-provided function does not require "
                               f"gradients. The outputs must be computed in a differentiable "
                               f"manner from the input when running in strict mode.")


def _grads(output, inputs, grad_output, create_graph, strict, label="The output"):
    """d(output . grad_output) / d inputs; zeros (or, with ``strict``, an error naming the
    output by ``label``) where an input does not reach the output."""
    from ..ops.creation import zeros_like
    if output.requires_grad:
        gs = grad(output, inputs, grad_output, retain_graph=True, create_graph=create_graph,
                  allow_unused=True)
    else:
        gs = (None,) * len(inputs)
    out = []
    for k, (g, x) in enumerate(zip(gs, inputs)):
        if g is None:
            if strict:
                raise RuntimeError(f"{label} of the user-provided function is independent of "
                                   f"input {k}. This is not allowed in strict mode.")
            g = zeros_like(x)
        out.append(g)
    return tuple(out)


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: for an output of shape O and an input of shape
    I, a tensor of shape O + I; tuples of them when ``func`` takes or returns tuples."""
    from ..ops.creation import zeros
    from ..ops.shape import stack
    if strategy != "reverse-mode":
        raise NotImplementedError("only strategy='reverse-mode' is supported")
    inputs, in_tuple = _as_tuple(inputs)
    with enable_grad():     # also for the inputs' views: under no_grad they would not track
        inputs = _prepare(inputs, create_graph)
        outputs, out_tuple = _as_tuple(func(*inputs))
        _check_outputs(outputs, strict)
        per_output = []
        for j, out in enumerate(outputs):
            flat = out.reshape(-1)
            rows = [_grads(flat[k], inputs, None, create_graph, strict, f"Output {j}")
                    for k in range(flat.shape[0])]
            per_output.append(_finish(
                [stack([r[i] for r in rows]).reshape(tuple(out.shape) + tuple(x.shape))
                 if rows else zeros(tuple(out.shape) + tuple(x.shape), dtype=x.dtype,
                                    device=x.device)
                 for i, x in enumerate(inputs)], create_graph))
    if out_tuple and in_tuple:
        return tuple(per_output)
    if out_tuple:
        return tuple(j[0] for j in per_output)
    return per_output[0] if in_tuple else per_output[0][0]


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a function with one-element output: the Jacobian of its gradient."""
    in_tuple = _as_tuple(inputs)[1]

    def scalar(*xs):
        out = func(*xs)
        if isinstance(out, (tuple, list)) or out.numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to hessian should "
                               "contain a single element")
        return out

    def gradient(*xs):
        return jacobian(scalar, xs if in_tuple else xs[0], create_graph=True, strict=strict)
    return jacobian(gradient, inputs, create_graph=create_graph, strict=strict)


def _vector(v, outputs):
    """``v`` as a tuple matching ``outputs``; None only where each output has one element."""
    if v is None:
        if any(o.numel() != 1 for o in outputs):
            raise RuntimeError("The vector v can only be None if the user-provided function "
                               "returns a single Tensor with a single element.")
        from ..ops.creation import ones_like
        return tuple(ones_like(o) for o in outputs)
    return _as_tuple(v)[0]


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T J)``: a vector-Jacobian product, one reverse pass."""
    from ..ops.reduce import sum as _sum
    inputs, in_tuple = _as_tuple(inputs)
    with enable_grad():     # also for the inputs' views: under no_grad they would not track
        inputs = _prepare(inputs, create_graph)
        outputs, out_tuple = _as_tuple(func(*inputs))
        _check_outputs(outputs, strict)
        vs = _vector(v, outputs)
        total = _sum_products(outputs, vs, _sum)
        res = _grads(total, inputs, None, create_graph, strict)
    outs = _finish(outputs, create_graph)
    res = _finish(res, create_graph)
    return (outs if out_tuple else outs[0]), (res if in_tuple else res[0])


def _sum_products(outputs, vs, _sum):
    total = None
    for o, w in zip(outputs, vs):
        term = _sum(o * w)
        total = term if total is None else total + term
    return total


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)``: a Jacobian-vector product, by differentiating the
    vector-Jacobian product ``u -> u^T J`` with respect to ``u``."""
    from ..ops.creation import zeros_like
    from ..ops.reduce import sum as _sum
    inputs, in_tuple = _as_tuple(inputs)
    vs = _vector(v, inputs)
    with enable_grad():     # also for the inputs' views: under no_grad they would not track
        inputs = _prepare(inputs, create_graph)
        outputs, out_tuple = _as_tuple(func(*inputs))
        _check_outputs(outputs, strict)
        dummies = tuple(zeros_like(o).requires_grad_(True) for o in outputs)
        vjps = _grads(_sum_products(outputs, dummies, _sum), inputs, None, True, strict)
        res = _grads(_sum_products(vjps, vs, _sum), dummies, None, create_graph, strict)
    outs = _finish(outputs, create_graph)
    res = _finish(res, create_graph)
    return (outs if out_tuple else outs[0]), (res if out_tuple else res[0])


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T H)`` for a function with one-element output."""
    from ..ops.reduce import sum as _sum
    inputs, in_tuple = _as_tuple(inputs)
    vs = _vector(v, inputs)
    with enable_grad():     # also for the inputs' views: under no_grad they would not track
        inputs = _prepare(inputs, create_graph)
        out = func(*inputs)
        if isinstance(out, (tuple, list)) or out.numel() != 1:
            raise RuntimeError("The Tensor returned by the function given to hvp should "
                               "contain a single element")
        gs = _grads(out, inputs, None, True, strict)
        res = _grads(_sum_products(gs, vs, _sum), inputs, None, create_graph, strict)
    out = _finish((out,), create_graph)[0]
    res = _finish(res, create_graph)
    return out, (res if in_tuple else res[0])


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)`` for a function with one-element output (H is symmetric, so
    this equals :func:`vhp`)."""
    return vhp(func, inputs, v, create_graph, strict)
