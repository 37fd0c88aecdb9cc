"""Save the least: what each op keeps for backward, what an MLP keeps, and that it all goes.

The op table here is the one in docs/memory.md: change both together.
"""
import gc

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.nn.functional as F
from gpugrad.memory._counters import owner
from gpugrad.memory._saved import node_saved_bytes, saved_arrays
from gpugrad.ops.unary import SigmoidBackward, TanhBackward

from _helpers import TorchSaved, mlp_forward, mlp_params, saved_bytes

B, D = 32, 64


def _inputs(spec):
    gg.manual_seed(0)
    out = []
    for s in spec:
        if s == "img":
            out.append(gg.randn(2, 3, 8, 8))
        elif s == "img_g":
            out.append(gg.randn(2, 3, 8, 8, requires_grad=True))
        elif s == "filt":
            out.append(gg.randn(4, 3, 3, 3, requires_grad=True))
        elif s == "w":
            out.append(gg.randn(D, D, requires_grad=True))
        elif s == "b":
            out.append(gg.randn(D, requires_grad=True))
        elif s == "pos":
            out.append((gg.rand(B, D) + 0.5).requires_grad_(True))
        elif s == "cls":
            out.append(gg.randint(0, D, (B,)))
        else:
            out.append(gg.randn(B, D, requires_grad=(s == "g")))
    return out


def _classify(out, inputs):
    """Name each saved array: out, in<i>, or a new buffer as <kind><nbytes> (b2048: bool)."""
    node = out.grad_fn
    names = []
    outs = owner(out._data)
    ins = [owner(t._data) for t in inputs]
    for a in saved_arrays(node):
        o = owner(a)
        if o is outs:
            names.append("out")
        elif any(o is i for i in ins):
            names.append(f"in{next(k for k, i in enumerate(ins) if o is i)}")
        else:
            names.append(f"{a.dtype.kind}{a.nbytes}")
    return sorted(names)


F32 = B * D * 4
# name, function, inputs (g: requires grad, c: constant), what the node keeps
OPS = [
    ("add", lambda a, b: a + b, "gg", []),
    ("sub", lambda a, b: a - b, "gg", []),
    ("neg", lambda a: -a, "g", []),
    ("sum", lambda a: a.sum(), "g", []),
    ("mean over a dim", lambda a: a.mean(1), "g", []),
    ("reshape / transpose / slice", lambda a: a.reshape(D, B).t()[1:], "g", []),
    ("mul", lambda a, b: a * b, "gg", ["in0", "in1"]),
    ("mul by a constant tensor", lambda a, b: a * b, "gc", ["in1"]),
    ("mul by a number", lambda a: a * 3.0, "g", []),
    ("div", lambda a, b: a / b, "gp", ["in0", "in1"]),
    ("div by a constant tensor", lambda a, b: a / b, "gc", ["in1"]),
    ("matmul", lambda a, w: a @ w, "gw", ["in0", "in1"]),
    ("matmul, weight needs no grad", lambda a, w: a @ w.detach(), "gw", ["in1"]),
    ("matmul, input needs no grad", lambda a, w: a @ w, "cw", ["in0"]),
    ("linear", lambda a, w, b: F.linear(a, w, b), "gwb", ["in0", "in1"]),
    ("linear, input needs no grad", lambda a, w, b: F.linear(a, w, b), "cwb", ["in0"]),
    ("relu", lambda a: a.relu(), "g", ["out"]),
    ("leaky_relu", lambda a: F.leaky_relu(a, 0.1), "g", ["out"]),
    ("hardtanh", lambda a: F.hardtanh(a), "g", ["out"]),
    ("tanh", lambda a: a.tanh(), "g", ["out"]),
    ("sigmoid", lambda a: a.sigmoid(), "g", ["out"]),
    ("exp", lambda a: a.exp(), "g", ["out"]),
    ("sqrt", lambda a: a.sqrt(), "p", ["out"]),
    ("log", lambda a: a.log(), "p", ["in0"]),
    ("gelu", lambda a: F.gelu(a), "g", ["in0"]),
    ("silu", lambda a: F.silu(a), "g", ["in0"]),
    ("softmax", lambda a: F.softmax(a, dim=1), "g", ["out"]),
    ("log_softmax", lambda a: F.log_softmax(a, dim=1), "g", ["out"]),
    ("dropout", lambda a: F.dropout(a, 0.5), "g", [f"b{B * D}"]),
    ("layer_norm", lambda a, w, b: F.layer_norm(a, (D,), w, b), "gbb",
     ["f128", "f128", "in0", "in1"]),
    ("mse_loss", lambda a, b: F.mse_loss(a, b), "gc", ["in0", "in1"]),
    ("cross_entropy", lambda a, t: F.cross_entropy(a, t), "gl", ["f4", f"f{F32}", "in1"]),
    ("einsum", lambda a, b: gg.einsum("ij,jk->ik", a, b.t()), "gg", ["in0", "in1"]),
    ("einsum, one operand needs grad", lambda a, b: gg.einsum("ij,kj->ik", a, b), "gc",
     ["in1"]),
    ("clamp with numbers", lambda a: a.clamp(-0.5, 0.5), "g", [f"b{B * D}"]),
    ("clamp_min with a number", lambda a: a.clamp_min(0.0), "g", [f"b{B * D}"]),
    ("clamp with tensor bounds", lambda a, lo, hi: gg.clamp(a, lo, hi), "gcc",
     ["in0", "in1", "in2"]),
    ("tanh backward, y needs no grad", lambda g, y: TanhBackward.apply(g, y), "gc", ["in1"]),
    ("sigmoid backward, y needs no grad", lambda g, y: SigmoidBackward.apply(g, y), "gc",
     ["in1"]),
    ("tanh backward", lambda g, y: TanhBackward.apply(g, y), "gg", ["in0", "in1"]),
    ("conv2d, input needs no grad", lambda x, w: F.conv2d(x, w), ["img", "filt"], ["in0"]),
    ("conv2d", lambda x, w: F.conv2d(x, w), ["img_g", "filt"], ["in0", "in1"]),
    ("max_pool2d", lambda x: F.max_pool2d(x, 2), ["img_g"], ["i768"]),
]


def _spec(s):
    if isinstance(s, list):
        return s
    names = {"g": "g", "c": "c", "w": "w", "p": "pos", "l": "cls", "b": "b"}
    return [names[c] for c in s]


@pytest.mark.parametrize("name,fn,spec,expected", OPS, ids=[o[0] for o in OPS])
def test_op_saves_the_least(name, fn, spec, expected):
    inputs = _inputs(_spec(spec))
    out = fn(*inputs)
    assert out.grad_fn is not None
    assert _classify(out, inputs) == sorted(expected)


def _arrays_outside_saves(node):
    found = []
    for k, v in node.__dict__.items():
        if k == "_saved":
            continue
        items = v if isinstance(v, (tuple, list)) else (v,)
        for item in items:
            if isinstance(item, np.ndarray) or isinstance(item, gg.Tensor):
                found.append(k)
            elif isinstance(item, tuple) and any(isinstance(i, np.ndarray) for i in item):
                found.append(k)
    return found


@pytest.mark.parametrize("name,fn,spec,expected", OPS, ids=[o[0] for o in OPS])
def test_nodes_keep_no_array_outside_their_saves(name, fn, spec, expected):
    out = fn(*_inputs(_spec(spec)))
    assert _arrays_outside_saves(out.grad_fn) == []


def test_advanced_indexing_keeps_its_index_through_saves():
    x = gg.randn(100, 8, requires_grad=True)
    idx = gg.randint(0, 100, (1000,))
    assert _arrays_outside_saves(x[idx].grad_fn) == []
    # Counted as held for backward, and backward (also the second one) still finds them.
    s0 = saved_bytes()
    y = x[idx]
    assert saved_bytes() - s0 == idx.nbytes
    (g,) = gg.autograd.grad((y * y).sum(), x, create_graph=True)
    g.sum().backward()
    counts = np.bincount(idx.numpy(), minlength=100)[:, None]
    np.testing.assert_array_equal(x.grad.numpy(), np.broadcast_to(2.0 * counts, (100, 8)))
    v = gg.randn(5, 8, requires_grad=True)
    z = x.index_put((idx[:5],), v)
    assert _arrays_outside_saves(z.grad_fn) == []
    z.sum().backward()
    assert v.grad.tolist() == [[1.0] * 8] * 5


def test_max_over_a_dim_keeps_the_indices_it_returns():
    x = gg.randn(B, D, requires_grad=True)
    values, indices = x.max(1)
    held = saved_arrays(values.grad_fn)
    assert len(held) == 1 and owner(held[0]) is owner(indices._data)
    values.sum().backward()
    assert x.grad.sum().item() == B


# --------------------------------------------------------------------------- a whole MLP
LAYERS, WIDTH, BATCH = 12, 512, 256


def _analytic(params, x):
    """x for the first Linear, each ReLU output (the next Linear saves the same buffer), and
    every weight but the first (the first layer's input needs no gradient)."""
    act = BATCH * WIDTH * 4
    return x.nbytes + LAYERS * act + sum(w.nbytes for w, _ in params[1:])


def test_mlp_keeps_exactly_the_table():
    params = mlp_params(LAYERS, WIDTH)
    x = gg.randn(BATCH, WIDTH)
    s0 = saved_bytes()
    out = mlp_forward(params, x)
    assert saved_bytes() - s0 == _analytic(params, x)
    # The same figure node by node, shared buffers once.
    del out
    assert saved_bytes() == s0


def test_mlp_keeps_no_more_than_pytorch(torch):
    params = mlp_params(LAYERS, WIDTH)
    x = gg.randn(BATCH, WIDTH)
    s0 = saved_bytes()
    out = mlp_forward(params, x)
    ours = saved_bytes() - s0
    tp = [(torch.tensor(w.detach().numpy(), requires_grad=True),
           torch.tensor(b.detach().numpy(), requires_grad=True)) for w, b in params]
    counter = TorchSaved(torch)
    with counter.hooks():
        h = torch.tensor(x.numpy())
        for w, b in tp:
            h = torch.nn.functional.linear(h, w, b).relu()
    assert ours <= counter.nbytes, (ours, counter.nbytes)
    assert ours == counter.nbytes      # the same choices: x, ReLU outputs, weights 2..L
    del out


def test_backward_returns_to_weights_and_grads_without_gc():
    params = mlp_params(LAYERS, WIDTH)
    x = gg.randn(BATCH, WIDTH)
    gc.collect()
    gc.disable()
    try:
        base = gg.memory_allocated("cpu")
        out = mlp_forward(params, x)
        loss = (out * out).mean()
        loss.backward()
        del out, loss
        grads = sum(w.grad.nbytes + b.grad.nbytes for w, b in params)
        assert gg.memory_allocated("cpu") - base == grads
        assert saved_bytes() == 0
    finally:
        gc.enable()


def test_training_steps_do_not_grow():
    params = mlp_params(4, 64)
    flat = [p for pair in params for p in pair]
    opt = gg.optim.SGD(flat, lr=1e-3, momentum=0.9)
    x = gg.randn(32, 64)
    target = gg.randn(32, 64)
    gc.collect()
    gc.disable()
    try:
        sizes, objects = [], []
        for step in range(1000):
            opt.zero_grad()
            loss = F.mse_loss(mlp_forward(params, x, relu_last=False), target)
            loss.backward()
            opt.step()
            del loss
            sizes.append(gg.memory_allocated("cpu"))
            if step in (10, 999):
                objects.append(len(gc.get_objects()))
        assert len(set(sizes[2:])) == 1, "memory grows over training steps"
        assert saved_bytes() == 0
        assert objects[1] - objects[0] < 50, "objects pile up (a reference cycle?)"
    finally:
        gc.enable()


def test_node_saved_bytes_counts_shared_buffers_once():
    a = gg.randn(64, 64, requires_grad=True)
    y = a * a                                        # saves a twice: one buffer
    assert node_saved_bytes(y.grad_fn) == a.nbytes
    s0 = saved_bytes()
    z = a * a
    assert saved_bytes() == s0                       # a is held already
    del y, z


def test_saved_bytes_follow_storage_swapped_in_through_data():
    # Saving reads the size test _make made for the tensor's storage; a storage swapped in
    # through ``.data`` (as Module.to does) brings its own.
    w = gg.zeros(4, requires_grad=True)                  # 16 bytes: under the threshold
    big = gg.ones(4096)
    before = saved_bytes()
    w.data = big
    y = w * 2.0
    assert saved_bytes() - before == 0                   # mul by a number saves nothing
    z = w * w
    assert saved_bytes() - before == big.nbytes          # one owner, counted once
    w.data = gg.zeros(4)
    del y, z
    assert saved_bytes() == before


def test_small_view_of_a_big_owner_counts_the_owner_when_saved():
    big = gg.randn(64, 64)
    corner = big[:1, :2].requires_grad_(True)            # 8 bytes viewing 16 KiB
    before = saved_bytes()
    y = corner * corner
    assert saved_bytes() - before == big.nbytes
    del y
    assert saved_bytes() == before
