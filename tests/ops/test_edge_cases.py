"""Edge cases of the ops, each expression run with gpugrad and PyTorch: values, dtypes and
errors (type and text) must agree. Covers NaN propagation, empty tensors, integer division and
powers, negative steps, mask shapes, mixed dtypes and other corners."""
import warnings

import numpy as np
import pytest

from torch_compare import same

EXPRESSIONS = [
    'm.arange(6.).reshape(2,3)[::-1]', 'm.arange(6.)[m.tensor([True, False])]', 'm.arange(3.).T',
    'm.arange(6.).reshape(1,2,3).T.shape', 'm.arange(6.).reshape(2,3).squeeze(0)',
    'm.arange(6.).reshape(2,3).max(1)', 'm.tensor([[1.,3.,3.],[2.,2.,1.]]).max(1)',
    'm.tensor([[1.,3.,3.],[2.,2.,1.]]).argmax(1)', 'm.arange(6.).reshape(2,3)[1:, None, ::2]',
    'm.arange(6.).reshape(2,3)[m.tensor([1, 0], dtype=m.int32)]',
    'm.arange(6.).reshape(2,3)[[True, False]]',
    'm.arange(6.).reshape(2,3)[:, [True, False, True]]', 'm.arange(6.).reshape(2,3)[..., -1]',
    'm.arange(6.).reshape(2,3).sum(dim=(0,1))', 'm.arange(6.).reshape(2,3).sum(())',
    'm.arange(6.).reshape(2,3).mean(-1, keepdim=True)', 'm.tensor(3.).expand(2,2)',
    'm.arange(6.).view(2,-1)', 'm.arange(6.).reshape(2,3).t().view(6)',
    'm.arange(6.).reshape(2,3).flatten(0, -1)', 'm.ones(2,3).unsqueeze(3)',
    'm.ones(2,3).squeeze(5)', 'm.cat([m.ones(2), m.ones(2,dtype=m.int64)])',
    'm.stack([m.ones(2), m.ones(3)])', 'm.ones(2,3).split([1,1,1], 1)', 'm.arange(5.).chunk(2)',
    'm.ones(2,3).transpose(0, 2)', 'm.ones(2,3).permute(0, 0)', 'm.ones(2, 3) @ m.ones(2, 3)',
    'm.ones(3).dot(m.ones(3, dtype=m.float64))',
    'm.where(m.tensor([True, False]), m.tensor([1, 2]), m.tensor([1.5, 2.5]))',
    'm.arange(4).reshape(2,2).float().mean()', 'm.arange(4).mean()',
    'm.ones(2,3).gather(1, m.tensor([[0],[3]]))', 'm.ones(2,3).index_select(0, m.tensor([2]))',
    'm.ones(2,3).norm(dim=1)', 'm.tensor([[1.,2],[3,4]]).std(0)', 'm.tensor([1.]).std()',
    'm.tensor([]).sum()', 'm.tensor([]).mean()', 'm.tensor([]).max()', 'm.zeros(0,3).max(0)',
    'm.tensor([1, 2, 3]) // 2', 'm.tensor([1., -2., 3.]) // 2', 'm.tensor([5, -5]) % 3',
    'm.tensor([5., -5.]) % 3', 'm.tensor([1, 2]) & m.tensor([3, 1])', '~m.tensor([True, False])',
    '~m.tensor([1, 2])', 'm.tensor([1., 2.]).exp().log()', 'm.tensor([-1., 2.]).sqrt()',
    'm.tensor([0., 1.]).log()', 'm.tensor([1, 2]) / m.tensor([0, 2])', 'm.tensor([1, 0]) ** 2',
    'm.tensor([2]) ** m.tensor([-1])', 'm.tensor([1.5, 2.5, -0.5]).round()',
    'm.tensor([1.25]).round(decimals=1)', 'm.tensor([3, 1, 2]).sort()',
    'm.tensor([3., 1., 2.]).topk(2)', 'm.tensor([1, 2, 2, 3]).unique()',
    'm.ones(2,2).masked_fill(m.tensor([True, False]), 0)',
    'm.tensor([1., 2.]).clamp(min=m.tensor([1.5, 0.]))', 'm.tensor([[1, 2], [3, 4]]).flip(0, 1)',
    'm.tensor([[1,2],[3,4]]).flip((0,1))', 'm.tensor([1., 2.]).repeat(2)',
    'm.tensor([1., 2.]).repeat_interleave(2)', 'm.arange(4).reshape(2,2).T.contiguous().view(4)',
    'm.ones(3).narrow(0, 1, 5)', 'm.tril(m.ones(3,3))', 'm.triu(m.ones(2,3), 1)',
    "m.einsum('ij,jk->ik', m.ones(2,3), m.ones(3,2,dtype=m.float64))",
    'm.outer(m.arange(3), m.arange(2.))', 'm.ones(2,3).allclose(m.ones(2,3))',
    'm.ones(2).equal(m.ones(3))', 'm.ones(2,3).diagonal()', 'm.diag(m.tensor([1., 2.]))',
    'm.ones(2,3).trace()', "m.logsumexp(m.tensor([float('-inf'), float('-inf')]), 0)",
    "m.logsumexp(m.tensor([float('inf'), 1.]), 0)", 'm.tensor([1.,2.]).prod(0)',
    'm.tensor([[1, 2]], dtype=m.int32).prod()', "m.tensor([1., float('nan')]).max()",
    "m.tensor([1., float('nan'), 0.]).max(0)", "m.tensor([1., float('nan')]).amax()",
    "m.maximum(m.tensor([1., float('nan')]), m.tensor([2., 0.]))",
    'm.tensor([1., 2.]).var(correction=2)', 'm.ones(3).cumsum(0).dtype',
    'm.ones(3, dtype=m.int32).cumsum(0).dtype', 'm.arange(6.).reshape(2, 3).unbind(1)',
    "2 ** m.tensor([-1, 2])", "m.tensor([2, -1, 1]) ** m.tensor([-1, -3, -2])",
    "(-1) ** m.tensor([-1, -2])", "m.linspace(0, 1, 4, dtype=m.int64)", "m.arange(0, 1, 0.1)",
    "m.arange(-1.5, 1.5)", "m.full((2,), 1.5, dtype=m.int32)", "m.eye(3, dtype=m.bool)",
    "m.tensor([[1, 2]]).T.flip(0)", "m.ones(2, 3).narrow(1, -2, 2)",
    # half precision scans accumulate in float32 (float16 partial sums would drift)
    "m.full((100, 3), 0.1, dtype=m.float16).cumsum(0)[-1]",
    "m.full((30,), 1.05, dtype=m.float16).cumprod(0)[-1]",
    "m.ones(3, dtype=m.uint8).cumprod(0)", "m.tensor([True, True]).cumsum(0)",
    # maximum and friends take tensors only, with PyTorch's errors for numbers
    "m.maximum(m.tensor([1., 3.]), 2.0)", "m.minimum(2.0, m.tensor([1.]))",
    "m.fmax(m.tensor([1.]), 1)", "m.fmin(1.0, 2.0)", "m.tensor([1.]).maximum(2.0)",
    "m.tensor([1.]).minimum(m.tensor(0.5))", "m.tensor([1.]).fmax(True)",
    "m.tensor([float('nan'), 1.]).fmin(m.tensor([0., float('nan')]))",
]


@pytest.mark.parametrize("expr", EXPRESSIONS)
def test_expression(expr, torch):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")     # PyTorch's deprecation notes (x.T on 1-D)
        same(lambda m: eval(expr, {"m": m, "np": np}), torch)
