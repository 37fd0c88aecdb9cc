"""gpugrad.autograd.functional (jacobian, hessian, vjp, jvp, vhp, hvp) against
torch.autograd.functional: values, shapes, tuple structure, requires_grad and errors."""
import pytest

import gpugrad as gg
from torch_compare import same


def _x(m):
    return m.tensor([1.0, 2.0, -0.5], dtype=m.float64)


def _y(m):
    return m.tensor([[0.5, -1.0]], dtype=m.float64)


CALLS = {
    "jacobian": lambda m, F: F.jacobian(lambda t: t.sin() * t, _x(m)),
    "jacobian_tuple_in": lambda m, F: F.jacobian(lambda a, b: a.sum() * b, (_x(m), _y(m))),
    "jacobian_tuple_out": lambda m, F: F.jacobian(lambda a: (a ** 2, a.sum()), _x(m)),
    "jacobian_tuples": lambda m, F: F.jacobian(lambda a, b: (a * b.sum(), b.exp()),
                                               (_x(m), _y(m))),
    "jacobian_unused": lambda m, F: F.jacobian(lambda a, b: a * 2, (_x(m), _y(m))),
    "jacobian_constant": lambda m, F: F.jacobian(lambda a: m.ones(2, dtype=m.float64), _x(m)),
    "jacobian_strict_constant": lambda m, F: F.jacobian(lambda a: m.ones(2), _x(m), strict=True),
    "jacobian_strict_unused": lambda m, F: F.jacobian(lambda a, b: a * 2, (_x(m), _y(m)),
                                                      strict=True),
    "jacobian_keeps_graph": lambda m, F: F.jacobian(
        lambda t: t ** 3, _x(m).requires_grad_(), create_graph=True).requires_grad,
    "jacobian_detached": lambda m, F: F.jacobian(
        lambda t: t ** 3, _x(m).requires_grad_()).requires_grad,
    "hessian": lambda m, F: F.hessian(lambda t: (t ** 3).sum() + t.prod(), _x(m)),
    "hessian_tuple": lambda m, F: F.hessian(lambda a, b: (a ** 2).sum() * b.sum(),
                                            (_x(m), _y(m))),
    "hessian_not_scalar": lambda m, F: F.hessian(lambda t: t ** 2, _x(m)),
    "vjp": lambda m, F: F.vjp(lambda t: t.exp(), _x(m), m.ones(3, dtype=m.float64)),
    "vjp_scalar": lambda m, F: F.vjp(lambda t: t.exp().sum(), _x(m)),
    "vjp_needs_v": lambda m, F: F.vjp(lambda t: t.exp(), _x(m)),
    "jvp": lambda m, F: F.jvp(lambda t: t.exp() * t, _x(m), m.ones(3, dtype=m.float64)),
    "jvp_tuple": lambda m, F: F.jvp(lambda a, b: (a * b.sum(), b ** 2), (_x(m), _y(m)),
                                    (m.ones(3, dtype=m.float64), _y(m))),
    "vhp": lambda m, F: F.vhp(lambda t: (t ** 3).sum(), _x(m), _x(m)),
    "hvp": lambda m, F: F.hvp(lambda t: (t.sin() * t).sum(), _x(m), _x(m)),
}


@pytest.mark.parametrize("name", list(CALLS))
def test_matches_torch(name, torch):
    same(lambda m: CALLS[name](m, m.autograd.functional), torch, messages=True)


def test_jacobian_with_create_graph_is_differentiable():
    # The Jacobian built with create_graph=True differentiates again: gradcheck the map
    # x -> J(x) (float64 central differences against the engine's second derivatives).
    def jac(t):
        return gg.autograd.functional.jacobian(lambda u: u.tanh() * u.sum(), t,
                                               create_graph=True)
    x = gg.tensor([0.3, -0.7, 1.1], dtype=gg.float64, requires_grad=True)
    assert gg.autograd.gradcheck(jac, (x,))
