"""Functional forms of the layers, as ``torch.nn.functional``: re-exports of the ops, with
``relu`` taking the ``inplace`` argument that ``torch.nn.functional.relu`` has.

Example::

    >>> import gpugrad.nn.functional as F
    >>> F.relu(gg.tensor([-1.0, 2.0]))
    tensor([0., 2.])
"""
from ..ops.unary import sigmoid, tanh  # noqa: F401
from ..ops.activation import *  # noqa: F401,F403
from ..ops.dropout import *  # noqa: F401,F403
from ..ops.linear import *  # noqa: F401,F403
from ..ops.loss import *  # noqa: F401,F403
from ..ops.loss_extra import *  # noqa: F401,F403
from ..ops.ctc_loss import *  # noqa: F401,F403
from ..ops.conv import *  # noqa: F401,F403
from ..ops.pooling import *  # noqa: F401,F403
from ..ops.pooling_extra import *  # noqa: F401,F403
from ..ops.activation_extra import *  # noqa: F401,F403
from ..ops.distance import *  # noqa: F401,F403
from ..ops.alpha_dropout import *  # noqa: F401,F403
from ..ops.embedding_bag import *  # noqa: F401,F403
from ..ops.normalization import *  # noqa: F401,F403
from ..ops.normalization_extra import *  # noqa: F401,F403
from ..ops.padding import *  # noqa: F401,F403
from ..ops.pixelshuffle import *  # noqa: F401,F403
from ..ops.fold import *  # noqa: F401,F403
from ..ops.attention import *  # noqa: F401,F403
from ._interpolate import *  # noqa: F401,F403
from ..ops import unary as _unary  # noqa: E402
from ..ops.activation import relu_  # noqa: E402


def relu(input, inplace=False):
    """``max(input, 0)``; with ``inplace=True`` input itself is updated and returned.

    Example::

        >>> x = gg.tensor([-1.0, 2.0])
        >>> F.relu(x, inplace=True) is x
        True
    """
    return relu_(input) if inplace else _unary.relu(input)
