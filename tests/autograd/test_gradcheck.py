"""gradcheck and gradgradcheck themselves: they pass right gradients, catch wrong first and
second derivatives, and handle several inputs and outputs and non-contiguous inputs."""
import pytest

import gpugrad as gg
from gpugrad.autograd.gradcheck import GradcheckError


def _x(*shape):
    gg.manual_seed(0)
    return gg.randn(*shape, dtype=gg.float64, requires_grad=True)


class WrongGrad(gg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * x            # should be 2 * g * x


class WrongSecond(gg.autograd.Function):
    """Right first derivative of x**3, but backward ignores x's dependence (wrong second)."""
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * 3 * x.detach() ** 2


def test_passes_right_gradients():
    assert gg.autograd.gradcheck(lambda a, b: (a * b).sin(), (_x(2, 3), _x(3)))


def test_catches_wrong_gradient():
    with pytest.raises(GradcheckError, match="Jacobian mismatch for output 0 with respect "
                                             "to input 0"):
        gg.autograd.gradcheck(WrongGrad.apply, (_x(3),))
    assert gg.autograd.gradcheck(WrongGrad.apply, (_x(3),), raise_exception=False) is False


def test_gradgradcheck_catches_wrong_second_derivative():
    assert gg.autograd.gradcheck(WrongSecond.apply, (_x(3),))
    with pytest.raises(GradcheckError):
        gg.autograd.gradgradcheck(WrongSecond.apply, (_x(3),))
    assert gg.autograd.gradgradcheck(lambda x: x ** 3, (_x(3),))


def test_several_outputs_and_non_differentiable_inputs():
    x = _x(4)
    idx = gg.tensor([3, 0])
    assert gg.autograd.gradcheck(lambda x, i: (x[i] * 2, x.exp(), x.max(0)), (x, idx))


def test_non_contiguous_input_is_perturbed_in_place():
    x = gg.randn(3, 4, dtype=gg.float64).t().requires_grad_()
    assert not x.is_contiguous()
    assert gg.autograd.gradcheck(lambda x: x.sin() * x, (x,))
    with pytest.raises(GradcheckError):
        gg.autograd.gradcheck(WrongGrad.apply, (x,))


def test_needs_an_input_requiring_grad():
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        gg.autograd.gradcheck(lambda x: x * 2, (gg.ones(2, dtype=gg.float64),))


def test_warns_for_single_precision():
    x = gg.ones(2, requires_grad=True)
    with pytest.warns(UserWarning, match="Input #0 requires gradient and is not a double"):
        gg.autograd.gradcheck(lambda x: x * 2, (x,), eps=1e-2, atol=1e-2, rtol=1e-2)


def test_restores_grad_mode_and_inputs():
    x = _x(3)
    before = x.detach().clone()
    with gg.no_grad():
        assert gg.autograd.gradcheck(lambda x: x.exp(), (x,))
        assert not gg.is_grad_enabled()
    assert gg.equal(x.detach(), before)
