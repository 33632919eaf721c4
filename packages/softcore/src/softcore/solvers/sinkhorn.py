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
(near-ties: from > 20000 to about 50); with softness >= 0.1 ``beta_0 = 1`` and nothing changes.

Precision: everything runs in the dtype of ``cost`` (callers upcast float16/bfloat16 to float32).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import array_api_compat

from softcore._numerics import logsumexp

__all__ = ["SinkhornState", "sinkhorn_log", "sinkhorn_marginal_error"]

Array = Any


class SinkhornState(NamedTuple):
    f: Array  # (..., n) row potentials
    g: Array  # (..., m) column potentials (column marginals exact)
    err: Array  # (...,) L1 row-marginal error of (f, g) (see module docstring)
    n_iter: Array  # (...,) number of updates applied to the row (in the dtype of the cost)
    beta: Array  # (...,) inverse temperature of epsilon scaling (1 = the target problem)


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
    dev = array_api_compat.device(cost)
    ones = xp.ones(log_mu.shape[:-1], dtype=cost.dtype, device=dev)
    if anneal:
        spread = bk.stop_gradient(xp.max(xp.max(cost, axis=-1), axis=-1) - xp.min(xp.min(cost, axis=-1), axis=-1))
        beta0 = xp.minimum(ones, 10 / xp.maximum(spread, 10 * ones))
    else:
        beta0 = ones
    f0 = xp.zeros_like(log_mu)
    g0 = log_nu - _col_lse(f0, beta0[..., None, None] * cost, xp=xp)
    init = SinkhornState(f=f0, g=g0, err=ones * float("inf"), n_iter=ones * 0, beta=beta0)

    def body(s: SinkhornState) -> SinkhornState:
        cost_b = s.beta[..., None, None] * cost if anneal else cost
        lse = _row_lse(s.g, cost_b, xp=xp)
        err = xp.sum(xp.abs(xp.exp(s.f + lse) - mu), axis=-1)  # error of the current iterate
        err = xp.where(s.beta < 1, xp.full_like(err, float("inf")), err)
        active = err > tol  # (...,)  converged (or NaN) rows freeze
        f = log_mu - lse
        g = log_nu - _col_lse(f, cost_b, xp=xp)
        beta = xp.minimum(s.beta * 1.1, ones) if anneal else s.beta
        ratio = (beta / s.beta)[..., None]
        return SinkhornState(
            f=xp.where(active[..., None], f * ratio, s.f),
            g=xp.where(active[..., None], g * ratio, s.g),
            err=err,
            n_iter=s.n_iter + xp.astype(active, cost.dtype),
            beta=xp.where(active, beta, s.beta),
        )

    if unrolled:
        state = bk.fori_loop(0, max_iter, lambda _, s: body(s), init)
    else:
        state = bk.while_loop(lambda s: xp.any(s.err > tol), body, init, max_iter=max_iter, check_every=check_every)
    final_err = sinkhorn_marginal_error(state.f, state.g, cost, log_mu, xp=xp)
    return state._replace(err=final_err)
