"""``gg.nn.utils``: gradient clipping, parameter/vector conversion and, in ``gg.nn.utils.rnn``,
padded and packed sequences for the recurrent layers, as in PyTorch.

Example::

    >>> gg.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
"""
from .clip_grad import (clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_,  # noqa: F401
                        get_total_norm)
from .convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: F401
from . import rnn  # noqa: F401

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm",
           "parameters_to_vector", "vector_to_parameters"]
