"""The examples run end to end: on cpu here, on cuda where a GPU is.

The notebook is what a Colab user runs first, so every cell must execute and its checks
(accuracy, memory saved without grad) must hold. Executed with nbclient in a fresh
``python3`` kernel of this interpreter, from the repository root so it imports this gpugrad;
the scripts in examples/ run as a user runs them.
"""
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "colab_quickstart.ipynb"
TIMEOUT_S = 300     # per cell; the training cell takes a few seconds on a CPU


def _missing_tools():
    missing = []
    for module in ("nbclient", "nbformat", "ipykernel"):
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    return missing


def _env(tmp_path):
    env = dict(os.environ)
    # The kernel must import this checkout of gpugrad and keep CuPy's cache out of ~/.cupy.
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(
        os.pathsep)
    env.setdefault("CUPY_CACHE_DIR", str(tmp_path / "cupy-cache"))
    env.setdefault("MPLBACKEND", "Agg")
    return env


def _run(nb, tmp_path):
    from nbclient import NotebookClient
    from jupyter_client.kernelspec import NATIVE_KERNEL_NAME
    client = NotebookClient(nb, timeout=TIMEOUT_S, kernel_name=NATIVE_KERNEL_NAME,
                            resources={"metadata": {"path": str(ROOT)}})
    # The native kernel ("python3") is this interpreter, whatever kernelspecs are installed.
    client.km = client.create_kernel_manager()
    client.km.kernel_spec.argv[0] = sys.executable
    client.execute(env=_env(tmp_path))
    return nb


def _outputs(nb):
    text = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            text.append(out.get("text", ""))
    return "".join(text)


def test_quickstart_notebook_runs(tmp_path):
    missing = _missing_tools()
    if missing:
        pytest.skip(f"needs {', '.join(missing)} to execute the notebook "
                    f"(pip install -e \".[test]\")")
    import nbformat
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert nb.metadata.kernelspec.name == "python3"    # what Colab starts
    _run(nb, tmp_path)
    text = _outputs(nb)
    assert "CUDA available:" in text and "train accuracy" in text, text
    assert "no_grad" in text and "MiB" in text, text


def test_notebook_is_clean():
    # Committed without outputs, and installs nothing beside Colab's own CuPy.
    import json
    nb = json.loads(NOTEBOOK.read_text())
    for cell in nb["cells"]:
        assert not cell.get("outputs"), "clear the notebook's outputs before committing"
        assert cell.get("execution_count") is None
        for line in "".join(cell["source"]).splitlines():
            if "pip install" in line:
                assert "cupy" not in line and "gpugrad[" not in line, \
                    f"Colab already ships CuPy, install nothing beside it: {line}"


@pytest.mark.parametrize("script", sorted(p.name for p in (ROOT / "examples").glob("*.py")))
def test_example_script_runs(script, tmp_path):
    r = subprocess.run([sys.executable, str(ROOT / "examples" / script)], capture_output=True,
                       text=True, cwd=tmp_path, env=_env(tmp_path), timeout=TIMEOUT_S)
    assert r.returncode == 0, r.stdout + r.stderr
