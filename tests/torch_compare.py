"""Run one piece of code with gpugrad and with PyTorch, and compare what comes out.

``same(fn, torch)`` calls ``fn(gg)`` and ``fn(torch)``; each may return tensors, numbers,
strings, nested tuples/lists/dicts of them, or raise. Tensors must agree in values, shape,
dtype and ``requires_grad``; exceptions in type and message (with ``torch.`` written as
``gpugrad.``); strings after the same replacement.
"""
import re

import numpy as np

import gpugrad as gg


def run(fn, lib):
    try:
        return fn(lib)
    except Exception as e:  # compared with the other library's outcome
        return e


def _text(s):
    # "torch" as a name of its own (torch.Size, torch::autograd), not inside "pytorch".
    return re.sub(r"(?<![A-Za-z])torch", "gpugrad", s)


def assert_same(ours, theirs, path="result", rtol=1e-5, atol=1e-7, messages=True):
    """Recursively compare our outcome with torch's; raise AssertionError naming the path."""
    if isinstance(theirs, BaseException):
        assert isinstance(ours, BaseException), f"{path}: torch raised {theirs!r}, got {ours!r}"
        assert type(ours).__name__ == type(theirs).__name__, \
            f"{path}: {type(ours).__name__} vs torch's {type(theirs).__name__}: {ours}"
        if messages:
            assert str(ours) == _text(str(theirs)), \
                f"{path}: message differs\n ours: {ours}\ntorch: {theirs}"
        return
    if isinstance(ours, BaseException):
        raise AssertionError(f"{path}: we raised {ours!r}; torch gave {theirs!r}") from ours
    if type(theirs).__module__.startswith("torch") and hasattr(theirs, "dtype") \
            and hasattr(theirs, "shape"):
        assert isinstance(ours, gg.Tensor), f"{path}: expected a tensor, got {ours!r}"
        assert tuple(ours.shape) == tuple(theirs.shape), \
            f"{path}: shape {tuple(ours.shape)} vs {tuple(theirs.shape)}"
        assert ours.dtype.name == str(theirs.dtype).split(".")[-1], \
            f"{path}: dtype {ours.dtype} vs {theirs.dtype}"
        assert ours.requires_grad == theirs.requires_grad, f"{path}: requires_grad differs"
        a = ours.detach().cpu().numpy()
        b = theirs.detach().cpu().numpy()
        if a.dtype.kind in "biu":
            np.testing.assert_array_equal(a, b, err_msg=path)
        else:
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=path)
        return
    if type(theirs).__module__ == "torch" and type(theirs).__name__ in ("dtype", "device",
                                                                         "Size"):
        assert repr(ours) == _text(repr(theirs)), f"{path}: {ours!r} vs {theirs!r}"
        return
    if isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)) and len(ours) == len(theirs), \
            f"{path}: {ours!r} vs {theirs!r}"
        for i, (o, t) in enumerate(zip(ours, theirs)):
            assert_same(o, t, f"{path}[{i}]", rtol, atol, messages)
        return
    if isinstance(theirs, dict):
        assert isinstance(ours, dict) and set(ours) == set(theirs), f"{path}: keys differ"
        for k in theirs:
            assert_same(ours[k], theirs[k], f"{path}[{k!r}]", rtol, atol, messages)
        return
    if isinstance(theirs, str):
        assert ours == _text(theirs), f"{path}: {ours!r} vs {theirs!r}"
        return
    if isinstance(theirs, float):
        assert ours == theirs or abs(ours - theirs) <= atol + rtol * abs(theirs), \
            f"{path}: {ours!r} vs {theirs!r}"
        return
    assert ours == theirs, f"{path}: {ours!r} vs {theirs!r}"


def same(fn, torch, **kw):
    """Run ``fn`` with both libraries and assert that the outcomes agree."""
    ours = run(fn, gg)
    theirs = run(fn, torch)
    assert_same(ours, theirs, **kw)
    return ours
