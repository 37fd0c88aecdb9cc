"""The host allocator's thresholds: set when gpugrad is imported on Linux with glibc, left
alone with GPUGRAD_HOST_ALLOCATOR=system."""
import os
import subprocess
import sys

import pytest

CHECK = "import gpugrad.backend.host_allocator as h; print(h.tuned())"


def _run(env_value):
    env = dict(os.environ)
    env.pop("GPUGRAD_HOST_ALLOCATOR", None)
    if env_value is not None:
        env["GPUGRAD_HOST_ALLOCATOR"] = env_value
    out = subprocess.run([sys.executable, "-c", CHECK], env=env, capture_output=True,
                         text=True, check=True)
    return out.stdout.strip()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt")
def test_tuned_on_import_with_glibc():
    import platform
    if platform.libc_ver()[0] != "glibc":
        pytest.skip("not glibc")
    assert _run(None) == "True"


def test_system_leaves_the_allocator_alone():
    assert _run("system") == "False"


def test_tune_again_gives_the_same_answer():
    from gpugrad.backend import host_allocator
    assert host_allocator.tune() == host_allocator.tuned()
