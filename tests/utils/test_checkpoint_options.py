"""utils.checkpoint's keyword options, against torch.utils.checkpoint: context_fn,
determinism_check, early_stop and debug, and the errors for the reentrant variant."""
import contextlib

import numpy as np
import pytest

import gpugrad as gg
from gpugrad.utils.checkpoint import checkpoint, noop_context_fn

X = np.random.default_rng(0).standard_normal((3, 4))


def _grad(lib, **kw):
    x = lib.tensor(X, requires_grad=True)
    y = lib.utils.checkpoint.checkpoint(lambda t: (t.sin() * t).tanh(), x, **kw)
    y.sum().backward()
    return x.grad.numpy()


@pytest.mark.parametrize("kw", [dict(determinism_check="none"), dict(early_stop=False),
                                dict(debug=False), dict(context_fn=noop_context_fn)])
def test_options_give_the_same_gradients_as_torch(kw, torch):
    ours = _grad(gg, use_reentrant=False, **kw)
    theirs = _grad(torch, use_reentrant=False, **kw)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_context_fn_wraps_forward_and_recomputation():
    events = []

    @contextlib.contextmanager
    def note(name):
        events.append("enter " + name)
        try:                # the recomputation may end early, by an exception
            yield
        finally:
            events.append("exit " + name)

    x = gg.tensor(X, requires_grad=True)
    y = checkpoint(lambda t: t.exp() * t, x, use_reentrant=False,
                   context_fn=lambda: (note("forward"), note("recompute")))
    assert events == ["enter forward", "exit forward"]
    y.sum().backward()
    assert events[2:] == ["enter recompute", "exit recompute"]
    np.testing.assert_allclose(x.grad.numpy(), np.exp(X) * (X + 1), rtol=1e-12)


def test_determinism_check_none_skips_the_metadata_check():
    calls = []

    def changing(t):
        calls.append(1)
        u = t * 2
        if len(calls) > 1:
            u = u.double()                  # a different dtype when recomputed
        return u.sin().sum().float()

    x = gg.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="recomputed tensor 0 has shape"):
        checkpoint(changing, x, use_reentrant=False).backward()
    calls.clear()
    checkpoint(changing, x, use_reentrant=False, determinism_check="none").backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.cos(2 * x.detach().numpy()), rtol=1e-6)


@pytest.mark.parametrize("call", [
    lambda lib, x: lib.utils.checkpoint.checkpoint(lambda t: t * 2, x, use_reentrant=False,
                                                   determinism_check="sometimes"),
    lambda lib, x: lib.utils.checkpoint.checkpoint(lambda t: t * 2, x, use_reentrant=True,
                                                   debug=True),
    lambda lib, x: lib.utils.checkpoint.checkpoint(
        lambda t: t * 2, x, use_reentrant=True,
        context_fn=lambda: (contextlib.nullcontext(), contextlib.nullcontext())),
    lambda lib, x: lib.utils.checkpoint.checkpoint(lambda t, s=1: t * s, x, s=2,
                                                   use_reentrant=True),
])
def test_bad_options_raise_as_torch(call, torch):
    with pytest.raises(ValueError) as ours:
        call(gg, gg.ones(2, requires_grad=True))
    with pytest.raises(ValueError) as theirs:
        call(torch, torch.ones(2, requires_grad=True))
    assert str(ours.value) == str(theirs.value)
