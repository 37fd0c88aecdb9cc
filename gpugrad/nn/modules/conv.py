"""Convolution layers: Conv1d/2d/3d and ConvTranspose1d/2d/3d, as PyTorch's.

Weights start as PyTorch's (``kaiming_uniform_(a=sqrt(5))``, bias U(-1/sqrt(fan_in),
1/sqrt(fan_in))), parameter names and shapes match, so state_dicts carry over both ways.

Example::

    >>> conv = gg.nn.Conv2d(3, 8, 3, padding=1)
    >>> conv(gg.randn(2, 3, 16, 16)).shape
    gpugrad.Size([2, 8, 16, 16])
"""
from ...ops import activation as _act
from ...ops import conv as F
from ...ops.creation import empty
from ...tensor import Size
from .. import init
from ..module import Module
from ..parameter import Parameter

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d",
           "ConvTranspose3d"]


def _ntuple(value, n):
    if isinstance(value, (tuple, list)):
        return tuple(value)
    return (value,) * n


class _ConvNd(Module):
    """Shared state of convolutions: hyper-parameters, weight, bias, PyTorch's init."""

    _dims = 2
    _transposed = False

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 dilation=1, groups=1, bias=True, padding_mode="zeros", output_padding=0,
                 device=None, dtype=None):
        super().__init__()
        d = self._dims
        kernel_size, stride, dilation = (_ntuple(v, d) for v in (kernel_size, stride, dilation))
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if isinstance(padding, str):
            valid = {"same", "valid"}
            if padding not in valid:
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {valid}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        else:
            padding = _ntuple(padding, d)
        modes = {"zeros", "reflect", "replicate", "circular"}
        if padding_mode not in modes:
            raise ValueError(f"padding_mode must be one of {modes}, but got "
                             f"padding_mode='{padding_mode}'")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = self._transposed
        self.output_padding = _ntuple(output_padding, d)
        self.groups = groups
        self.padding_mode = padding_mode
        # F.pad's order (last dim first, before/after) for the non-zero padding modes.
        if isinstance(padding, str):
            pads = [0, 0] * d
            if padding == "same":
                for i, (dl, k) in enumerate(zip(reversed(dilation), reversed(kernel_size))):
                    total = dl * (k - 1)
                    pads[2 * i], pads[2 * i + 1] = total // 2, total - total // 2
        else:
            pads = [p for p in reversed(padding) for _ in range(2)]
        self._reversed_padding_repeated_twice = pads
        shape = ((in_channels, out_channels // groups) if self._transposed
                 else (out_channels, in_channels // groups)) + kernel_size
        self.weight = Parameter(empty(shape, device=device, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_channels, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init._default_reset_(self.weight, self.bias)

    def extra_repr(self):
        s = "{in_channels}, {out_channels}, kernel_size={kernel_size}, stride={stride}"
        if self.padding != (0,) * len(self.padding):
            s += ", padding={padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += ", dilation={dilation}"
        if self.output_padding != (0,) * len(self.output_padding):
            s += ", output_padding={output_padding}"
        if self.groups != 1:
            s += ", groups={groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += ", padding_mode={padding_mode}"
        return s.format(**self.__dict__)


class _Conv(_ConvNd):
    _fn = None

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, 0, device, dtype)

    def _conv_forward(self, input, weight, bias):
        fn = type(self)._fn
        if self.padding_mode != "zeros":
            padded = _act.pad(input, self._reversed_padding_repeated_twice,
                              mode=self.padding_mode)
            return fn(padded, weight, bias, self.stride, 0, self.dilation, self.groups)
        return fn(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias)


class Conv1d(_Conv):
    """1-D convolution over (N, C_in, L) or (C_in, L).

    Example::

        >>> gg.nn.Conv1d(4, 6, 3, stride=2)(gg.randn(2, 4, 11)).shape
        gpugrad.Size([2, 6, 5])
    """
    _dims = 1
    _fn = staticmethod(F.conv1d)


class Conv2d(_Conv):
    """2-D convolution over (N, C_in, H, W) or (C_in, H, W), as ``torch.nn.Conv2d``.

    ``padding``: int, pair, ``'valid'`` or ``'same'``; ``padding_mode``: ``'zeros'``,
    ``'reflect'``, ``'replicate'`` or ``'circular'``.

    Example::

        >>> gg.nn.Conv2d(3, 8, 3, stride=2, padding=1)
        Conv2d(3, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))
    """
    _dims = 2
    _fn = staticmethod(F.conv2d)


class Conv3d(_Conv):
    """3-D convolution over (N, C_in, D, H, W) or (C_in, D, H, W).

    Example::

        >>> gg.nn.Conv3d(2, 4, 3, padding=1)(gg.randn(1, 2, 4, 4, 4)).shape
        gpugrad.Size([1, 4, 4, 4, 4])
    """
    _dims = 3
    _fn = staticmethod(F.conv3d)


class _ConvTranspose(_ConvNd):
    _transposed = True
    _fn = None

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for '
                             f'{type(self).__name__}')
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding, device, dtype)

    def _output_padding(self, input, output_size):
        """output_padding, or the one that gives ``output_size`` (as PyTorch's)."""
        if output_size is None:
            return self.output_padding
        d = self._dims
        lead = 2 if input.ndim == d + 2 else 1
        if len(output_size) == lead + d:
            output_size = output_size[lead:]
        if len(output_size) != d:
            raise ValueError(f"ConvTranspose{d}D: for {input.ndim}D input, output_size must "
                             f"have {d} or {lead + d} elements (got {len(output_size)})")
        lo = [(input.shape[lead + i] - 1) * self.stride[i] - 2 * self.padding[i]
              + self.dilation[i] * (self.kernel_size[i] - 1) + 1 for i in range(d)]
        hi = [lo[i] + self.stride[i] - 1 for i in range(d)]
        for size, a, b in zip(output_size, lo, hi):
            if size < a or size > b:
                raise ValueError(f"requested an output size of {output_size}, but valid "
                                 f"sizes range from {lo} to {hi} (for an input of "
                                 f"{Size(input.shape[lead:])})")
        return tuple(s - a for s, a in zip(output_size, lo))

    def forward(self, input, output_size=None):
        output_padding = self._output_padding(input, output_size)
        return type(self)._fn(input, self.weight, self.bias, self.stride, self.padding,
                              output_padding, self.groups, self.dilation)


class ConvTranspose1d(_ConvTranspose):
    """1-D transposed convolution; weight (C_in, C_out / groups, k).

    Example::

        >>> gg.nn.ConvTranspose1d(4, 2, 3, stride=2)(gg.randn(1, 4, 5)).shape
        gpugrad.Size([1, 2, 11])
    """
    _dims = 1
    _fn = staticmethod(F.conv_transpose1d)


class ConvTranspose2d(_ConvTranspose):
    """2-D transposed convolution, as ``torch.nn.ConvTranspose2d``; ``forward(input,
    output_size=None)`` picks the output_padding that gives ``output_size``.

    Example::

        >>> up = gg.nn.ConvTranspose2d(8, 4, 3, stride=2, padding=1, output_padding=1)
        >>> up(gg.randn(1, 8, 5, 5)).shape
        gpugrad.Size([1, 4, 10, 10])
    """
    _dims = 2
    _fn = staticmethod(F.conv_transpose2d)


class ConvTranspose3d(_ConvTranspose):
    """3-D transposed convolution; weight (C_in, C_out / groups, kD, kH, kW).

    Example::

        >>> gg.nn.ConvTranspose3d(2, 1, 2, stride=2)(gg.randn(1, 2, 3, 3, 3)).shape
        gpugrad.Size([1, 1, 6, 6, 6])
    """
    _dims = 3
    _fn = staticmethod(F.conv_transpose3d)
