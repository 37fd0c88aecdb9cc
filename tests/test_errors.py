"""The bad-input catalogue: each misuse raises at the call that made it, with PyTorch's
exception type and message, and leaves everything as it was (values, gradients, graphs,
optimizer state).

``CASES`` is the one source of the table in docs/errors.md; ``python tests/test_errors.py``
rewrites that page and a test below fails when the two drift apart.
"""
import copy
import os
import re
import sys
from dataclasses import dataclass

import numpy as np
import pytest

if __name__ == "__main__":  # run as a script from a checkout: use the package beside it
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
import gpugrad as gg  # noqa: E402


@dataclass
class Misuse:
    """``setup(m)`` builds the objects (m is gpugrad or torch), ``act(m, s)`` misuses them.

    ``message`` is gpugrad's text: PyTorch's with ``torch`` written ``gpugrad``. ``prefix``:
    only the start is compared (PyTorch appends a C++ trace or long hint to some).
    ``torch``: False where PyTorch has no counterpart (CuPy installs, device strings).
    """
    name: str
    what: str
    setup: object
    act: object
    error: type
    message: str
    prefix: bool = False
    torch: bool = True


def _f(m, *shape, **kw):
    """A float32 tensor of distinct values."""
    n = int(np.prod(shape)) if shape else 1
    return m.arange(n, dtype=m.float32).reshape(shape).add(1.0).requires_grad_(
        kw.get("requires_grad", False))


def _leaf(m, *shape):
    return _f(m, *shape, requires_grad=True)


def _graph(m):
    """A leaf, an output of sigmoid (saves its output) and a scalar loss, graph alive."""
    x = _leaf(m, 3)
    y = x.sigmoid()
    return {"x": x, "y": y, "loss": (y * 2).sum()}


def _modified_graph(m):
    """sigmoid's output, which its backward needs, changed in place afterwards."""
    s = _graph(m)
    s["y"].mul_(2)
    return s


def _spent_graph(m):
    s = _graph(m)
    s["loss"].backward()
    return s


def _fn_with_backward(m, backward):
    """A custom Function (two inputs) whose backward is ``backward(ctx, g)``."""
    class MyFn(m.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

    MyFn.backward = staticmethod(backward)
    return MyFn


def _custom(m, backward):
    a, b = _leaf(m, 2), _leaf(m, 2)
    return {"a": a, "b": b, "out": _fn_with_backward(m, backward).apply(a, b).sum()}


def _linear(m):
    return {"layer": m.nn.Linear(3, 2)}


def _sgd(m):
    p = m.nn.Parameter(_f(m, 2))
    return {"p": p}


def _trained_adam(m):
    """An optimizer with state after one step, so a failed call could corrupt it."""
    p = m.nn.Parameter(_f(m, 2))
    opt = m.optim.Adam([p], lr=0.1)
    (p * p).sum().backward()
    opt.step()
    return {"p": p, "opt": opt}


def _hide_cupy(m):
    """What gpugrad sees on a machine without CuPy: the lazy import fails."""
    from gpugrad.backend import cuda
    names = ("_import_cupy", "_installed_cupy", "_module", "_available", "_why_not")
    saved = {k: cuda.__dict__[k] for k in names}

    def missing():
        raise ImportError("No module named 'cupy'")
    cuda._import_cupy, cuda._installed_cupy = missing, lambda: []
    cuda._module = cuda._available = None
    return {"restore": saved}


_NO_CUPY = ("CUDA is not available: gpugrad runs cuda tensors with CuPy, which is not "
            "installed. Install it with pip install")
CASES = [
    # ------------------------------------------------------------------ shapes
    Misuse("add_shapes", "add tensors whose shapes do not broadcast: (2, 3) + (4,)",
           lambda m: {"a": _leaf(m, 2, 3), "b": _f(m, 4)}, lambda m, s: s["a"] + s["b"],
           RuntimeError, "The size of tensor a (3) must match the size of tensor b (4) at "
                         "non-singleton dimension 1"),
    Misuse("mul_shapes", "multiply (2, 3) by (3, 2)",
           lambda m: {"a": _f(m, 2, 3), "b": _f(m, 3, 2)}, lambda m, s: s["a"] * s["b"],
           RuntimeError, "The size of tensor a (3) must match the size of tensor b (2) at "
                         "non-singleton dimension 1"),
    Misuse("matmul_shapes", "matmul of (2, 3) and (4, 5)",
           lambda m: {"a": _leaf(m, 2, 3), "b": _f(m, 4, 5)}, lambda m, s: s["a"] @ s["b"],
           RuntimeError, "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)"),
    Misuse("dot_shapes", "matmul of vectors of lengths 3 and 4",
           lambda m: {"a": _f(m, 3), "b": _f(m, 4)}, lambda m, s: s["a"] @ s["b"],
           RuntimeError, "inconsistent tensor size, expected tensor [3] and src [4] to have "
                         "the same number of elements, but got 3 and 4 elements respectively"),
    Misuse("bmm_batch", "matmul of batches 2 and 3: (2, 2, 3) @ (3, 3, 4)",
           lambda m: {"a": _f(m, 2, 2, 3), "b": _f(m, 3, 3, 4)},
           lambda m, s: s["a"] @ s["b"],
           RuntimeError, "The size of tensor a (2) must match the size of tensor b (3) at "
                         "non-singleton dimension 0"),
    Misuse("cat_sizes", "cat (2, 3) and (2, 4) along dim 0",
           lambda m: {"a": _leaf(m, 2, 3), "b": _f(m, 2, 4)},
           lambda m, s: m.cat([s["a"], s["b"]], 0),
           RuntimeError, "Sizes of tensors must match except in dimension 0. Expected size 3 "
                         "but got size 4 for tensor number 1 in the list."),
    Misuse("cat_ndim", "cat a matrix and a 3-d tensor",
           lambda m: {"a": _f(m, 2, 3), "b": _f(m, 1, 2, 3)},
           lambda m, s: m.cat([s["a"], s["b"]]),
           RuntimeError, "Tensors must have same number of dimensions: got 2 and 3"),
    Misuse("cat_empty", "cat an empty list", lambda m: {}, lambda m, s: m.cat([]),
           ValueError, "gpugrad.cat(): expected a non-empty list of Tensors"),
    Misuse("stack_sizes", "stack tensors of lengths 2 and 3",
           lambda m: {"a": _f(m, 2), "b": _f(m, 3)}, lambda m, s: m.stack([s["a"], s["b"]]),
           RuntimeError, "stack expects each tensor to be equal size, but got [2] at entry 0 "
                         "and [3] at entry 1"),
    Misuse("view_numel", "view 6 elements as 4",
           lambda m: {"a": _leaf(m, 2, 3)}, lambda m, s: s["a"].view(4),
           RuntimeError, "shape '[4]' is invalid for input of size 6"),
    Misuse("view_strides", "view a transposed (non-contiguous) tensor as flat",
           lambda m: {"a": _f(m, 2, 3)}, lambda m, s: s["a"].t().view(6),
           RuntimeError, "view size is not compatible with input tensor's size and stride (at "
                         "least one dimension spans across two contiguous subspaces). Use "
                         ".reshape(...) instead."),
    Misuse("reshape_two_infer", "reshape with two -1",
           lambda m: {"a": _f(m, 2, 3)}, lambda m, s: s["a"].reshape(-1, -1),
           RuntimeError, "only one dimension can be inferred"),
    Misuse("expand_size", "expand (2, 3) to (2, 4)",
           lambda m: {"a": _f(m, 2, 3)}, lambda m, s: s["a"].expand(2, 4),
           RuntimeError, "The expanded size of the tensor (4) must match the existing size (3) "
                         "at non-singleton dimension 1.  Target sizes: [2, 4].  Tensor sizes: "
                         "[2, 3]"),
    Misuse("dim_range", "sum over dim 5 of a matrix",
           lambda m: {"a": _f(m, 2, 3)}, lambda m, s: s["a"].sum(5),
           IndexError, "Dimension out of range (expected to be in range of [-2, 1], but got 5)"),
    # ------------------------------------------------------------------ devices
    Misuse("cuda_without_gpu", "move a tensor to 'cuda' where CuPy or a GPU is missing",
           lambda m: {"a": _f(m, 2), **_hide_cupy(m)}, lambda m, s: s["a"].to("cuda"),
           RuntimeError, _NO_CUPY, prefix=True, torch=False),
    Misuse("cuda_factory", "create a tensor on 'cuda' where CuPy or a GPU is missing",
           _hide_cupy, lambda m, s: m.zeros(2, device="cuda"),
           RuntimeError, _NO_CUPY, prefix=True, torch=False),
    Misuse("device_unknown", "an unknown device type",
           lambda m: {}, lambda m, s: m.zeros(2, device="tpu:0"),
           RuntimeError, "Expected one of cpu, cuda", prefix=True),
    Misuse("device_string", "a malformed device string",
           lambda m: {}, lambda m, s: m.zeros(2, device="gpu0"),
           RuntimeError, "Invalid device string: 'gpu0'"),
    Misuse("device_index", "a malformed device index",
           lambda m: {}, lambda m, s: m.device("cuda:x"),
           RuntimeError, "Invalid device string: 'cuda:x'"),
    # ------------------------------------------------------------------ dtypes
    Misuse("int_requires_grad", "an integer tensor asked to require grad",
           lambda m: {}, lambda m, s: m.tensor([1, 2], requires_grad=True),
           RuntimeError, "Only Tensors of floating point and complex dtype can require "
                         "gradients"),
    Misuse("int_requires_grad_", "requires_grad_() on an integer tensor",
           lambda m: {"a": m.tensor([1, 2])}, lambda m, s: s["a"].requires_grad_(),
           RuntimeError, "only Tensors of floating point dtype can require gradients"),
    Misuse("matmul_dtypes", "matmul of int64 and float32",
           lambda m: {"a": m.ones(2, 2, dtype=m.int64), "b": _f(m, 2, 2)},
           lambda m, s: s["a"] @ s["b"],
           RuntimeError, "expected m1 and m2 to have the same dtype, but got: long int != "
                         "float"),
    Misuse("bool_sub", "subtract two bool tensors",
           lambda m: {"a": m.tensor([True]), "b": m.tensor([False])},
           lambda m, s: s["a"] - s["b"],
           RuntimeError, "Subtraction, the `-` operator, with two bool tensors is not "
                         "supported. Use the `^` or `logical_xor()` operator instead."),
    Misuse("mean_int", "mean of an integer tensor",
           lambda m: {"a": m.tensor([1, 2])}, lambda m, s: s["a"].mean(),
           RuntimeError, "mean(): could not infer output dtype. Input dtype must be either a "
                         "floating point or complex dtype. Got: Long"),
    Misuse("float_index", "index with a float tensor",
           lambda m: {"a": _f(m, 3)}, lambda m, s: s["a"][m.tensor([0.0])],
           IndexError, "tensors used as indices must be long, int, byte or bool tensors"),
    Misuse("grad_size", "assign a .grad of another shape",
           lambda m: {"a": _leaf(m, 2)}, lambda m, s: setattr(s["a"], "grad", _f(m, 3)),
           RuntimeError, "attempting to assign a gradient of size '[3]' to a tensor of size "
                         "'[2]'. Please ensure that the gradient and the tensor are the same "
                         "size"),
    Misuse("grad_dtype", "assign a .grad of another dtype",
           lambda m: {"a": _leaf(m, 2)},
           lambda m, s: setattr(s["a"], "grad", m.zeros(2, dtype=m.float64)),
           RuntimeError, "attempting to assign a gradient with dtype 'double' to a tensor with "
                         "grad_dtype 'Float'. The gradient must match the tensor's grad_dtype",
           prefix=True),
    # ------------------------------------------------------------------ autograd
    Misuse("backward_twice", "backward through a graph a second time",
           _spent_graph, lambda m, s: s["loss"].backward(),
           RuntimeError, "Trying to backward through the graph a second time (or directly "
                         "access saved tensors after they have already been freed). Saved "
                         "intermediate values of the graph are freed when you call .backward() "
                         "or autograd.grad(). Specify retain_graph=True if you need to backward "
                         "through the graph a second time or if you need to access saved "
                         "tensors after calling backward."),
    Misuse("backward_nonscalar", "backward of a non-scalar without a gradient",
           _graph, lambda m, s: s["y"].backward(),
           RuntimeError, "grad can be implicitly created only for scalar outputs"),
    Misuse("backward_no_graph", "backward of a tensor that does not require grad",
           lambda m: {"a": _f(m, 2)}, lambda m, s: s["a"].sum().backward(),
           RuntimeError, "element 0 of tensors does not require grad and does not have a "
                         "grad_fn"),
    Misuse("backward_grad_shape", "backward with a gradient of the wrong shape",
           _graph, lambda m, s: s["y"].backward(m.ones(2)),
           RuntimeError, "Mismatch in shape: grad_output[0] has a shape of gpugrad.Size([2]) "
                         "and output[0] has a shape of gpugrad.Size([3])."),
    Misuse("inplace_saved", "change in place a tensor that backward needs (sigmoid's output)",
           _modified_graph, lambda m, s: s["loss"].backward(),
           RuntimeError, "one of the variables needed for gradient computation has been "
                         "modified by an inplace operation: [gpugrad.FloatTensor [3]], which "
                         "is output 0 of Sigmoid, is at version 1; expected version 0 instead. "
                         "Hint: enable anomaly detection to find the operation that failed to "
                         "compute its gradient, with gpugrad.autograd.set_detect_anomaly(True, "
                         "check_nan=False)."),
    Misuse("inplace_leaf", "change in place a leaf that requires grad",
           lambda m: {"a": _leaf(m, 2)}, lambda m, s: s["a"].add_(1),
           RuntimeError, "a leaf Variable that requires grad is being used in an in-place "
                         "operation."),
    Misuse("inplace_leaf_view", "change in place a view of such a leaf",
           lambda m: {"a": _leaf(m, 2)}, lambda m, s: s["a"][0].mul_(2),
           RuntimeError, "a view of a leaf Variable that requires grad is being used in an "
                         "in-place operation."),
    Misuse("custom_grad_count", "a custom Function's backward returns too few gradients",
           lambda m: _custom(m, lambda ctx, g: g), lambda m, s: s["out"].backward(),
           RuntimeError, "function MyFnBackward returned an incorrect number of gradients "
                         "(expected 2, got 1)"),
    Misuse("custom_grad_shape", "a custom Function's backward returns a wrongly shaped gradient",
           lambda m: _custom(m, lambda ctx, g: (m.ones(3), g)),
           lambda m, s: s["out"].backward(),
           RuntimeError, "Function MyFnBackward returned an invalid gradient at index 0 - got "
                         "[3] but expected shape compatible with [2]"),
    Misuse("grad_unused", "autograd.grad for an input the output does not use",
           lambda m: {"a": _leaf(m, 2), "b": _leaf(m, 2)},
           lambda m, s: m.autograd.grad((s["a"] * 2).sum(), [s["a"], s["b"]]),
           RuntimeError, "The differentiated Tensor at index 1 appears to not have been used "
                         "in the graph. Set allow_unused=True if this is the desired "
                         "behavior."),
    Misuse("grad_not_required", "autograd.grad for an input that does not require grad",
           lambda m: {"a": _leaf(m, 2), "b": _f(m, 2)},
           lambda m, s: m.autograd.grad((s["a"] * s["b"]).sum(), [s["b"]]),
           RuntimeError, "One of the differentiated Tensors does not require grad"),
    Misuse("backward_inputs_empty", "backward(inputs=[])",
           _graph, lambda m, s: s["loss"].backward(inputs=[]),
           RuntimeError, "`inputs` argument to `backward()` cannot be empty."),
    Misuse("numpy_requires_grad", "numpy() of a tensor that requires grad",
           lambda m: {"a": _leaf(m, 2)}, lambda m, s: s["a"].numpy(),
           RuntimeError, "Can't call numpy() on Tensor that requires grad. Use "
                         "tensor.detach().numpy() instead."),
    Misuse("item_many", "item() of a 3-element tensor",
           lambda m: {"a": _f(m, 3)}, lambda m, s: s["a"].item(),
           RuntimeError, "a Tensor with 3 elements cannot be converted to Scalar"),
    Misuse("bool_many", "truth value of a 3-element tensor",
           lambda m: {"a": _f(m, 3)}, lambda m, s: bool(s["a"]),
           RuntimeError, "Boolean value of Tensor with more than one value is ambiguous"),
    Misuse("requires_grad_nonleaf", "requires_grad = False on a non-leaf",
           _graph, lambda m, s: setattr(s["y"], "requires_grad", False),
           RuntimeError, "you can only change requires_grad flags of leaf variables. If you "
                         "want to use a computed variable in a subgraph that doesn't require "
                         "differentiation use var_no_grad = var.detach()."),
    Misuse("retain_grad_constant", "retain_grad() on a tensor that does not require grad",
           lambda m: {"a": _f(m, 2)}, lambda m, s: s["a"].retain_grad(),
           RuntimeError, "can't retain_grad on Tensor that has requires_grad=False"),
    Misuse("hook_constant", "register_hook on a tensor that does not require grad",
           lambda m: {"a": _f(m, 2)}, lambda m, s: s["a"].register_hook(lambda g: g),
           RuntimeError, "cannot register a hook on a tensor that doesn't require gradient"),
    Misuse("inference_inplace", "change in place an inference-mode tensor outside the mode",
           lambda m: {"a": _inference(m)}, lambda m, s: s["a"].add_(1),
           RuntimeError, "Inplace update to inference tensor outside InferenceMode is not "
                         "allowed.You can make a clone to get a normal tensor before doing "
                         "inplace update.See https://github.com/pytorch/rfcs/pull/17 for more "
                         "details."),
    Misuse("inference_requires_grad", "requires_grad on an inference tensor outside the mode",
           lambda m: {"a": _inference(m)}, lambda m, s: s["a"].requires_grad_(),
           RuntimeError, "Setting requires_grad=True on inference tensor outside "
                         "InferenceMode is not allowed."),
    # ------------------------------------------------------------------ indexing
    Misuse("index_range", "index 5 of a 3-element tensor",
           lambda m: {"a": _leaf(m, 3)}, lambda m, s: s["a"][5],
           IndexError, "index 5 is out of bounds for dimension 0 with size 3"),
    Misuse("index_too_many", "three indices into a matrix",
           lambda m: {"a": _f(m, 2, 2)}, lambda m, s: s["a"][0, 0, 0],
           IndexError, "too many indices for tensor of dimension 2"),
    Misuse("index_tensor_range", "an index tensor with an entry out of range",
           lambda m: {"a": _leaf(m, 3)}, lambda m, s: s["a"][m.tensor([0, 7])],
           IndexError, "index 7 is out of bounds for dimension 0 with size 3"),
    Misuse("index_select_range", "index_select out of range",
           lambda m: {"a": _f(m, 3)},
           lambda m, s: m.index_select(s["a"], 0, m.tensor([3])),
           IndexError, "index out of range in self"),
    Misuse("setitem_range", "assign to index 3 of a 3-element tensor",
           lambda m: {"a": _f(m, 3)}, lambda m, s: s["a"].__setitem__(3, 0.0),
           IndexError, "index 3 is out of bounds for dimension 0 with size 3"),
    Misuse("mask_shape", "a bool mask of the wrong shape",
           lambda m: {"a": _f(m, 3)}, lambda m, s: s["a"][m.tensor([True, False])],
           IndexError, "The shape of the mask [2] at index 0 does not match the shape of the "
                       "indexed tensor [3] at index 0"),
    # ------------------------------------------------------------------ reductions
    Misuse("max_empty", "max() of an empty tensor",
           lambda m: {"a": m.ones(0)}, lambda m, s: s["a"].max(),
           RuntimeError, "max(): Expected reduction dim to be specified for input.numel() == "
                         "0. Specify the reduction dim with the 'dim' argument."),
    Misuse("amax_empty_dim", "amax over an empty dim",
           lambda m: {"a": m.ones(0, 3)}, lambda m, s: s["a"].amax(0),
           IndexError, "amax(): Expected reduction dim 0 to have non-zero size."),
    Misuse("argmax_empty", "argmax() of an empty tensor",
           lambda m: {"a": m.ones(0)}, lambda m, s: s["a"].argmax(),
           IndexError, "argmax(): Expected reduction dim to be specified for input.numel() "
                       "== 0."),
    # ------------------------------------------------------------------ nn
    Misuse("state_dict_missing", "load_state_dict without the bias",
           _linear, lambda m, s: s["layer"].load_state_dict(
               {"weight": m.zeros(2, 3)}),
           RuntimeError, "Error(s) in loading state_dict for Linear:\n\tMissing key(s) in "
                         "state_dict: \"bias\". "),
    Misuse("state_dict_unexpected", "load_state_dict with an extra key",
           _linear, lambda m, s: s["layer"].load_state_dict(
               {"weight": m.zeros(2, 3), "bias": m.zeros(2), "scale": m.zeros(1)}),
           RuntimeError, "Error(s) in loading state_dict for Linear:\n\tUnexpected key(s) in "
                         "state_dict: \"scale\". "),
    Misuse("state_dict_shape", "load_state_dict with a weight of another shape",
           _linear, lambda m, s: s["layer"].load_state_dict(
               {"weight": m.zeros(3, 3), "bias": m.zeros(2)}),
           RuntimeError, "Error(s) in loading state_dict for Linear:\n\tsize mismatch for "
                         "weight: copying a param with shape gpugrad.Size([3, 3]) from "
                         "checkpoint, the shape in current model is gpugrad.Size([2, 3])."),
    Misuse("linear_features", "a Linear(3, 2) fed 4 features",
           _linear, lambda m, s: s["layer"](_f(m, 5, 4)),
           RuntimeError, "mat1 and mat2 shapes cannot be multiplied (5x4 and 3x2)"),
    Misuse("cross_entropy_target", "cross_entropy with a class index out of range",
           lambda m: {"a": _leaf(m, 2, 3)},
           lambda m, s: m.nn.functional.cross_entropy(s["a"], m.tensor([0, 5])),
           IndexError, "Target 5 is out of bounds."),
    # ------------------------------------------------------------------ optim
    Misuse("sgd_lr", "SGD with a negative learning rate",
           _sgd, lambda m, s: m.optim.SGD([s["p"]], lr=-1),
           ValueError, "Invalid learning rate: -1"),
    Misuse("adam_beta", "Adam with beta1 = 1.5",
           _sgd, lambda m, s: m.optim.Adam([s["p"]], betas=(1.5, 0.999)),
           ValueError, "Invalid beta parameter at index 0: 1.5"),
    Misuse("adam_eps", "Adam with a negative epsilon",
           _sgd, lambda m, s: m.optim.Adam([s["p"]], eps=-1e-8),
           ValueError, "Invalid epsilon value: -1e-08"),
    Misuse("optim_empty", "an optimizer over no parameters",
           lambda m: {}, lambda m, s: m.optim.SGD([], lr=0.1),
           ValueError, "optimizer got an empty parameter list"),
    Misuse("optim_nonleaf", "an optimizer over a computed tensor",
           lambda m: {"p": _leaf(m, 2) * 2}, lambda m, s: m.optim.SGD([s["p"]], lr=0.1),
           ValueError, "can't optimize a non-leaf Tensor"),
    Misuse("optim_state_groups", "an optimizer state_dict with another number of groups",
           _trained_adam, lambda m, s: s["opt"].load_state_dict(
               {"state": {}, "param_groups": []}),
           ValueError, "loaded state dict has a different number of parameter groups"),
]


def _inference(m):
    with m.inference_mode():
        return m.ones(2)


# --------------------------------------------------------------------------- snapshots
def _snapshot(state):
    """Everything a failed call must not change, as plain values."""
    out = {}
    for key, obj in state.items():
        if key == "restore":
            continue
        out[key] = _snap_one(obj)
    return out


def _array(t):
    return None if t is None else t.detach().cpu().numpy().copy()


def _snap_one(obj):
    if isinstance(obj, gg.Tensor):
        return ("tensor", _array(obj), _array(obj._grad), obj.grad_fn, obj.requires_grad,
                obj._version[0], tuple(obj.shape))
    if hasattr(obj, "state_dict") and hasattr(obj, "param_groups"):
        return ("optimizer", copy.deepcopy(obj.state_dict()))
    if hasattr(obj, "state_dict"):
        return ("module", {k: _array(v) for k, v in obj.state_dict().items()})
    return ("other", repr(obj))


def _assert_same(before, after, path="state"):
    if isinstance(before, np.ndarray):
        np.testing.assert_array_equal(after, before, err_msg=path)
    elif isinstance(before, dict):
        assert set(before) == set(after), path
        for k in before:
            _assert_same(before[k], after[k], f"{path}[{k!r}]")
    elif isinstance(before, (tuple, list)):
        assert len(before) == len(after), path
        for i, (b, a) in enumerate(zip(before, after)):
            _assert_same(b, a, f"{path}[{i}]")
    elif isinstance(before, gg.Tensor):
        _assert_same(_array(before), _array(after), path)
    else:
        assert before is after or before == after, f"{path}: {before!r} -> {after!r}"


def _restore(state):
    saved = state.get("restore")
    if saved is not None:
        from gpugrad.backend import cuda
        cuda.__dict__.update(saved)


def _torch_text(s):
    # torch.Size -> gpugrad.Size, but a pytorch.org or github.com/pytorch address stays.
    return re.sub(r"\btorch\b", "gpugrad", s)


def _check_message(text, case):
    if case.prefix:
        assert text.startswith(case.message), f"{case.name}: {text!r}"
    else:
        assert text == case.message, f"{case.name}:\n ours: {text!r}\nwant: {case.message!r}"


# --------------------------------------------------------------------------- tests
_IDS = [c.name for c in CASES]


def test_catalogue_is_large_and_unique():
    assert len(CASES) >= 40
    assert len(set(_IDS)) == len(_IDS)


@pytest.mark.parametrize("case", CASES, ids=_IDS)
def test_misuse_raises_and_changes_nothing(case):
    state = case.setup(gg)
    try:
        before = _snapshot(state)
        with pytest.raises(case.error) as info:
            case.act(gg, state)
        assert type(info.value) is case.error, f"{type(info.value).__name__}: {info.value}"
        _check_message(str(info.value), case)
        _assert_same(before, _snapshot(state))
    finally:
        _restore(state)


@pytest.mark.parametrize("case", [c for c in CASES if c.torch],
                         ids=[c.name for c in CASES if c.torch])
def test_pytorch_raises_the_same(case):
    """The catalogue's messages are PyTorch 2.13's own (checked where PyTorch is installed)."""
    torch = pytest.importorskip("torch")
    state = case.setup(torch)
    with pytest.raises(Exception) as info:
        case.act(torch, state)
    assert type(info.value).__name__ == case.error.__name__, repr(info.value)
    _check_message(_torch_text(str(info.value)), case)


@pytest.mark.gpu
def test_mixing_devices_names_both():
    if not gg.cuda.is_available():
        pytest.skip("needs CuPy and a CUDA device")
    a = gg.ones(2, device="cuda", requires_grad=True)
    b = gg.ones(2)
    with pytest.raises(RuntimeError) as info:
        a + b
    assert str(info.value) == ("Expected all tensors to be on the same device, but found at "
                               "least two devices, cuda:0 and cpu!")
    assert a.grad is None and a.grad_fn is None


# --------------------------------------------------------------------------- docs/errors.md
_DOC = os.path.join(os.path.dirname(__file__), os.pardir, "docs", "errors.md")


def render():
    """docs/errors.md from CASES."""
    lines = [
        "# Errors",
        "",
        "What gpugrad raises for common misuses: PyTorch's exception type and message (with",
        "`torch` written `gpugrad`), at the call that caused it, with nothing changed: no",
        "half-updated tensor, gradient, graph or optimizer state. `tests/test_errors.py` holds",
        "these cases, checks each against gpugrad and, where it is installed, PyTorch 2.13,",
        "and generates this page (`python tests/test_errors.py`). A message ending in `...` is",
        "checked by its start.",
        "",
        "| Misuse | Exception | Message |",
        "| --- | --- | --- |",
    ]
    for c in CASES:
        msg = c.message.replace("\n", " ").replace("\t", "").replace("|", "\\|")
        if c.prefix:
            msg += "..."
        lines.append(f"| {c.what} | `{c.error.__name__}` | {_code(msg)} |")
    lines += [
        "",
        "Not raised, as in PyTorch: a NaN or infinite loss backpropagates silently. Inside",
        "`gg.autograd.detect_anomaly()` (or after `gg.autograd.set_detect_anomaly(True)`),",
        "backward raises `RuntimeError: Function 'DivBackward0' returned nan values in its 0th",
        "output.` naming the first node that produced a NaN, followed by the traceback of the",
        "forward call that created it.",
        "",
    ]
    return "\n".join(lines)


def _code(msg):
    # Backticks inside a message would end the code span; use a longer fence then.
    return f"``{msg}``" if "`" in msg else f"`{msg}`"


def test_docs_table_is_in_sync():
    with open(_DOC, encoding="utf-8") as f:
        assert f.read() == render(), "docs/errors.md is stale: run python tests/test_errors.py"


if __name__ == "__main__":
    with open(_DOC, "w", encoding="utf-8") as f:
        f.write(render())
    sys.stdout.write(f"wrote {os.path.normpath(_DOC)} ({len(CASES)} misuses)\n")
