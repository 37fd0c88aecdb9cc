"""Anomaly detection: a NaN produced in backward raises, naming the node and the forward call
that made it.

As in PyTorch the switch is process-wide. While it is on, every recorded op keeps the stack
of the call that created it (which is why it slows things down: debugging only); backward
checks each gradient a node returns for NaN (``check_nan``), and any error raised inside a
node's backward is preceded by a warning with that stack.

Example::

    >>> x = gg.tensor([0.0], requires_grad=True)
    >>> with gg.autograd.detect_anomaly():
    ...     ((x / x) * 0).sum().backward()
    Traceback (most recent call last):
    RuntimeError: Function 'DivBackward0' returned nan values in its 0th output.
    Traceback of forward call that caused the error: ...
"""
import functools
import warnings

from .graph import _anomaly

__all__ = ["detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled",
           "is_anomaly_check_nan_enabled"]

_SLOW = ("Anomaly Detection has been enabled. This mode will increase the runtime and should "
         "only be enabled for debugging.")


def is_anomaly_enabled():
    """True while anomaly detection is on."""
    return _anomaly["enabled"]


def is_anomaly_check_nan_enabled():
    """True while anomaly detection also checks backward's results for NaN."""
    return _anomaly["check_nan"]


class set_detect_anomaly:
    """Turn anomaly detection on or off; as a context manager, the previous state comes back
    on exit (``with set_detect_anomaly(True): ...``), as ``torch.autograd.set_detect_anomaly``.

    It takes effect at the call, so ``set_detect_anomaly(True)`` alone switches it on for the
    rest of the program.
    """

    def __init__(self, mode, check_nan=True):
        self.prev = (_anomaly["enabled"], _anomaly["check_nan"])
        _anomaly["enabled"] = bool(mode)
        _anomaly["check_nan"] = bool(check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _anomaly["enabled"], _anomaly["check_nan"] = self.prev
        return False

    def clone(self):
        return self.__class__(_anomaly["enabled"], _anomaly["check_nan"])


class detect_anomaly:
    """Context manager (or decorator) with anomaly detection on inside.

    Example::

        with gg.autograd.detect_anomaly():
            loss.backward()   # RuntimeError: Function 'DivBackward0' returned nan values ...
    """

    def __init__(self, check_nan=True):
        self.check_nan = bool(check_nan)
        self.prev = None
        warnings.warn(_SLOW, UserWarning, stacklevel=2)

    def __enter__(self):
        self.prev = (_anomaly["enabled"], _anomaly["check_nan"])
        _anomaly["enabled"] = True
        _anomaly["check_nan"] = self.check_nan
        return self

    def __exit__(self, *exc):
        _anomaly["enabled"], _anomaly["check_nan"] = self.prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with _Scope(self.check_nan):
                return fn(*args, **kwargs)
        return wrapper


class _Scope(detect_anomaly):
    """detect_anomaly without the warning, for each call of a decorated function."""

    def __init__(self, check_nan):
        self.check_nan = check_nan
        self.prev = None
