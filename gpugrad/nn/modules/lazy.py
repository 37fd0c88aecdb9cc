"""Lazy layers: LazyLinear, LazyConv1d/2d/3d, LazyConvTranspose1d/2d/3d, LazyBatchNorm1d/2d/3d,
LazyInstanceNorm1d/2d/3d, as PyTorch's.

A lazy layer is built without its input size. It holds UninitializedParameter (and
UninitializedBuffer) placeholders until the first forward, which reads the size from the input,
materializes and initializes them as the plain layer would, and turns the module, in place,
into that plain layer (``LazyLinear`` becomes ``Linear``). Loading a state dict before the
first forward materializes the placeholders from the checkpoint's shapes.

Example::

    >>> fc = gg.nn.LazyLinear(4)
    >>> fc(gg.randn(2, 7)).shape
    gpugrad.Size([2, 4])
    >>> fc
    Linear(in_features=7, out_features=4, bias=True)
"""
from ...autograd.grad_mode import no_grad
from ...ops.creation import tensor
from .._uninitialized import UninitializedBuffer, UninitializedParameter, is_lazy
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d
from .instancenorm import InstanceNorm1d, InstanceNorm2d, InstanceNorm3d, _InstanceNorm
from .linear import Linear
from .normalization import BatchNorm1d, BatchNorm2d, BatchNorm3d, _BatchNorm

__all__ = ["LazyModuleMixin", "LazyLinear", "LazyConv1d", "LazyConv2d", "LazyConv3d",
           "LazyConvTranspose1d", "LazyConvTranspose2d", "LazyConvTranspose3d",
           "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d", "LazyInstanceNorm1d",
           "LazyInstanceNorm2d", "LazyInstanceNorm3d"]


class LazyModuleMixin:
    """Shapes parameters from the first input: a forward pre-hook calls
    ``initialize_parameters(*args, **kwargs)``, then the module becomes ``cls_to_become``.

    Example::

        >>> bn = gg.nn.LazyBatchNorm1d()
        >>> bn.has_uninitialized_params()
        True
    """
    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters,
                                                               with_kwargs=True)

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        # Placeholders go into the state dict as they are (there is nothing to detach).
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if is_lazy(param) or keep_vars \
                    else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buf if is_lazy(buf) or keep_vars else buf.detach()

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs, *args, **kwargs):
        # Take each placeholder's shape from the checkpoint, then load as usual.
        for name, param in list(self._parameters.items()) + list(self._buffers.items()):
            key = prefix + name
            if key in state_dict and param is not None and is_lazy(param):
                value = state_dict[key]
                if not is_lazy(value):
                    with no_grad():
                        param.materialize(tuple(value.shape))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs, *args, **kwargs)

    def initialize_parameters(self, *args, **kwargs):
        """Materialize and initialize the placeholders from the forward's arguments."""
        raise NotImplementedError(f"initialize_parameters is not implemented for "
                                  f"{self.__class__.__name__}")

    def has_uninitialized_params(self):
        """Whether a parameter or buffer is still a placeholder."""
        return any(is_lazy(t) for t in list(self._parameters.values())
                   + list(self._buffers.values()))

    def _infer_parameters(self, module, args, kwargs=None):
        module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {self._get_name()} has not been fully initialized")
        module._initialize_hook.remove()
        del module._initialize_hook
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become


class LazyLinear(LazyModuleMixin, Linear):
    """:class:`Linear` whose ``in_features`` comes from the first input's last dim.

    Example::

        >>> gg.nn.LazyLinear(3)
        LazyLinear(in_features=0, out_features=3, bias=True)
    """
    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        # bias=False here: a real bias would be replaced at once.
        super().__init__(0, 0, False)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input):
        if self.has_uninitialized_params():
            with no_grad():
                self.in_features = input.shape[-1]
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()
        if self.in_features == 0:
            # Materialized by load_state_dict: take in_features from the loaded weight.
            if input.shape[-1] != self.weight.shape[-1]:
                raise AssertionError(f"The in_features inferred from input: {input.shape[-1]} "
                                     f"is not equal to in_features from self.weight: "
                                     f"{self.weight.shape[-1]}")
            self.in_features = input.shape[-1]


class _LazyConvXdMixin(LazyModuleMixin):
    _spatial = None

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args, **kwargs):
        if self.has_uninitialized_params():
            self.in_channels = self._get_in_channels(input)
            if self.in_channels % self.groups != 0:
                raise ValueError("in_channels must be divisible by groups")
            with no_grad():
                if self.transposed:
                    shape = (self.in_channels, self.out_channels // self.groups)
                else:
                    shape = (self.out_channels, self.in_channels // self.groups)
                self.weight.materialize(shape + tuple(self.kernel_size))
                if self.bias is not None:
                    self.bias.materialize((self.out_channels,))
                self.reset_parameters()

    def _get_in_channels(self, input):
        unbatched = self._spatial + 1
        if input.dim() not in (unbatched, unbatched + 1):
            raise RuntimeError(f"Expected {unbatched}D (unbatched) or {unbatched + 1}D (batched) "
                               f"input to {self.__class__.__name__}, but got input of size: "
                               f"{input.shape!r}")
        return input.shape[1] if input.dim() == unbatched + 1 else input.shape[0]


def _lazy_conv(name, base, spatial, doc):
    def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1,
                 bias=True, padding_mode="zeros", device=None, dtype=None):
        base.__init__(self, 0, 0, kernel_size, stride, padding, dilation, groups, False,
                      padding_mode, device=device, dtype=dtype)
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters,
                                                               with_kwargs=True)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)
    return type(name, (_LazyConvXdMixin, base), {
        "__init__": __init__, "cls_to_become": base, "_spatial": spatial, "__doc__": doc,
        "__module__": __name__})


def _lazy_conv_transpose(name, base, spatial, doc):
    def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0,
                 groups=1, bias=True, dilation=1, padding_mode="zeros", device=None,
                 dtype=None):
        base.__init__(self, 0, 0, kernel_size, stride, padding, output_padding, groups, False,
                      dilation, padding_mode, device=device, dtype=dtype)
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters,
                                                               with_kwargs=True)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)
    return type(name, (_LazyConvXdMixin, base), {
        "__init__": __init__, "cls_to_become": base, "_spatial": spatial, "__doc__": doc,
        "__module__": __name__})


LazyConv1d = _lazy_conv("LazyConv1d", Conv1d, 1, """:class:`Conv1d` whose ``in_channels``
    comes from the first input.

    Example::

        >>> gg.nn.LazyConv1d(4, 3)(gg.randn(2, 5, 10)).shape
        gpugrad.Size([2, 4, 8])
    """)
LazyConv2d = _lazy_conv("LazyConv2d", Conv2d, 2, """:class:`Conv2d` whose ``in_channels``
    comes from the first input.

    Example::

        >>> gg.nn.LazyConv2d(4, 3)
        LazyConv2d(0, 4, kernel_size=(3, 3), stride=(1, 1))
    """)
LazyConv3d = _lazy_conv("LazyConv3d", Conv3d, 3, """:class:`Conv3d` whose ``in_channels``
    comes from the first input.

    Example::

        >>> gg.nn.LazyConv3d(2, 1)(gg.randn(1, 3, 2, 2, 2)).shape
        gpugrad.Size([1, 2, 2, 2, 2])
    """)
LazyConvTranspose1d = _lazy_conv_transpose("LazyConvTranspose1d", ConvTranspose1d, 1, """
    :class:`ConvTranspose1d` whose ``in_channels`` comes from the first input.

    Example::

        >>> gg.nn.LazyConvTranspose1d(4, 3)(gg.randn(2, 5, 8)).shape
        gpugrad.Size([2, 4, 10])
    """)
LazyConvTranspose2d = _lazy_conv_transpose("LazyConvTranspose2d", ConvTranspose2d, 2, """
    :class:`ConvTranspose2d` whose ``in_channels`` comes from the first input.

    Example::

        >>> gg.nn.LazyConvTranspose2d(4, 2, stride=2)(gg.randn(1, 3, 4, 4)).shape
        gpugrad.Size([1, 4, 8, 8])
    """)
LazyConvTranspose3d = _lazy_conv_transpose("LazyConvTranspose3d", ConvTranspose3d, 3, """
    :class:`ConvTranspose3d` whose ``in_channels`` comes from the first input.

    Example::

        >>> gg.nn.LazyConvTranspose3d(2, 1)(gg.randn(1, 3, 2, 2, 2)).shape
        gpugrad.Size([1, 2, 2, 2, 2])
    """)


class _LazyNormBase(LazyModuleMixin):
    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None, *, bias=True):
        # affine, bias and track_running_stats False here: real tensors would be replaced at
        # once.
        super().__init__(0, eps, momentum, False, False, device=device, dtype=dtype,
                         bias=False)
        self.affine = affine
        self.track_running_stats = track_running_stats
        if self.affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            if bias:
                self.bias = UninitializedParameter(device=device, dtype=dtype)
        if self.track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)
            self.num_batches_tracked = tensor(0, dtype="int64", device=device)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input):
        if self.has_uninitialized_params():
            self.num_features = input.shape[1]
            with no_grad():
                if self.affine:
                    self.weight.materialize((self.num_features,))
                    if self.bias is not None:
                        self.bias.materialize((self.num_features,))
                if self.track_running_stats:
                    self.running_mean.materialize((self.num_features,))
                    self.running_var.materialize((self.num_features,))
                self.reset_parameters()


class LazyBatchNorm1d(_LazyNormBase, _BatchNorm):
    """:class:`BatchNorm1d` whose ``num_features`` comes from the first input.

    Example::

        >>> gg.nn.LazyBatchNorm1d()(gg.randn(8, 3)).shape
        gpugrad.Size([8, 3])
    """
    cls_to_become = BatchNorm1d
    _expected = BatchNorm1d._expected


class LazyBatchNorm2d(_LazyNormBase, _BatchNorm):
    """:class:`BatchNorm2d` whose ``num_features`` comes from the first input.

    Example::

        >>> gg.nn.LazyBatchNorm2d()(gg.randn(2, 3, 4, 4)).shape
        gpugrad.Size([2, 3, 4, 4])
    """
    cls_to_become = BatchNorm2d
    _expected = BatchNorm2d._expected


class LazyBatchNorm3d(_LazyNormBase, _BatchNorm):
    """:class:`BatchNorm3d` whose ``num_features`` comes from the first input.

    Example::

        >>> gg.nn.LazyBatchNorm3d()(gg.randn(2, 3, 2, 2, 2)).shape
        gpugrad.Size([2, 3, 2, 2, 2])
    """
    cls_to_become = BatchNorm3d
    _expected = BatchNorm3d._expected


class _LazyInstanceNorm(_LazyNormBase, _InstanceNorm):
    pass


class LazyInstanceNorm1d(_LazyInstanceNorm):
    """:class:`InstanceNorm1d` whose ``num_features`` comes from the first input (affine and
    tracking running statistics by default, as PyTorch's lazy form).

    Example::

        >>> gg.nn.LazyInstanceNorm1d()(gg.randn(2, 3, 5)).shape
        gpugrad.Size([2, 3, 5])
    """
    cls_to_become = InstanceNorm1d
    _no_batch_dim = InstanceNorm1d._no_batch_dim


class LazyInstanceNorm2d(_LazyInstanceNorm):
    """:class:`InstanceNorm2d` whose ``num_features`` comes from the first input.

    Example::

        >>> gg.nn.LazyInstanceNorm2d()(gg.randn(2, 3, 4, 4)).shape
        gpugrad.Size([2, 3, 4, 4])
    """
    cls_to_become = InstanceNorm2d
    _no_batch_dim = InstanceNorm2d._no_batch_dim


class LazyInstanceNorm3d(_LazyInstanceNorm):
    """:class:`InstanceNorm3d` whose ``num_features`` comes from the first input.

    Example::

        >>> gg.nn.LazyInstanceNorm3d()(gg.randn(1, 2, 2, 2, 2)).shape
        gpugrad.Size([1, 2, 2, 2, 2])
    """
    cls_to_become = InstanceNorm3d
    _no_batch_dim = InstanceNorm3d._no_batch_dim
