r"""Log-domain Sinkhorn for entropic optimal transport, batched, on the backend's bounded loops.

Problem (unit regularisation: divide the cost by the softness ``eps`` before calling):

.. math::
    \max_{f, g}\; \mu^\top f + \nu^\top g - \sum_{ij} e^{f_i + g_j - C_{ij}},
    \qquad \Gamma_{ij} = e^{f_i + g_j - C_{ij}} .

Sinkhorn is exact block-coordinate ascent on this dual:

.. math::
    f_i \leftarrow \log\mu_i - \operatorname{LSE}_j (g_j - C_{ij}),\qquad
    g_j \leftarrow \log\nu_j - \operatorname{LSE}_i (f_i - C_{ij}).

After every ``g`` update the column marginals are exact, so the error of an iterate is the L1
row-marginal violation ``err = sum_i |Gamma 1 - mu|_i``; it comes for free from the ``LSE`` of the
next ``f`` update. Rows of a batch freeze at the first iterate with ``err <= tol`` (results do
not depend on which other rows share the batch); the loop stops when every row is frozen or after
``max_iter`` updates (tested every ``check_every`` updates).

**Epsilon scaling** (``anneal=True``, default): Sinkhorn's linear rate degrades quickly when
the cost range is large compared with the regularisation (small softness, near-ties). The loop
then starts at a larger temperature, solving the problem for the cost ``beta C`` with
``beta_0 = min(1, 10 / (max C - min C))`` per row, and multiplies ``beta`` by 1.1 after every
update (rescaling the potentials, ``f <- f beta_new / beta``) until ``beta = 1``. Only ``beta = 1``
iterates are tested for convergence, so the fixed point and the tolerance are unchanged. On
sorting costs with softness 1e-3 this cut the number of updates by 1.3x to more than 20x
(near-ties: from > 20000 to about 50). When ``max C - min C <= 10`` (squashed scores with
softness >= 0.1) ``beta_0 = 1`` and nothing changes.

**Stagnation.** In float32 the error cannot go below about ``1e-7 * max|C|`` (the size of the
potentials); a row whose error has not improved by 10% during :data:`STALL_PATIENCE` updates
(in float32: :data:`STALL_PATIENCE_NEAR` once it is below ``100 tol``) is frozen too, and the best iterate
seen (smallest error) is returned. The caller measures the final error and reports it
(``OTInfo``), so a shortfall is never silent.

Precision: everything runs in the dtype of ``cost`` (callers upcast float16/bfloat16 to float32).
"""

from __future__ import annotations

from typing import Any, NamedTuple

from softcore._arrays import device
from softcore._numerics import logsumexp

__all__ = ["STALL_PATIENCE", "STALL_PATIENCE_NEAR", "SinkhornState", "sinkhorn_log", "sinkhorn_marginal_error"]

Array = Any

#: A row stops after this many updates without improving its marginal error by 10% (stagnation).
STALL_PATIENCE = 2000
#: ... or this many once the error is below ``100 tol`` in single (or lower) precision, where a
#: stall close to the target is the round-off floor.
STALL_PATIENCE_NEAR = 500


class SinkhornState(NamedTuple):
    f: Array  # (..., n) row potentials
    g: Array  # (..., m) column potentials (column marginals exact)
    err: Array  # (...,) L1 row-marginal error of (f, g) (see module docstring)
    n_iter: Array  # (...,) number of updates applied to the row (in the dtype of the cost)
    beta: Array  # (...,) inverse temperature of epsilon scaling (1 = the target problem)
    f_best: Array  # (..., n) best iterate seen so far (smallest err at beta = 1)
    g_best: Array  # (..., m)
    err_best: Array  # (...,)
    err_ref: Array  # (...,) err when the stall counter was last reset
    stall: Array  # (...,) updates since err last improved by 10%


def _row_lse(g: Array, cost: Array, *, xp: Any) -> Array:
    return logsumexp(g[..., None, :] - cost, axis=-1, xp=xp)  # (..., n)


def _col_lse(f: Array, cost: Array, *, xp: Any) -> Array:
    return logsumexp(f[..., :, None] - cost, axis=-2, xp=xp)  # (..., m)


def sinkhorn_marginal_error(f: Array, g: Array, cost: Array, log_mu: Array, *, xp: Any) -> Array:
    """L1 row-marginal error ``sum_i |exp(f_i + LSE_j(g_j - C_ij)) - mu_i|`` -> (...,)."""
    return xp.sum(xp.abs(xp.exp(f + _row_lse(g, cost, xp=xp)) - xp.exp(log_mu)), axis=-1)


def sinkhorn_log(
    cost: Array,
    log_mu: Array,
    log_nu: Array,
    *,
    tol: float,
    max_iter: int,
    check_every: int = 10,
    unrolled: bool = False,
    anneal: bool = True,
    bk: Any,
) -> SinkhornState:
    """Run log-domain Sinkhorn on ``cost`` (..., n, m) with log-marginals (..., n), (..., m).

    Args:
        tol: L1 marginal tolerance; a row freezes at its first iterate with ``err <= tol``.
        max_iter: maximum number of (f, g) updates.
        check_every: updates between two convergence tests of the whole batch.
        unrolled: run exactly ``max_iter`` updates with ``bk.fori_loop`` (differentiable by the
            framework; rows still freeze, so values equal the early-stopped loop's).
        anneal: epsilon scaling (see the module docstring).

    Returns:
        :class:`SinkhornState` whose ``err`` is the exact error of the returned potentials.
    """
    xp = bk.xp
    mu = xp.exp(log_mu)
    dev = device(cost)
    ones = xp.ones(log_mu.shape[:-1], dtype=cost.dtype, device=dev)
    if anneal:
        spread = bk.stop_gradient(xp.max(xp.max(cost, axis=-1), axis=-1) - xp.min(xp.min(cost, axis=-1), axis=-1))
        beta0 = xp.minimum(ones, 10 / xp.maximum(spread, 10 * ones))
    else:
        beta0 = ones
    f0 = xp.zeros_like(log_mu)
    g0 = log_nu - _col_lse(f0, beta0[..., None, None] * cost, xp=xp)
    inf = ones * float("inf")
    init = SinkhornState(
        f=f0,
        g=g0,
        err=inf,
        n_iter=ones * 0,
        beta=beta0,
        f_best=f0,
        g_best=g0,
        err_best=inf,
        err_ref=inf,
        stall=ones * 0,
    )

    near_tol = 100 * tol if float(xp.finfo(cost.dtype).eps) > 1e-10 else 0.0  # float64: floor ~1e-13

    def patience(err_best: Array) -> Array:
        return xp.where(err_best <= near_tol, STALL_PATIENCE_NEAR + 0 * ones, STALL_PATIENCE + 0 * ones)

    def body(s: SinkhornState) -> SinkhornState:
        cost_b = s.beta[..., None, None] * cost if anneal else cost
        lse = _row_lse(s.g, cost_b, xp=xp)
        err = xp.sum(xp.abs(xp.exp(s.f + lse) - mu), axis=-1)  # error of the current iterate
        annealing = s.beta < 1
        err = xp.where(annealing, inf, err)
        # Converged, stalled or NaN rows freeze.
        active = (err > tol) & (s.stall < patience(s.err_best))
        improved = err < s.err_best
        halved = (err < 0.9 * s.err_ref) | annealing
        f = log_mu - lse
        g = log_nu - _col_lse(f, cost_b, xp=xp)
        beta = xp.minimum(s.beta * 1.1, ones) if anneal else s.beta
        ratio = (beta / s.beta)[..., None]
        a = active[..., None]
        return SinkhornState(
            f=xp.where(a, f * ratio, s.f),
            g=xp.where(a, g * ratio, s.g),
            err=err,
            n_iter=s.n_iter + xp.astype(active, cost.dtype),
            beta=xp.where(active, beta, s.beta),
            f_best=xp.where(improved[..., None], s.f, s.f_best),
            g_best=xp.where(improved[..., None], s.g, s.g_best),
            err_best=xp.where(improved, err, s.err_best),
            err_ref=xp.where(active & halved, err, s.err_ref),
            stall=xp.where(active, xp.where(halved, ones * 0, s.stall + 1), s.stall),
        )

    def cond(s: SinkhornState) -> Any:
        return xp.any((s.err > tol) & (s.stall < patience(s.err_best)))

    if unrolled:
        state = bk.fori_loop(0, max_iter, lambda _, s: body(s), init)
    else:
        state = bk.while_loop(cond, body, init, max_iter=max_iter, check_every=check_every)
    # Return the best iterate measured (the current one when nothing was measured, e.g. when the
    # budget ran out while annealing, or when the last update improved on everything before).
    final_err = sinkhorn_marginal_error(state.f, state.g, cost, log_mu, xp=xp)
    use_best = state.err_best < final_err
    ub = use_best[..., None]
    return state._replace(
        f=xp.where(ub, state.f_best, state.f),
        g=xp.where(ub, state.g_best, state.g),
        err=xp.where(use_best, state.err_best, final_err),
    )
