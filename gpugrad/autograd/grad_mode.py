"""Thread-local grad mode (placeholder state; context managers come next)."""
import threading


class _GradState(threading.local):
    # Class attributes are the defaults every new thread starts with.
    grad_enabled = True
    inference = False


_tls = _GradState()


def is_grad_enabled():
    return _tls.grad_enabled


def is_inference_mode_enabled():
    return _tls.inference
