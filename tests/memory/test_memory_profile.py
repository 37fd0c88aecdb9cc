"""gg.memory.profile: a timeline and a per-op table, and no cost when it is off."""
import sys

import pytest

import gpugrad as gg
from gpugrad.autograd.function import BackwardNode

from _helpers import mlp_forward, mlp_params


def test_records_forward_and_backward_ops():
    params = mlp_params(3, 256)
    x = gg.randn(64, 256)
    with gg.memory.profile("cpu") as prof:
        loss = mlp_forward(params, x).sum()
        loss.backward()
    names = [(e.name, e.phase) for e in prof.events]
    assert ("Linear", "forward") in names and ("Relu", "forward") in names
    assert ("LinearBackward0", "backward") in names and ("ReluBackward0", "backward") in names
    rows = {(r["op"], r["phase"]): r for r in prof.rows()}
    lin = rows[("Linear", "forward")]
    act = 64 * 256 * 4
    assert lin["calls"] == 3 and lin["output_bytes"] == 3 * act
    # Linear keeps its input (and the weight where the input needs a gradient).
    assert lin["saved_bytes"] == 3 * act + 2 * 256 * 256 * 4
    assert rows[("Relu", "forward")]["saved_bytes"] == 3 * act
    assert all(e.peak >= max(e.before, e.after) for e in prof.events)
    assert prof.peak_bytes >= max(e.peak for e in prof.events)
    text = prof.table()
    assert "Linear" in text and "saved MiB" in text and "peak MiB" in text


def test_nested_ops_belong_to_the_outer_one():
    x = gg.randn(8, 8, requires_grad=True)
    with gg.memory.profile("cpu") as prof:
        gg.nn.functional.softsign(x)      # composed of abs, add, div
    assert [e.name for e in prof.events] == ["Abs", "Add", "Div"]


def test_nothing_left_installed_when_off():
    from gpugrad.autograd import function
    call = BackwardNode.__dict__["_call_backward"]
    assert function._profile_hook is None
    with gg.memory.profile("cpu") as prof:
        assert function._profile_hook is prof
    assert function._profile_hook is None
    assert BackwardNode.__dict__["_call_backward"] is call
    with pytest.raises(ValueError):
        with gg.memory.profile("cpu"):
            raise ValueError
    assert function._profile_hook is None and BackwardNode.__dict__["_call_backward"] is call


def test_other_threads_are_not_recorded():
    import threading
    x = gg.randn(4, 4)
    with gg.memory.profile("cpu") as prof:
        th = threading.Thread(target=lambda: x.exp())
        th.start()
        th.join()
        x.sin()
    assert [e.name for e in prof.events] == ["Sin"]


def test_only_one_at_a_time():
    with gg.memory.profile("cpu"):
        with pytest.raises(RuntimeError, match="already active"):
            with gg.memory.profile("cpu"):
                pass


def test_peak_is_folded_back():
    gg.reset_peak_memory_stats("cpu")
    base = gg.memory_allocated("cpu")
    big = gg.ones(512, 512)
    del big
    outer = gg.max_memory_allocated("cpu")
    with gg.memory.profile("cpu"):
        gg.ones(8) + 1
    assert gg.max_memory_allocated("cpu") == outer >= base + 512 * 512 * 4


def test_plot(tmp_path):
    pytest.importorskip("matplotlib")
    x = gg.randn(64, 64, requires_grad=True)
    with gg.memory.profile("cpu") as prof:
        (x.exp() * x).sum().backward()
    path = prof.plot(tmp_path / "mem.png")
    assert (tmp_path / "mem.png").stat().st_size > 1000 and path == tmp_path / "mem.png"


def test_plot_without_matplotlib_says_how_to_install(monkeypatch, tmp_path):
    with gg.memory.profile("cpu") as prof:
        gg.ones(2) + 1
    for name in list(sys.modules):
        if name == "matplotlib" or name.startswith("matplotlib."):
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(RuntimeError, match=r"pip install 'gpugrad\[plot\]'"):
        prof.plot(tmp_path / "x.png")
