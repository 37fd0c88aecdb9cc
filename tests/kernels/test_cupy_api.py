"""gpugrad's use of CuPy matches the pinned CuPy, and a machine without CuPy gets help.

Without a GPU the CUDA code paths never run here, so a misspelt ``cupy.cuda.MemoryHook`` or
a keyword ElementwiseKernel does not take would only fail on a user's GPU. This reads every
``gpugrad/**/*.py``, collects the attribute chains used on the cupy module (``import cupy as
cp``, ``from cupy import cuda``, ``cp = cuda._cupy()``, ``_cupy().ElementwiseKernel``) and
checks each exists in the installed CuPy.
"""
import ast
import importlib
import pathlib
import subprocess
import sys

import numpy as np
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))   # helpers beside the tests
import _kernel_build as kb  # noqa: E402

from gpugrad.backend import cuda  # noqa: E402

PACKAGE = pathlib.Path(cuda.__file__).resolve().parents[1]
ROOTS = ("cupy", "cupyx", "cupy_backends")
# Calls that return the cupy module.
CUPY_GETTERS = {"_cupy", "_import_cupy"}
# Calls that return NumPy or CuPy depending on the data.
ARRAY_MODULE_GETTERS = {"get_array_module"}


def _is_root(module):
    return module.split(".")[0] in ROOTS


def _call_name(node):
    if isinstance(node, ast.Call):
        f = node.func
        return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) \
            else None
    return None


def _chain(node):
    """Names of an attribute chain a.b.c as (root node, ['b', 'c'])."""
    attrs = []
    while isinstance(node, ast.Attribute):
        attrs.append(node.attr)
        node = node.value
    return node, attrs[::-1]


def cupy_uses(source):
    """[(line, dotted path)] of every cupy attribute chain in source, and the same for
    array-module variables (xp = get_array_module(...)) as [(line, attribute)]."""
    tree = ast.parse(source)
    aliases, xps = {}, set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if _is_root(a.name):
                    if a.asname:
                        aliases[a.asname] = a.name
                    else:
                        root = a.name.split(".")[0]
                        aliases[root] = root
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                and _is_root(node.module):
            for a in node.names:
                aliases[a.asname or a.name] = f"{node.module}.{a.name}"
        elif isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            called = _call_name(node.value)
            for t in targets:
                if isinstance(t, ast.Name) and called in CUPY_GETTERS:
                    aliases[t.id] = "cupy"
                elif isinstance(t, ast.Name) and called in ARRAY_MODULE_GETTERS:
                    xps.add(t.id)
    uses, xp_uses = [], []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        root, attrs = _chain(node)
        if isinstance(root, ast.Name) and root.id in aliases:
            uses.append((node.lineno, ".".join([aliases[root.id], *attrs])))
        elif _call_name(root) in CUPY_GETTERS:
            uses.append((node.lineno, ".".join(["cupy", *attrs])))
        elif isinstance(root, ast.Name) and root.id in xps:
            xp_uses.append((node.lineno, attrs[0]))
    for node in ast.walk(tree):     # `from cupy.x import y` must name something real too
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module \
                and _is_root(node.module):
            uses += [(node.lineno, f"{node.module}.{a.name}") for a in node.names]
    return uses, xp_uses


def resolve(path):
    """The object at a dotted path, importing submodules as Python would."""
    parts = path.split(".")
    obj = importlib.import_module(parts[0])
    for i, part in enumerate(parts[1:], start=2):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            obj = importlib.import_module(".".join(parts[:i]))
    return obj


def _sources():
    return sorted(PACKAGE.rglob("*.py"))


def test_scanner_finds_the_usual_spellings():
    src = (
        "import cupy as cp\nfrom cupy import cuda\nfrom . import cuda as gcuda\n"
        "def f(x):\n"
        "    cupy = gcuda._cupy()\n    xp = get_array_module(x)\n"
        "    cp.cuda.runtime.getDeviceCount()\n    cuda.MemoryHook\n"
        "    cupy.ElementwiseKernel\n    gcuda._cupy().get_default_memory_pool().used_bytes()\n"
        "    return xp.add.at\n")
    uses, xp_uses = cupy_uses(src)
    paths = {p for _, p in uses}
    assert {"cupy.cuda.runtime.getDeviceCount", "cupy.cuda.MemoryHook",
            "cupy.ElementwiseKernel", "cupy.get_default_memory_pool", "cupy.cuda"} <= paths
    assert ("gcuda._cupy" not in paths) and any(a == "add" for _, a in xp_uses)


def test_every_cupy_attribute_used_exists():
    pytest.importorskip("cupy", reason="CuPy is not installed")
    missing, seen = [], 0
    for path in _sources():
        uses, _ = cupy_uses(path.read_text())
        for line, dotted in uses:
            seen += 1
            try:
                resolve(dotted)
            except (AttributeError, ImportError):
                missing.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {dotted}")
    assert seen, "found no CuPy use at all: the scanner is broken"
    assert not missing, "not in the installed CuPy:\n" + "\n".join(missing)


def test_array_module_attributes_exist_in_cupy_too():
    # Code reached through get_array_module runs with NumPy here and CuPy on a GPU.
    cupy = pytest.importorskip("cupy", reason="CuPy is not installed")
    missing = []
    for path in _sources():
        for line, attr in cupy_uses(path.read_text())[1]:
            if hasattr(np, attr) and not hasattr(cupy, attr):
                missing.append(f"{path.relative_to(PACKAGE.parent)}:{line}: xp.{attr}")
    assert not missing, "NumPy-only functions used on an array module:\n" + "\n".join(missing)


@pytest.mark.parametrize("name", sorted(kb.SPECS))
def test_elementwise_kernel_accepts_our_arguments(name):
    pytest.importorskip("cupy", reason="CuPy is not installed")
    spec = kb.SPECS[name]
    ek = kb.cupy_kernel(spec)      # constructing needs no device
    # ElementwiseKernel keeps keywords it does not know in .kwargs and only fails on the
    # first launch (on a GPU): every keyword we pass must have landed in a real attribute.
    assert ek.kwargs == {}
    assert ek.preamble == spec.preamble and ek.name == name
    assert ek.nin == len(spec.inputs) and ek.nout == len(spec.outputs)
    assert [p.name for p in ek.in_params] == [p.name for p in spec.inputs]
    _, kwargs = kb.kernels.elementwise_kernel_args(spec)
    doc = importlib.import_module("cupy").ElementwiseKernel.__doc__
    for key in kwargs:
        assert f"{key} (" in doc, f"ElementwiseKernel does not document {key!r}"


# ----------------------------------------------------------------------- gg.cuda, no GPU

@pytest.fixture
def fresh_cuda(monkeypatch):
    cuda._reset()
    yield monkeypatch
    monkeypatch.undo()
    cuda._reset()


def _no_cupy():
    raise ImportError("No module named 'cupy'")


def test_is_available_agrees_with_cupy(fresh_cuda):
    try:
        import cupy
        expected = cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        expected = False
    assert cuda.is_available() is expected
    assert (cuda.device_count() > 0) is expected
    if not expected:
        with pytest.raises(RuntimeError, match="CUDA is not available|CuPy"):
            cuda.current_device()
        with pytest.raises(RuntimeError):
            cuda.synchronize()


def test_without_cupy_is_available_is_false(fresh_cuda):
    fresh_cuda.setattr(cuda, "_import_cupy", _no_cupy)
    assert cuda.is_available() is False
    assert cuda.device_count() == 0


@pytest.mark.parametrize("major,extras", [(None, ["cuda12", "cuda13"]), (12, ["cuda12"]),
                                          (13, ["cuda13"]), (11, ["cuda12", "cuda13"])])
def test_without_cupy_asking_for_cuda_says_what_to_install(fresh_cuda, major, extras):
    fresh_cuda.setattr(cuda, "_import_cupy", _no_cupy)
    fresh_cuda.setattr(cuda, "_installed_cupy", lambda: [])
    fresh_cuda.setattr(cuda, "_driver_cuda_major", lambda: major)
    with pytest.raises(RuntimeError) as info:
        cuda._cupy()
    message = str(info.value)
    for extra in ("cuda12", "cuda13"):
        assert (f'pip install "gpugrad[{extra}]"' in message) is (extra in extras), message
    with pytest.raises(RuntimeError, match="gpugrad\\[cuda1"):
        cuda.current_device()


def test_a_broken_cupy_is_not_answered_with_a_second_one(fresh_cuda):
    # As on Colab: a CuPy package is installed; another would break it.
    fresh_cuda.setattr(cuda, "_import_cupy", _no_cupy)
    fresh_cuda.setattr(cuda, "_installed_cupy", lambda: ["cupy-cuda12x 14.2.0"])
    with pytest.raises(RuntimeError) as info:
        cuda._cupy()
    assert "cupy-cuda12x 14.2.0" in str(info.value)
    assert "pip install" not in str(info.value)
    assert cuda.is_available() is False


def test_importing_gpugrad_does_not_import_cupy():
    code = ("import sys, gpugrad, gpugrad.backend.kernels, gpugrad.backend.cuda\n"
            "assert 'cupy' not in sys.modules, 'cupy imported eagerly'\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       cwd=PACKAGE.parent)
    assert r.returncode == 0, r.stderr


def test_gg_cuda_is_this_module():
    import gpugrad
    if not hasattr(gpugrad, "cuda"):
        pytest.skip("gpugrad does not export cuda yet")
    assert gpugrad.cuda is cuda
