"""Catalogue entries for the selection ops (SPEC §1.4, §5): where, take_along_axis, take, choose,
dynamic_index_in_dim, dynamic_slice_in_dim, dynamic_slice. No mode.

SoftIndices are random (unnormalised) probabilities along the last axis; the ops are bilinear, so
every input is differentiated. Axes are always passed explicitly: the default of
``take_along_axis`` (-1) and ``take_along_dim`` (None, flatten) differ on purpose (SPEC §1.4), and
``index_select`` has no default ``dim``.
"""

from __future__ import annotations

import numpy as np

from harness.cases import OpCase


def _probs(rng: np.random.Generator, shape) -> np.ndarray:
    return rng.uniform(0.0, 1.0, size=shape)


def _soft(v: np.ndarray, k: int) -> np.ndarray:
    """(k, n) probabilities built from the awkward values (clipped to [0, 1])."""
    return np.stack([np.clip(np.abs(np.roll(v, i + 1)), 0.0, 1.0) for i in range(k)])


def _padded(v: np.ndarray) -> np.ndarray:
    """At least 4 values, so that the fixed slice sizes of the cases fit (the awkward arrays may have n = 1)."""
    return np.concatenate([v, [0.25, 0.75, 0.5]])


def _where(rng):
    return (_probs(rng, (3, 4)), rng.normal(size=(3, 4)), rng.normal(size=(4,)))


def _take_along_last(rng):
    return (rng.normal(size=(2, 5)), _probs(rng, (2, 3, 5)))


def _take_along_first(rng):
    return (rng.normal(size=(4, 3)), _probs(rng, (2, 1, 4)))  # index broadcasts over x's 3 columns


def _take_along_flat(rng):
    return (rng.normal(size=(2, 3)), _probs(rng, (4, 6)))


def _take(rng):
    return (rng.normal(size=(3, 4)), _probs(rng, (5, 4)))


def _take_flat(rng):
    return (rng.normal(size=(3, 4)), _probs(rng, (5, 12)))


def _choose(rng):
    return (_probs(rng, (2, 1, 4)), rng.normal(size=(4, 1, 3)))


def _index_in_dim(rng):
    return (rng.normal(size=(3, 5)), _probs(rng, (5,)))


def _index_in_dim_first(rng):
    return (rng.normal(size=(3, 5)), _probs(rng, (3,)))


def _slice_in_dim(rng):
    return (rng.normal(size=(3, 5)), _probs(rng, (5,)))


def _slice_in_dim_first(rng):
    return (rng.normal(size=(4, 2)), _probs(rng, (4,)))


def _slice(rng):
    # one SoftIndex per axis, stacked as a (ndim, n) array (all axes have the same size here)
    return (rng.normal(size=(4, 4)), _probs(rng, (2, 4)))


def _robust_where(v):
    return (np.clip(v, 0.0, 1.0), v, np.roll(v, 2))


AXIS_ERR = ({"axis": 7}, ValueError, "axis|dim")

CASES = [
    OpCase("where", _where, modes=(), diff_argnums=(0, 1, 2), robust_inputs=_robust_where),
    OpCase(
        "take_along_axis",
        _take_along_last,
        modes=(),
        diff_argnums=(0, 1),
        kwargs={"axis": -1},
        elementwise=False,
        robust_inputs=lambda v: (v, _soft(v, 2)),
        extra_errors=(AXIS_ERR, ({"axis": "0"}, TypeError, "axis|dim")),
    ),
    OpCase(
        "take_along_axis",
        _take_along_first,
        modes=(),
        diff_argnums=(0, 1),
        kwargs={"axis": 0},
        elementwise=False,
        label="axis0",
        robust_inputs=lambda v: (v[:, None], _soft(v, 2)[:, None, :]),
    ),
    OpCase(
        "take_along_axis",
        _take_along_flat,
        modes=(),
        diff_argnums=(0, 1),
        kwargs={"axis": None},
        elementwise=False,
        label="axis-none",
        robust_inputs=lambda v: (v, _soft(v, 3)),
    ),
    OpCase(
        "take",
        _take,
        modes=(),
        diff_argnums=(0, 1),
        kwargs={"axis": 1},
        elementwise=False,
        robust_inputs=lambda v: (v[None, :], _soft(v, 2)),
        extra_errors=(AXIS_ERR,),
    ),
    OpCase(
        "take",
        _take_flat,
        modes=(),
        diff_argnums=(0, 1),
        kwargs={"axis": None},
        elementwise=False,
        label="axis-none",
        robust_inputs=lambda v: (v, _soft(v, 2)),
    ),
    OpCase(
        "choose", _choose, modes=(), diff_argnums=(0, 1), elementwise=False, robust_inputs=lambda v: (_soft(v, 1)[0], v)
    ),
    OpCase(
        "dynamic_index_in_dim",
        _index_in_dim,
        modes=(),
        diff_argnums=(0, 1),
        kwargs={"axis": 1, "keepdims": True},
        elementwise=False,
        robust_inputs=lambda v: (v[None, :], _soft(v, 1)[0]),
        extra_errors=(AXIS_ERR, ({"keepdims": "yes"}, TypeError, "keepdim")),
    ),
    OpCase(
        "dynamic_index_in_dim",
        _index_in_dim_first,
        modes=(),
        diff_argnums=(0, 1),
        kwargs={"axis": 0, "keepdims": False},
        elementwise=False,
        label="axis0",
        robust_inputs=lambda v: (v, _soft(v, 1)[0]),
    ),
    OpCase(
        "dynamic_slice_in_dim",
        _slice_in_dim,
        modes=(),
        diff_argnums=(0, 1),
        kwargs={"slice_size": 3, "axis": 1},
        elementwise=False,
        robust_inputs=lambda v: (_padded(v)[None, :], _soft(_padded(v), 1)[0]),
        extra_errors=(
            ({"slice_size": 0}, ValueError, "slice_size|length"),
            ({"slice_size": 6}, ValueError, "slice_size|length"),
            ({"slice_size": 2.0}, TypeError, "slice_size|length"),
            AXIS_ERR,
        ),
    ),
    OpCase(
        "dynamic_slice_in_dim",
        _slice_in_dim_first,
        modes=(),
        diff_argnums=(0, 1),
        kwargs={"slice_size": 4, "axis": 0},
        elementwise=False,
        label="axis0-full",
        robust_inputs=lambda v: (_padded(v)[:, None], _soft(_padded(v), 1)[0]),
    ),
    OpCase(
        "dynamic_slice",
        _slice,
        modes=(),
        diff_argnums=(0, 1),
        kwargs={"slice_sizes": (2, 3)},
        elementwise=False,
        robust_inputs=lambda v: (np.add.outer(_padded(v), np.roll(_padded(v), 1)) / 2, _soft(_padded(v), 2)),
        extra_errors=(
            ({"slice_sizes": (2,)}, ValueError, "slice_sizes"),
            ({"slice_sizes": (2, 5)}, ValueError, "slice_sizes"),
        ),
    ),
]
