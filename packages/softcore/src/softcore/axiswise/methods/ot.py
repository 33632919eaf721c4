r"""``method="ot"``: axis-wise soft indices from regularised optimal transport (SPEC 2.3 "ot").

Every function works on an **already standardised** ``x`` (..., n) along the last axis (the
public ops squash and move the axis first). The elements (uniform mass ``mu = 1/n``) are
transported onto a few *anchors* ``a_j`` with cost ``C_ij = (x_i - a_j)^2`` and task-specific
column masses ``nu``; the plan ``Gamma`` (:func:`softcore.projections.transport.proj_transport_polytope`)
is scaled by ``n`` so that each element's row sums to 1, and the SoftIndex of anchor ``j`` is
column ``j`` of ``Gamma n`` (a distribution over the ``n`` elements once the plan is converged).

=========================  ==========================================  ======================================
op                         anchors                                     ``nu``
=========================  ==========================================  ======================================
argsort / rank             ``j / (n - 1)`` (reversed if descending)    ``1/n`` each
argmax                     ``[0, 1]``                                  ``[(n-1)/n, 1/n]`` (column 1)
top_k (k < n)              ``[1, (k-1)/k, ..., 0]``                    ``[1/n] * k + [(n-k)/n]`` (columns < k)
argquantile                ``[0, 1/3, 2/3, 1]``                        ``[k, 1, kp1 - k, n - kp1 - 1] / n``
=========================  ==========================================  ======================================

``top_k`` with ``k == n`` is ``argsort(descending=True)``; argquantile takes column 1 (order
statistic ``k``), mixed with column 2 as ``(1 - a) P_1 + a P_2`` by the ``linear`` / ``midpoint``
methods. Every quantile method solves this same problem (``kp1 = min(k + 1, n - 1)``), so the soft
index of an order statistic does not depend on the method that selected it: ``jnp.median``'s
midpoint and ``torch.median``'s lower median give the same soft argmedian for odd ``n``. (SPEC
§2.3 gives lower / higher / nearest a 3-anchor problem ``[0, 1/2, 1]``; its column 1 differs from
this one's, which made the two frameworks' medians disagree.) ``rank_i = sum_j (j + 1) Gamma_ij / sum_j Gamma_ij``.

``ot_kwargs`` (a dict or None) is forwarded to the projection; its keys are validated
(:data:`OT_KWARGS_KEYS`; an unknown key raises ``ValueError`` naming it):

* ``sinkhorn_tol`` (1e-5), ``sinkhorn_max_iter`` (10000): Sinkhorn, smooth mode;
* ``lbfgs_tol`` (1e-5), ``lbfgs_max_iter`` (10000): the c0/c1/c2 dual solver (Newton or
  L-BFGS, see ``dual``) and L-BFGS in smooth mode if ``use_entropic_ot_sinkhorn_on_entropic=False``;
* ``use_entropic_ot_sinkhorn_on_entropic`` (True), ``implicit_diff`` (True);
* softcore extras: ``sinkhorn_anneal`` (True, epsilon scaling), ``check_every`` (10),
  ``lbfgs_history`` (10), ``dual`` ("auto"/"newton"/"full"/"semi"), ``cg_tol`` (None: 1e-10 in float64,
  else 1e-5), ``cg_max_iter`` (None: ``2 min(n, m) + 100``), ``warn_unconverged`` (True: an
  :class:`OTConvergenceWarning` when a plan misses its tolerance, raised outside tracing only),
  ``nan_unconverged`` (False; True: the result of every problem whose plan misses its tolerance
  is NaN, which stays observable under ``jax.jit`` / ``torch.compile`` where no warning can be
  raised; the values of the problems that converged are unchanged).

Tolerances bound the L1 marginal error of the plan. Every function accepts ``return_info=True``
and then returns ``(result, info)`` with an :class:`~softcore.projections.transport.OTInfo`
(``info.converged`` False means the budget ran out before the tolerance was met); the index
functions also accept ``return_log_probs=True`` (log of the SoftIndex: smooth
``(f + g - C) / softness + log n``; sparse modes exact ``-inf`` off the support).
Precision: the input dtype (float16/bfloat16 solved in float32), see the projection.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any

from softcore._arrays import device
from softcore._validate import check_bool, check_choice, check_int
from softcore.axiswise._common import mix_rows
from softcore.projections.transport import OT_MODES, proj_transport_polytope

__all__ = [
    "OT_KWARGS_KEYS",
    "OTConvergenceWarning",
    "OptimalTransport",
    "ot_argmax",
    "ot_argquantile",
    "ot_argsort",
    "ot_argtop_k",
    "ot_rank",
    "validate_ot_kwargs",
]

Array = Any

OT_KWARGS_KEYS = (
    "sinkhorn_tol",
    "sinkhorn_max_iter",
    "sinkhorn_anneal",
    "lbfgs_tol",
    "lbfgs_max_iter",
    "use_entropic_ot_sinkhorn_on_entropic",
    "implicit_diff",
    "check_every",
    "lbfgs_history",
    "dual",
    "cg_tol",
    "cg_max_iter",
    "warn_unconverged",
    "nan_unconverged",
)


def validate_ot_kwargs(ot_kwargs: Mapping[str, Any] | None) -> dict[str, Any]:
    """``None`` -> ``{}``; a mapping with known keys -> a dict; otherwise TypeError/ValueError."""
    if ot_kwargs is None:
        return {}
    if not isinstance(ot_kwargs, Mapping):
        raise TypeError(f"ot_kwargs must be a dict or None, got {type(ot_kwargs).__name__}.")
    for key in ot_kwargs:
        if key not in OT_KWARGS_KEYS:
            raise ValueError(f"Unknown ot_kwargs key {key!r}. Allowed keys: {', '.join(map(repr, OT_KWARGS_KEYS))}.")
    return dict(ot_kwargs)


def _transport(
    x: Array,
    anchors: list[float],
    nu: Any,
    softness: Any,
    mode: str,
    ot_kwargs: Mapping[str, Any] | None,
    *,
    log: bool,
    bk: Any,
) -> tuple[Array, Any]:
    """``Gamma n`` (or ``log(Gamma n)``) (..., n, m) for the anchors/column masses, and the info.

    ``nu`` is a list of ``m`` masses, or an array (b, m) of column masses for ``b`` problems on
    the same ``x``: the result is then (..., b, n, m).
    """
    xp = bk.xp
    check_choice("mode", mode, OT_MODES)
    kwargs = validate_ot_kwargs(ot_kwargs)
    warn = kwargs.pop("warn_unconverged", True)
    check_bool("ot_kwargs['warn_unconverged']", warn)
    nan_unconverged = kwargs.pop("nan_unconverged", False)
    check_bool("ot_kwargs['nan_unconverged']", nan_unconverged)
    n = x.shape[-1]
    dev = device(x)
    a = xp.asarray(anchors, dtype=x.dtype, device=dev)  # (m,)
    if isinstance(nu, (list, tuple)):
        nu_arr = xp.asarray(nu, dtype=x.dtype, device=dev)  # (m,)
    else:
        nu_arr = xp.astype(nu, x.dtype)  # (b, m)
        x = xp.broadcast_to(x[..., None, :], (*x.shape[:-1], nu_arr.shape[0], n))  # (..., b, n)
    diff = x[..., :, None] - a  # (..., n, m)
    cost = diff * diff
    mu_arr = xp.full((n,), 1 / n, dtype=x.dtype, device=dev)
    out, info = proj_transport_polytope(
        cost, mu_arr, nu_arr, softness, mode, bk=bk, return_log_probs=log, return_info=True, **kwargs
    )
    if warn:
        _warn_if_unconverged(info, mode, n, bk=bk)
    if nan_unconverged:  # a missed tolerance shows in the result itself, also under jit
        out = xp.where(info.converged[..., None, None], out, xp.full_like(out, float("nan")))
    return (out + math.log(n) if log else out * n), info


class OTConvergenceWarning(RuntimeWarning):
    """An OT solve stopped (budget or round-off floor) before its marginal tolerance was met."""


def _warn_if_unconverged(info: Any, mode: str, n: int, *, bk: Any) -> None:
    """Warn, outside tracing only (``bk.concrete`` is ``None`` under jit/vmap/compile), when some
    row's plan misses the marginal tolerance; the result is the solver's best iterate."""
    xp = bk.xp
    ok = bk.concrete(xp.all(info.converged))
    if ok is None or ok:
        return
    worst = bk.concrete(xp.max(info.marginal_error))
    warnings.warn(
        OTConvergenceWarning(
            f"method='ot' (mode={mode!r}, n={n}): the transport solver stopped before its tolerance; "
            f"worst L1 marginal error {worst:.3g}. The best iterate is returned. Raise "
            "ot_kwargs['sinkhorn_max_iter'/'lbfgs_max_iter'] or the tolerance, use a larger softness, "
            "or pass float64 inputs; ot_kwargs={'warn_unconverged': False} silences this warning."
        ),
        stacklevel=4,
    )


def _finish(result: Array, info: Any, return_info: bool) -> Any:
    return (result, info) if return_info else result


def _sort_anchors(n: int, descending: bool) -> list[float]:
    anchors = [j / (n - 1) for j in range(n)] if n > 1 else [0.0]
    return anchors[::-1] if descending else anchors


def ot_argsort(
    x: Array,
    softness: Any,
    mode: str,
    descending: bool,
    ot_kwargs: Mapping[str, Any] | None,
    *,
    bk: Any,
    return_log_probs: bool = False,
    return_info: bool = False,
) -> Any:
    """Soft argsort (..., n, [n]): row ``r`` is the distribution of the ``r``-th smallest element
    (largest if ``descending``): ``(Gamma n)^T`` for anchors ``j / (n - 1)``, ``nu = 1/n``."""
    check_bool("descending", descending)
    check_bool("return_log_probs", return_log_probs)
    check_bool("return_info", return_info)
    n = x.shape[-1]
    p, info = _transport(
        x, _sort_anchors(n, descending), [1 / n] * n, softness, mode, ot_kwargs, log=return_log_probs, bk=bk
    )
    return _finish(bk.xp.matrix_transpose(p), info, return_info)


def ot_rank(
    x: Array,
    softness: Any,
    mode: str,
    descending: bool,
    ot_kwargs: Mapping[str, Any] | None,
    *,
    bk: Any,
    return_info: bool = False,
) -> Any:
    """Soft rank (..., n) in [1, n]: ``rank_i = sum_j (j + 1) Gamma_ij / sum_j Gamma_ij`` with the
    argsort anchors (rank 1 = smallest, or largest when ``descending``)."""
    xp = bk.xp
    check_bool("descending", descending)
    check_bool("return_info", return_info)
    n = x.shape[-1]
    p, info = _transport(x, _sort_anchors(n, descending), [1 / n] * n, softness, mode, ot_kwargs, log=False, bk=bk)
    positions = xp.arange(1, n + 1, dtype=p.dtype, device=device(p))
    rank = xp.sum(p * positions, axis=-1) / xp.sum(p, axis=-1)
    return _finish(rank, info, return_info)


def ot_argmax(
    x: Array,
    softness: Any,
    mode: str,
    ot_kwargs: Mapping[str, Any] | None,
    *,
    bk: Any,
    return_log_probs: bool = False,
    return_info: bool = False,
) -> Any:
    """Soft argmax (..., [n]): column 1 of ``Gamma n`` for anchors ``[0, 1]``, ``nu = [(n-1)/n, 1/n]``."""
    check_bool("return_log_probs", return_log_probs)
    check_bool("return_info", return_info)
    n = x.shape[-1]
    p, info = _transport(x, [0.0, 1.0], [(n - 1) / n, 1 / n], softness, mode, ot_kwargs, log=return_log_probs, bk=bk)
    return _finish(p[..., 1], info, return_info)


def ot_argtop_k(
    x: Array,
    k: int,
    softness: Any,
    mode: str,
    ot_kwargs: Mapping[str, Any] | None,
    *,
    bk: Any,
    return_log_probs: bool = False,
    return_info: bool = False,
) -> Any:
    """Soft top-k indices (..., k, [n]), largest first: the first ``k`` columns of ``Gamma n``
    (transposed) for anchors ``[1, (k-1)/k, ..., 0]`` and ``nu = [1/n] * k + [(n-k)/n]``;
    ``k == n`` is ``ot_argsort(descending=True)``."""
    check_bool("return_log_probs", return_log_probs)
    check_bool("return_info", return_info)
    n = x.shape[-1]
    k = check_int("k", k, minimum=1)
    if k > n:
        raise ValueError(f"k must be <= the axis length {n}, got {k}.")
    if k == n:
        return ot_argsort(
            x, softness, mode, True, ot_kwargs, bk=bk, return_log_probs=return_log_probs, return_info=return_info
        )
    anchors = [(k - j) / k for j in range(k + 1)]
    nu = [1 / n] * k + [(n - k) / n]
    p, info = _transport(x, anchors, nu, softness, mode, ot_kwargs, log=return_log_probs, bk=bk)
    return _finish(bk.xp.matrix_transpose(p[..., :k]), info, return_info)


def ot_argquantile(
    x: Array,
    k: int,
    kp1: int,
    a: Any,
    take_next: bool,
    softness: Any,
    mode: str,
    ot_kwargs: Mapping[str, Any] | None,
    *,
    bk: Any,
    return_log_probs: bool = False,
    return_info: bool = False,
) -> Any:
    """Soft quantile index (..., [n]) for the order statistics ``k`` (and ``kp1``, 0-based).

    Anchors ``[0, 1/3, 2/3, 1]``, ``nu = [k, 1, kp1 - k, n - kp1 - 1] / n`` for every method;
    result ``(1 - a) P_1 + a P_2`` with ``take_next`` (linear / midpoint; log-space: ``logaddexp``
    of the weighted logs), else ``P_1`` (lower / higher / nearest). ``a`` is a Python float or a
    0-d array in [0, 1]; ``k``, ``kp1`` ints with ``0 <= k <= kp1 <= n - 1`` (the quantile ops
    pass ``kp1 = min(k + 1, n - 1)`` for every method).
    """
    xp = bk.xp
    check_bool("take_next", take_next)
    check_bool("return_log_probs", return_log_probs)
    check_bool("return_info", return_info)
    n = x.shape[-1]
    k = check_int("k", k, minimum=0)
    kp1 = check_int("kp1", kp1, minimum=0)
    if not k <= kp1 <= n - 1:
        raise ValueError(f"need 0 <= k <= kp1 <= n - 1 = {n - 1}, got k={k}, kp1={kp1}.")
    dev = device(x)
    ks = xp.asarray([k], device=dev)
    kp1s = xp.asarray([kp1], device=dev)
    a1 = xp.reshape(xp.asarray(a, dtype=x.dtype, device=dev), (1,))
    p, info = _quantile_transport(x, ks, kp1s, a1, take_next, softness, mode, ot_kwargs, log=return_log_probs, bk=bk)
    info = type(info)(*(field[..., 0] for field in info))  # drop the one-quantile axis
    return _finish(p[..., 0, :], info, return_info)


def _quantile_transport(
    x: Array,
    k: Array,
    kp1: Array,
    a: Array,
    take_next: bool,
    softness: Any,
    mode: str,
    ot_kwargs: Mapping[str, Any] | None,
    *,
    log: bool,
    bk: Any,
) -> tuple[Array, Any]:
    """SoftIndex rows (..., kq, [n]) and info (..., kq) for order statistics ``k``, ``kp1`` and
    weights ``a`` (kq,) arrays: one small OT problem per quantile, solved as a batch (anchors and
    column masses of :func:`ot_argquantile`)."""
    xp = bk.xp
    n = x.shape[-1]
    kf, kp1f = xp.astype(k, x.dtype), xp.astype(kp1, x.dtype)
    ones = xp.ones_like(kf)
    anchors = [0.0, 1 / 3, 2 / 3, 1.0]  # one problem for every quantile method (module docstring)
    nu = xp.stack([kf, ones, kp1f - kf, (n - 1) - kp1f], axis=-1) / n  # (kq, 4)
    p, info = _transport(x, anchors, nu, softness, mode, ot_kwargs, log=log, bk=bk)  # (..., kq, n, 4)
    if not take_next:
        return p[..., 1], info
    return mix_rows(p[..., 1], p[..., 2], xp.astype(a, x.dtype), log=log, xp=xp), info


class OptimalTransport:
    """``method="ot"`` in the protocol of :mod:`softcore.axiswise._dispatch` (scores ``xs`` along
    the last axis, soft modes only). ``argtop_k`` and ``quantile_rows`` solve the small
    task-specific problems of the table above instead of taking rows of the n-anchor plan."""

    uses_ot_kwargs = True

    @staticmethod
    def permutation_rows(
        xs: Array, rows: Array, softness: Any, mode: str, *, bk: Any, return_log_probs: bool = False, ot_kwargs: Any
    ) -> Array:
        p = ot_argsort(xs, softness, mode, False, ot_kwargs, bk=bk, return_log_probs=return_log_probs)  # (..., n, [n])
        return bk.xp.take(p, rows, axis=-2)  # (..., m, [n])

    @staticmethod
    def argmax(
        xs: Array, softness: Any, mode: str, *, bk: Any, return_log_probs: bool = False, ot_kwargs: Any
    ) -> Array:
        return ot_argmax(xs, softness, mode, ot_kwargs, bk=bk, return_log_probs=return_log_probs)

    @staticmethod
    def argtop_k(
        xs: Array, k: int, softness: Any, mode: str, *, bk: Any, return_log_probs: bool = False, ot_kwargs: Any
    ) -> Array:
        return ot_argtop_k(xs, k, softness, mode, ot_kwargs, bk=bk, return_log_probs=return_log_probs)

    @staticmethod
    def rank(xs: Array, softness: Any, mode: str, descending: bool, *, bk: Any, ot_kwargs: Any) -> Array:
        return ot_rank(xs, softness, mode, descending, ot_kwargs, bk=bk)

    @staticmethod
    def quantile_rows(
        xs: Array,
        k: Array,
        kp1: Array,
        a: Array,
        take_next: bool,
        softness: Any,
        mode: str,
        *,
        bk: Any,
        return_log_probs: bool = False,
        ot_kwargs: Any,
    ) -> Array:
        """SoftIndex rows (..., kq, [n]) for ``k``, ``kp1``, ``a`` (kq,) arrays (so a vector ``q``
        works under jit); see :func:`_quantile_transport`."""
        return _quantile_transport(xs, k, kp1, a, take_next, softness, mode, ot_kwargs, log=return_log_probs, bk=bk)[0]
