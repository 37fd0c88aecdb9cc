"""Devices and zero-copy exchange, on whatever this machine has: ``python examples/devices.py``.

Shows the default-device rule, moving tensors (and their gradients) between devices, and
sharing memory with NumPy and PyTorch through DLPack without copying. Runs on a GPU where
CuPy sees one, else on the CPU.
"""
import numpy as np

import gpugrad as gg


def show_devices():
    print(f"CUDA available: {gg.cuda.is_available()} ({gg.cuda.device_count()} devices)")
    # gg.set_default_device(...) wins, then GPUGRAD_DEVICE, then cuda if CuPy sees a GPU.
    print("default device:", gg.get_default_device())
    if not gg.cuda.is_available():
        try:
            gg.zeros(1, device="cuda")
        except RuntimeError as e:
            print("asking for cuda here says:\n ", e)


def move_with_gradients():
    device = gg.get_default_device()
    x = gg.randn(3, 4, device=device, requires_grad=True)
    loss = (x.cpu() ** 2).sum()          # moving is differentiable: the gradient moves back
    loss.backward()
    assert x.grad.device == x.device
    print(f"x on {x.device}, loss on {loss.device}, x.grad on {x.grad.device}")


def share_memory():
    a = np.arange(4.0)
    t = gg.from_dlpack(a)                # no copy: both see the same memory
    a[0] = 100.0
    print("NumPy write seen by gpugrad:", t.tolist())
    back = np.from_dlpack(t)
    assert np.shares_memory(back, a)
    try:
        import torch
    except ImportError:
        return
    p = torch.from_dlpack(t)             # PyTorch too, on cpu here and on cuda on a GPU
    p[1] = -1.0
    print("PyTorch write seen by gpugrad:", t.tolist())


if __name__ == "__main__":
    show_devices()
    move_with_gradients()
    share_memory()
