"""Reverse-mode automatic differentiation: grad mode, Function, backward, grad, gradcheck."""
from .grad_mode import (no_grad, enable_grad, set_grad_enabled, inference_mode,  # noqa: F401
                        is_grad_enabled, is_inference_mode_enabled)
from .function import Function, FunctionCtx, once_differentiable  # noqa: F401
from .engine import backward, grad  # noqa: F401
from .gradcheck import gradcheck, gradgradcheck  # noqa: F401
from .anomaly import (detect_anomaly, set_detect_anomaly, is_anomaly_enabled,  # noqa: F401
                      is_anomaly_check_nan_enabled)
from . import graph, function, grad_mode, engine, functional  # noqa: F401

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "inference_mode", "is_grad_enabled",
           "is_inference_mode_enabled", "Function", "FunctionCtx", "once_differentiable",
           "backward", "grad", "gradcheck", "gradgradcheck", "detect_anomaly",
           "set_detect_anomaly", "is_anomaly_enabled", "is_anomaly_check_nan_enabled", "graph",
           "functional"]
