"""Catalogue entries for the axis-wise ops (SPEC §1.5, §2): argmax ... percentile, top_k, rank.

The grid is a sparse cover to keep the generic tiers affordable on two cores (every JAX case x
mode costs XLA compilations): each method (softsort, neuralsort, sorting_network) appears with
several ops and each mode with several methods. ``min``, ``_argtop_k``, ``argmedian`` and
``argpercentile`` share their code paths with ``max``, ``top_k``, ``argquantile``; they and the
full op x method x mode parity sweep (values and gradients) live in ``shared_tests/test_axiswise.py``.

Inputs are tie-free with gaps well above the near-hard softness; on the squashed scale used by
``standardize=True`` the soft steps are smooth enough for finite differences and Hessians.
"""

from __future__ import annotations

import numpy as np

from harness.axiswise_grid import OT_TIGHT
from harness.cases import OpCase

MODES = ("hard", "smooth", "c0", "c1", "c2")
#: ``_hard`` only for value ops: index ops are piecewise constant there (no gradient to check).
MODES_PRIVATE = (*MODES, "_hard")


def _spread(rng: np.random.Generator, n: int) -> np.ndarray:
    """A random permutation of evenly spaced values plus jitter: tie-free, gaps >= 0.2."""
    return rng.permutation(n) * 0.45 - 0.45 * (n - 1) / 2 + rng.uniform(-0.1, 0.1, size=n)


def _x7(rng):
    return (_spread(rng, 7),)


def _x6(rng):
    return (_spread(rng, 6),)


def _x_2d(rng):
    return (np.stack([_spread(rng, 5) for _ in range(3)]),)


def _x_2d_cols(rng):
    return (np.stack([_spread(rng, 4) for _ in range(5)], axis=1),)


def _x_k3(rng):
    return (_spread(rng, 7), 3)


def _robust_k1(v):
    return (v, 1)


def _robust_row(v):
    """Awkward values as one row (1, n), for cases that work along axis 1."""
    return (v[None, :],)


def _robust_col(v):
    """Awkward values as one column (n, 1), for cases that work along axis 0."""
    return (v[:, None],)


# --- hard references: the framework's own op (one-hot SoftIndex in x's dtype) -----------------


def _one_hot(fw, xp, idx, n, dtype):
    if fw == "torch":
        return xp.nn.functional.one_hot(idx, n).to(dtype)
    import jax

    return jax.nn.one_hot(idx, n, dtype=dtype)


def _axis(fw, kwargs, default=None):
    return kwargs.get("dim" if fw == "torch" else "axis", default)


def _keep(fw, kwargs):
    return kwargs.get("keepdim" if fw == "torch" else "keepdims", False)


def _ref_argext(name):
    def ref(fw, xp, x, **kw):
        axis, keep = _axis(fw, kw), _keep(fw, kw)
        n = (x.numel() if fw == "torch" else x.size) if axis is None else x.shape[axis]
        if fw == "torch":
            idx = getattr(xp, name)(x, dim=axis, keepdim=keep)
        else:
            idx = getattr(xp, name)(x, axis=axis, keepdims=keep)
        return _one_hot(fw, xp, idx, n, x.dtype)

    return ref


def _ref_ext(name):
    def ref(fw, xp, x, **kw):
        return getattr(xp, name)(x)  # axis=None: a 0-d array in both frameworks

    return ref


def _ref_argsort(fw, xp, x, **kw):
    axis, desc = _axis(fw, kw, -1) % x.ndim, kw.get("descending", False)
    n = x.shape[axis]
    if fw == "torch":
        idx = xp.argsort(x, dim=axis, descending=desc, stable=True)
        return xp.movedim(_one_hot(fw, xp, xp.movedim(idx, axis, -1), n, x.dtype), -2, axis)
    idx = xp.argsort(x, axis=axis, descending=desc, stable=True)
    return xp.moveaxis(_one_hot(fw, xp, xp.moveaxis(idx, axis, -1), n, x.dtype), -2, axis)


def _ref_rank(fw, xp, x, **kw):
    desc = kw.get("descending", True)
    if fw == "torch":
        order = xp.argsort(x, dim=-1, descending=desc, stable=True)
        return (xp.argsort(order, dim=-1, stable=True) + 1).to(x.dtype)
    order = xp.argsort(x, axis=-1, descending=desc, stable=True)
    return (xp.argsort(order, axis=-1, stable=True) + 1).astype(x.dtype)


def _ref_top_k(fw, xp, x, k, **kw):
    if fw == "torch":
        values, idx = xp.topk(x, k)
    else:
        import jax

        values, idx = jax.lax.top_k(x, k)
    return values, _one_hot(fw, xp, idx, x.shape[-1], x.dtype)


def _ref_quantile(fw, xp, x, q, **kw):
    method = kw.get("interpolation" if fw == "torch" else "quantile_method", "linear")
    if fw == "torch":
        return xp.quantile(x, xp.as_tensor(q, dtype=x.dtype, device=x.device), interpolation=method)
    return xp.quantile(x, xp.asarray(q, dtype=x.dtype), method=method)


def _ref_percentile(fw, xp, x, p, **kw):
    method = kw.get("interpolation" if fw == "torch" else "quantile_method", "linear")
    if fw == "torch":
        return xp.quantile(x, xp.as_tensor(p / 100, dtype=x.dtype, device=x.device), interpolation=method)
    return xp.percentile(x, p, method=method)


def _ref_median(fw, xp, x, **kw):
    return xp.median(x)


def _errors(*extra):
    return (({"method": "bogus"}, ValueError, "method"), *extra)


_AXIS_ERROR = ({"axis": 5}, ValueError, "axis|dim")
_Q_ERROR = ({"q": 1.5}, ValueError, "q")
_QM_ERROR = ({"quantile_method": "cubic"}, ValueError, "quantile_method|interpolation")


CASES = [
    OpCase(
        "argmax",
        _x_2d,
        kwargs={"axis": 1, "keepdims": True},
        modes=MODES,
        elementwise=False,
        label="softsort-2d",
        robust_inputs=_robust_row,
        hard_reference=_ref_argext("argmax"),
        extra_errors=_errors(_AXIS_ERROR, ({"keepdims": "yes"}, TypeError, "keepdim")),
    ),
    OpCase(
        "argmin",
        _x7,
        kwargs={"method": "neuralsort"},
        modes=("hard", "smooth", "c0", "c2"),
        elementwise=False,
        label="neuralsort",
        hard_reference=_ref_argext("argmin"),
        extra_errors=_errors(({"method": "fast_soft_sort"}, ValueError, "method")),
    ),
    OpCase(
        "max",
        _x_2d,
        kwargs={"method": "sorting_network"},
        modes=("hard", "smooth", "c1", "_hard"),
        elementwise=False,
        label="sorting_network",
        hard_reference=_ref_ext("max"),
        extra_errors=_errors(({"gated_grad": 1}, TypeError, "gated_grad")),
    ),
    OpCase(
        "argsort",
        _x7,
        kwargs={"descending": True},
        modes=MODES,
        elementwise=False,
        label="neuralsort-desc",
        # integer inputs become torch's default float32: the n x n NeuralSort scores (~ n x / s)
        # amplify float32 round-off past the 1e-6 of the integer-input tier
        int_input_ok=False,
        hard_reference=_ref_argsort,
        extra_errors=_errors(({"descending": None}, TypeError, "descending")),
    ),
    OpCase(
        "argsort",
        _x_2d_cols,
        kwargs={"axis": 0, "method": "sorting_network"},
        modes=("hard", "smooth", "c2"),
        elementwise=False,
        robust_inputs=_robust_col,
        label="sorting_network-axis0",
        hard_reference=_ref_argsort,
    ),
    OpCase(
        "rank",
        _x7,
        kwargs={"method": "softsort"},
        modes=MODES,
        elementwise=False,
        label="softsort",
        hard_reference=_ref_rank,
    ),
    OpCase(
        "rank",
        _x_2d,
        kwargs={"axis": 1, "descending": False},
        modes=("hard", "smooth", "c1"),
        elementwise=False,
        robust_inputs=_robust_row,
        label="neuralsort-2d-asc",
        hard_reference=_ref_rank,
        extra_errors=_errors(_AXIS_ERROR),
    ),
    OpCase(
        "top_k",
        _x_k3,
        modes=MODES_PRIVATE,
        elementwise=False,
        label="neuralsort",
        robust_inputs=_robust_k1,
        hard_reference=_ref_top_k,
        extra_errors=_errors(),
    ),
    OpCase(
        "top_k",
        _x_k3,
        kwargs={"method": "sorting_network"},
        modes=("hard", "smooth", "c0"),
        elementwise=False,
        label="sorting_network",
        robust_inputs=_robust_k1,
        near_hard=False,  # hard mode returns a one-hot index, the soft network returns None
        hard_reference=_ref_top_k,
    ),
    OpCase(
        "argquantile",
        _x7,
        kwargs={"q": [0.2, 0.55], "method": "softsort"},
        modes=("hard", "smooth", "c1", "c2"),
        elementwise=False,
        label="softsort-vector-q",
        extra_errors=_errors(_Q_ERROR, _QM_ERROR),
    ),
    OpCase(
        "quantile",
        _x7,
        kwargs={"q": 0.3, "quantile_method": "lower"},
        modes=MODES,
        elementwise=False,
        label="neuralsort-lower",
        hard_reference=_ref_quantile,
        extra_errors=_errors(_Q_ERROR, _QM_ERROR),
    ),
    OpCase(
        "quantile",
        _x_2d,
        kwargs={"q": [0.3, 0.62], "axis": 1, "keepdims": True, "method": "sorting_network"},
        modes=("hard", "smooth"),
        elementwise=False,
        robust_inputs=_robust_row,
        label="sorting_network-linear-2d",
    ),
    OpCase(
        "median",
        _x7,
        kwargs={"method": "sorting_network"},
        modes=("hard", "smooth", "c1"),
        elementwise=False,
        label="sorting_network",
        hard_reference=_ref_median,
    ),
    OpCase(
        "percentile",
        _x6,
        kwargs={"p": 37.0, "quantile_method": "nearest", "method": "softsort"},
        modes=("hard", "smooth", "c0"),
        elementwise=False,
        label="softsort-nearest",
        hard_reference=_ref_percentile,
        extra_errors=_errors(({"p": 120.0}, ValueError, "p")),
    ),
]


CASES += [
    # --- fast_soft_sort (permutahedron projection, exact PAV): value ops only ------------------
    # (``sort`` itself is covered by test_axiswise.py: torch's hard ``sort`` also returns a one-hot
    # index, so it does not fit the catalogue's one-output-per-framework convention.)
    OpCase(
        "top_k",
        _x_k3,
        kwargs={"method": "fast_soft_sort"},
        modes=MODES_PRIVATE,
        elementwise=False,
        label="fast_soft_sort",
        robust_inputs=_robust_k1,
        near_hard=False,  # hard mode returns a one-hot index, fast_soft_sort returns None
        # integer inputs become torch's default float32, and unsquashing (a logit) amplifies
        # float32 round-off to ~2e-6 relative, past the 1e-6 of the integer-input tier
        int_input_ok=False,
        hard_reference=_ref_top_k,
    ),
    OpCase(
        "max",
        _x_2d,
        kwargs={"method": "fast_soft_sort"},
        modes=("hard", "smooth", "c0"),
        elementwise=False,
        label="fast_soft_sort",
        hard_reference=_ref_ext("max"),
    ),
    OpCase(
        "rank",
        _x_2d,
        kwargs={"axis": 1, "method": "fast_soft_sort"},
        modes=("hard", "smooth", "c0", "c2"),
        elementwise=False,
        robust_inputs=_robust_row,
        label="fast_soft_sort-2d",
        hard_reference=_ref_rank,
    ),
    OpCase(
        "quantile",
        _x7,
        kwargs={"q": [0.25, 0.6], "method": "fast_soft_sort"},
        modes=("hard", "smooth", "c1"),
        elementwise=False,
        label="fast_soft_sort-vector-q",
    ),
    # --- ot (regularised optimal transport, implicit gradients) -------------------------------
    OpCase(
        "argsort",
        _x6,
        kwargs={"method": "ot", "ot_kwargs": OT_TIGHT},
        modes=("hard", "smooth", "c0", "c1", "c2"),
        elementwise=False,
        label="ot",
        hessian=False,  # no second derivatives through the implicit OT rule
        near_hard_softness=1e-3,  # the sparse duals stall at 1e-4 (see docs/guides/methods.md)
        hard_reference=_ref_argsort,
    ),
    OpCase(
        "max",
        _x7,
        kwargs={"method": "ot", "ot_kwargs": OT_TIGHT},
        modes=("hard", "smooth", "c1"),
        elementwise=False,
        label="ot",
        hessian=False,
        near_hard_softness=1e-3,
        hard_reference=_ref_ext("max"),
    ),
    OpCase(
        "top_k",
        _x_k3,
        kwargs={"method": "ot", "ot_kwargs": OT_TIGHT},
        modes=("hard", "smooth", "c2"),
        elementwise=False,
        label="ot",
        hessian=False,
        near_hard_softness=1e-3,
        robust_inputs=_robust_k1,
        hard_reference=_ref_top_k,
    ),
    OpCase(
        "quantile",
        _x7,
        kwargs={"q": 0.4, "method": "ot", "ot_kwargs": OT_TIGHT},
        modes=("hard", "smooth", "c0"),
        elementwise=False,
        label="ot",
        hessian=False,
        near_hard_softness=1e-3,
        hard_reference=_ref_quantile,
    ),
]

CASES += [
    # --- smooth_sort (C-infinity permutahedron projection, Newton dual, implicit gradients) ----
    # value ops only, smooth mode only; its solver tests are in test_smooth_sort.py
    OpCase(
        "max",
        _x_2d,
        kwargs={"method": "smooth_sort"},
        modes=("hard", "smooth"),
        elementwise=False,
        label="smooth_sort",
        hard_reference=_ref_ext("max"),
        extra_errors=_errors(({"method": "smooth_sort", "mode": "c0"}, ValueError, "mode")),
    ),
    OpCase(
        "rank",
        _x_2d,
        kwargs={"axis": 1, "method": "smooth_sort"},
        modes=("hard", "smooth"),
        elementwise=False,
        robust_inputs=_robust_row,
        label="smooth_sort-2d",
        hard_reference=_ref_rank,
    ),
    OpCase(
        "top_k",
        _x_k3,
        kwargs={"method": "smooth_sort"},
        modes=("hard", "smooth"),
        elementwise=False,
        label="smooth_sort",
        robust_inputs=_robust_k1,
        near_hard=False,  # hard mode returns a one-hot index, smooth_sort returns None
        int_input_ok=False,  # as fast_soft_sort: float32 round-off of the unsquashing
        hard_reference=_ref_top_k,
    ),
    OpCase(
        "quantile",
        _x7,
        kwargs={"q": [0.25, 0.6], "method": "smooth_sort"},
        modes=("hard", "smooth"),
        elementwise=False,
        label="smooth_sort-vector-q",
    ),
]
