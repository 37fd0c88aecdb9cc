"""Every kernel compiles with NVRTC, from the exact source CuPy would generate, with no GPU.

For each of sm_75, sm_80 and sm_90, each claimed dtype and each memory layout (contiguous,
strided, strided with 64-bit indexing), the kernels' sources are compiled with CuPy's own
NVRTC options. To keep this quick, the kernels of one (arch, dtype, layout) share one
program: each source is CuPy's complete source for that kernel, concatenated (their
includes are guarded, repeating the same typedef is legal C++, and kernels with a preamble
get a program of their own so helpers cannot clash). Each kernel is also compiled once
alone, and a failing group is recompiled kernel by kernel to name the culprit.

Needs cupy-cuda12x, nvidia-cuda-nvrtc-cu12 and the CUDA 12 headers of
nvidia-cuda-runtime-cu12 (all in the kernel-check extra); skipped only where CuPy is not
importable. CuPy 14 builds no kernel without those headers, and its float16 type includes
cuda_fp16.h, which NVRTC 12 does not ship; where they are missing the float16 cases skip and
test_cuda_headers_are_found fails, saying what to install.
"""
import pathlib
import sys

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))   # helpers beside the tests
import _kernel_build as kb  # noqa: E402

pytest.importorskip("cupy", reason="CuPy is not installed: the NVRTC compile check needs it")

SPECS = kb.SPECS
DTYPES = ("float16", "float32", "float64")


def _compile_group(specs, dtype, layout, arch):
    sources = [kb.source_for(s, dtype, layout) for s in specs]
    try:
        return kb.nvrtc_compile("\n".join(sources), arch, name=f"group_{dtype}_{layout}.cu")
    except RuntimeError:
        for spec, source in zip(specs, sources):     # find and name the failing kernel
            try:
                kb.nvrtc_compile(source, arch, name=f"{spec.name}.cu")
            except RuntimeError as e:
                raise AssertionError(f"{spec.name} ({dtype}, {layout}, {arch}):\n{e}") from None
        raise


def _groups(dtype):
    members = [s for s in SPECS.values() if dtype in s.dtypes]
    shared = [s for s in members if not s.preamble.strip()]
    return ([shared] if shared else []) + [[s] for s in members if s.preamble.strip()]


GROUP_CASES = [(arch, dt, layout) for arch in kb.ARCHS for dt in DTYPES for layout in kb.LAYOUTS]


@pytest.mark.parametrize("arch,dtype,layout", GROUP_CASES,
                         ids=["-".join(c) for c in GROUP_CASES])
def test_kernels_compile(arch, dtype, layout):
    if dtype == "float16" and kb.float16_headers_missing():
        pytest.skip(kb.float16_headers_missing())
    groups = _groups(dtype)
    assert groups, f"no kernel claims {dtype}"
    for group in groups:
        cubin = _compile_group(group, dtype, layout, arch)
        assert cubin[:4] == b"\x7fELF"
        for spec in group:
            assert spec.name.encode() in cubin, f"{spec.name} missing from the cubin"


@pytest.mark.parametrize("name", sorted(SPECS))
def test_each_kernel_compiles_alone(name):
    spec = SPECS[name]
    for dtype in spec.dtypes:
        if dtype == "float16" and kb.float16_headers_missing():
            continue
        source = kb.cuda_source(spec, dtype, "contiguous")
        assert kb.nvrtc_compile(source, "sm_80", name=f"{name}.cu")[:4] == b"\x7fELF"


def test_cuda_headers_are_found():
    # Found as CuPy finds them, so the float16 cases above compile instead of skipping.
    include = kb.cuda_include_dir()
    assert include and (pathlib.Path(include) / "cuda_fp16.h").is_file(), kb.HEADERS_HINT
    assert any(o == f"-I{include}" for o in kb.nvrtc_options("sm_80"))
    assert not kb.float16_headers_missing()


def test_source_is_cupys():
    # The source really is what ElementwiseKernel generates: the kernel's name, CuPy's
    # binding of each parameter and the body verbatim.
    spec = SPECS["dropout_fwd"]
    src = kb.cuda_source(spec, "float32", "strided")
    assert 'extern "C" __global__ void dropout_fwd(' in src
    assert "const T &x = _raw_x[_ind.get()];" in src
    assert "bool &mask = _raw_mask[_ind.get()];" in src
    assert "const float p," in src
    assert "CArray<float, 2, 0, 1>" in src and "CArray<bool, 2, 1, 1>" in src
    assert spec.body in src


def test_fallback_template_matches_cupy():
    # The fallback stays faithful while CuPy's generator is there to compare with.
    def words(s):
        return s.split()
    for spec in SPECS.values():
        for dtype in spec.dtypes:
            for layout in kb.LAYOUTS:
                assert words(kb.fallback_source(spec, dtype, layout)) == \
                    words(kb.cuda_source(spec, dtype, layout)), (spec.name, dtype, layout)


def test_a_typo_fails_with_its_log():
    import dataclasses
    bad = dataclasses.replace(SPECS["tanh_fwd"], body="y = tanhh(x)")
    with pytest.raises(RuntimeError, match='identifier "tanhh" is undefined'):
        kb.nvrtc_compile(kb.cuda_source(bad, "float32"), "sm_80")


def test_float16_only_where_claimed():
    # Kernels that do not claim float16 are not silently exercised with it elsewhere, and
    # the ones that do include CuPy's float16 type.
    claimed = [s for s in SPECS.values() if "float16" in s.dtypes]
    assert claimed
    for spec in claimed:
        assert '#include "cupy/float16.cuh"' in kb.cuda_source(spec, "float16")
