"""The kernel tables and their NumPy references form one registry with no gaps."""
import inspect
import pathlib

import numpy as np
import pytest

from gpugrad.backend import kernels
from gpugrad.backend.kernels import REFERENCES, SPECS, load_specs

FAMILIES = {"activation", "loss", "dropout", "optim", "misc"}

# Kernels other modules launch by name: removing or renaming one is an API change.
REQUIRED = {
    "relu_bwd", "leaky_relu_fwd", "leaky_relu_bwd", "elu_fwd", "elu_bwd", "sigmoid_fwd",
    "sigmoid_bwd", "tanh_fwd", "tanh_bwd", "gelu_fwd", "gelu_bwd", "gelu_tanh_fwd",
    "gelu_tanh_bwd", "silu_fwd", "silu_bwd", "softplus_fwd", "softplus_bwd", "dropout_fwd",
    "dropout_bwd", "softmax_xent_bwd", "mse_bwd", "clamp_bwd", "where_bwd", "sgd_update",
    "adam_update",
}


def test_every_kernel_has_a_reference_and_back():
    assert set(SPECS) - set(REFERENCES) == set(), "kernels without a NumPy reference"
    assert set(REFERENCES) - set(SPECS) == set(), "references without a kernel"


def test_required_kernels_and_families():
    assert REQUIRED <= set(SPECS)
    assert {s.family for s in SPECS.values()} == FAMILIES
    for family in FAMILIES:
        assert (kernels.KERNEL_DIR / f"{family}.toml").is_file()


@pytest.mark.parametrize("name", sorted(SPECS))
def test_reference_signature_matches_table(name):
    spec = SPECS[name]
    params = list(inspect.signature(REFERENCES[name]).parameters.values())
    assert [p.name for p in params] == [p.name for p in spec.inputs + spec.outputs]
    inputs, outputs = params[:len(spec.inputs)], params[len(spec.inputs):]
    assert all(p.default is inspect.Parameter.empty for p in inputs)
    # Outputs are all optional (fresh results) or all required (in-place updates).
    defaults = {p.default for p in outputs}
    assert defaults in ({None}, {inspect.Parameter.empty})


@pytest.mark.parametrize("name", sorted(SPECS))
def test_table_is_well_formed(name):
    spec = SPECS[name]
    assert spec.name == name and spec.body.strip()
    assert spec.dtypes and set(spec.dtypes) <= {"float16", "float32", "float64"}
    assert set(spec.scalars) <= {p.name for p in spec.inputs}
    names = [p.name for p in spec.inputs + spec.outputs]
    assert len(names) == len(set(names))
    for p in spec.inputs + spec.outputs:
        assert p.type == "T" or np.dtype(p.type)
        assert p.name in spec.body or p.name in spec.preamble, f"{p.name} unused"
    # The strings are exactly what ElementwiseKernel receives.
    (in_params, out_params, body, kname), kwargs = kernels.elementwise_kernel_args(spec)
    assert (in_params, out_params, body, kname) == (spec.in_params, spec.out_params,
                                                     spec.body, name)
    assert [w for item in in_params.split(",") for w in item.split()] == \
        [w for p in spec.inputs for w in (p.type, p.name)]
    assert kwargs == {"preamble": spec.preamble}


def test_kernel_files_ship_with_the_package():
    pyproject = pathlib.Path(kernels.__file__).resolve().parents[2] / "pyproject.toml"
    if not pyproject.exists():
        pytest.skip("not running from a source checkout")
    assert '"kernels/*.toml"' in pyproject.read_text()


BAD_TABLES = {
    "missing body": '[k]\nin = "T x"\nout = "T y"\n',
    "unknown key": '[k]\nin = "T x"\nout = "T y"\nbody = "y = x"\nbodyy = "y = x"\n',
    "bad type": '[k]\nin = "Q2 x"\nout = "T y"\nbody = "y = x"\n',
    "bad name": '[k]\nin = "T i"\nout = "T y"\nbody = "y = i"\n',
    "three words": '[k]\nin = "raw T x"\nout = "T y"\nbody = "y = x[0]"\n',
    "scalar not an input": '[k]\nin = "T x"\nout = "T y"\nbody = "y = x"\nscalars = ["y"]\n',
    "bad dtype": '[k]\nin = "T x"\nout = "T y"\nbody = "y = x"\ndtypes = ["int32"]\n',
    "empty dtypes": '[k]\nin = "T x"\nout = "T y"\nbody = "y = x"\ndtypes = []\n',
    "repeated param": '[k]\nin = "T x, T x"\nout = "T y"\nbody = "y = x"\n',
    "no array of type T": '[k]\nin = "T a, bool c"\nout = "bool d"\nbody = "d = c"\n'
                          'scalars = ["a"]\n',
    "body not a string": '[k]\nin = "T x"\nout = "T y"\nbody = 3\n',
}


@pytest.mark.parametrize("problem", sorted(BAD_TABLES))
def test_malformed_tables_are_rejected(tmp_path, problem):
    (tmp_path / "bad.toml").write_text(BAD_TABLES[problem])
    with pytest.raises(ValueError, match=r"bad\.toml \[k\]"):
        load_specs(tmp_path)


def test_a_name_defined_twice_is_rejected(tmp_path):
    table = '[k]\nin = "T x"\nout = "T y"\nbody = "y = x"\n'
    (tmp_path / "a.toml").write_text(table)
    (tmp_path / "b.toml").write_text(table)
    with pytest.raises(ValueError, match="also defined in a.toml"):
        load_specs(tmp_path)


def test_well_formed_table_loads(tmp_path):
    (tmp_path / "ok.toml").write_text(
        '[scale_add]\nin = "T x, T a"\nout = "T y"\nbody = "y = x * a + (T)1"\n'
        'scalars = ["a"]\ndtypes = ["float64", "float16"]\n')
    spec = load_specs(tmp_path)["scale_add"]
    assert spec.dtypes == ("float16", "float64") and spec.scalars == ("a",)
    assert spec.family == "ok" and [p.name for p in spec.inputs] == ["x", "a"]


def test_launch_picks_the_reference_for_numpy():
    gy, y = np.array([1.0, 2.0]), np.array([-1.0, 3.0])
    np.testing.assert_array_equal(kernels.launch("relu_bwd", gy, y), [0.0, 2.0])
    out = np.empty(2)
    assert kernels.launch("relu_bwd", gy, y, out) is out
    with pytest.raises(KeyError, match="no kernel named 'nope'"):
        kernels.launch("nope", gy)
