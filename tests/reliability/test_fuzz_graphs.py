"""Random expression graphs, depth up to 8, built from a menu of ops: values, first and
second derivatives equal PyTorch's.

A drawn program is a list of steps, each applying one op of the menu to earlier nodes (so
subexpressions are shared and gradients must be summed where paths meet). The same program
runs once with gpugrad and once with torch on the same float64 leaves.
"""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gpugrad as gg

from _fuzz import TORCH_TOL, assert_close, fuzz, nnf

MAX_DEPTH = 8


def _dim_op(fn):
    """An op along dim 0 (or the last dim); a 0-d input passes through unchanged."""
    return lambda m, x: fn(m, x) if x.ndim else x


def _mul_(m, x):
    y = x * 1.0
    y.mul_(0.9)          # in place on a non-leaf: versions and history must follow
    return y


def _add_(m, x):
    y = x.clone()
    y.add_(0.25)
    return y


def _reverse_index(m, x):
    if not x.ndim:
        return x
    idx = np.arange(x.shape[0] - 1, -1, -1)
    return x[m.tensor(idx)]


def _transpose_back(m, x):
    if x.ndim < 2:
        return x
    return x.transpose(0, -1).contiguous().transpose(0, -1)


UNARY = {
    "tanh": lambda m, x: m.tanh(x),
    "sigmoid": lambda m, x: m.sigmoid(x),
    "sin": lambda m, x: m.sin(x),
    "cos": lambda m, x: m.cos(x),
    "atan": lambda m, x: m.atan(x),
    "softplus": lambda m, x: nnf(m).softplus(x),
    "gelu": lambda m, x: nnf(m).gelu(x),
    "relu": lambda m, x: m.relu(x),
    "neg": lambda m, x: -x,
    "half": lambda m, x: x * 0.5,
    "gauss": lambda m, x: m.exp(-x * x),
    "soft_sqrt": lambda m, x: m.sqrt(x * x + 1),
    "log1p_sq": lambda m, x: m.log1p(x * x),
    "sum0": _dim_op(lambda m, x: x.sum(0, keepdim=True)),
    "mean_last": _dim_op(lambda m, x: x.mean(-1, keepdim=True)),
    "amax_last": _dim_op(lambda m, x: x.amax(-1, keepdim=True)),
    "var0": _dim_op(lambda m, x: x.var(0, keepdim=True, correction=0)),
    "softmax_last": _dim_op(lambda m, x: nnf(m).softmax(x, -1)),
    "log_softmax0": _dim_op(lambda m, x: nnf(m).log_softmax(x, 0)),
    "logsumexp_last": _dim_op(lambda m, x: m.logsumexp(x, -1, keepdim=True)),
    "cumsum0": _dim_op(lambda m, x: m.cumsum(x, 0)),
    "flip0": _dim_op(lambda m, x: m.flip(x, [0])),
    "reshape_back": lambda m, x: x.reshape(-1).reshape(x.shape),
    "transpose_back": _transpose_back,
    "reverse_index": _reverse_index,
    "mul_": _mul_,
    "add_": _add_,
}

BINARY = {
    "add": lambda m, a, b: a + b,
    "sub": lambda m, a, b: a - b,
    "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / (1 + b * b),
    "maximum": lambda m, a, b: m.maximum(a, b),
    "minimum": lambda m, a, b: m.minimum(a, b),
    "where": lambda m, a, b: m.where(a > b, a, b * 0.5),
    "pow": lambda m, a, b: (a * a + 1) ** m.tanh(b),
    "hypot": lambda m, a, b: m.sqrt(a * a + b * b + 1e-3),
}

_UNARY_NAMES = sorted(UNARY)
_BINARY_NAMES = sorted(BINARY)


@st.composite
def programs(draw):
    """Leaves (shapes that broadcast to one shape) and steps ``(op, operand indices)``."""
    full = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3))
    n_leaves = draw(st.integers(1, 3))
    leaves = [full] + [tuple(1 if draw(st.booleans()) else s for s in full)[
        draw(st.integers(0, len(full))):] for _ in range(n_leaves - 1)]
    depth = [0] * n_leaves
    steps = []
    for _ in range(draw(st.integers(1, 12))):
        binary = draw(st.booleans())
        k = len(depth)
        if binary:
            op = draw(st.sampled_from(_BINARY_NAMES))
            args = (draw(st.integers(0, k - 1)), draw(st.integers(0, k - 1)))
        else:
            op = draw(st.sampled_from(_UNARY_NAMES))
            args = (draw(st.integers(0, k - 1)),)
        d = 1 + max(depth[a] for a in args)
        if d > MAX_DEPTH:
            continue
        depth.append(d)
        steps.append((op, args))
    if not steps:
        steps.append(("tanh", (0,)))
    return leaves, steps


def _run(m, leaves, steps):
    nodes = list(leaves)
    for op, args in steps:
        fn = BINARY[op] if len(args) == 2 else UNARY[op]
        nodes.append(fn(m, *[nodes[a] for a in args]))
    return nodes


def _loss(m, nodes, n_leaves):
    """Every computed node counts (weighted), so dead ends are checked as well."""
    total = 0
    for i, t in enumerate(nodes[n_leaves:]):
        total = total + (t * (0.5 + 0.1 * i)).sum()
    return total


@fuzz(400)
@given(prog=programs(), seed=st.integers(0, 2 ** 32 - 1), second=st.booleans())
def test_random_graph_matches_torch(device, prog, seed, second):
    torch = pytest.importorskip("torch")
    leaf_shapes, steps = prog
    rng = np.random.default_rng(seed)
    values = [rng.uniform(-2, 2, s) for s in leaf_shapes]
    g_leaves = [gg.tensor(v, device=device, requires_grad=True) for v in values]
    t_leaves = [torch.tensor(v, requires_grad=True) for v in values]
    g_nodes = _run(gg, g_leaves, steps)
    t_nodes = _run(torch, t_leaves, steps)
    where = f"program {steps} on {leaf_shapes}"
    for i, (g, t) in enumerate(zip(g_nodes, t_nodes)):
        assert tuple(g.shape) == tuple(t.shape), f"node {i} of {where}"
        assert_close(g, t.detach().numpy(), "float64", f"node {i} of {where}", TORCH_TOL)
    g_loss = _loss(gg, g_nodes, len(values))
    t_loss = _loss(torch, t_nodes, len(values))
    g_grads = gg.autograd.grad(g_loss, g_leaves, create_graph=second, allow_unused=True)
    t_grads = torch.autograd.grad(t_loss, t_leaves, create_graph=second, allow_unused=True)
    _compare_grads(g_grads, t_grads, where)
    if second:
        # Second order: the gradient of sum(grad^2) goes back through every backward.
        g_sq = sum((g * g).sum() for g in g_grads if g is not None)
        t_sq = sum((g * g).sum() for g in t_grads if g is not None)
        assert g_sq.requires_grad == t_sq.requires_grad, where
        if t_sq.requires_grad:      # else the gradient is constant in the leaves
            g2 = gg.autograd.grad(g_sq, g_leaves, allow_unused=True)
            t2 = torch.autograd.grad(t_sq, t_leaves, allow_unused=True)
            _compare_grads(g2, t2, "second order of " + where)


def _compare_grads(ours, theirs, where):
    for i, (g, t) in enumerate(zip(ours, theirs)):
        if t is None:
            assert g is None or not g.detach().cpu().numpy().any(), f"leaf {i}: {where}"
            continue
        if g is None and not t.detach().numpy().any():
            # relu's second derivative: torch returns zeros, gpugrad no gradient (None) as
            # for any backward that returns None; both mean zero.
            continue
        assert g is not None, f"leaf {i} got no gradient: {where}"
        assert_close(g, t.detach().numpy(), "float64", f"grad of leaf {i}: {where}", TORCH_TOL)


@fuzz(100)
@given(prog=programs(), seed=st.integers(0, 2 ** 32 - 1))
def test_backward_twice_with_retain_graph_doubles_grads(device, prog, seed):
    """Accumulation into .grad: two backward passes over one graph give twice the gradient,
    and no_grad replays of the program build nothing."""
    leaf_shapes, steps = prog
    rng = np.random.default_rng(seed)
    leaves = [gg.tensor(rng.uniform(-2, 2, s), device=device, requires_grad=True)
              for s in leaf_shapes]
    loss = _loss(gg, _run(gg, leaves, steps), len(leaves))
    loss.backward(retain_graph=True)
    first = [None if x.grad is None else x.grad.clone() for x in leaves]
    loss.backward()
    for a, x in zip(first, leaves):
        if a is not None:
            np.testing.assert_allclose(x.grad.cpu().numpy(), 2 * a.cpu().numpy(), rtol=1e-12)
    with gg.no_grad():
        nodes = _run(gg, leaves, steps)
    made = [n for n in nodes[len(leaves):] if not any(n is x for x in leaves)]
    assert all(n.grad_fn is None and not n.requires_grad for n in made)
