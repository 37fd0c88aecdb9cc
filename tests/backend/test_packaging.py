"""What the backend needs from its installation: Python 3.10's TOML reader, and the extras that
give CI a working CuPy, NVRTC and the CUDA headers without a GPU or a CUDA toolkit."""
import importlib.util
import os
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]

try:
    import tomllib
except ModuleNotFoundError:     # Python 3.10, as gpugrad.backend.kernels does
    import tomli as tomllib


def _pyproject():
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


def _constraints():
    pins = {}
    for line in (ROOT / ".ci" / "constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement, _, marker = line.partition(";")
            name, _, version = requirement.partition("==")
            pins.setdefault(name.strip().lower(), []).append((version.strip(), marker.strip()))
    return pins


def test_kernels_load_with_tomli_where_tomllib_is_missing():
    # Python 3.10 has no tomllib; gpugrad depends on tomli there.
    deps = _pyproject()["project"]["dependencies"]
    assert any(d.replace(" ", "").startswith("tomli>=") and "python_version<'3.11'" in
               d.replace(" ", "").replace('"', "'") for d in deps), deps
    if importlib.util.find_spec("tomli") is None:
        pytest.skip("tomli is not installed (gpugrad installs it on Python 3.10 only)")
    code = ("import sys; sys.modules['tomllib'] = None\n"     # as on Python 3.10
            "from gpugrad.backend import kernels\n"
            "assert kernels.SPECS and 'tomli' in sys.modules\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr


def test_kernel_check_extra_brings_nvrtc_and_the_cuda_headers():
    extra = _pyproject()["project"]["optional-dependencies"]["kernel-check"]
    names = {re.split(r"[\[=<>~ ]", d, maxsplit=1)[0].lower() for d in extra}
    # CuPy 14 compiles no kernel without the runtime headers; NVRTC 12 lacks cuda_fp16.h.
    assert {"cupy-cuda12x", "nvidia-cuda-nvrtc-cu12", "nvidia-cuda-runtime-cu12"} <= names
    assert not any("[ctk]" in d or "cupy[" in d for d in extra), "cupy[ctk] pulls ~1.7 GB"


def test_ci_pins_what_the_extra_installs():
    pins = _constraints()
    for name in ("cupy-cuda12x", "nvidia-cuda-nvrtc-cu12", "nvidia-cuda-runtime-cu12"):
        assert name in pins, f"{name} is not pinned in .ci/constraints.txt"
    extra = _pyproject()["project"]["optional-dependencies"]["kernel-check"]
    assert f"cupy-cuda12x=={pins['cupy-cuda12x'][0][0]}" in extra
    for name in ("nvidia-cuda-nvrtc-cu12", "nvidia-cuda-runtime-cu12"):
        assert pins[name][0][0].startswith("12."), name


def test_constraints_pick_one_version_per_python():
    # Several lines for one package must be told apart by complementary markers.
    for name, lines in _constraints().items():
        if len(lines) > 1:
            markers = sorted(m for _, m in lines)
            assert all(markers) and len(set(markers)) == len(markers), (name, lines)
