"""Autocast's op lists: which op runs in which dtype inside an autocast region, per device.

They copy PyTorch 2.13's lists (``aten/src/ATen/autocast_mode.{h,cpp}``) for the ops gpugrad
has. Keys are the names of gpugrad's ``Function`` classes (``MatMul``, ``Softmax``, ...),
which ``Function.apply`` hands to the autocast hook, plus lower-case names (``"conv"``,
``"einsum"``, ``"addmm"``, ...) for public functions that check dtypes before they reach
``apply`` or are made of several ops: they ask the hook themselves, first. (``einsum`` is
listed by its function, not its ``Einsum`` class, because ``diagonal`` and others use that
class inside and must keep their input dtype.)

Policies, as PyTorch's:

- ``LOWER``: floating inputs (not float64) are cast to the autocast dtype (float16).
- ``FP32``: floating inputs (not float64) are cast to float32.
- ``FP32_FIRST``: PyTorch's ``fp32_set_opt_dtype``: float32 when the first tensor input is
  eligible (floating, not float64, on the region's device), otherwise unchanged.
- ``PROMOTE``: floating inputs are cast to the widest of them (float32 if any is float32).

PyTorch's CPU lists are much shorter than its CUDA lists (no softmax, layer_norm, exp or log
on CPU), so ``autocast('cpu', dtype=gg.float16)`` leaves those ops in their input dtype,
exactly as ``torch.autocast('cpu', dtype=torch.float16)`` does.
"""

LOWER = "lower_precision_fp"
FP32 = "fp32"
FP32_FIRST = "fp32_set_opt_dtype"
PROMOTE = "promote"
# Not a PyTorch policy: PyTorch's batch_norm (and, on CPU, layer_norm/group_norm) take a
# float16 input with float32 weights as they are and return float16; gpugrad's need one dtype,
# so the weight and bias are cast to the input's (running statistics stay float32).
MATCH_FIRST = "match_first_input"

# Ops that have a gpugrad Function of that name, or a hook call in their public function.
_MATMUL_LIKE = ("MatMul", "Linear", "conv", "Convolution", "ScaledDotProductAttention",
                "addmm", "baddbmm", "prelu")

CUDA = {
    # lower_precision_fp: matmul, mm, bmm, mv (MatMul), linear, conv*/conv_transpose*,
    # einsum, scaled_dot_product_attention, addmm, baddbmm, prelu.
    **{name: LOWER for name in _MATMUL_LIKE + ("einsum",)},
    # fp32
    **{name: FP32 for name in (
        "Acos", "Asin", "Cosh", "Erfinv", "Exp", "Expm1", "Log", "Log10", "Log2", "Log1p",
        "Reciprocal", "Rsqrt", "Sinh", "Tan", "Pow", "PowTensor", "PowScalarBase",
        "Softplus", "NativeLayerNorm", "NativeGroupNorm", "NllLoss", "CrossEntropy",
        "MseLoss", "Logsumexp", "binary_cross_entropy_with_logits", "cdist", "layer_norm",
        "group_norm")},
    # fp32_set_opt_dtype
    **{name: FP32_FIRST for name in (
        "Prod", "ProdDim", "Softmax", "LogSoftmax", "Cumprod", "Cumsum", "LinalgVectorNorm",
        "Sum", "SumDim")},
    "mv": LOWER,
    # promote
    **{name: PROMOTE for name in ("Atan2", "IndexPut", "dot")},
    "batch_norm": MATCH_FIRST,
}

CPU = {
    **{name: LOWER for name in _MATMUL_LIKE + ("einsum",)},
    **{name: FP32 for name in (
        "Prod", "ProdDim", "NllLoss", "CrossEntropy", "MseLoss", "BinaryCrossEntropy",
        "LinalgInvEx", "LinalgSolveEx", "LinalgCholeskyEx", "LinalgQr", "LinalgSvd",
        "LinalgEigh", "LinalgPinv", "binary_cross_entropy_with_logits", "cdist", "trace")},
    **{name: PROMOTE for name in ("Cat", "Stack")},
    **{name: MATCH_FIRST for name in ("layer_norm", "group_norm", "batch_norm")},
}

POLICIES = {"cuda": CUDA, "cpu": CPU}

# Ops PyTorch refuses inside a CUDA autocast region, with its message (gpugrad's names).
BANNED_CUDA = {
    "BinaryCrossEntropy": (
        "gpugrad.nn.functional.binary_cross_entropy and gpugrad.nn.BCELoss are unsafe to "
        "autocast.\nMany models use a sigmoid layer right before the binary cross entropy "
        "layer.\nIn this case, combine the two layers using "
        "gpugrad.nn.functional.binary_cross_entropy_with_logits\nor gpugrad.nn.BCEWithLogitsLoss."
        "  binary_cross_entropy_with_logits and BCEWithLogits are\nsafe to autocast."),
}
