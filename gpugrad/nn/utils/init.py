"""``skip_init``: build a module without running its parameter initialization, as
``torch.nn.utils.skip_init``.

Example::

    >>> m = gg.nn.utils.skip_init(gg.nn.Linear, 5, 1)
    >>> gg.nn.init.orthogonal_(m.weight)       # initialise it yourself
"""
import inspect

__all__ = ["skip_init"]

# The initialisers the built-in modules call from __init__.
_INITIALISERS = ("reset_parameters", "_reset_parameters")


def skip_init(module_cls, *args, **kwargs):
    """Instantiate ``module_cls(*args, **kwargs)`` with its parameters and buffers left
    uninitialized (as ``gg.empty`` leaves them), for when you initialise them yourself.

    As in PyTorch, the class must take a ``device`` argument and must do nothing in its
    constructor but create and initialise its tensors. PyTorch builds the module on its
    meta device; gpugrad has none, so it builds it on ``device`` (default ``'cpu'``) with
    the module's ``reset_parameters`` turned off for the duration of the constructor.

    Example::

        >>> m = gg.nn.utils.skip_init(gg.nn.Linear, in_features=6, out_features=1)
        >>> m.weight.shape
        gpugrad.Size([1, 6])
    """
    from ..module import Module
    if not (isinstance(module_cls, type) and issubclass(module_cls, Module)):
        raise RuntimeError(f"Expected a Module; got {module_cls}")
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    kwargs["device"] = kwargs.pop("device", "cpu")
    module = module_cls.__new__(module_cls)

    def skip(*_args, **_kwargs):
        return None

    # Instance attributes shadow the class's methods while __init__ runs.
    for name in _INITIALISERS:
        object.__setattr__(module, name, skip)
    try:
        module.__init__(*args, **kwargs)
    finally:
        for name in _INITIALISERS:
            module.__dict__.pop(name, None)
    return module
