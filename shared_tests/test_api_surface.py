"""API surface: every SPEC name exists in both packages with the SPEC signature and defaults."""

from __future__ import annotations

import inspect

import pytest
from conftest import selected_backends

from harness.cases import TORCH_KWARGS, TORCH_NAMES

# SPEC §1.1-1.6 (softjax naming), written as (parameter, default) lists; `inspect.Parameter.empty`
# marks required parameters.
REQ = inspect.Parameter.empty
S, M = ("softness", 0.1), ("mode", "smooth")
JAX_SIGNATURES: dict[str, list[tuple[str, object]]] = {
    "sigmoidal": [("x", REQ), S, M],
    "softrelu": [("x", REQ), S, M, ("gated", False)],
    "heaviside": [("x", REQ), S, M],
    "round": [("x", REQ), S, M, ("neighbor_radius", 5)],
    "sign": [("x", REQ), S, M],
    "abs": [("x", REQ), S, M],
    "relu": [("x", REQ), S, M, ("gated", False)],
    "clip": [("x", REQ), ("a", REQ), ("b", REQ), S, M, ("gated", False)],
    **{
        op: [("x", REQ), ("y", REQ), S, M, ("epsilon", 1e-10)]
        for op in ("greater", "greater_equal", "less", "less_equal", "equal", "not_equal")
    },
    "isclose": [("x", REQ), ("y", REQ), S, ("rtol", 1e-05), ("atol", 1e-08), M, ("epsilon", 1e-10)],
    "logical_not": [("x", REQ)],
    "logical_and": [("x", REQ), ("y", REQ), ("use_geometric_mean", False)],
    "logical_or": [("x", REQ), ("y", REQ), ("use_geometric_mean", False)],
    "logical_xor": [("x", REQ), ("y", REQ), ("use_geometric_mean", False)],
    "all": [("x", REQ), ("axis", -1), ("epsilon", 1e-10), ("use_geometric_mean", False)],
    "any": [("x", REQ), ("axis", -1), ("use_geometric_mean", False)],
    "where": [("condition", REQ), ("x", REQ), ("y", REQ)],
    "take_along_axis": [("x", REQ), ("soft_index", REQ), ("axis", -1)],
    "take": [("x", REQ), ("soft_index", REQ), ("axis", None)],
    "choose": [("soft_index", REQ), ("choices", REQ)],
    "dynamic_index_in_dim": [("x", REQ), ("soft_index", REQ), ("axis", 0), ("keepdims", True)],
    "dynamic_slice_in_dim": [("x", REQ), ("soft_start_index", REQ), ("slice_size", REQ), ("axis", 0)],
    "dynamic_slice": [("x", REQ), ("soft_start_indices", REQ), ("slice_sizes", REQ)],
    "sqrt": [("x", REQ)],
    "arcsin": [("x", REQ)],
    "arccos": [("x", REQ)],
    "div": [("x", REQ), ("y", REQ)],
    "log": [("x", REQ)],
    "norm": [("x", REQ), ("axis", None), ("keepdims", False)],
}

_AX = [("standardize", True), ("ot_kwargs", None)]
_LOG = [("return_log_probs", False), ("log_prob_eps", None)]
_Q = [("quantile_method", "linear")]
JAX_SIGNATURES.update(
    {
        "argmax": [("x", REQ), ("axis", None), ("keepdims", False), S, M, ("method", "softsort"), *_AX, *_LOG],
        "argmin": [("x", REQ), ("axis", None), ("keepdims", False), S, M, ("method", "softsort"), *_AX, *_LOG],
        "max": [
            ("x", REQ),
            ("axis", None),
            ("keepdims", False),
            S,
            M,
            ("method", "softsort"),
            *_AX,
            ("gated_grad", True),
        ],
        "min": [
            ("x", REQ),
            ("axis", None),
            ("keepdims", False),
            S,
            M,
            ("method", "softsort"),
            *_AX,
            ("gated_grad", True),
        ],
        "argsort": [("x", REQ), ("axis", None), ("descending", False), S, M, ("method", "neuralsort"), *_AX, *_LOG],
        "sort": [
            ("x", REQ),
            ("axis", None),
            ("descending", False),
            S,
            M,
            ("method", "neuralsort"),
            *_AX,
            ("gated_grad", True),
        ],
        "argquantile": [
            ("x", REQ),
            ("q", REQ),
            ("axis", None),
            ("keepdims", False),
            S,
            M,
            ("method", "neuralsort"),
            *_Q,
            *_AX,
            *_LOG,
        ],
        "quantile": [
            ("x", REQ),
            ("q", REQ),
            ("axis", None),
            ("keepdims", False),
            S,
            M,
            ("method", "neuralsort"),
            *_Q,
            *_AX,
            ("gated_grad", True),
        ],
        "argmedian": [("x", REQ), ("axis", None), ("keepdims", False), S, M, ("method", "neuralsort"), *_AX, *_LOG],
        "median": [
            ("x", REQ),
            ("axis", None),
            ("keepdims", False),
            S,
            M,
            ("method", "neuralsort"),
            *_AX,
            ("gated_grad", True),
        ],
        "argpercentile": [
            ("x", REQ),
            ("p", REQ),
            ("axis", None),
            ("keepdims", False),
            S,
            M,
            ("method", "neuralsort"),
            *_Q,
            *_AX,
            *_LOG,
        ],
        "percentile": [
            ("x", REQ),
            ("p", REQ),
            ("axis", None),
            ("keepdims", False),
            S,
            M,
            ("method", "neuralsort"),
            *_Q,
            *_AX,
            ("gated_grad", True),
        ],
        "top_k": [
            ("x", REQ),
            ("k", REQ),
            ("axis", -1),
            S,
            M,
            ("method", "neuralsort"),
            *_AX,
            ("gated_grad", True),
            *_LOG,
        ],
        "rank": [("x", REQ), ("axis", None), S, M, ("method", "neuralsort"), ("descending", True), *_AX],
    }
)

# softtorch (SPEC §1.10), where it differs from the renamed softjax signature.
TORCH_OVERRIDES: dict[str, list[tuple[str, object]]] = {
    "take_along_dim": [("x", REQ), ("soft_index", REQ), ("dim", None)],
    "take": [("x", REQ), ("soft_index", REQ), ("dim", None)],
    "index_select": [("x", REQ), ("soft_index", REQ), ("dim", REQ), ("keepdim", True)],
    "narrow": [("x", REQ), ("soft_start", REQ), ("length", REQ), ("dim", 0)],
    # SPEC §1.10 positional order; log-prob arguments added for parity with softjax (SPEC §0.2)
    "argsort": [("x", REQ), ("dim", -1), ("descending", False), S, M, ("method", "neuralsort"), *_AX, *_LOG],
    "sort": [
        ("x", REQ),
        ("dim", -1),
        ("descending", False),
        S,
        M,
        ("method", "neuralsort"),
        *_AX,
        ("gated_grad", True),
        ("return_indices", True),
    ],
    "quantile": [
        ("x", REQ),
        ("q", REQ),
        ("dim", None),
        ("keepdim", False),
        S,
        M,
        ("method", "neuralsort"),
        ("interpolation", "linear"),
        *_AX,
        ("return_argquantile", False),
        ("gated_grad", True),
    ],
    "topk": [("x", REQ), ("k", REQ), ("dim", None), S, M, ("method", "neuralsort"), *_AX, ("gated_grad", True), *_LOG],
}


def _torch_expected(jax_name: str) -> tuple[str, list[tuple[str, object]]]:
    name = TORCH_NAMES.get(jax_name, jax_name)
    if name in TORCH_OVERRIDES:
        return name, TORCH_OVERRIDES[name]
    return name, [(TORCH_KWARGS.get(p, p), d) for p, d in JAX_SIGNATURES[jax_name]]


def _params(fn) -> list[tuple[str, object]]:
    return [(p.name, p.default) for p in inspect.signature(fn).parameters.values()]


JAX_SELECTED = pytest.mark.skipif("jax" not in selected_backends(), reason="jax not selected")
TORCH_SELECTED = pytest.mark.skipif("torch" not in selected_backends(), reason="torch not selected")


@JAX_SELECTED
@pytest.mark.parametrize("name", sorted(JAX_SIGNATURES))
def test_softjax_signature(name):
    import softjax

    assert name in softjax.__all__, f"softjax.{name} is not exported"
    assert _params(getattr(softjax, name)) == JAX_SIGNATURES[name]


@TORCH_SELECTED
@pytest.mark.parametrize("name", sorted(JAX_SIGNATURES))
def test_softtorch_signature(name):
    import softtorch

    torch_name, expected = _torch_expected(name)
    assert torch_name in softtorch.__all__, f"softtorch.{torch_name} is not exported"
    assert _params(getattr(softtorch, torch_name)) == expected


@pytest.mark.parametrize("package", ["softcore", *(f"soft{b}" for b in selected_backends())])
def test_all_names_resolve_and_have_docstrings(package):
    module = __import__(package)
    for name in module.__all__:
        obj = getattr(module, name)
        if callable(obj) and not isinstance(obj, type) and not name.startswith("_"):
            assert obj.__doc__ and len(obj.__doc__.strip()) > 20, f"{package}.{name} lacks a docstring"


def test_versions_in_lockstep():
    import importlib
    import tomllib
    from pathlib import Path

    import softcore

    root = Path(__file__).resolve().parents[1] / "packages"
    versions = {
        p: tomllib.loads((root / p / "pyproject.toml").read_text())["project"]["version"]
        for p in ("softcore", "softjax", "softtorch")
    }
    assert len(set(versions.values())) == 1, versions
    assert softcore.__version__ == versions["softcore"]
    for backend in selected_backends():
        assert importlib.import_module(f"soft{backend}").__version__ == versions["softcore"]
    for wrapper in ("softjax", "softtorch"):
        deps = tomllib.loads((root / wrapper / "pyproject.toml").read_text())["project"]["dependencies"]
        assert f"softcore=={versions['softcore']}" in deps
