"""Threads: grad mode is per thread and graphs never share state, so eight threads training
their own models at once get exactly the gradients a lone thread gets; backward may be
called again from inside a hook or a custom Function's backward (reentrant)."""
import sys
import threading

import numpy as np
import pytest

import gpugrad as gg

THREADS = 8
STEPS = 500


def _model(seed):
    """A two-layer model with weights fixed by ``seed`` (float64: exact comparisons)."""
    rng = np.random.default_rng(seed)
    layers = [gg.nn.Linear(4, 5).double(), gg.nn.Linear(5, 2).double()]
    with gg.no_grad():
        for layer in layers:
            layer.weight.copy_(gg.tensor(rng.standard_normal(tuple(layer.weight.shape))))
            layer.bias.copy_(gg.tensor(rng.standard_normal(tuple(layer.bias.shape))))
    return layers, gg.tensor(rng.standard_normal((3, 4)))


def _forward(layers, x):
    return layers[1](gg.tanh(layers[0](x)))


def _train(seed, steps, errors, barrier=None):
    """``steps`` of forward/backward with this thread's own grad-mode toggles; returns a
    digest of every step's gradients (and records any crosstalk seen in ``errors``)."""
    layers, x = _model(seed)
    params = [p for layer in layers for p in layer.parameters()]
    if barrier is not None:
        barrier.wait()
    digest = np.zeros(len(params))
    for step in range(steps):
        mode = (seed + step) % 4
        if mode == 0:                       # inference inside no_grad: no graph at all
            with gg.no_grad():
                y = _forward(layers, x)
                if gg.is_grad_enabled() or y.requires_grad or y.grad_fn is not None:
                    errors.append(f"thread {seed} step {step}: no_grad leaked")
            continue
        if mode == 1:                       # set_grad_enabled(False) then back on, nested
            with gg.set_grad_enabled(False):
                with gg.enable_grad():
                    loss = (_forward(layers, x) ** 2).mean()
                if gg.is_grad_enabled():
                    errors.append(f"thread {seed} step {step}: set_grad_enabled leaked")
        elif mode == 2:
            with gg.inference_mode():
                if not gg.is_inference_mode_enabled():
                    errors.append(f"thread {seed} step {step}: inference_mode lost")
            loss = (_forward(layers, x) ** 2).mean()
        else:
            loss = (_forward(layers, x) ** 2).mean()
        if not gg.is_grad_enabled() or gg.is_inference_mode_enabled():
            errors.append(f"thread {seed} step {step}: mode is off outside every block")
        for p in params:
            p.grad = None
        loss.backward()
        digest += [float(p.grad.sum()) * (step + 1) for p in params]
    return digest


@pytest.mark.slow
def test_eight_threads_train_without_crosstalk():
    expected = [_train(seed, STEPS, []) for seed in range(THREADS)]
    errors, results = [], [None] * THREADS
    barrier = threading.Barrier(THREADS)

    def run(seed):
        try:
            results[seed] = _train(seed, STEPS, errors, barrier)
        except BaseException as e:  # reported below, with the thread it came from
            errors.append(f"thread {seed}: {e!r}")

    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)     # switch threads often so their steps interleave
    try:
        threads = [threading.Thread(target=run, args=(seed,)) for seed in range(THREADS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(old)
    assert not errors, errors[:5]
    for seed in range(THREADS):
        np.testing.assert_array_equal(results[seed], expected[seed], err_msg=f"thread {seed}")
    assert gg.is_grad_enabled()     # the main thread's mode is its own


def test_grad_mode_set_in_one_thread_is_not_seen_in_another():
    seen = {}
    inside, release = threading.Event(), threading.Event()

    def off():
        with gg.no_grad():
            inside.set()
            release.wait(5)
            seen["off"] = gg.is_grad_enabled()

    t = threading.Thread(target=off)
    t.start()
    inside.wait(5)
    seen["main"] = gg.is_grad_enabled()
    y = gg.ones(2, requires_grad=True) * 2
    release.set()
    t.join()
    assert seen == {"off": False, "main": True} and y.requires_grad


def _cube_grad(x):
    """d/dx sum(x^3), by a backward of its own (reentrant when called inside another)."""
    with gg.enable_grad():
        xd = x.detach().requires_grad_()
        (g,) = gg.autograd.grad((xd ** 3).sum(), xd)
    return g


class CubeByGrad(gg.autograd.Function):
    """x^3 whose backward runs autograd.grad on a fresh graph."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * _cube_grad(x)


class CubeByBackward(gg.autograd.Function):
    """x^3 whose backward recomputes forward and calls .backward() on it (checkpointing)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        with gg.enable_grad():
            xd = x.detach().requires_grad_()
            (xd ** 3).backward(g)
        return xd.grad


@pytest.mark.parametrize("fn", [CubeByGrad, CubeByBackward])
def test_reentrant_backward_in_custom_function(fn):
    x = gg.tensor([0.5, -1.5, 2.0], dtype=gg.float64, requires_grad=True)
    (fn.apply(x) * gg.tensor([1.0, 2.0, 3.0], dtype=gg.float64)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 * x.detach().numpy() ** 2 * [1, 2, 3])
    assert gg.is_grad_enabled()


def test_reentrant_backward_inside_a_hook():
    x = gg.tensor([1.0, 2.0], dtype=gg.float64, requires_grad=True)
    y = x * 3
    inner = []

    def hook(g):
        inner.append(_cube_grad(y.detach()))      # a whole backward inside this one
        return g * 2
    y.register_hook(hook)
    (y * y).sum().backward()
    np.testing.assert_allclose(inner[0].numpy(), 3 * (3 * np.array([1.0, 2.0])) ** 2)
    np.testing.assert_allclose(x.grad.numpy(), 2 * 2 * 3 * 3 * np.array([1.0, 2.0]))


def test_reentrant_backward_in_many_threads():
    """Reentrant backward in eight threads at once, each with its own values."""
    errors = []

    def run(seed):
        try:
            v = np.arange(1, 4, dtype=np.float64) * (seed + 1)
            for _ in range(20):
                x = gg.tensor(v, requires_grad=True)
                CubeByBackward.apply(CubeByGrad.apply(x)).sum().backward()
                # d/dx (x^3)^3 = 9 x^8
                np.testing.assert_allclose(x.grad.numpy(), 9 * v ** 8, rtol=1e-12)
        except BaseException as e:
            errors.append(f"thread {seed}: {e!r}")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
