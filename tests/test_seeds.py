"""Every code example of the articles in the shared ``seeds`` folder, run with gpugrad and with
PyTorch: what they print, return and raise must agree (``torch.`` reads ``gpugrad.`` in our
output).

Each example is written once as ``example(torch)`` and called with ``gpugrad`` in the place
of ``torch``, the way users run these articles. Where an article is wrong (README of the
folder), PyTorch is right and the comment says what the article claims. Lost ``**`` and
indentation are restored. The articles draw random numbers; PyTorch's generator and ours give
different streams, so the PyTorch run gets the very numbers the gpugrad run drew.
"""
import contextlib
import io
import warnings

import numpy as np
import pytest

import gpugrad as gg
from torch_compare import _text, assert_same, run


def _run_both(example, torch_mod, **kw):
    """Run ``example(lib, capture)`` for both libraries; compare printed text and results."""
    drawn = []

    def randn_ours(*shape, **kwargs):
        t = gg.randn(*shape, **kwargs)
        drawn.append((t.detach().numpy().copy(), kwargs.get("requires_grad", False)))
        return t

    def randn_theirs(*shape, **kwargs):
        values, requires_grad = drawn.pop(0)
        return torch_mod.tensor(values, requires_grad=requires_grad)

    outcomes = []
    for lib, randn in ((gg, randn_ours), (torch_mod, randn_theirs)):
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf), warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            result = run(lambda m: example(m, randn), lib)
        messages = [str(x.message).split(" (Triggered internally")[0] for x in w
                    if issubclass(x.category, UserWarning)]
        outcomes.append((buf.getvalue(), result, messages))
        lib.set_grad_enabled(True)      # some examples switch grad mode off as a function
    (out_g, res_g, warn_g), (out_t, res_t, warn_t) = outcomes
    # The articles' own strings may say "torch.": compare both sides with it renamed.
    assert_same(_text(out_g), out_t, "printed output", **kw)
    assert_same(res_g, res_t, "result", **kw)
    assert_same(warn_g, warn_t, "warnings", **kw)
    return out_g


def _needs_nn():
    pytest.importorskip("gpugrad.nn", reason="needs gpugrad.nn")
    if not hasattr(gg, "optim"):
        pytest.skip("needs gpugrad.optim")


# ------------------------------------------------------------------ 000 (Spanish)
def test_000_no_grad_example(torch):
    def example(torch, randn):
        A = torch.tensor([5.0], requires_grad=True)
        with torch.no_grad():
            B = A ** 2 + 16
        print('Cálculo de gradiente con torch.no_grad: ', A.grad)
        print('\nTensor original: ', A)
        print('\nMuestra de cálculo aritmético: ', B)
        return B.requires_grad
    out = _run_both(example, torch)
    assert "tensor([5.], requires_grad=True)" in out and "tensor([41.])" in out


# ------------------------------------------------------------------ 001 (Spanish, CursoIA)
def test_001_grad_tracking_flags(torch):
    def example(torch, randn):
        # Definimos un tensor con gradient tracking activado
        x = randn(10, 10)
        y = x ** 2 + 3 * x + 1

        with torch.no_grad():
            y_no_grad = x ** 2 + 3 * x + 1

        print("Con grad tracking:", y.requires_grad)  # the article says True; it is False
        print("Sin grad tracking:", y_no_grad.requires_grad)  # False
        return y, y_no_grad
    out = _run_both(example, torch)
    assert out == "Con grad tracking: False\nSin grad tracking: False\n"


# ------------------------------------------------------------------ 002 (Chinese)
def test_002_backward_of_no_grad_result(torch):
    def example(torch, randn):
        # 创建两个张量
        x = torch.tensor([2.0], requires_grad=True)
        w = torch.tensor([3.0], requires_grad=True)

        # 在计算阶段使用 torch.no_grad()
        with torch.no_grad():
            y = x * w

        # 输出结果,不会计算梯度
        print(y)  # tensor([6.])

        # 尝试对 y 进行反向传播(会报错)
        y.backward()  # RuntimeError: element 0 of tensors does not require grad ...
    out = _run_both(example, torch)
    assert out == "tensor([6.])\n"


def test_002_trainer_clips_and_steps_under_no_grad(torch):
    """d2l's Trainer.fit_epoch: backward, gradient clipping and the optimizer step inside
    ``torch.no_grad()``, and validation under no_grad."""
    _needs_nn()

    def example(torch, randn):
        nn = torch.nn

        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.net = nn.Linear(3, 1)
                with torch.no_grad():
                    self.net.weight.copy_(torch.tensor([[0.5, -0.25, 1.0]]))
                    self.net.bias.fill_(0.1)

            def loss(self, y_hat, y):
                return ((y_hat - y) ** 2).mean()

            def training_step(self, batch):
                X, y = batch
                return self.loss(self.net(X), y)

            def validation_step(self, batch):
                X, y = batch
                self.val_loss = self.loss(self.net(X), y)

        class Trainer:
            def __init__(self, model, train, val, gradient_clip_val):
                self.model, self.train_dataloader, self.val_dataloader = model, train, val
                self.gradient_clip_val = gradient_clip_val
                self.optim = torch.optim.SGD(model.parameters(), lr=0.1)
                self.train_batch_idx = self.val_batch_idx = 0

            def clip_gradients(self, grad_clip_val, model):     # d2l's own
                params = [p for p in model.parameters() if p.requires_grad]
                norm = torch.sqrt(sum(torch.sum((p.grad ** 2)) for p in params))
                if norm > grad_clip_val:
                    for param in params:
                        param.grad[:] *= grad_clip_val / norm

            def prepare_batch(self, batch):
                return batch

            def fit_epoch(self):
                self.model.train()
                for batch in self.train_dataloader:
                    loss = self.model.training_step(self.prepare_batch(batch))
                    self.optim.zero_grad()
                    with torch.no_grad():
                        loss.backward()
                        if self.gradient_clip_val > 0:  # To be discussed later
                            self.clip_gradients(self.gradient_clip_val, self.model)
                        self.optim.step()
                    self.train_batch_idx += 1
                if self.val_dataloader is None:
                    return
                self.model.eval()
                for batch in self.val_dataloader:
                    with torch.no_grad():
                        self.model.validation_step(self.prepare_batch(batch))
                    self.val_batch_idx += 1

        X = torch.linspace(-2, 2, 24).reshape(8, 3)
        y = (X * torch.tensor([1.0, 2.0, -1.0])).sum(1, keepdim=True) + 0.5
        batches = [(X[i:i + 4], y[i:i + 4]) for i in (0, 4)]
        model = Model()
        trainer = Trainer(model, batches, batches[:1], gradient_clip_val=1.0)
        for _ in range(3):
            trainer.fit_epoch()
        clipped = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5)
        return (model.net.weight, model.net.bias, model.val_loss, model.val_loss.requires_grad,
                trainer.train_batch_idx, trainer.val_batch_idx, clipped)
    _run_both(example, torch, rtol=1e-4)


# ------------------------------------------------------------------ 003 (English, shulou)
def test_003_no_grad_context_and_decorator(torch):
    def example(torch, randn):
        x = torch.tensor([1.], requires_grad=True)
        with torch.no_grad():
            y = x * 2
        first = y.requires_grad            # Out[12]: False

        @torch.no_grad()
        def doubler(x):
            return x * 2
        z = doubler(x)
        return first, z.requires_grad      # Out[13]: False
    _run_both(example, torch)


def test_003_enable_grad_inside_no_grad(torch):
    def example(torch, randn):
        x = torch.tensor([1.], requires_grad=True)
        with torch.no_grad():
            with torch.enable_grad():
                y = x * 2
        flag = y.requires_grad              # Out[14]: True
        y.backward()  # calculate gradient
        grad = x.grad                       # Out[15]: tensor([2.])

        @torch.enable_grad()
        def doubler(x):
            return x * 2
        with torch.no_grad():
            z = doubler(x)
        return flag, grad, z.requires_grad  # Out[16]: True
    _run_both(example, torch)


def test_003_set_grad_enabled(torch):
    def example(torch, randn):
        x = torch.tensor([1.], requires_grad=True)
        is_train = False
        with torch.set_grad_enabled(is_train):
            y = x * 2
        out = [y.requires_grad]             # Out[17]: False
        torch.set_grad_enabled(True)
        y = x * 2
        out.append(y.requires_grad)         # Out[18]: True
        torch.set_grad_enabled(False)
        y = x * 2
        out.append(y.requires_grad)         # Out[19]: False
        torch.set_grad_enabled(True)
        return out
    _run_both(example, torch)


def test_003_nesting_follows_the_innermost(torch):
    def example(torch, randn):
        x = torch.tensor([1.], requires_grad=True)
        with torch.enable_grad():
            torch.set_grad_enabled(False)
            y = x * 2
            print(y.requires_grad)          # Out[20]: False
        torch.set_grad_enabled(True)
        with torch.no_grad():
            z = x * 2
            print(z.requires_grad)          # Out[21]: False
    assert _run_both(example, torch) == "False\nFalse\n"


def test_003_example_1(torch):
    def example(torch, randn):
        torch.manual_seed(seed=20200910)
        a = randn(3, 4, requires_grad=True)  # the article lost the arguments; its output is 3x4
        print(a)
        b = a * 2
        print(b)
        print(b.requires_grad)
        print(b.grad)                        # UserWarning: .grad of a non-leaf; None
        print(a.requires_grad)
        print(a.grad)
        with torch.no_grad():
            c = a * 2
        print(c)
        print(c.requires_grad)
        print(c.grad)
        print(a.grad)
        print(c.sum())
        try:
            c.sum().backward()
        except RuntimeError as e:
            print("RuntimeError:", e)        # element 0 of tensors does not require grad ...
        print(b.sum())
        b.sum().backward()
        print(a.grad)
        print(a.requires_grad)
    out = _run_both(example, torch)
    assert "tensor([[2., 2., 2., 2.]," in out


def test_003_example_2(torch):
    def example(torch, randn):
        torch.manual_seed(seed=20200910)
        a = randn(3, 4, requires_grad=True)
        print(a.requires_grad)
        with torch.set_grad_enabled(False):
            b = a * 2
        print(b)
        print(b.requires_grad)
        with torch.set_grad_enabled(True):
            c = a * 3
        print(c)
        print(c.requires_grad)
        d = a * 4
        print(d.requires_grad)
        torch.set_grad_enabled(True)  # this can also be used as a function
        e = a * 5
        print(e)
        print(e.requires_grad)
        print(d)
        torch.set_grad_enabled(False)  # use
        f = a * 6
        print(f)
        print(f.requires_grad)
        torch.set_grad_enabled(True)
    _run_both(example, torch)


# ------------------------------------------------------------------ 004 (Russian)
def test_004_gradient(torch):
    def example(torch, randn):
        x = torch.tensor(2.0, requires_grad=True)
        y = x ** 2
        y.backward()
        print(x.grad)
    assert _run_both(example, torch) == "tensor(4.)\n"


def test_004_no_grad(torch):
    def example(torch, randn):
        x = torch.tensor(2.0, requires_grad=True)
        with torch.no_grad():
            y = x ** 2
        print(y.requires_grad)  # Output: False
    assert _run_both(example, torch) == "False\n"


def test_004_detach(torch):
    def example(torch, randn):
        x = torch.tensor(2.0, requires_grad=True)
        y = x ** 2
        z = y.detach()
        print(z.requires_grad)  # Output: False
    assert _run_both(example, torch) == "False\n"


def test_004_higher_order(torch):
    def example(torch, randn):
        x = torch.tensor(2.0, requires_grad=True)
        y = x ** 2
        z = torch.sin(y)
        y.backward(retain_graph=True)
        x.grad.zero_()
        z.backward()
        print(x.grad)  # the article says tensor(0.9333); it is 4 * cos(4) = -2.6146
    assert _run_both(example, torch) == "tensor(-2.6146)\n"


def test_004_custom_relu(torch):
    def example(torch, randn):
        class MyReLU(torch.autograd.Function):
            @staticmethod
            def forward(ctx, input):
                ctx.save_for_backward(input)
                return input.clamp(min=0)

            @staticmethod
            def backward(ctx, grad_output):
                input, = ctx.saved_tensors
                grad_input = grad_output.clone()
                grad_input[input < 0] = 0
                return grad_input

        x = torch.tensor([-1.0, 2.0, -3.0], requires_grad=True)
        relu = MyReLU.apply
        y = relu(x)
        y.backward(torch.ones_like(x))
        print(x.grad)  # Output: tensor([0., 1., 0.])
        return y
    assert _run_both(example, torch) == "tensor([0., 1., 0.])\n"


def test_articles_run_without_torch():
    """The gpugrad half alone (no PyTorch needed): the articles' headline results."""
    x = gg.tensor(2.0, requires_grad=True)
    y = x ** 2
    z = gg.sin(y)
    y.backward(retain_graph=True)
    x.grad.zero_()
    z.backward()
    assert abs(x.grad.item() - 4 * np.cos(4.0)) < 1e-6
    with gg.no_grad():
        w = x * 2
    assert not w.requires_grad
