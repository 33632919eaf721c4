r"""``method="smooth_sort"``: value-only C-infinity soft sort and rank (SPEC §2.3 "smooth_sort").

Method-level functions along the LAST axis for the method protocol of
:mod:`softcore.axiswise._dispatch`. ``P(z, w)`` is the smooth projection
:func:`softcore.projections.permutahedron_smooth.proj_permutahedron_smooth` (``z <- z / softness``,
majorisation bounds at ``tau_b = min(softness, 1)``, entropic dual solved by damped Newton with an
exact pentadiagonal Hessian solve, implicit gradients exact to second order):

* sort (ascending): ``P(a, x)`` with anchors ``a_i = i / max(n - 1, 1)``, ``i = 0..n-1``: a soft
  ``sort(x)`` that is C-infinity in ``x`` (``x`` enters only through the symmetric bounds);
* rank: ``P(+-x, r) * max(n - 1, 1)`` with ``r_i = (i + 1) / max(n - 1, 1)``; ``descending=True``
  uses ``-x`` (rank 1 for the largest ``x``), ``descending=False`` uses ``x``.

The method works on the **raw** scores (``ignores_standardize = True``: SPEC says smooth_sort
ignores ``standardize``, so callers pass the unsquashed ``x`` and do not unsquash the result);
softness is therefore on the scale of ``x``. Only ``mode="smooth"`` exists (the dispatcher raises
``ValueError`` for other soft modes). Solver settings come through ``ot_kwargs``: ``lbfgs_tol``
(1e-5: the relative L1 gap mismatch of the dual, see the projection), ``lbfgs_max_iter`` (10000
objective evaluations; Newton needs 5-12), and the softcore extras ``check_every`` and
``lbfgs_history``; other keys (Sinkhorn, CG, ...) are ignored.

Both outputs keep ``sum``: ``sum(sort) = sum(x)`` and ``sum(rank) = n (n + 1) / 2`` exactly; their
prefix sums respect the smooth majorisation bounds, which relax the permutahedron outwards by up
to ``tau_b log C(n, k)``: soft values may leave ``[min x, max x]`` and ranks ``[1, n]`` when the
softness is not small against the spacing of the values (rank: against ``1 / (n - 1)``).

Smoothness: sort is C-infinity in ``x``. Rank is C-infinity away from ties of ``x`` only: the
projection works in the chamber of ``z = +-x`` with a barrier that keeps the outputs of tied
scores strictly apart, so at a tie the two ranks jump by the size of that gap as the order of the
tied scores flips (a property of the SPEC's formulation; sort has fixed anchors and no such tie).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from softcore._arrays import device
from softcore._typing import Array
from softcore.projections.permutahedron_smooth import proj_permutahedron_smooth

__all__ = ["ignores_standardize", "network_values", "rank", "uses_ot_kwargs"]

#: The solver settings arrive through ``ot_kwargs``.
uses_ot_kwargs = True
#: smooth_sort works on the raw ``x`` (no standardise/squash, no unsquash).
ignores_standardize = True

_SOLVER_KEYS = ("lbfgs_tol", "lbfgs_max_iter", "check_every", "lbfgs_history")


def _solver_kwargs(ot_kwargs: Mapping[str, Any] | None) -> dict[str, Any]:
    if not ot_kwargs:
        return {}
    return {key: ot_kwargs[key] for key in _SOLVER_KEYS if key in ot_kwargs}


def _check_mode(mode: str) -> None:
    if mode != "smooth":
        raise ValueError(f"method='smooth_sort' supports only mode='smooth' (or 'hard'), got mode={mode!r}.")


def _grid(x: Array, start: int, *, xp: Any) -> Array:
    """``(start + i) / max(n - 1, 1)``, ``i = 0..n-1``, in the dtype and on the device of ``x``."""
    n = x.shape[-1]
    return xp.arange(start, start + n, dtype=x.dtype, device=device(x)) / max(n - 1, 1)


def network_values(
    xs: Array, softness: Any, mode: str, *, bk: Any, standardized: bool = False, ot_kwargs: Any = None
) -> Array:
    """Ascending soft-sorted values of ``xs`` (..., n) -> (..., n) (``standardized`` is ignored)."""
    _check_mode(mode)
    anchors = _grid(xs, 0, xp=bk.xp)
    return proj_permutahedron_smooth(anchors, xs, softness, z_ascending=True, bk=bk, **_solver_kwargs(ot_kwargs))


def rank(
    xs: Array,
    softness: Any,
    mode: str,
    descending: bool,
    *,
    bk: Any,
    standardized: bool = False,
    ot_kwargs: Any = None,
) -> Array:
    """Soft ranks in about ``[1, n]`` (..., n); rank 1 is the largest if ``descending`` else the smallest."""
    _check_mode(mode)
    n = xs.shape[-1]
    z = -xs if descending else xs
    grid = _grid(xs, 1, xp=bk.xp)
    y = proj_permutahedron_smooth(z, grid, softness, bk=bk, **_solver_kwargs(ot_kwargs))
    return y * max(n - 1, 1)
