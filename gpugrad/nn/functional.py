"""Functional forms of the layers, as ``torch.nn.functional`` (re-exports only).

Example::

    >>> import gpugrad.nn.functional as F
    >>> F.relu(gg.tensor([-1.0, 2.0]))
    tensor([0., 2.])
"""
from ..ops.unary import relu, sigmoid, tanh  # noqa: F401
from ..ops.activation import *  # noqa: F401,F403
from ..ops.dropout import *  # noqa: F401,F403
from ..ops.linear import *  # noqa: F401,F403
from ..ops.loss import *  # noqa: F401,F403
from ..ops.conv import *  # noqa: F401,F403
from ..ops.pooling import *  # noqa: F401,F403
from ..ops.normalization import *  # noqa: F401,F403
from ..ops.attention import *  # noqa: F401,F403
