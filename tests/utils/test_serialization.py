"""gg.save / gg.load: round trips, safetensors interop, atomic writes and damaged files."""
import io
import math
import os
from collections import Counter, OrderedDict

import numpy as np
import pytest

import gpugrad as gg
from gpugrad import serialization

safetensors = pytest.importorskip("safetensors")

DTYPES = [gg.float16, gg.float32, gg.float64, gg.int32, gg.int64, gg.bool, gg.int8, gg.uint8,
          gg.int16]


def _sample(dtype, shape=(3, 4)):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape) * 10
    if dtype == gg.bool:
        a = a > 0
    return gg.tensor(a.astype(dtype.np_dtype))


def _same(a, b):
    assert isinstance(b, gg.Tensor)
    assert a.dtype == b.dtype and a.shape == b.shape and a.device == b.device
    assert np.array_equal(a.detach().cpu().numpy(), b.detach().cpu().numpy(), equal_nan=True)


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: d.name)
def test_round_trip_every_dtype(dtype, tmp_path):
    sd = {"m": _sample(dtype), "s": _sample(dtype, ()), "e": _sample(dtype, (0, 5))}
    gg.save(sd, tmp_path / "w.safetensors")
    out = gg.load(tmp_path / "w.safetensors")
    assert list(out) == ["m", "s", "e"]
    for k in sd:
        _same(sd[k], out[k])
    assert out["m"]._data.flags.writeable       # loaded tensors own writable memory


def test_views_and_non_contiguous_tensors_save_by_value(tmp_path):
    base = gg.arange(24.0).reshape(4, 6)
    sd = {"t": base.T, "step": base[:, ::2], "row": base[2], "neg": gg.arange(5.0).flip(0)}
    gg.save(sd, tmp_path / "v.safetensors")
    out = gg.load(tmp_path / "v.safetensors")
    for k in sd:
        _same(sd[k].contiguous(), out[k])
        assert out[k].is_contiguous()


def test_special_values_round_trip(tmp_path):
    t = gg.tensor([math.nan, math.inf, -math.inf, -0.0, 1e-40], dtype=gg.float64)
    gg.save({"t": t}, tmp_path / "s.safetensors")
    out = gg.load(tmp_path / "s.safetensors")["t"].numpy()
    assert np.array_equal(out, t.numpy(), equal_nan=True) and math.copysign(1, out[3]) == -1


def test_state_dicts_are_plain_safetensors_for_torch_and_numpy(tmp_path, torch):
    st_torch = pytest.importorskip("safetensors.torch")
    import safetensors.numpy as st_numpy
    sd = {f"x.{d.name}": _sample(d) for d in DTYPES}
    gg.save(sd, tmp_path / "w.safetensors")
    theirs = st_torch.load_file(tmp_path / "w.safetensors")
    assert set(theirs) == set(sd)
    for k, v in sd.items():
        assert np.array_equal(theirs[k].numpy(), v.numpy())
        assert str(theirs[k].dtype)[6:] == v.dtype.name
    arrays = st_numpy.load_file(tmp_path / "w.safetensors")
    assert all(np.array_equal(arrays[k], v.numpy()) for k, v in sd.items())


def test_loads_files_written_by_safetensors_torch(tmp_path, torch):
    st_torch = pytest.importorskip("safetensors.torch")
    tensors = {"w": torch.randn(3, 2, dtype=torch.float64), "i": torch.arange(5, dtype=torch.int32),
               "h": torch.ones(2, dtype=torch.float16), "b": torch.tensor([True, False])}
    st_torch.save_file(tensors, tmp_path / "t.safetensors", metadata={"format": "pt"})
    out = gg.load(tmp_path / "t.safetensors")
    assert set(out) == set(tensors)
    for k, v in tensors.items():
        assert np.array_equal(out[k].numpy(), v.numpy()) and out[k].dtype.name == str(v.dtype)[6:]
        assert out[k].device.type == "cpu"


def test_nested_structures_round_trip(tmp_path):
    w = gg.randn(3, 3, requires_grad=True)
    obj = {"model": OrderedDict([("w", w.detach()), ("b", gg.zeros(3))]),
           "optim": {"state": {0: {"step": gg.tensor(4.0), "buf": gg.ones(3)}},
                     "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "foreach": None,
                                       "params": [0], "nesterov": False}]},
           "sched": {"milestones": Counter({5: 1, 8: 2}), "best": math.inf,
                     "worst": -math.inf, "nan": math.nan},
           "param": w, "same": w, "list": [1, "two", [3.5, None]], "tuple_key": {(1, 2): "x"},
           "__dunder": {"__tensor__": "not a tensor"}, "dtype": gg.float16,
           "epoch": np.int64(3)}
    gg.save(obj, tmp_path / "ckpt.safetensors")
    out = gg.load(tmp_path / "ckpt.safetensors")
    _same(obj["model"]["w"], out["model"]["w"])
    assert list(out["model"]) == ["w", "b"]
    assert list(out["optim"]["state"]) == [0]
    _same(obj["optim"]["state"][0]["step"], out["optim"]["state"][0]["step"])
    assert out["optim"]["param_groups"] == obj["optim"]["param_groups"]
    assert out["sched"]["milestones"] == Counter({5: 1, 8: 2})
    assert isinstance(out["sched"]["milestones"], Counter)
    assert out["sched"]["best"] == math.inf and out["sched"]["worst"] == -math.inf
    assert math.isnan(out["sched"]["nan"])
    assert out["param"].requires_grad and out["param"] is out["same"]
    assert out["list"] == [1, "two", [3.5, None]] and out["tuple_key"] == {(1, 2): "x"}
    assert out["__dunder"] == {"__tensor__": "not a tensor"}
    assert out["dtype"] is gg.float16 and out["epoch"] == 3
    # Its tensors are still readable by any safetensors reader.
    import safetensors.numpy as st_numpy
    assert len(st_numpy.load_file(tmp_path / "ckpt.safetensors")) == 5


def _format(path):
    import json
    return json.loads(serialization._header(open(path, "rb").read())["__metadata__"]
                      ["gpugrad"])["format"]


def test_mapping_types_come_back_as_torch_gives_them(tmp_path, torch):
    def round_trip(lib, name):
        model = lib.nn.Linear(2, 3)
        ckpt = {"model": model.state_dict(), "plain": {"a": 1}, "epoch": 2}
        lib.save(model.state_dict(), tmp_path / f"{name}-model")
        lib.save(ckpt, tmp_path / f"{name}-ckpt")
        alone = lib.load(tmp_path / f"{name}-model")
        inside = lib.load(tmp_path / f"{name}-ckpt")
        return (type(alone).__name__, list(alone), type(inside["model"]).__name__,
                type(inside["plain"]).__name__, type(inside).__name__)

    assert round_trip(gg, "ours") == round_trip(torch, "theirs") == \
        ("OrderedDict", ["weight", "bias"], "OrderedDict", "dict", "dict")
    # A module's state dict alone is still a plain safetensors file in the first format;
    # a structure holding an OrderedDict needs the second, which older readers refuse.
    assert _format(tmp_path / "ours-model") == 1
    assert _format(tmp_path / "ours-ckpt") == 2
    gg.save({"plain": {0: gg.ones(1)}}, tmp_path / "plain")
    assert _format(tmp_path / "plain") == 1
    out = gg.load(tmp_path / "ours-ckpt")
    assert isinstance(out["model"], OrderedDict) and list(out["model"]) == ["weight", "bias"]


def test_pytorch_call_forms_are_accepted(tmp_path, torch):
    def round_trip(lib, name):
        obj = {"w": lib.ones(2, 3), "nested": [lib.arange(3), {"b": lib.zeros(1)}], "epoch": 4}
        path = tmp_path / name
        lib.save(obj, path, pickle_protocol=2, _use_new_zipfile_serialization=True)
        loaded = [lib.load(path, lambda storage, loc: storage, weights_only=True),
                  lib.load(path, map_location=lambda storage, loc: None),
                  lib.load(path, map_location="cpu", pickle_module=None, weights_only=False),
                  lib.load(path, mmap=False)]
        return [(out["w"].tolist(), out["nested"][0].tolist(), out["nested"][1]["b"].device.type,
                 out["epoch"]) for out in loaded]

    assert round_trip(gg, "ours") == round_trip(torch, "theirs")


def test_sets_and_bytes_round_trip_as_with_torch(tmp_path, torch):
    obj = {"classes": {"cat", "dog", (1, 2)}, "frozen": frozenset([3.5]), "raw": b"\x00\xff",
           "buffer": bytearray(b"xy"), "nested": [set()], "keys": {frozenset([1]): 2}}

    def round_trip(lib, name):
        lib.save(obj, tmp_path / name)
        out = lib.load(tmp_path / name, weights_only=False)
        return out, {k: type(v).__name__ for k, v in out.items()}

    assert round_trip(gg, "ours") == round_trip(torch, "theirs")
    assert _format(tmp_path / "ours") == 2


def test_map_location_function_gives_the_tensor_to_use(tmp_path):
    gg.save({"a": gg.ones(2), "b": gg.ones(2)}, tmp_path / "x")
    seen = []

    def halve(t, saved):
        seen.append(saved)
        return t * 0.5

    out = gg.load(tmp_path / "x", map_location=halve)
    assert out["a"].tolist() == [0.5, 0.5] and seen == ["cpu", "cpu"]
    with pytest.raises(RuntimeError, match="map_location raised AttributeError"):
        gg.load(tmp_path / "x", map_location=lambda t, saved: t.no_such_method())
    with pytest.raises(RuntimeError, match="must return a tensor or None, got int"):
        gg.load(tmp_path / "x", map_location=lambda t, saved: 3)


def test_unsupported_objects_are_refused(tmp_path):
    with pytest.raises(TypeError, match=r"cannot store an object of type object \(at a\.b\)"):
        gg.save({"a": {"b": object()}}, tmp_path / "x.safetensors")
    assert not os.listdir(tmp_path)


def test_file_objects(tmp_path):
    buf = io.BytesIO()
    gg.save({"a": gg.ones(2)}, buf)
    buf.seek(0)
    assert gg.load(buf)["a"].tolist() == [1.0, 1.0]


def test_map_location(tmp_path):
    gg.save({"a": gg.ones(2)}, tmp_path / "a.safetensors")
    for ml in (None, "cpu", gg.device("cpu"), {"cpu": "cpu"}):
        assert gg.load(tmp_path / "a.safetensors", map_location=ml)["a"].device.type == "cpu"
    with pytest.raises(ValueError, match="map_location must name a device"):
        gg.load(tmp_path / "a.safetensors", map_location="tpu")


@pytest.mark.gpu
def test_cuda_tensors_come_back_on_cuda(tmp_path):
    if not gg.cuda.is_available():
        pytest.skip("needs CuPy and a CUDA device")
    t = gg.arange(6.0, device="cuda").reshape(2, 3).T
    gg.save({"t": t}, tmp_path / "c.safetensors")
    assert gg.load(tmp_path / "c.safetensors")["t"].device.type == "cuda"
    out = gg.load(tmp_path / "c.safetensors", map_location="cpu")["t"]
    assert out.device.type == "cpu" and out.tolist() == t.cpu().tolist()
    assert gg.load(tmp_path / "c.safetensors", map_location={"cuda:0": "cpu"})["t"].is_cpu


# ------------------------------------------------------------------ atomic writes
def test_crash_before_replace_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "w.safetensors"
    gg.save({"a": gg.ones(3)}, path)
    old = path.read_bytes()

    def crash(*args):
        raise OSError("disk vanished")

    monkeypatch.setattr(serialization.os, "replace", crash)
    with pytest.raises(OSError, match="disk vanished"):
        gg.save({"a": gg.zeros(1000)}, path)
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["w.safetensors"]          # no temporary file left


def test_crash_mid_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "w.safetensors"
    gg.save({"a": gg.ones(3)}, path)
    real_fdopen = os.fdopen

    class HalfWriter:
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, data):
            self.f.write(data[:len(data) // 2])
            raise KeyboardInterrupt

    monkeypatch.setattr(serialization.os, "fdopen", lambda fd, mode: HalfWriter(
        real_fdopen(fd, mode)))
    with pytest.raises(KeyboardInterrupt):
        gg.save({"a": gg.zeros(1000)}, path)
    monkeypatch.undo()
    assert gg.load(path)["a"].tolist() == [1.0, 1.0, 1.0]
    assert os.listdir(tmp_path) == ["w.safetensors"]


def test_save_overwrites_and_creates_a_readable_file(tmp_path):
    path = tmp_path / "w.safetensors"
    gg.save({"a": gg.ones(1)}, str(path))
    gg.save({"a": gg.zeros(2)}, str(path))
    assert gg.load(str(path))["a"].tolist() == [0.0, 0.0]
    assert os.stat(path).st_mode & 0o600 == 0o600


# ------------------------------------------------------------------ damaged files
def _good_file(tmp_path):
    path = tmp_path / "good.safetensors"
    gg.save({"a": gg.arange(100.0), "b": gg.ones(3, 3)}, path)
    return path


@pytest.mark.parametrize("cut", [0, 4, 8, 20, -1, -300])
def test_truncated_files_raise_naming_the_file(cut, tmp_path):
    data = _good_file(tmp_path).read_bytes()
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(data[:cut] if cut else b"")
    with pytest.raises(RuntimeError, match="bad.safetensors"):
        gg.load(bad)


@pytest.mark.parametrize("content", [b"PK\x03\x04 a zip file, as torch.save writes",
                                     b"\x80\x04\x95 a pickle", b"hello world, just text\n",
                                     (2 ** 63).to_bytes(8, "little") + b"{}",
                                     (12).to_bytes(8, "little") + b"not json!!!!"])
def test_foreign_files_raise_naming_the_file(content, tmp_path):
    bad = tmp_path / "foreign.bin"
    bad.write_bytes(content)
    with pytest.raises(RuntimeError, match="foreign.bin"):
        gg.load(bad)


def test_damaged_metadata_raises(tmp_path):
    import safetensors.numpy as st_numpy
    bad = tmp_path / "meta.safetensors"
    st_numpy.save_file({"a": np.ones(2)}, bad, metadata={"gpugrad": '{"tree": {"__tensor__": '
                                                                   '"missing"}}'})
    with pytest.raises(RuntimeError, match="meta.safetensors.*damaged"):
        gg.load(bad)


def test_missing_safetensors_gives_the_install_hint(monkeypatch, tmp_path):
    import builtins
    real_import = builtins.__import__

    def no_safetensors(name, *args, **kwargs):
        if name.startswith("safetensors"):
            raise ImportError("No module named 'safetensors'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_safetensors)
    with pytest.raises(ImportError, match=r'pip install "gpugrad\[weights\]"'):
        gg.save({"a": gg.ones(1)}, tmp_path / "x.safetensors")
    with pytest.raises(ImportError, match=r'pip install "gpugrad\[weights\]"'):
        gg.load(tmp_path / "x.safetensors")
