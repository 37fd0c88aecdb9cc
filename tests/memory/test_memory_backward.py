"""What backward itself holds: leaf gradients are adopted, not copied, when nothing else holds
them, and the engine lets go of each gradient as soon as it has been used."""
import gc

import numpy as np

import gpugrad as gg

from _helpers import mlp_forward, mlp_params

MiB = 2 ** 20


def _backward_peak(loss):
    """Bytes above what was allocated when backward started, at backward's worst moment."""
    gc.collect()
    base = gg.memory_allocated("cpu")
    gg.reset_peak_memory_stats("cpu")
    loss.backward()
    return gg.max_memory_allocated("cpu") - base


def test_a_fresh_gradient_is_adopted_not_copied():
    w = gg.randn(1024, 1024, requires_grad=True)
    loss = (w * 2.0).sum()
    # MulBackward makes the only 4 MiB buffer; the leaf takes it as its .grad.
    assert _backward_peak(loss) == w.nbytes
    assert np.all(w.grad.numpy() == 2.0)


def test_mlp_gradients_never_exist_twice():
    # Weights big next to activations, so that a copy of any weight's gradient shows.
    layers, width, batch = 4, 1024, 64
    params = mlp_params(layers, width)
    x = gg.randn(batch, width)
    loss = mlp_forward(params, x).pow(2).mean()
    act = batch * width * 4
    weights = sum(w.nbytes + b.nbytes for w, b in params)
    # Beyond what the forward left: the weights' gradients, one incoming and one outgoing
    # activation gradient. Copying the gradients into .grad would add a weight (4 MiB) per
    # copy alive at once, all of them if the engine kept every original until the end.
    assert _backward_peak(loss) <= weights + 2 * act
    assert gg.memory_allocated("cpu") >= weights        # the grads are there


def test_adoption_keeps_gradients_apart():
    # A gradient the leaf could adopt only if nothing else holds it: here something does.
    x = gg.randn(512, 512, requires_grad=True)
    y = gg.randn(512, 512, requires_grad=True)
    (x + y).sum().backward()                     # AddBackward hands one tensor to both
    assert not np.shares_memory(x.grad.numpy(), y.grad.numpy())
    held = []
    x.grad = None
    x.register_hook(lambda g: held.append(g))
    (x * 3.0).sum().backward()
    assert not np.shares_memory(x.grad.numpy(), held[0].numpy())
    g = gg.ones(512, 512)
    x.grad = y.grad = None
    x.backward(g)
    assert not np.shares_memory(x.grad.numpy(), g.numpy())
