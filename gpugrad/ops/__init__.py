"""Built-in differentiable ops. Importing this package attaches their methods to Tensor."""
from .arithmetic import *  # noqa: F401,F403
from .unary import *  # noqa: F401,F403
from .shape import *  # noqa: F401,F403
from .rearrange import *  # noqa: F401,F403
from .reduce import *  # noqa: F401,F403
from .statistics import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from .pointwise import *  # noqa: F401,F403
from .indexing import *  # noqa: F401,F403
from .copy import *  # noqa: F401,F403
from . import inplace  # noqa: F401  (attaches the in-place methods)
from .creation import *  # noqa: F401,F403
from .special import *  # noqa: F401,F403
from .assorted import *  # noqa: F401,F403
from .decompositions import *  # noqa: F401,F403
# PyTorch has these at the top level too (torch.softmax), not only in nn.functional.
from .activation import softmax, log_softmax, selu, celu, cosine_similarity  # noqa: F401
from . import (arithmetic, unary, shape, reduce, statistics, linalg, indexing, copy,  # noqa: F401
               creation, pointwise, rearrange, special, assorted, decompositions)

__all__ = (arithmetic.__all__ + unary.__all__ + shape.__all__ + rearrange.__all__
           + reduce.__all__ + statistics.__all__ + linalg.__all__ + pointwise.__all__
           + indexing.__all__ + copy.__all__ + creation.__all__ + special.__all__
           + assorted.__all__ + decompositions.__all__
           + ["softmax", "log_softmax", "selu", "celu", "cosine_similarity"])
