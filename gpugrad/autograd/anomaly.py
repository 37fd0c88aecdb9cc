"""Anomaly detection: NaN in backward raises, naming the op and where it was created."""
from .graph import _anomaly


def set_detect_anomaly(mode, check_nan=True):
    """Turn anomaly detection on or off (process-wide); also a context manager."""
    return _AnomalyMode(mode, check_nan)


def is_anomaly_enabled():
    return _anomaly["enabled"]


class _AnomalyMode:
    def __init__(self, mode, check_nan=True):
        self.prev = dict(_anomaly)
        _anomaly["enabled"] = bool(mode)
        _anomaly["check_nan"] = check_nan

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _anomaly.update(self.prev)


class detect_anomaly:
    """Context manager: backward checks for NaN and names the forward op that caused it.

    Example::

        with gg.autograd.detect_anomaly():
            loss.backward()   # RuntimeError: Function 'DivBackward0' returned nan values ...
    """

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self.prev = dict(_anomaly)
        _anomaly["enabled"] = True
        _anomaly["check_nan"] = self.check_nan
        return self

    def __exit__(self, *exc):
        _anomaly.update(self.prev)

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*a, **k):
            with detect_anomaly(self.check_nan):
                return fn(*a, **k)
        return wrapper
