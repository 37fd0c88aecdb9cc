"""``gg.nn.utils``: gradient clipping, parameter/vector conversion, weight and spectral
normalization, parametrizations (``parametrize``, ``parametrizations``), conv/linear +
BatchNorm fusion, ``skip_init`` and, in ``gg.nn.utils.rnn``, padded and packed sequences for
the recurrent layers, as in PyTorch.

Example::

    >>> gg.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
"""
from .clip_grad import (clip_grad_norm_, clip_grad_value_, clip_grads_with_norm_,  # noqa: F401
                        get_total_norm)
from .convert_parameters import parameters_to_vector, vector_to_parameters  # noqa: F401
from .clip_grad import clip_grad_norm  # noqa: F401
from .fusion import (fuse_conv_bn_eval, fuse_conv_bn_weights, fuse_linear_bn_eval,  # noqa: F401
                     fuse_linear_bn_weights)
from .init import skip_init  # noqa: F401
from .weight_norm import weight_norm, remove_weight_norm  # noqa: F401
from .spectral_norm import spectral_norm, remove_spectral_norm  # noqa: F401
from . import rnn  # noqa: F401
from . import parametrize, parametrizations  # noqa: F401

__all__ = ["clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm",
           "parameters_to_vector", "vector_to_parameters", "clip_grad_norm",
           "fuse_conv_bn_eval", "fuse_conv_bn_weights", "fuse_linear_bn_eval",
           "fuse_linear_bn_weights", "skip_init", "weight_norm", "remove_weight_norm",
           "spectral_norm", "remove_spectral_norm", "parametrize", "parametrizations"]
