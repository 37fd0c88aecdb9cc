"""InstanceNorm1d/2d/3d, as ``torch.nn``'s: per-sample, per-channel normalization.

By default there are no affine parameters and no running statistics, and the input's own
statistics are used in training and in eval. With ``track_running_stats=True`` training
updates ``running_mean`` / ``running_var`` (the batch average of the per-instance statistics,
``momentum``; ``momentum=None`` counts as 0 here, as in PyTorch) and eval normalizes with them.
``num_batches_tracked`` is registered as in BatchNorm but, as in PyTorch, never counted.

Example::

    >>> gg.nn.InstanceNorm2d(3)
    InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)
"""
import warnings

from ...ops.normalization_extra import instance_norm
from .normalization import _BatchNorm

__all__ = ["InstanceNorm1d", "InstanceNorm2d", "InstanceNorm3d"]


class _InstanceNorm(_BatchNorm):
    """Instance normalization over the spatial dims of each (sample, channel)."""

    _no_batch_dim = 0   # the rank of an unbatched input

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False,
                 track_running_stats=False, device=None, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)

    def _check_input_dim(self, input):
        d = self._no_batch_dim
        if input.ndim not in (d, d + 1):
            raise ValueError(f"expected {d}D or {d + 1}D input (got {input.ndim}D input)")

    def _apply_instance_norm(self, input):
        return instance_norm(input, self.running_mean, self.running_var, self.weight, self.bias,
                             self.training or not self.track_running_stats,
                             self.momentum if self.momentum is not None else 0.0, self.eps)

    def forward(self, input):
        self._check_input_dim(input)
        feature_dim = input.ndim - self._no_batch_dim
        if input.shape[feature_dim] != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim={feature_dim} to match "
                                 f"num_features ({self.num_features}), but got: "
                                 f"{input.shape[feature_dim]}.")
            warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You "
                          f"can silence this warning by not passing in num_features, which is "
                          f"not used because affine=False", stacklevel=2)
        if input.ndim == self._no_batch_dim:
            return self._apply_instance_norm(input.unsqueeze(0)).squeeze(0)
        return self._apply_instance_norm(input)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs, *args, **kwargs):
        # Checkpoints from before 0.4 kept running stats that these layers no longer track by
        # default: drop them with PyTorch's message.
        version = (local_metadata or {}).get("version")
        if version is None and not self.track_running_stats:
            keys = [prefix + name for name in ("running_mean", "running_var")
                    if prefix + name in state_dict]
            if keys:
                klass = type(self).__name__
                error_msgs.append(
                    "Unexpected running stats buffer(s) {names} for {klass} with "
                    "track_running_stats=False. If state_dict is a checkpoint saved before "
                    "0.4.0, this may be expected because {klass} does not track running stats "
                    "by default since 0.4.0. Please remove these keys from state_dict. If the "
                    "running stats are actually needed, instead set track_running_stats=True in "
                    "{klass} to enable them. See the documentation of {klass} for details."
                    .format(names=" and ".join(f'"{k}"' for k in keys), klass=klass))
                for key in keys:
                    state_dict.pop(key)
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs, *args, **kwargs)


class InstanceNorm1d(_InstanceNorm):
    """Instance normalization of (N, C, L) or unbatched (C, L) input.

    Example::

        >>> gg.nn.InstanceNorm1d(4, affine=True)(gg.randn(2, 4, 7)).shape
        gpugrad.Size([2, 4, 7])
    """
    _no_batch_dim = 2


class InstanceNorm2d(_InstanceNorm):
    """Instance normalization of (N, C, H, W) or unbatched (C, H, W) input.

    Example::

        >>> gg.nn.InstanceNorm2d(3)(gg.randn(3, 5, 5)).shape
        gpugrad.Size([3, 5, 5])
    """
    _no_batch_dim = 3


class InstanceNorm3d(_InstanceNorm):
    """Instance normalization of (N, C, D, H, W) or unbatched (C, D, H, W) input.

    Example::

        >>> gg.nn.InstanceNorm3d(2, track_running_stats=True)(gg.randn(1, 2, 3, 3, 3)).shape
        gpugrad.Size([1, 2, 3, 3, 3])
    """
    _no_batch_dim = 4
