"""Anomaly mode: a NaN made in backward raises, naming the node (PyTorch's words) and the
forward call that created it; a non-finite loss passes silently without it, as in PyTorch."""
import warnings

import numpy as np
import pytest

import gpugrad as gg


@pytest.fixture(autouse=True)
def _anomaly_off_after():
    yield
    gg.autograd.set_detect_anomaly(False)


def _nan_through_div(m):
    """d(x / 0) / dx meets a zero incoming gradient: 0 / 0 in DivBackward0's 0th output."""
    x = m.tensor([0.0, 1.0], requires_grad=True)
    zero = m.zeros(2)
    y = x / zero  # the forward call anomaly mode must point at
    with np.errstate(invalid="ignore"):     # inf * 0: NumPy would warn, PyTorch does not
        return x, (y * 0).sum()


def _run_caught(m, build):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with m.autograd.detect_anomaly():
            x, loss = build(m)
            with pytest.raises(RuntimeError) as info:
                loss.backward()
    return x, str(info.value), [str(w.message) for w in caught]


def test_nan_in_backward_names_node_and_forward_line():
    x, message, warned = _run_caught(gg, _nan_through_div)
    first, _, trace = message.partition("\n")
    assert first == "Function 'DivBackward0' returned nan values in its 0th output."
    assert trace.startswith("Traceback of forward call that caused the error:")
    assert "y = x / zero  # the forward call anomaly mode must point at" in trace
    assert __file__ in trace
    assert "gpugrad/ops" not in trace and "gpugrad/autograd" not in trace   # user frames only
    assert any(w.startswith("Anomaly Detection has been enabled.") for w in warned)
    assert any(w.startswith("Error detected in DivBackward0. Traceback of forward call") and
               "y = x / zero" in w for w in warned)
    assert x.grad is None                    # the failed backward wrote nothing


def test_message_is_pytorchs():
    torch = pytest.importorskip("torch")
    _, ours, _ = _run_caught(gg, _nan_through_div)
    _, theirs, _ = _run_caught(torch, _nan_through_div)
    assert ours.partition("\n")[0] == theirs.partition("\n")[0]


def test_set_detect_anomaly_is_a_switch_and_a_context_manager():
    assert not gg.autograd.is_anomaly_enabled()
    with gg.autograd.set_detect_anomaly(True):
        assert gg.autograd.is_anomaly_enabled()
        with gg.autograd.set_detect_anomaly(False):
            assert not gg.autograd.is_anomaly_enabled()
        assert gg.autograd.is_anomaly_enabled()
    assert not gg.autograd.is_anomaly_enabled()
    gg.autograd.set_detect_anomaly(True)          # a plain call stays on
    assert gg.autograd.is_anomaly_enabled()
    x, loss = _nan_through_div(gg)
    with pytest.raises(RuntimeError, match="DivBackward0"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loss.backward()


def test_state_comes_back_after_an_error_inside():
    with pytest.raises(KeyError):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with gg.autograd.detect_anomaly():
                raise KeyError("boom")
    assert not gg.autograd.is_anomaly_enabled()


def test_decorator_form():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")

        @gg.autograd.detect_anomaly()
        def step():
            assert gg.autograd.is_anomaly_enabled()
            x, loss = _nan_through_div(gg)
            loss.backward()

        with pytest.raises(RuntimeError, match="returned nan values"):
            step()
    assert not gg.autograd.is_anomaly_enabled()


def test_check_nan_false_records_traces_but_lets_nan_through():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with gg.autograd.detect_anomaly(check_nan=False):
            assert not gg.autograd.is_anomaly_check_nan_enabled()
            x, loss = _nan_through_div(gg)
            assert "_creation_trace" in loss.grad_fn.__dict__
            loss.backward()
    assert np.isnan(x.grad.numpy()).any()


def test_non_finite_loss_is_silent_by_default():
    # PyTorch raises nothing for a NaN loss; the gradient is NaN and training goes on.
    x = gg.tensor([-1.0, 4.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")       # no warning either
        loss = gg.sqrt(x).sum()
        loss.backward()
    assert np.isnan(loss.item())
    assert np.isnan(x.grad.numpy()[0]) and x.grad.numpy()[1] == 0.25
    assert "_creation_trace" not in loss.grad_fn.__dict__    # no cost when off


def test_non_finite_loss_is_caught_in_anomaly_mode():
    x = gg.tensor([-1.0, 4.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with gg.autograd.detect_anomaly():
            loss = gg.sqrt(x).sum()
            with pytest.raises(RuntimeError) as info:
                loss.backward()
    assert str(info.value).startswith(
        "Function 'SqrtBackward0' returned nan values in its 0th output.")
    assert "loss = gg.sqrt(x).sum()" in str(info.value)


def test_an_error_in_backward_warns_with_the_forward_trace():
    class Broken(gg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            raise ValueError("broken backward")

    x = gg.tensor([1.0], requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with gg.autograd.detect_anomaly():
            y = Broken.apply(x)  # made here
            with pytest.raises(ValueError, match="broken backward"):
                y.sum().backward()
    traces = [str(w.message) for w in caught if "Error detected in BrokenBackward" in
              str(w.message)]
    assert traces and "y = Broken.apply(x)  # made here" in traces[0]


def test_finite_backward_is_unchanged_by_anomaly_mode():
    x = gg.tensor([0.5, 2.0], dtype=gg.float64, requires_grad=True)
    (gg.exp(x) * gg.sin(x)).sum().backward()
    plain = x.grad.numpy().copy()
    x.grad = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with gg.autograd.detect_anomaly():
            (gg.exp(x) * gg.sin(x)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), plain)
