"""python -m gpugrad.demo: trains to >= 95% test accuracy and prints the inference table."""
import os
import re
import subprocess
import sys
import time

import pytest

import gpugrad as gg

pytest.importorskip("sklearn")
pytest.importorskip("tqdm")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run_demo(*args, timeout=240):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, "-m", "gpugrad.demo", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_default_settings_reach_95_percent_and_plot(tmp_path):
    pytest.importorskip("matplotlib")
    plot = tmp_path / "inference.png"
    start = time.perf_counter()
    proc = _run_demo("--device", "cpu", "--plot", str(plot))
    elapsed = time.perf_counter() - start
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    acc = float(re.search(r"test accuracy: ([\d.]+)%", out).group(1))
    assert acc >= 95.0, out
    for mode in ("grad", "no_grad", "inference_mode"):
        assert re.search(rf"^{mode}\s+[\d.]+ KiB\s+[\d.]+ ms$", out, re.M), out
    assert plot.stat().st_size > 1000 and plot.read_bytes()[:4] == b"\x89PNG"
    assert "training" in proc.stderr                 # the tqdm bar
    assert elapsed < 120, f"demo took {elapsed:.0f} s"


def test_one_epoch_in_process_and_the_memory_table(capsys):
    from gpugrad import demo
    acc = demo.main(["--epochs", "1", "--seed", "1", "--device", "cpu"])
    assert 0.0 <= acc <= 1.0
    out = capsys.readouterr().out
    peaks = {m: float(v) for m, v in re.findall(r"^(\w+)\s+([\d.]+) KiB", out, re.M)}
    assert set(peaks) == {"grad", "no_grad", "inference_mode"}
    # With grad on, the kept output holds every activation backward would need.
    assert peaks["no_grad"] < peaks["grad"] and peaks["inference_mode"] < peaks["grad"]


def test_peak_memory_falls_back_to_tracemalloc(monkeypatch):
    from gpugrad import demo
    for name in ("max_memory_allocated", "memory_allocated", "reset_peak_memory_stats"):
        monkeypatch.delattr(gg, name, raising=False)
    result, peak, counter = demo.measure_peak_memory(lambda: gg.zeros(256, 1024), "cpu")
    assert counter == "tracemalloc" and result.shape == (256, 1024)
    assert peak >= 256 * 1024 * 4


def test_plot_without_matplotlib_explains(monkeypatch, tmp_path):
    import builtins
    from gpugrad import demo
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    rows = [{"mode": "grad", "peak_bytes": 1, "seconds": 1.0, "counter": "x"}]
    with pytest.raises(SystemExit, match=r'pip install "gpugrad\[plot\]"'):
        demo.plot(rows, tmp_path / "x.png")
