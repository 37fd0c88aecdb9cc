"""Neural-network building blocks, as ``torch.nn``: Module, Parameter, layers, init, functional.

Example::

    >>> import gpugrad.nn as nn
    >>> model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))
    >>> model(gg.randn(3, 4)).shape
    gpugrad.Size([3, 2])
"""
from .parameter import *  # noqa: F401,F403
from .module import *  # noqa: F401,F403
from .modules.linear import *  # noqa: F401,F403
from .modules.activation import *  # noqa: F401,F403
from .modules.container import *  # noqa: F401,F403
from .modules.dropout import *  # noqa: F401,F403
from .modules.sparse import *  # noqa: F401,F403
from .modules.loss import *  # noqa: F401,F403
from .modules.loss_extra import *  # noqa: F401,F403
from .modules.flatten import *  # noqa: F401,F403
from .modules.conv import *  # noqa: F401,F403
from .modules.pooling import *  # noqa: F401,F403
from .modules.pooling_extra import *  # noqa: F401,F403
from .modules.activation_extra import *  # noqa: F401,F403
from .modules.distance import *  # noqa: F401,F403
from .modules.alpha_dropout import *  # noqa: F401,F403
from .modules.embedding_bag import *  # noqa: F401,F403
from .modules.lazy import *  # noqa: F401,F403
from .modules.normalization import *  # noqa: F401,F403
from .modules.instancenorm import *  # noqa: F401,F403
from .modules.padding import *  # noqa: F401,F403
from .modules.pixelshuffle import *  # noqa: F401,F403
from .modules.channelshuffle import *  # noqa: F401,F403
from .modules.fold import *  # noqa: F401,F403
from .modules.attention import *  # noqa: F401,F403
from .modules.rnn import *  # noqa: F401,F403
from .modules.transformer import *  # noqa: F401,F403
from .modules.upsampling import *  # noqa: F401,F403
from . import functional, init  # noqa: F401,E402
from . import utils  # noqa: F401,E402
