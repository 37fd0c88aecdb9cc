"""The table of differentiable ops that tests/ops/test_ops_vs_torch.py checks.

Each case is a function of ``(m, *tensors)`` where ``m`` is ``gpugrad`` or ``torch``, so one
lambda runs on both libraries, and a list of input specs that say how to draw each input.
"""
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Spec:
    """How to draw one input: a float tensor that requires grad, or a constant."""
    shape: tuple = ()
    kind: str = "randn"          # randn, pos, unit, const (a given array), plain (no grad)
    value: object = None

    def draw(self, rng, dtype):
        if self.kind == "const":
            return np.asarray(self.value)
        if self.kind == "pos":
            return rng.uniform(0.5, 2.0, self.shape).astype(dtype)
        if self.kind == "unit":
            return rng.uniform(-0.9, 0.9, self.shape).astype(dtype)
        return rng.standard_normal(self.shape).astype(dtype)

    @property
    def differentiable(self):
        return self.kind in ("randn", "pos", "unit")


def R(*shape):
    return Spec(shape)


def P(*shape):
    return Spec(shape, "pos")


def U(*shape):
    return Spec(shape, "unit")


def C(value):
    return Spec(kind="const", value=value)


def F(*shape):
    """A float input that does not require grad."""
    return Spec(shape, "plain")


@dataclass
class Case:
    name: str
    fn: object
    inputs: list = field(default_factory=list)
    gradgrad: bool = True
    # Compare the gradient with torch's (off only where the math allows either answer).
    torch_grad: bool = True


def _assign(a, idx, value):
    """``a * 1`` with ``[idx] = value`` written into it (an in-place op inside the graph)."""
    out = a * 1
    out[idx] = value
    return out


def _cases(*rows):
    return [Case(*row) if isinstance(row, tuple) else row for row in rows]


ELEMENTWISE = _cases(
    ("neg", lambda m, a: -a, [R(2, 3)]),
    ("neg_fn", lambda m, a: m.neg(a), [R(2, 3)]),
    ("abs", lambda m, a: m.abs(a), [R(2, 3)]),
    ("exp", lambda m, a: m.exp(a), [R(2, 3)]),
    ("log", lambda m, a: m.log(a), [P(2, 3)]),
    ("log1p", lambda m, a: m.log1p(a), [P(2, 3)]),
    ("log2", lambda m, a: m.log2(a), [P(2, 3)]),
    ("log10", lambda m, a: m.log10(a), [P(2, 3)]),
    ("exp2", lambda m, a: m.exp2(a), [R(2, 3)]),
    ("expm1", lambda m, a: m.expm1(a), [R(2, 3)]),
    ("sqrt", lambda m, a: m.sqrt(a), [P(2, 3)]),
    ("rsqrt", lambda m, a: m.rsqrt(a), [P(2, 3)]),
    ("square", lambda m, a: m.square(a), [R(2, 3)]),
    ("reciprocal", lambda m, a: m.reciprocal(a), [P(2, 3)]),
    ("sin", lambda m, a: m.sin(a), [R(2, 3)]),
    ("cos", lambda m, a: m.cos(a), [R(2, 3)]),
    ("tan", lambda m, a: m.tan(a), [U(2, 3)]),
    ("asin", lambda m, a: m.asin(a), [U(2, 3)]),
    ("acos", lambda m, a: m.acos(a), [U(2, 3)]),
    ("atan", lambda m, a: m.atan(a), [R(2, 3)]),
    ("sinh", lambda m, a: m.sinh(a), [R(2, 3)]),
    ("cosh", lambda m, a: m.cosh(a), [R(2, 3)]),
    ("tanh", lambda m, a: m.tanh(a), [R(2, 3)]),
    ("sigmoid", lambda m, a: m.sigmoid(a), [R(2, 3)]),
    ("erf", lambda m, a: m.erf(a), [R(2, 3)]),
    ("relu", lambda m, a: m.relu(a), [R(2, 3)]),
    ("relu_method", lambda m, a: a.relu(), [R(3)]),
    ("clamp", lambda m, a: m.clamp(a, -0.5, 0.5), [R(2, 3)]),
    ("clamp_min", lambda m, a: m.clamp(a, min=0.1), [R(2, 3)]),
    ("clamp_max", lambda m, a: a.clamp(max=0.1), [R(2, 3)]),
    ("clip", lambda m, a: m.clip(a, -0.3, 0.4), [R(2, 3)]),
    ("clamp_tensor_bounds", lambda m, a, lo, hi: m.clamp(a, lo, hi),
     [R(2, 3), F(3), C(np.array([0.5, 1.0, 2.0]))]),
    ("sign", lambda m, a: m.sign(a), [R(2, 3)]),
    ("floor", lambda m, a: m.floor(a * 3), [R(2, 3)]),
    ("ceil", lambda m, a: m.ceil(a * 3), [R(2, 3)]),
    ("round", lambda m, a: m.round(a * 3), [R(2, 3)]),
    ("trunc", lambda m, a: m.trunc(a * 3), [R(2, 3)]),
    ("frac", lambda m, a: m.frac(a * 3), [R(2, 3)]),
    ("add", lambda m, a, b: a + b, [R(2, 3), R(2, 3)]),
    ("add_bcast", lambda m, a, b: a + b, [R(2, 3), R(3)]),
    ("add_bcast_both", lambda m, a, b: a + b, [R(2, 1), R(1, 3)]),
    ("add_0d", lambda m, a, b: a + b, [R(2, 3), R()]),
    ("add_scalar", lambda m, a: a + 2.5, [R(2, 3)]),
    ("radd_scalar", lambda m, a: 2 + a, [R(2, 3)]),
    ("add_alpha", lambda m, a, b: m.add(a, b, alpha=2), [R(2, 3), R(3)]),
    ("sub", lambda m, a, b: a - b, [R(2, 3), R(2, 3)]),
    ("sub_bcast", lambda m, a, b: a - b, [R(3), R(2, 3)]),
    ("rsub_scalar", lambda m, a: 1.5 - a, [R(2, 3)]),
    ("sub_alpha", lambda m, a, b: m.sub(a, b, alpha=3), [R(2, 3), R(2, 3)]),
    ("mul", lambda m, a, b: a * b, [R(2, 3), R(2, 3)]),
    ("mul_bcast", lambda m, a, b: a * b, [R(4, 1, 3), R(2, 1)]),
    ("mul_scalar", lambda m, a: a * 3, [R(2, 3)]),
    ("mul_self", lambda m, a: a * a, [R(2, 3)]),
    ("mul_const_tensor", lambda m, a, b: a * b, [R(2, 3), F(2, 3)]),
    ("div", lambda m, a, b: a / b, [R(2, 3), P(2, 3)]),
    ("div_bcast", lambda m, a, b: a / b, [R(2, 3), P(3)]),
    ("div_scalar", lambda m, a: a / 4, [R(2, 3)]),
    ("rdiv_scalar", lambda m, a: 2.0 / a, [P(2, 3)]),
    ("pow_scalar", lambda m, a: a ** 3, [R(2, 3)]),
    ("pow_half", lambda m, a: a ** 0.5, [P(2, 3)]),
    ("pow_neg", lambda m, a: a ** -2, [P(2, 3)]),
    ("pow_zero", lambda m, a: a ** 0, [R(2, 3)]),
    ("rpow", lambda m, a: 2.0 ** a, [R(2, 3)]),
    ("pow_tensor", lambda m, a, b: a ** b, [P(2, 3), R(2, 3)]),
    ("pow_tensor_bcast", lambda m, a, b: m.pow(a, b), [P(2, 3), R(3)]),
    ("maximum", lambda m, a, b: m.maximum(a, b), [R(2, 3), R(2, 3)]),
    ("maximum_bcast", lambda m, a, b: m.maximum(a, b), [R(2, 3), R(3)]),
    ("minimum", lambda m, a, b: m.minimum(a, b), [R(2, 3), R(2, 1)]),
    ("where", lambda m, c, a, b: m.where(c, a, b),
     [C(np.array([[True, False, True], [False, False, True]])), R(2, 3), R(2, 3)]),
    ("where_bcast", lambda m, c, a, b: m.where(c, a, b),
     [C(np.array([True, False, True])), R(2, 1), R(3)]),
    ("where_scalar", lambda m, c, a: m.where(c, a, 0.0),
     [C(np.array([True, False, True])), R(2, 3)]),
    ("masked_fill", lambda m, a, c: a.masked_fill(c, 0.5),
     [R(2, 3), C(np.array([True, False, True]))]),
    ("masked_fill_tensor_value", lambda m, a, c, v: a.masked_fill(c, v),
     [R(2, 3), C(np.array([[True, False, True], [False, True, False]])), R()]),
    ("sigmoid_tanh_chain", lambda m, a: m.tanh(m.sigmoid(a) * a).exp(), [R(2, 3)]),
    ("asinh", lambda m, a: m.asinh(a), [R(2, 3)]),
    ("acosh", lambda m, a: (a + 1.5).acosh(), [P(2, 3)]),
    ("atanh", lambda m, a: m.arctanh(a), [U(2, 3)]),
    ("atan2", lambda m, a, b: m.atan2(a, b), [R(2, 3), R(2, 3)]),
    ("atan2_bcast", lambda m, a, b: a.arctan2(b), [R(2, 3), R(3)]),
    ("hypot", lambda m, a, b: m.hypot(a, b), [R(2, 3), R(3)]),
    ("xlogy", lambda m, a, b: m.xlogy(a, b), [R(2, 3), P(2, 3)]),
    ("logit", lambda m, a: (a * 0.4 + 0.5).logit(), [U(2, 3)]),
    ("logit_eps", lambda m, a: m.logit(a * 0.4 + 0.5, eps=0.2), [U(2, 3)]),
    ("logaddexp", lambda m, a, b: m.logaddexp(a, b), [R(2, 3), R(3)]),
    ("lerp", lambda m, a, b: m.lerp(a, b, 0.3), [R(2, 3), R(2, 3)]),
    ("lerp_tensor_weight", lambda m, a, b, w: a.lerp(b, w), [R(2, 3), R(3), R(2, 3)]),
    ("addcmul", lambda m, a, b, c: m.addcmul(a, b, c, value=0.5), [R(2, 3), R(3), R(2, 3)]),
    ("addcdiv", lambda m, a, b, c: a.addcdiv(b, c, value=2), [R(2, 3), R(2, 3), P(2, 3)]),
    ("deg2rad", lambda m, a: m.deg2rad(a), [R(2, 3)]),
    ("rad2deg", lambda m, a: a.rad2deg(), [R(2, 3)]),
    ("where_two_scalars_mixed", lambda m, c, a: m.where(c, 1.0, 0) * a,
     [C(np.array([True, False, True])), R(2, 3)]),
)

REDUCTION = _cases(
    ("sum", lambda m, a: a.sum(), [R(2, 3)]),
    ("sum_dim", lambda m, a: m.sum(a, 1), [R(2, 3)]),
    ("sum_dims_keepdim", lambda m, a: a.sum((0, 2), keepdim=True), [R(2, 3, 4)]),
    ("sum_neg_dim", lambda m, a: a.sum(dim=-1), [R(2, 3)]),
    ("sum_0d", lambda m, a: a.sum(), [R()]),
    ("mean", lambda m, a: a.mean(), [R(2, 3)]),
    ("mean_dim", lambda m, a: m.mean(a, dim=0, keepdim=True), [R(2, 3)]),
    ("mean_dims", lambda m, a: a.mean((-1, 0)), [R(2, 3, 4)]),
    ("prod", lambda m, a: a.prod(), [R(2, 3)]),
    ("prod_dim", lambda m, a: m.prod(a, 1), [R(2, 3)]),
    ("prod_keepdim", lambda m, a: a.prod(0, keepdim=True), [R(3, 2)]),
    ("prod_with_zero", lambda m, a, z: (a * z).prod(1),
     [R(2, 3), C(np.array([[1.0, 0.0, 1.0], [1.0, 1.0, 1.0]]))]),
    ("var", lambda m, a: a.var(), [R(2, 3)]),
    ("var_dim", lambda m, a: m.var(a, 1), [R(2, 3)]),
    ("var_correction0", lambda m, a: a.var(dim=0, correction=0, keepdim=True), [R(3, 2)]),
    ("var_unbiased_false", lambda m, a: a.var(1, unbiased=False), [R(2, 3)]),
    ("std", lambda m, a: a.std(), [R(2, 3)]),
    ("std_dim", lambda m, a: m.std(a, dim=1, keepdim=True), [R(2, 3)]),
    ("max", lambda m, a: a.max(), [R(2, 3)]),
    ("min", lambda m, a: m.min(a), [R(2, 3)]),
    ("max_dim", lambda m, a: a.max(dim=1), [R(2, 3)]),
    ("max_dim_keepdim", lambda m, a: m.max(a, 0, keepdim=True), [R(2, 3)]),
    ("min_dim", lambda m, a: a.min(-1), [R(3, 4)]),
    ("max_binary", lambda m, a, b: m.max(a, b), [R(2, 3), R(2, 3)]),
    ("amax", lambda m, a: m.amax(a, dim=1), [R(2, 3)]),
    ("amax_dims", lambda m, a: a.amax((0, 2), keepdim=True), [R(2, 3, 2)]),
    ("amin", lambda m, a: m.amin(a), [R(2, 3)]),
    ("logsumexp", lambda m, a: m.logsumexp(a, 1), [R(2, 3)]),
    ("logsumexp_keepdim", lambda m, a: a.logsumexp(dim=0, keepdim=True), [R(2, 3)]),
    ("logsumexp_dims", lambda m, a: a.logsumexp((0, 1)), [R(2, 3)]),
    ("norm", lambda m, a: a.norm(), [R(2, 3)]),
    ("norm_dim", lambda m, a: m.norm(a, dim=1), [R(2, 3)]),
    ("norm_p1", lambda m, a: a.norm(p=1), [R(2, 3)]),
    ("norm_p3", lambda m, a: m.norm(a, p=3, dim=0), [R(2, 3)]),
    ("norm_inf", lambda m, a: a.norm(p=float("inf")), [R(2, 3)]),
    ("cumsum", lambda m, a: m.cumsum(a, 1), [R(2, 3)]),
    ("cumsum_dim0", lambda m, a: a.cumsum(dim=0), [R(3, 2)]),
    ("cumprod", lambda m, a: m.cumprod(a, 1), [P(2, 3)]),
    ("cumprod_with_zero", lambda m, a, z: (a * z).cumprod(1),
     [R(2, 4), C(np.array([[1.0, 0.0, 1.0, 1.0], [1.0, 1.0, 1.0, 0.0]]))]),
    ("norm_zero_row", lambda m, a, z: (a * z).norm(dim=1),
     [R(2, 3), C(np.array([[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]))]),
    ("cummax", lambda m, a: m.cummax(a, 1), [R(2, 5)]),
    ("cummin", lambda m, a: a.cummin(dim=0), [R(4, 2)]),
    ("sum_to_size", lambda m, a: a.sum_to_size(1, 3), [R(2, 2, 3)]),
    ("sum_to_size_tuple", lambda m, a: a.sum_to_size((2, 1)), [R(2, 3)]),
    ("quantile", lambda m, a: a.quantile(0.3), [R(2, 4)]),
    ("quantile_dim_q_tensor", lambda m, a, q: m.quantile(a, q, dim=1, keepdim=True),
     [R(2, 5), C(np.array([0.2, 0.75]))]),
    ("quantile_midpoint", lambda m, a: a.quantile(0.4, dim=0, interpolation="midpoint"),
     [R(4, 3)]),
)

SHAPE = _cases(
    ("reshape", lambda m, a: a.reshape(3, 2), [R(2, 3)]),
    ("reshape_infer", lambda m, a: m.reshape(a, (-1,)), [R(2, 3)]),
    ("view", lambda m, a: a.view(6), [R(2, 3)]),
    ("view_tuple", lambda m, a: a.view((3, -1)), [R(2, 3)]),
    ("flatten", lambda m, a: a.flatten(), [R(2, 3, 2)]),
    ("flatten_range", lambda m, a: m.flatten(a, 1), [R(2, 3, 2)]),
    ("transpose", lambda m, a: a.transpose(0, 1), [R(2, 3)]),
    ("transpose_neg", lambda m, a: m.transpose(a, -1, 0), [R(2, 3, 4)]),
    ("permute", lambda m, a: a.permute(2, 0, 1), [R(2, 3, 4)]),
    ("permute_fn", lambda m, a: m.permute(a, (1, 0, 2)), [R(2, 3, 4)]),
    ("T", lambda m, a: a.T, [R(2, 3)]),
    ("t", lambda m, a: a.t(), [R(2, 3)]),
    ("mT", lambda m, a: a.mT, [R(2, 3, 4)]),
    ("squeeze", lambda m, a: a.squeeze(), [R(2, 1, 3, 1)]),
    ("squeeze_dim", lambda m, a: m.squeeze(a, 1), [R(2, 1, 3)]),
    ("unsqueeze", lambda m, a: a.unsqueeze(1), [R(2, 3)]),
    ("unsqueeze_neg", lambda m, a: m.unsqueeze(a, -1), [R(2, 3)]),
    ("expand", lambda m, a: a.expand(4, 2, 3), [R(2, 1)]),
    ("expand_minus1", lambda m, a: a.expand(-1, 3), [R(2, 1)]),
    ("broadcast_to", lambda m, a: m.broadcast_to(a, (2, 3)), [R(3)]),
    ("expand_as", lambda m, a, b: a.expand_as(b), [R(1, 3), F(2, 3)]),
    ("repeat", lambda m, a: a.repeat(2, 3), [R(2, 3)]),
    ("repeat_lead", lambda m, a: a.repeat(2, 1, 2), [R(3)]),
    ("cat", lambda m, a, b: m.cat([a, b]), [R(2, 3), R(1, 3)]),
    ("cat_dim1", lambda m, a, b, c: m.cat((a, b, c), dim=1), [R(2, 3), R(2, 1), R(2, 2)]),
    ("stack", lambda m, a, b: m.stack([a, b]), [R(2, 3), R(2, 3)]),
    ("stack_dim", lambda m, a, b: m.stack([a, b], dim=-1), [R(2, 3), R(2, 3)]),
    ("split", lambda m, a: a.split(2, dim=1), [R(2, 5)]),
    ("split_sizes", lambda m, a: m.split(a, [1, 3], 1), [R(2, 4)]),
    ("split_partial_use", lambda m, a: a.split(2)[1] * 2, [R(5, 2)]),
    ("chunk", lambda m, a: a.chunk(3), [R(5, 2)]),
    ("chunk_fn", lambda m, a: m.chunk(a, 2, dim=1), [R(2, 4)]),
    ("unbind", lambda m, a: a.unbind(1), [R(2, 3)]),
    ("flip", lambda m, a: a.flip(0), [R(2, 3)]),
    ("flip_dims", lambda m, a: m.flip(a, (0, 1)), [R(2, 3)]),
    ("narrow", lambda m, a: a.narrow(1, 1, 2), [R(2, 3)]),
    ("movedim", lambda m, a: m.movedim(a, 0, -1), [R(2, 3, 4)]),
    ("gather", lambda m, a, i: a.gather(1, i), [R(2, 3), C(np.array([[0, 2], [1, 1]]))]),
    ("gather_dim0", lambda m, a, i: m.gather(a, 0, i), [R(3, 2), C(np.array([[2, 0]]))]),
    ("index_select", lambda m, a, i: a.index_select(0, i), [R(3, 2), C(np.array([2, 0, 2]))]),
    ("index_select_dim1", lambda m, a, i: m.index_select(a, 1, i),
     [R(2, 3), C(np.array([1]))]),
    ("contiguous", lambda m, a: a.t().contiguous(), [R(2, 3)]),
    ("clone", lambda m, a: a.clone(), [R(2, 3)]),
    ("to_double", lambda m, a: a.double() * 2, [R(2, 3)]),
    ("select", lambda m, a: a.select(1, -1), [R(2, 3)]),
    ("select_fn", lambda m, a: m.select(a, 0, 1), [R(2, 3)]),
    ("roll", lambda m, a: a.roll(2), [R(2, 3)]),
    ("roll_dims", lambda m, a: m.roll(a, (1, -1), (0, 1)), [R(3, 4)]),
    ("tensor_split", lambda m, a: a.tensor_split(3, dim=1), [R(2, 5)]),
    ("tensor_split_indices", lambda m, a: m.tensor_split(a, [1, 3]), [R(5, 2)]),
    ("hsplit", lambda m, a: m.hsplit(a, [1]), [R(2, 3)]),
    ("vsplit", lambda m, a: a.vsplit(2), [R(4, 3)]),
    ("dstack", lambda m, a, b: m.dstack([a, b]), [R(2, 3), R(2, 3)]),
    ("column_stack", lambda m, a, b: m.column_stack([a, b]), [R(3), R(3, 2)]),
    ("atleast_3d", lambda m, a: m.atleast_3d(a), [R(3)]),
    ("meshgrid_ij", lambda m, a, b: m.meshgrid(a, b, indexing="ij"), [R(2), R(3)]),
    ("meshgrid_xy", lambda m, a, b, c: m.meshgrid(a, b, c, indexing="xy"), [R(2), R(3), R(2)]),
    ("diff", lambda m, a: a.diff(), [R(2, 4)]),
    ("diff_n2_dim0", lambda m, a: m.diff(a, n=2, dim=0), [R(4, 3)]),
    ("diff_prepend_append", lambda m, a, b, c: m.diff(a, prepend=b, append=c),
     [R(2, 3), R(2, 1), R(2, 2)]),
    ("unfold", lambda m, a: a.unfold(1, 2, 1), [R(2, 4)]),
    ("unfold_step", lambda m, a: a.unfold(0, 2, 2), [R(5, 2)]),
    ("tril_method", lambda m, a: a.tril(-1), [R(3, 4)]),
    ("triu_method", lambda m, a: a.triu(1), [R(2, 3, 3)]),
    ("tile_int", lambda m, a: a.tile(2), [R(2, 3)]),
    ("tile_varargs", lambda m, a: a.tile(2, 1, 2), [R(2, 3)]),
)

INDEXING = _cases(
    ("int", lambda m, a: a[1], [R(3, 2)]),
    ("neg_int", lambda m, a: a[-1, 0], [R(3, 2)]),
    ("slice", lambda m, a: a[:, 1:], [R(2, 3)]),
    ("slice_step", lambda m, a: a[::2], [R(5, 2)]),
    ("ellipsis_none", lambda m, a: a[..., None, 1], [R(2, 3)]),
    ("int_list", lambda m, a: a[[0, 2, 0]], [R(3, 2)]),
    ("index_tensor", lambda m, a, i: a[i], [R(3, 2), C(np.array([2, 2, 1]))]),
    ("index_tensor_2d", lambda m, a, i: a[i], [R(4), C(np.array([[0, 1], [1, 3]]))]),
    ("bool_mask", lambda m, a, k: a[k], [R(2, 3), C(np.array([[True, False, True],
                                                               [False, True, True]]))]),
    ("bool_rows", lambda m, a, k: a[k], [R(3, 2), C(np.array([True, False, True]))]),
    ("mixed", lambda m, a: a[0, [1, 2]], [R(2, 3)]),
    ("mixed_slice", lambda m, a, i: a[1:, i], [R(3, 3), C(np.array([0, 0, 2]))]),
    ("two_arrays", lambda m, a, i, j: a[i, j],
     [R(3, 3), C(np.array([0, 1, 1])), C(np.array([2, 2, 0]))]),
    ("masked_select", lambda m, a, k: m.masked_select(a, k),
     [R(2, 3), C(np.array([True, False, True]))]),
    # x[idx] = v with v carrying extra leading 1s, which assignment drops before broadcasting
    ("setitem_leading_ones", lambda m, a, v: _assign(a, 1, v), [R(3, 4), R(1, 1, 4)]),
    ("setitem_scalar_from_1elem", lambda m, a, v: _assign(a, (0, 2), v), [R(3, 4), R(1)]),
    ("setitem_advanced_leading_one", lambda m, a, v: _assign(a, [0, 2], v), [R(3, 4), R(1, 4)]),
)

LINALG = _cases(
    ("matmul_2d", lambda m, a, b: a @ b, [R(2, 3), R(3, 4)]),
    ("matmul_1d_1d", lambda m, a, b: m.matmul(a, b), [R(3), R(3)]),
    ("matmul_2d_1d", lambda m, a, b: a @ b, [R(2, 3), R(3)]),
    ("matmul_1d_2d", lambda m, a, b: a @ b, [R(3), R(3, 2)]),
    ("matmul_batched", lambda m, a, b: a @ b, [R(2, 2, 3), R(2, 3, 2)]),
    ("matmul_bcast", lambda m, a, b: m.matmul(a, b), [R(2, 1, 2, 3), R(3, 3, 2)]),
    ("matmul_batch_1d", lambda m, a, b: a @ b, [R(2, 2, 3), R(3)]),
    ("matmul_1d_batch", lambda m, a, b: a @ b, [R(3), R(2, 3, 2)]),
    ("matmul_const", lambda m, a, b: a @ b, [R(2, 3), F(3, 2)]),
    ("mm", lambda m, a, b: m.mm(a, b), [R(2, 3), R(3, 2)]),
    ("bmm", lambda m, a, b: m.bmm(a, b), [R(2, 2, 3), R(2, 3, 2)]),
    ("outer", lambda m, a, b: m.outer(a, b), [R(3), R(2)]),
    ("dot", lambda m, a, b: m.dot(a, b), [R(3), R(3)]),
    ("mv", lambda m, a, b: m.mv(a, b), [R(2, 3), R(3)]),
    ("einsum_mm", lambda m, a, b: m.einsum("ij,jk->ik", a, b), [R(2, 3), R(3, 2)]),
    ("einsum_diag", lambda m, a: m.einsum("ii->i", a), [R(3, 3)]),
    ("diagonal", lambda m, a: a.diagonal(), [R(3, 3)]),
    ("diagonal_offset", lambda m, a: m.diagonal(a, 1), [R(2, 3)]),
    ("diagonal_dims", lambda m, a: a.diagonal(-1, 2, 0), [R(2, 3, 4)]),
    ("diag_of_matrix", lambda m, a: m.diag(a, -1), [R(3, 2)]),
    ("trace", lambda m, a: a.trace(), [R(3, 3)]),
    ("einsum_trace", lambda m, a: m.einsum("ii", a), [R(3, 3)]),
    ("einsum_ellipsis", lambda m, a, b: m.einsum("...ij,...jk->...ik", a, b),
     [R(2, 2, 3), R(2, 3, 2)]),
    ("einsum_ellipsis_bcast", lambda m, a, b: m.einsum("...ij,jk", a, b),
     [R(2, 2, 3), R(3, 2)]),
    ("einsum_bilinear", lambda m, a, b, c: m.einsum("bi,ij,bj->b", a, b, c),
     [R(2, 3), R(3, 4), R(2, 4)]),
    ("einsum_sum", lambda m, a: m.einsum("ij->", a), [R(2, 3)]),
    ("einsum_transpose", lambda m, a: m.einsum("ij->ji", a), [R(2, 3)]),
    ("einsum_implicit", lambda m, a, b: m.einsum("ij,jk", a, b), [R(2, 3), R(3, 2)]),
    ("einsum_dot", lambda m, a, b: m.einsum("i,i->", a, b), [R(3), R(3)]),
    ("einsum_outer", lambda m, a, b: m.einsum("i,j->ij", a, b), [R(3), R(2)]),
    ("einsum_diag_mul", lambda m, a, b: m.einsum("ii,i->i", a, b), [R(3, 3), R(3)]),
)

ALL = ([("elementwise", c) for c in ELEMENTWISE] + [("reduction", c) for c in REDUCTION]
       + [("shape", c) for c in SHAPE] + [("indexing", c) for c in INDEXING]
       + [("linalg", c) for c in LINALG])
