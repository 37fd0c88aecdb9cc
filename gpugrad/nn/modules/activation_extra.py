"""More activation layers: GLU, Hardshrink, Softshrink, Threshold, RReLU, Softmax2d, with
PyTorch's reprs.

Example::

    >>> gg.nn.Threshold(0.1, 20.0)
    Threshold(threshold=0.1, value=20.0)
"""
from ...ops import activation as _act
from ...ops import activation_extra as F
from ..module import Module

__all__ = ["GLU", "Hardshrink", "Softshrink", "Threshold", "RReLU", "Softmax2d"]


class GLU(Module):
    """Gated linear unit over ``dim``: first half times the sigmoid of the second half.

    Example::

        >>> gg.nn.GLU()(gg.randn(4, 6)).shape
        gpugrad.Size([4, 3])
    """

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.glu(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Hardshrink(Module):
    """``x`` where ``|x| > lambd``, else 0.

    Example::

        >>> gg.nn.Hardshrink(0.5)(gg.tensor([0.2, -1.0])).tolist()
        [0.0, -1.0]
    """

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return F.hardshrink(input, self.lambd)

    def extra_repr(self):
        return f"{self.lambd}"


class Softshrink(Module):
    """Shrink towards zero by ``lambd``, zero inside ``[-lambd, lambd]``.

    Example::

        >>> gg.nn.Softshrink(0.5)(gg.tensor([0.2, -1.0])).tolist()
        [0.0, -0.5]
    """

    def __init__(self, lambd=0.5):
        super().__init__()
        self.lambd = lambd

    def forward(self, input):
        return F.softshrink(input, self.lambd)

    def extra_repr(self):
        return str(self.lambd)


class Threshold(Module):
    """``value`` where ``input <= threshold``, else ``input``.

    Example::

        >>> gg.nn.Threshold(0.5, -1.0)(gg.tensor([0.1, 2.0])).tolist()
        [-1.0, 2.0]
    """

    def __init__(self, threshold, value, inplace=False):
        super().__init__()
        self.threshold = threshold
        self.value = value
        self.inplace = inplace

    def forward(self, input):
        return F.threshold(input, self.threshold, self.value, self.inplace)

    def extra_repr(self):
        inplace_str = ", inplace=True" if self.inplace else ""
        return f"threshold={self.threshold}, value={self.value}{inplace_str}"


class RReLU(Module):
    """Randomized leaky ReLU: random negative slope in ``[lower, upper]`` while training, the
    mean slope in eval mode.

    Example::

        >>> gg.nn.RReLU(0.1, 0.3).eval()(gg.tensor([-1.0, 2.0]))
        tensor([-0.2000,  2.0000])
    """

    def __init__(self, lower=1.0 / 8, upper=1.0 / 3, inplace=False):
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, input):
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self):
        inplace_str = ", inplace=True" if self.inplace else ""
        return f"lower={self.lower}, upper={self.upper}{inplace_str}"


class Softmax2d(Module):
    """Softmax over the channels of (N, C, H, W) or (C, H, W), at each position.

    Example::

        >>> gg.nn.Softmax2d()(gg.zeros(1, 2, 1, 1)).flatten().tolist()
        [0.5, 0.5]
    """

    def forward(self, input):
        if input.ndim not in (3, 4):
            raise ValueError(f"Softmax2d: expected input to be 3D or 4D, got {input.ndim}D "
                             f"instead")
        return _act.softmax(input, -3, _stacklevel=5)
