"""Thread-local grad mode: ``no_grad``, ``enable_grad``, ``set_grad_enabled``, ``inference_mode``.

The state lives in ``_tls``, a ``threading.local``: ``_tls.grad_enabled`` (``True`` in every new
thread) and ``_tls.inference`` (``False`` in every new thread). Ops read both attributes directly
on their hot path, so entering and leaving a mode is a couple of attribute sets.

Every mode works as a context manager and as a decorator (on functions, methods and generator
functions), with the same semantics as ``torch.autograd.grad_mode``.

Example::

    >>> import gpugrad as gg
    >>> with gg.no_grad():
    ...     gg.is_grad_enabled()
    False
    >>> gg.is_grad_enabled()
    True
"""
import functools
import inspect
import sys
import threading
import warnings

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled"]


class _GradState(threading.local):
    # Class attributes are the defaults every new thread starts with.
    grad_enabled = True
    inference = False


_tls = _GradState()


def is_grad_enabled():
    """Return ``True`` if grad mode is on in the current thread.

    Example::

        >>> import gpugrad as gg
        >>> gg.is_grad_enabled()
        True
        >>> with gg.no_grad():
        ...     gg.is_grad_enabled()
        False
    """
    return _tls.grad_enabled


def is_inference_mode_enabled():
    """Return ``True`` if inference mode is on in the current thread.

    Example::

        >>> import gpugrad as gg
        >>> gg.is_inference_mode_enabled()
        False
        >>> with gg.inference_mode():
        ...     gg.is_inference_mode_enabled()
        True
    """
    return _tls.inference


def _typename(obj):
    cls = type(obj)
    if cls.__module__ == "builtins":
        return cls.__qualname__
    return f"{cls.__module__}.{cls.__qualname__}"


def _set_grad_enabled(mode):
    """Set grad mode for the current thread; ``mode`` must be a ``bool``."""
    if mode.__class__ is not bool:
        raise TypeError("set_grad_enabled(): argument 'enabled' (position 1) must be bool, "
                        f"not {_typename(mode)}")
    _tls.grad_enabled = mode


def _wrap_generator(ctx_factory, func):
    """Wrap a generator function so that every resumption of the generator runs inside a
    fresh context from ``ctx_factory``, while the caller's mode holds between yields."""

    @functools.wraps(func)
    def generator_context(*args, **kwargs):
        gen = func(*args, **kwargs)
        # The generator is suspended at each ``yield``: set the mode whenever execution goes
        # back into it, and restore the caller's when it hands a value back through our yield.
        try:
            # Sending None starts the generator.
            with ctx_factory():
                response = gen.send(None)

            while True:
                try:
                    # Forward the response to our caller and get its next request.
                    request = yield response

                except GeneratorExit:
                    # Tell the still-running generator that it is being closed.
                    with ctx_factory():
                        gen.close()
                    raise

                except BaseException:
                    # Pass on the exception the caller threw at us.
                    with ctx_factory():
                        response = gen.throw(*sys.exc_info())

                else:
                    # Pass the caller's request to the generator and get its response.
                    with ctx_factory():
                        response = gen.send(request)

        # Exceptions from ``send``/``throw`` propagate to the caller, except StopIteration:
        # the generator is done, so return its value, which finishes this generator too.
        except StopIteration as e:
            return e.value

    return generator_context


def context_decorator(ctx, func):
    """Wrap ``func`` so that each call runs inside a context manager.

    ``ctx`` is either a context manager that can be entered many times, or a zero-argument
    callable that returns a fresh one for each call. Generator functions are wrapped so the
    context holds inside the generator across every resumption (``next``/``send``/``throw``/
    ``close``) and not in the caller between them. Classes are refused: it is ambiguous whether
    only the constructor or every method should run in the context.

    Example::

        >>> from gpugrad.autograd.grad_mode import context_decorator, no_grad, is_grad_enabled
        >>> f = context_decorator(lambda: no_grad(), is_grad_enabled)
        >>> f()
        False
    """
    if callable(ctx) and hasattr(ctx, "__enter__"):
        raise AssertionError(
            f"Passed in {ctx} is both callable and also a valid context manager "
            "(has __enter__), making it ambiguous which interface to use.  If you "
            "intended to pass a context manager factory, rewrite your call as "
            "context_decorator(lambda: ctx()); if you intended to pass a context "
            "manager directly, rewrite your call as context_decorator(lambda: ctx)")

    if not callable(ctx):
        def ctx_factory():
            return ctx
    else:
        ctx_factory = ctx

    if inspect.isclass(func):
        raise RuntimeError(
            "Cannot decorate classes; it is ambiguous whether or not only the "
            "constructor or all methods should have the context manager applied; "
            "additionally, decorating a class at definition-site will prevent "
            "use of the identifier as a conventional type.  "
            "To specify which methods to decorate, decorate each of them individually.")

    if inspect.isgeneratorfunction(func):
        return _wrap_generator(ctx_factory, func)

    @functools.wraps(func)
    def decorate_context(*args, **kwargs):
        with ctx_factory():
            return func(*args, **kwargs)

    return decorate_context


class _DecoratorContextManager:
    """Base for a context manager that is also a decorator.

    Decorating wraps the function so that each call enters a fresh copy made by ``clone()``;
    subclasses whose ``__init__`` takes arguments override ``clone``.
    """

    def __call__(self, orig_func):
        if inspect.isclass(orig_func):
            warnings.warn(
                "Decorating classes is deprecated and will be disabled in "
                "future versions. You should only decorate functions or methods. "
                "To preserve the current behavior of class decoration, you can "
                "directly decorate the `__init__` method and nothing else.",
                FutureWarning, stacklevel=2)
            func = lambda *args, **kwargs: orig_func(*args, **kwargs)  # noqa: E731
        else:
            func = orig_func
        return context_decorator(self.clone, func)

    def __enter__(self):
        raise NotImplementedError

    def __exit__(self, exc_type, exc_value, traceback):
        raise NotImplementedError

    def clone(self):
        """Return a fresh, not yet entered copy of this context manager."""
        return self.__class__()


class _NoParamDecoratorContextManager(_DecoratorContextManager):
    """A ``_DecoratorContextManager`` that also decorates without parentheses (``@no_grad``)."""

    def __new__(cls, orig_func=None):
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)


class no_grad(_NoParamDecoratorContextManager):
    r"""Context manager that disables gradient calculation.

    Use it for inference, when you will not call ``Tensor.backward()``: results computed inside
    have ``requires_grad=False`` even when their inputs require grad, and no graph is kept.
    Factory functions given ``requires_grad=True`` are not affected.

    The mode is thread-local: it does not affect computation in other threads. Also works as a
    decorator, with or without parentheses.

    Example::

        >>> import gpugrad as gg
        >>> x = gg.tensor([1.0], requires_grad=True)
        >>> with gg.no_grad():
        ...     y = x * 2
        >>> y.requires_grad
        False
        >>> @gg.no_grad()
        ... def doubler(x):
        ...     return x * 2
        >>> doubler(x).requires_grad
        False
        >>> @gg.no_grad
        ... def tripler(x):
        ...     return x * 3
        >>> tripler(x).requires_grad
        False
    """

    def __init__(self):
        self.prev = False

    def __enter__(self):
        self.prev = _tls.grad_enabled
        _tls.grad_enabled = False

    def __exit__(self, exc_type, exc_value, traceback):
        _tls.grad_enabled = self.prev


class enable_grad(_NoParamDecoratorContextManager):
    r"""Context manager that enables gradient calculation.

    Turns grad mode back on inside ``no_grad``, ``set_grad_enabled(False)`` or
    ``inference_mode`` (inside inference mode it turns grad mode on but leaves inference
    mode on).

    The mode is thread-local: it does not affect computation in other threads. Also works as a
    decorator, with or without parentheses.

    Example::

        >>> import gpugrad as gg
        >>> x = gg.tensor([1.0], requires_grad=True)
        >>> with gg.no_grad():
        ...     with gg.enable_grad():
        ...         y = x * 2
        >>> y.requires_grad
        True
        >>> @gg.enable_grad()
        ... def doubler(x):
        ...     return x * 2
        >>> with gg.no_grad():
        ...     z = doubler(x)
        >>> z.requires_grad
        True
    """

    def __enter__(self):
        self.prev = _tls.grad_enabled
        _tls.grad_enabled = True

    def __exit__(self, exc_type, exc_value, traceback):
        _tls.grad_enabled = self.prev


class set_grad_enabled(_DecoratorContextManager):
    r"""Set gradient calculation on or off.

    Called as a plain function, ``set_grad_enabled(mode)`` sets grad mode at once and leaves it
    set. Used as a context manager it sets ``mode`` on entry and restores the mode from before
    the call on exit; used as a decorator, each call of the function runs with ``mode``.

    The mode is thread-local: it does not affect computation in other threads.

    Args:
        mode (bool): ``True`` to enable grad, ``False`` to disable it. Anything but a ``bool``
            raises ``TypeError``.

    Example::

        >>> import gpugrad as gg
        >>> x = gg.tensor([1.0], requires_grad=True)
        >>> is_train = False
        >>> with gg.set_grad_enabled(is_train):
        ...     y = x * 2
        >>> y.requires_grad
        False
        >>> _ = gg.set_grad_enabled(False)
        >>> (x * 2).requires_grad
        False
        >>> _ = gg.set_grad_enabled(True)
        >>> (x * 2).requires_grad
        True
    """

    def __init__(self, mode):
        self.prev = _tls.grad_enabled
        self.mode = mode
        _set_grad_enabled(mode)

    def __call__(self, orig_func):
        # Constructing the decorator set the mode; decorating must leave the caller's mode.
        _tls.grad_enabled = self.prev
        return super().__call__(orig_func)

    def __enter__(self):
        _tls.grad_enabled = self.mode

    def __exit__(self, exc_type, exc_value, traceback):
        _tls.grad_enabled = self.prev

    def __str__(self):
        cls = type(self)
        return f"{cls.__module__}.{cls.__qualname__}(mode={self.mode})"

    def __repr__(self):
        return str(self)

    def clone(self):
        """Return a fresh copy with the same ``mode``."""
        return self.__class__(self.mode)


class inference_mode(_DecoratorContextManager):
    r"""Context manager that enables or disables inference mode.

    Like ``no_grad``, but stricter: tensors created in inference mode are marked as inference
    tensors and cannot later be used in computations that autograd records. Entering
    ``inference_mode(True)`` turns inference mode on and grad mode off;
    ``inference_mode(False)`` turns inference mode off and grad mode on. Leaving either
    restores both modes as they were on entry.

    The mode is thread-local: it does not affect computation in other threads. Also works as a
    decorator: ``@inference_mode``, ``@inference_mode()`` or ``@inference_mode(False)``.

    Args:
        mode (bool or function): ``True`` (the default) or ``False``, or a function to decorate
            with inference mode on.

    Example::

        >>> import gpugrad as gg
        >>> x = gg.ones(1, 2, 3, requires_grad=True)
        >>> with gg.inference_mode():
        ...     y = x * x
        >>> y.requires_grad
        False
        >>> @gg.inference_mode
        ... def func(x):
        ...     return x * x
        >>> func(x).requires_grad
        False
    """

    def __new__(cls, mode=True):
        if isinstance(mode, bool):
            return super().__new__(cls)
        return cls()(mode)

    def __init__(self, mode=True):
        self.mode = mode

    def __enter__(self):
        tls = _tls
        self._prev_grad = tls.grad_enabled
        self._prev_inference = tls.inference
        mode = self.mode
        tls.grad_enabled = not mode
        tls.inference = mode

    def __exit__(self, exc_type, exc_value, traceback):
        tls = _tls
        tls.grad_enabled = self._prev_grad
        tls.inference = self._prev_inference

    def clone(self):
        """Return a fresh copy with the same ``mode``."""
        return self.__class__(self.mode)
