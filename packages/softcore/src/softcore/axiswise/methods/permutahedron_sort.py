r"""``fast_soft_sort`` (Blondel et al., "Fast Differentiable Sorting and Ranking", arXiv 2002.08871).

Method-level functions along the LAST axis, on input that the caller has already standardised
(squash/unsquash, axis handling and ``descending`` flips of sorted values are the caller's job);
SPEC §2.3 "fast_soft_sort". With ``n`` the length of the axis and ``P(z, w)`` the permutahedron
projection of :func:`softcore.projections.permutahedron.proj_permutahedron` (``z <- z / softness``):

* sort (ascending): ``P(a, x)`` with anchors ``a_i = i / max(n - 1, 1)``, ``i = 0..n-1``: the
  soft version of ``sort(x)`` (the largest ``x`` goes where the anchor is largest, the end);
* rank: ``P(+-x, r) * max(n - 1, 1)`` with ``r_i = (i + 1) / max(n - 1, 1)``: ranks in ``[1, n]``;
  ``descending=True`` uses ``-x`` so that the largest ``x`` gets rank 1 (the hard limit is
  ``argsort(argsort(-x)) + 1``), ``descending=False`` uses ``x`` (``argsort(argsort(x)) + 1``).

Both are value-only (no soft permutation matrix); max/min/top-k/quantiles are derived from the
soft sort by the caller. Modes: ``smooth`` (log-KL), ``c0``, ``c1`` (p = 3/2), ``c2`` (p = 4/3).
"""

from __future__ import annotations

from typing import Any

from softcore._arrays import device, ensure_float
from softcore._typing import Array
from softcore._validate import check_bool, check_choice, check_softness
from softcore.projections.permutahedron import PERMUTAHEDRON_MODES, proj_permutahedron

__all__ = ["fast_soft_rank", "fast_soft_sort"]


def _grid(x: Array, start: int, *, xp: Any) -> Array:
    """``(start + i) / max(n - 1, 1)`` for ``i = 0..n-1`` in the dtype and on the device of ``x``."""
    n = x.shape[-1]
    i = xp.arange(start, start + n, dtype=x.dtype, device=device(x))
    return i / max(n - 1, 1)


def fast_soft_sort(x: Array, softness: Any = 0.1, mode: str = "smooth", *, bk: Any) -> Array:
    r"""Soft ascending sort of ``x`` along the last axis: ``P(anchors / softness, x)`` (module docstring).

    Shapes: ``x`` (..., n) -> (..., n), dtype of ``x`` (integers -> default float). The hard limit
    (``softness -> 0``) is ``sort(x)``; large softness pulls every value to ``mean(x)`` (c0).
    """
    xp = bk.xp
    check_choice("mode", mode, PERMUTAHEDRON_MODES)
    check_softness(softness)
    x = ensure_float(x, bk=bk)
    return proj_permutahedron(_grid(x, 0, xp=xp), x, softness, mode, z_ascending=True, bk=bk)


def fast_soft_rank(x: Array, softness: Any = 0.1, mode: str = "smooth", descending: bool = True, *, bk: Any) -> Array:
    r"""Soft ranks in ``[1, n]`` along the last axis: ``P(+-x / softness, r) * max(n - 1, 1)``.

    ``descending=True``: rank 1 for the largest element (hard limit ``argsort(argsort(-x)) + 1``);
    ``descending=False``: rank 1 for the smallest. Shapes: ``x`` (..., n) -> (..., n) floating.
    """
    xp = bk.xp
    check_choice("mode", mode, PERMUTAHEDRON_MODES)
    check_softness(softness)
    check_bool("descending", descending)
    x = ensure_float(x, bk=bk)
    n = x.shape[-1]
    z = -x if descending else x
    return proj_permutahedron(z, _grid(x, 1, xp=xp), softness, mode, w_ascending=True, bk=bk) * max(n - 1, 1)
