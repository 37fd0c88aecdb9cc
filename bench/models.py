"""The models the speed benchmarks run, built alike in gpugrad and PyTorch (same weights), and
a hand-written NumPy MLP: what raw NumPy can do for the same step, the floor to compare with.
"""
import numpy as np

MLP_SIZES = (784, 1024, 1024, 10)


def mlp(lib, sizes=MLP_SIZES):
    nn = lib.nn
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def cnn(lib):
    """A small LeNet-like CNN on 1x28x28 inputs."""
    nn = lib.nn
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 7 * 7, 10))


def copy_weights(src, dst, torch):
    """PyTorch's model gets gpugrad's initial weights (the same numbers in both)."""
    with torch.no_grad():
        for p, q in zip(src.parameters(), dst.parameters()):
            q.copy_(torch.from_numpy(p.detach().numpy().copy()))


def data(shape, classes=10, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape).astype(np.float32)
    y = rng.integers(0, classes, shape[0]).astype(np.int64)
    return x, y


class NumpyMLP:
    """The MLP's training step in plain NumPy, written for speed: in-place ReLU, BLAS with
    ``out=``, fused softmax cross-entropy gradient, in-place optimizer updates."""

    def __init__(self, gg_model, optimizer="sgd", lr=0.01, momentum=0.9):
        self.params = [p.detach().numpy().copy() for p in gg_model.parameters()]
        self.optimizer = optimizer
        self.lr, self.momentum = lr, momentum
        self.state = [np.zeros_like(p) for p in self.params]
        self.state2 = [np.zeros_like(p) for p in self.params]
        self.grads = [np.empty_like(p) for p in self.params]   # written in place each step
        self.t = 0

    def forward(self, x):
        h = x
        ws = self.params
        for i in range(0, len(ws), 2):
            h = h @ ws[i].T
            h += ws[i + 1]
            if i + 2 < len(ws):
                np.maximum(h, 0, out=h)
        return h

    def step(self, x, y):
        ws = self.params
        acts = [x]
        h = x
        for i in range(0, len(ws), 2):
            h = h @ ws[i].T
            h += ws[i + 1]
            if i + 2 < len(ws):
                np.maximum(h, 0, out=h)
            acts.append(h)
        logits = acts.pop()
        z = logits - logits.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        n = len(y)
        loss = -np.log(z[np.arange(n), y]).mean()
        z[np.arange(n), y] -= 1
        z /= n
        g = z
        grads = self.grads
        for i in range(len(ws) - 2, -1, -2):
            a = acts[i // 2]
            np.matmul(g.T, a, out=grads[i])
            g.sum(axis=0, out=grads[i + 1])
            if i:
                g = g @ ws[i]
                g *= a > 0
        self._update(grads)
        return loss

    def _update(self, grads):
        if self.optimizer == "sgd":
            for p, g, buf in zip(self.params, grads, self.state):
                buf *= self.momentum
                buf += g
                buf_lr = np.multiply(buf, -self.lr)
                p += buf_lr
            return
        self.t += 1
        b1, b2, eps = 0.9, 0.999, 1e-8
        c1, c2 = 1 - b1 ** self.t, (1 - b2 ** self.t) ** 0.5
        for p, g, m, v in zip(self.params, grads, self.state, self.state2):
            m *= b1
            m += (1 - b1) * g
            v *= b2
            g *= g
            g *= 1 - b2
            v += g
            d = np.sqrt(v)
            d /= c2
            d += eps
            np.divide(m, d, out=d)
            d *= -self.lr / c1
            p += d
