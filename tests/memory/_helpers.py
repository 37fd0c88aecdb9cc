"""Helpers shared by the memory tests: an independent byte count, MLPs, PyTorch's saved bytes."""
import tracemalloc

import numpy as np

import gpugrad as gg

MiB = 2 ** 20


def numpy_traced():
    """Bytes NumPy has allocated and not freed, as tracemalloc sees them (must be tracing)."""
    snap = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.DomainFilter(True, np.lib.tracemalloc_domain)])
    return sum(t.size for t in snap.traces)


def stat(name, device="cpu"):
    return gg.memory_stats(device)[name]


def saved_bytes(device="cpu"):
    return stat("saved_for_backward_bytes.current", device)


def mlp_params(layers, width, device="cpu", seed=0, requires_grad=True):
    """``layers`` (weight, bias) pairs of a width x width MLP, as raw tensors."""
    gg.manual_seed(seed)
    params = []
    for _ in range(layers):
        w = (gg.randn(width, width, device=device) * (1.0 / width ** 0.5))
        b = gg.zeros(width, device=device)
        params.append((w.requires_grad_(requires_grad), b.requires_grad_(requires_grad)))
    return params


def mlp_forward(params, x, relu_last=True):
    """One statement per op, so that each activation is dropped as soon as the next exists."""
    import gpugrad.nn.functional as F
    h = x
    n = len(params)
    for i, (w, b) in enumerate(params):
        h = F.linear(h, w, b)
        if relu_last or i < n - 1:
            h = h.relu()
    return h


class TorchSaved:
    """Unique storages PyTorch saves for backward, counted by saved-tensor hooks."""

    def __init__(self, torch):
        self.torch = torch
        self.storages = {}

    def pack(self, t):
        s = t.untyped_storage()
        self.storages[s.data_ptr()] = s.nbytes()
        return t

    def hooks(self):
        return self.torch.autograd.graph.saved_tensors_hooks(self.pack, lambda t: t)

    @property
    def nbytes(self):
        return sum(self.storages.values())
