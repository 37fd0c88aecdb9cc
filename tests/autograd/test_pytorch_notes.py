"""The code examples of PyTorch's "Autograd mechanics" note (with its "Locally disabling
gradient computation" section), of the "Locally disabling gradient computation" list in the
``torch`` reference and of the "Autograd graph" part of the ``torch.autograd`` reference,
each run with gpugrad and with PyTorch and compared (values, flags, errors).

The examples are kept close to the notes; where a note uses what gpugrad does not have
(torchvision's resnet18, DataParallel) a small stand-in plays its part.
"""
import os
import shutil
import tempfile
import threading
import uuid

import pytest

import gpugrad as gg
from torch_compare import same


def _nn(m):
    if m is gg:
        return pytest.importorskip("gpugrad.nn", reason="needs gpugrad.nn")
    return m.nn


# ------------------------------------------------------------------ excluding subgraphs
def test_requires_grad_propagates(torch):
    def f(m):
        x = m.randn(5, 5)  # requires_grad=False by default
        y = m.randn(5, 5)  # requires_grad=False by default
        z = m.randn((5, 5), requires_grad=True)
        a = x + y
        b = a + z
        return a.requires_grad, b.requires_grad
    same(f, torch)


def test_freezing_a_pretrained_model(torch):
    """``model.fc = nn.Linear(...)`` on a frozen model; only the new layer trains."""
    def f(m):
        nn = _nn(m)
        m.manual_seed(0)

        class Pretrained(nn.Module):        # stands in for torchvision's resnet18
            def __init__(self):
                super().__init__()
                self.body = nn.Linear(6, 8)
                self.fc = nn.Linear(8, 4)

            def forward(self, x):
                return self.fc(self.body(x).relu())

        model = Pretrained()
        for param in model.parameters():
            param.requires_grad = False
        # Replace the last fully-connected layer
        # Parameters of newly constructed modules have requires_grad=True by default
        model.fc = nn.Linear(8, 3)
        # Same starting values in both libraries
        with m.no_grad():
            for i, p in enumerate(model.parameters()):
                p.copy_(m.linspace(-1, 1, p.numel()).reshape(p.shape) * (i + 1) / 4)
        # Optimize only the classifier
        optimizer = m.optim.SGD(model.fc.parameters(), lr=1e-2, momentum=0.9)
        x = m.linspace(-2, 2, 12).reshape(2, 6)
        for _ in range(2):
            optimizer.zero_grad()
            out = model(x)
            out.pow(2).sum().backward()
            optimizer.step()
        return ([p.grad for p in model.body.parameters()], [p for p in model.fc.parameters()],
                model.body(x).requires_grad, out.requires_grad)
    same(f, torch)


# ------------------------------------------------------------------ saved tensors
def test_saved_self_is_the_input(torch):
    def f(m):
        x = m.randn(5, requires_grad=True)
        y = x.pow(2)
        return x.equal(y.grad_fn._saved_self), x is y.grad_fn._saved_self
    same(f, torch)


def test_saved_result_is_a_new_tensor_on_the_same_storage(torch):
    def f(m):
        x = m.randn(5, requires_grad=True)
        y = x.exp()
        saved = y.grad_fn._saved_result
        return (y.equal(saved), y is saved, saved.data_ptr() == y.data_ptr(),
                saved.grad_fn is y.grad_fn)
    same(f, torch)


def test_autograd_graph_saved_result(torch):
    def f(m):
        a = m.tensor([0., 0., 0.], requires_grad=True)
        b = a.exp()
        return (isinstance(b.grad_fn, m.autograd.graph.Node),
                m.allclose(b.grad_fn._saved_result, b),
                "_saved_result" in dir(b.grad_fn) or hasattr(b.grad_fn, "_saved_result"))
    same(f, torch)


# ------------------------------------------------------------------ non-differentiable points
POINTS = {
    "relu(0)": lambda m, x: m.relu(x), "sqrt(0)": lambda m, x: m.sqrt(x),
    "abs(0)": lambda m, x: m.abs(x), "clamp(0, 0, 1)": lambda m, x: x.clamp(0, 1),
    "clamp(0, min=0)": lambda m, x: x.clamp(min=0), "sign(0)": lambda m, x: m.sign(x),
    "maximum(0, 0)": lambda m, x: m.maximum(x, m.zeros(())), "max of one": lambda m, x: x.max(),
    "norm(0)": lambda m, x: x.norm(), "0 ** 0.5": lambda m, x: x ** 0.5,
    "log(0)": lambda m, x: m.log(x), "0 ** 0": lambda m, x: x.pow(0),
    "0 ** x at 0": lambda m, x: m.tensor(0.) ** x, "log(-1)": lambda m, x: m.log(x - 1),
    "sqrt(-1)": lambda m, x: m.sqrt(x - 1),
}


@pytest.mark.parametrize("name", list(POINTS))
def test_gradients_at_non_differentiable_points(name, torch):
    def f(m):
        x = m.tensor(0., requires_grad=True)
        POINTS[name](m, x).backward()
        return x.grad
    same(f, torch)


# ------------------------------------------------------------------ grad modes
def test_locally_disabling_gradient_computation(torch):
    """The examples of ``torch``'s "Locally disabling gradient computation" list."""
    def f(m):
        out = []
        x = m.zeros(1, requires_grad=True)
        with m.no_grad():
            y = x * 2
        out.append(y.requires_grad)

        is_train = False
        with m.set_grad_enabled(is_train):
            y = x * 2
        out.append(y.requires_grad)

        m.set_grad_enabled(True)  # this can also be used as a function
        y = x * 2
        out.append(y.requires_grad)

        m.set_grad_enabled(False)
        y = x * 2
        out.append(y.requires_grad)
        m.set_grad_enabled(True)
        return out
    same(f, torch)


def test_no_grad_outputs_usable_in_grad_mode(torch):
    def f(m):
        w = m.tensor([1.0, 2.0], requires_grad=True)
        with m.no_grad():
            w2 = w * 2          # an optimizer-style value, not recorded
        loss = (w * w2).sum()   # used later in grad mode
        loss.backward()
        return w2.requires_grad, w.grad
    same(f, torch)


def test_inference_mode_tensors_cannot_join_autograd_later(torch):
    def f(m):
        x = m.zeros(2, requires_grad=True)
        with m.inference_mode():
            t = m.ones(2) * 3
        flags = (t.requires_grad, t.is_inference(), (t * 2).is_inference())
        try:
            (t * x).sum().backward()
        except RuntimeError as e:
            return flags, str(e)
    same(f, torch)

    def inplace(m):
        with m.inference_mode():
            t = m.ones(2)
        t.add_(1)
    same(inplace, torch)

    def requires(m):
        with m.inference_mode():
            t = m.ones(2)
        t.requires_grad_()
    same(requires, torch)


def test_eval_mode_is_not_a_grad_mode(torch):
    def f(m):
        nn = _nn(m)
        m.manual_seed(0)
        model = nn.Sequential(nn.Linear(3, 2), nn.Dropout(0.5))
        model.eval()
        out = model(m.ones(1, 3))
        model.train()
        return out.requires_grad, model.training
    same(f, torch)


# ------------------------------------------------------------------ in-place correctness
def test_in_place_correctness_check(torch):
    def f(m):
        a = m.tensor([1.0, 2.0], requires_grad=True)
        b = a.sigmoid()
        b.mul_(2)           # sigmoid saved its output, now at version 1
        b.sum().backward()
    same(f, torch)


# ------------------------------------------------------------------ multithreaded autograd
def test_multithreaded_training(torch):
    def f(m):
        results = []

        # Define a train function to be used in different threads
        def train_fn():
            x = m.ones(5, 5, requires_grad=True)
            # forward
            y = (x + 3) * (x + 4) * 0.5
            # backward
            y.sum().backward()
            # potential optimizer update
            results.append(x.grad)

        # User write their own threading code to drive the train_fn
        threads = []
        for _ in range(10):
            p = threading.Thread(target=train_fn, args=())
            p.start()
            threads.append(p)

        for p in threads:
            p.join()
        return results
    same(f, torch)


def test_grad_mode_is_thread_local(torch):
    def f(m):
        seen = []

        def worker():
            seen.append(m.is_grad_enabled())
        with m.no_grad():
            t = threading.Thread(target=worker)
            t.start()
            t.join()
        return seen
    same(f, torch)


# ------------------------------------------------------------------ saved tensor hooks
class _TempDir:
    def __init__(self):
        self.path = tempfile.mkdtemp()

    def close(self):
        shutil.rmtree(self.path, ignore_errors=True)


def _self_deleting_temp_file(tmp_dir):
    class SelfDeletingTempFile():
        def __init__(self):
            self.name = os.path.join(tmp_dir, str(uuid.uuid4()))

        def __del__(self):
            os.remove(self.name)
    return SelfDeletingTempFile


def test_saved_tensor_hooks_on_disk(torch):
    tmp = _TempDir()
    try:
        def f(m):
            SelfDeletingTempFile = _self_deleting_temp_file(tmp.path)
            calls = []

            def pack_hook(tensor):
                calls.append("pack")
                temp_file = SelfDeletingTempFile()
                m.save(tensor, temp_file.name)
                return temp_file

            def unpack_hook(temp_file):
                calls.append("unpack")
                return m.load(temp_file.name)

            x = m.tensor([0.5, -1.0, 2.0], requires_grad=True)
            y = x.pow(2)
            y.grad_fn._raw_saved_self.register_hooks(pack_hook, unpack_hook)
            packed = list(calls)
            y.sum().backward()
            return packed, calls, x.grad
        same(f, torch)
    finally:
        tmp.close()
    assert not os.path.exists(tmp.path) or not os.listdir(tmp.path)


def test_register_hooks_errors(torch):
    def twice(m):
        x = m.randn(5, requires_grad=True)
        y = x.pow(2)
        y.grad_fn._raw_saved_self.register_hooks(lambda t: t, lambda t: t)
        y.grad_fn._raw_saved_self.register_hooks(lambda t: t, lambda t: t)
    same(twice, torch)

    def freed(m):
        x = m.randn(5, requires_grad=True)
        y = x.pow(2)
        raw = y.grad_fn._raw_saved_self
        y.sum().backward()
        raw.register_hooks(lambda t: t, lambda t: t)
    same(freed, torch)

    def after_backward(m):
        x = m.randn(5, requires_grad=True)
        y = x.pow(2)
        y.sum().backward()
        return y.grad_fn._saved_self
    same(after_backward, torch)


def test_default_saved_tensor_hooks(torch):
    tmp = _TempDir()
    try:
        def f(m):
            nn = _nn(m)
            SelfDeletingTempFile = _self_deleting_temp_file(tmp.path)
            # Only save on disk tensors that have size >= 1000
            SAVE_ON_DISK_THRESHOLD = 1000
            on_disk = []

            def pack_hook(x):
                if x.numel() < SAVE_ON_DISK_THRESHOLD:
                    return x
                temp_file = SelfDeletingTempFile()
                m.save(x, temp_file.name)
                on_disk.append(tuple(x.shape))
                return temp_file

            def unpack_hook(tensor_or_sctf):
                if isinstance(tensor_or_sctf, m.Tensor):
                    return tensor_or_sctf
                return m.load(tensor_or_sctf.name)

            class Model(nn.Module):
                def forward(self, x):
                    with m.autograd.graph.saved_tensors_hooks(pack_hook, unpack_hook):
                        # ... compute output
                        output = (x * x).sin() + x[:3].exp().sum()
                    return output

            model = Model()     # the note wraps it in DataParallel; gpugrad has none
            x = m.linspace(-1, 1, 1200, requires_grad=True)
            model(x).sum().backward()
            return on_disk, x.grad
        same(f, torch)
    finally:
        tmp.close()


def test_identity_hooks_unpack_new_tensor_objects(torch):
    def f(m):
        with m.autograd.graph.saved_tensors_hooks(lambda x: x, lambda x: x):
            x = m.randn(5, requires_grad=True)
            y = x * x
        s, o = y.grad_fn._saved_self, y.grad_fn._saved_other
        plain = x * x
        return (s is x, o is x, s.data_ptr() == x.data_ptr(), s.requires_grad, s.is_leaf,
                plain.grad_fn._saved_self is x, plain.grad_fn._saved_other is x)
    same(f, torch)


def test_hooks_keep_double_backward(torch):
    def f(m):
        x = m.tensor([0.5, -1.0, 2.0], requires_grad=True)
        with m.autograd.graph.saved_tensors_hooks(lambda t: t.detach().clone(), lambda t: t):
            y = (x ** 3).sum()
        (g,) = m.autograd.grad(y, x, create_graph=True)
        (h,) = m.autograd.grad(g.sum(), x)
        return g, h
    same(f, torch)


# ------------------------------------------------------------------ backward hooks
def test_hook_firing_order(torch):
    def f(m):
        order = []
        a = m.tensor(2., requires_grad=True)
        b = a * 3
        b.register_hook(lambda g: order.append("tensor hook") or g + 1)
        b.grad_fn.register_prehook(lambda go: order.append("pre-hook") or (go[0] * 10,))
        b.retain_grad()
        b.grad_fn.register_hook(lambda gi, go: order.append("post-hook"))
        b.backward()
        return order, b.grad, a.grad
    same(f, torch)


def test_hooks_of_nodes_not_executed_by_grad(torch):
    def f(m):
        order = []
        a = m.tensor(2., requires_grad=True)
        b = a * 3
        b.register_hook(lambda g: order.append("tensor hook"))
        b.grad_fn.register_prehook(lambda go: order.append("pre-hook"))
        b.grad_fn.register_hook(lambda gi, go: order.append("post-hook"))
        (gb,) = m.autograd.grad((b * b).sum(), b)
        return order, gb
    same(f, torch)


def test_tensor_hook_after_in_place(torch):
    def f(m):
        seen = []

        def fn(g):
            seen.append(g)
        t = m.tensor(1., requires_grad=True).sin()
        t.cos_()
        t.register_hook(fn)
        t.backward()
        return seen
    same(f, torch)


def test_tensor_hook_registered_before_in_place_keeps_old_node(torch):
    def f(m):
        seen = []
        x = m.tensor(1., requires_grad=True)
        t = x.sin()
        t.register_hook(lambda g: seen.append(("before", g)))
        t.cos_()
        t.register_hook(lambda g: seen.append(("after", g)))
        t.backward()
        return seen, x.grad
    same(f, torch)


def test_multiple_hooks_run_in_registration_order(torch):
    def f(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.register_hook(lambda g: g * 2)
        y.register_hook(lambda g: g + 1)
        y.sum().backward()
        return x.grad
    same(f, torch)
