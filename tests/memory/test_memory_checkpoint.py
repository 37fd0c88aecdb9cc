"""Activation checkpointing: same gradients, same dropout masks, far less kept for backward."""
import gc

import numpy as np
import pytest

import gpugrad as gg
import gpugrad.utils.checkpoint
from gpugrad.utils.checkpoint import checkpoint, checkpoint_sequential

from _helpers import saved_bytes

nn = gg.nn


def _model(layers=16, width=128, p=0.25):
    gg.manual_seed(0)
    return [nn.Sequential(nn.Linear(width, width), nn.ReLU(), nn.Dropout(p))
            for _ in range(layers)]


def _grads(model, x, run, seed=7):
    for m in model:
        m.zero_grad(set_to_none=True)
    x.grad = None
    gg.manual_seed(seed)
    s0 = saved_bytes()
    out = run(model, x)
    held = saved_bytes() - s0
    (out * out).mean().backward()
    gs = [x.grad.numpy().copy()] + [p.grad.numpy().copy() for m in model
                                    for p in m.parameters()]
    return gs, held, out.detach().numpy().copy()


def _plain(model, x):
    h = x
    for m in model:
        h = m(h)
    return h


def _blocks(k, **kw):
    def run(model, x):
        h = x
        for i in range(0, len(model), k):
            h = checkpoint(nn.Sequential(*model[i:i + k]), h, **kw)
        return h
    return run


@pytest.mark.parametrize("kw", [{}, {"use_reentrant": True}], ids=["hooks", "reentrant"])
def test_gradients_and_dropout_equal_the_plain_run(kw):
    model = _model()
    x = gg.randn(32, 128, requires_grad=True)
    ref, _, ref_out = _grads(model, x, _plain)
    got, _, out = _grads(model, x, _blocks(4, **kw))
    np.testing.assert_array_equal(out, ref_out)
    for a, b in zip(got, ref):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_rng_after_checkpoint_continues_as_without():
    model = _model(4)
    x = gg.randn(8, 128, requires_grad=True)
    gg.manual_seed(3)
    _plain(model, x)
    plain = [gg.rand(3).numpy(), gg.rand(3).numpy()]
    gg.manual_seed(3)
    out = _blocks(2)(model, x)
    first = gg.rand(3).numpy()
    out.sum().backward()                   # the recomputation must not move the generator
    ckpt = [first, gg.rand(3).numpy()]
    for a, b in zip(plain, ckpt):
        np.testing.assert_array_equal(a, b)


def test_sixteen_layer_mlp_holds_four_times_less():
    model = _model(16, 512, p=0.0)
    x = gg.randn(256, 512, requires_grad=True)
    _, plain, _ = _grads(model, x, _plain)
    _, ckpt, _ = _grads(model, x, _blocks(4))
    assert plain >= 4 * ckpt, (plain, ckpt)
    _, seq, _ = _grads(model, x, lambda m, h: checkpoint_sequential(m, 4, h))
    assert seq < plain


def test_checkpoint_sequential_matches_plain_and_takes_a_sequential():
    model = _model(6, 32)
    x = gg.randn(4, 32, requires_grad=True)
    ref, _, _ = _grads(model, x, _plain)
    seq = nn.Sequential(*model)
    got, _, _ = _grads(model, x, lambda m, h: checkpoint_sequential(seq, 3, h))
    for a, b in zip(got, ref):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_kwargs_non_tensor_args_and_parameters_only():
    w = gg.randn(16, 16, requires_grad=True)
    x = gg.randn(4, 16)                     # no input needs grad: the weight still gets one

    def f(a, scale, *, shift):
        return ((a @ w) * scale + shift).tanh()

    checkpoint(f, x, 2.0, shift=1.0).sum().backward()
    ref = w.grad.numpy().copy()
    w.grad = None
    f(x, 2.0, shift=1.0).sum().backward()
    np.testing.assert_allclose(ref, w.grad.numpy(), rtol=1e-6)


def test_nested_checkpoints():
    model = _model(4, 32, p=0.5)
    x = gg.randn(4, 32, requires_grad=True)
    ref, _, _ = _grads(model, x, _plain)

    def outer(m, h):
        inner = lambda t: checkpoint(nn.Sequential(*m[1:3]), t)  # noqa: E731
        return checkpoint(lambda t: m[3](inner(m[0](t))), h)

    got, _, _ = _grads(model, x, outer)
    for a, b in zip(got, ref):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_retain_graph_recomputes_again():
    w = gg.randn(8, 8, requires_grad=True)
    x = gg.randn(2, 8, requires_grad=True)
    y = checkpoint(lambda a: (a @ w).relu() @ w, x).sum()
    y.backward(retain_graph=True)
    first = w.grad.numpy().copy()
    y.backward()
    np.testing.assert_allclose(w.grad.numpy(), 2 * first, rtol=1e-6)


def test_no_grad_just_runs_and_mismatch_is_an_error():
    x = gg.randn(3, 3, requires_grad=True)
    with gg.no_grad():
        assert checkpoint(lambda a: a * 2, x).grad_fn is None
    for second, message in [(lambda a: a * 2, "different number of tensors"),
                            (lambda a: a.sum().exp(), "different metadata|has shape")]:
        calls = []

        def changing(a):
            calls.append(1)
            return a.exp() if len(calls) == 1 else second(a)

        y = checkpoint(changing, x)
        with pytest.raises(RuntimeError, match=message):
            y.sum().backward()


def test_recomputation_stops_once_everything_is_back():
    calls = []

    def f(a):
        b = a.exp()                       # saved (output): needed by backward
        calls.append("after exp")
        c = b * 2.0                       # saves nothing: the recomputation may stop before
        calls.append("after mul")
        return c

    x = gg.randn(4, requires_grad=True)
    checkpoint(f, x).sum().backward()
    assert calls == ["after exp", "after mul"]      # the recomputation stopped inside exp


def test_no_reference_cycles():
    model = _model(4, 64)
    x = gg.randn(8, 64, requires_grad=True)
    gc.collect()
    gc.disable()
    try:
        base = gg.memory_allocated("cpu")
        s0 = saved_bytes()
        out = _blocks(2)(model, x)
        out.sum().backward()
        grads = sum(p.grad.nbytes for m in model for p in m.parameters()
                    if p.grad.nbytes >= 1024) + x.grad.nbytes
        del out
        assert saved_bytes() == s0
        assert gg.memory_allocated("cpu") - base == grads
    finally:
        gc.enable()


def test_reachable_as_attribute_and_submodule():
    assert gg.utils.checkpoint.checkpoint is checkpoint
    assert gpugrad.utils.checkpoint.checkpoint_sequential is checkpoint_sequential
