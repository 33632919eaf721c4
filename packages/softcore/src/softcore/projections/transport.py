r"""Projection onto the transport polytope: regularised optimal transport with implicit gradients.

.. math::
    \Gamma^\star = \operatorname*{argmin}_{\Gamma \ge 0,\ \Gamma 1 = \mu,\ \Gamma^\top 1 = \nu}
    \langle C, \Gamma\rangle + \lambda R(\Gamma)

with softness ``lambda`` and, per ``mode``,

=========  ==========================================  ===========================================
mode       regulariser ``R``                            plan from the dual potentials ``(f, g)``
=========  ==========================================  ===========================================
smooth     negative entropy ``sum Gamma log Gamma``     ``exp((f_i + g_j - C_ij) / lambda)``
c0         ``1/2 ||Gamma||^2`` (p = 2, q = 2)           ``lambda^{-1} [f_i + g_j - C_ij]_+``
c1         p-norm, p = 3/2 (q = 3)                      ``lambda^{-2} [f_i + g_j - C_ij]_+^2``
c2         p-norm, p = 4/3 (q = 4)                      ``lambda^{-3} [f_i + g_j - C_ij]_+^3``
=========  ==========================================  ===========================================

The p-norm modes maximise the dual ``mu.f + nu.g - (lambda^{-(q-1)} / q) sum [f + g - C]_+^q``.
Internally the cost is divided by ``lambda`` first (unit softness; the potentials are then
``f / lambda``, ``g / lambda``), which leaves the plan unchanged and makes derivatives with
respect to the softness ordinary autodiff through that division.

Solvers (:mod:`softcore.solvers`): ``smooth`` uses log-domain Sinkhorn
(``use_entropic_ot_sinkhorn_on_entropic=True``, tolerance ``sinkhorn_tol``, at most
``sinkhorn_max_iter`` updates) or L-BFGS on the entropic semi-dual (``False``; ``lbfgs_tol``,
``lbfgs_max_iter``, often far fewer passes than Sinkhorn for small softness); ``c0/c1/c2`` use
semi-smooth Newton on the full dual (``dual="newton"``, the ``"auto"`` choice unless one side is
at least 4 times the other) or L-BFGS on the full or the semi-dual (``"full"``, ``"semi"``, the
``"auto"`` choice for ``argmax`` / ``top_k`` / quantile costs); ``lbfgs_tol`` and
``lbfgs_max_iter`` (objective evaluations) apply to all three. Every tolerance is on the
**L1 marginal error** ``sum_i |Gamma 1 - mu|_i + sum_j |Gamma^T 1 - nu|_j`` of the returned plan
(the solvers aim at half of it on their own error estimate). Rows of a batch
are solved together but freeze independently once converged, so a row's result does not depend
on the rest of the batch.

Gradients (``implicit_diff=True``): a :class:`~softcore._vjp.VJPRule` returns the potentials
and differentiates the optimality conditions ``Gamma 1 = mu``, ``Gamma^T 1 = nu``. With
``W = dGamma/dt`` (``Gamma`` for entropic, ``(q-1)[t]_+^{q-2}`` for p-norm) the backward solves

.. math::
    \begin{pmatrix} \operatorname{diag}(W1) & W \\ W^\top & \operatorname{diag}(W^\top 1)\end{pmatrix}
    \begin{pmatrix} u \\ v\end{pmatrix} = \begin{pmatrix}\bar f \\ \bar g\end{pmatrix},\qquad
    \bar C_{ij} = W_{ij}(u_i + v_j),\ \bar\mu = u,\ \bar\nu = v,

through its Schur complement on the smaller side, by Jacobi-preconditioned CG
(:mod:`softcore.solvers.cg`); the one-dimensional null space ``(1, -1)`` (the gauge) is removed by
projecting the cotangent and adding ``alpha 11^T / m`` (plus a ridge ``eps^(3/4) alpha`` for the
extra null space of a disconnected sparse support). Forward mode (``jvp``, the transpose of that
backward) solves the same system for the tangents of the potentials,
``(df, dg) = P K'^{-1} (dmu + (W dC) 1, dnu + (W dC)^T 1)`` with ``P`` the gauge projection, inside
``bk.linear_solve`` (``jax.lax.custom_linear_solve``), so JAX also transposes it for reverse mode.
The plan is then formed from the potentials outside the rule by ordinary autodiff.
``implicit_diff=False`` instead runs exactly ``max_iter`` solver steps in ``bk.fori_loop`` and
differentiates through them (a test oracle: time and memory grow with ``max_iter``; the p-norm
modes then use L-BFGS, ``"newton"`` being read as ``"full"``).

Precision: the solve runs in the input dtype (float16/bfloat16 are upcast to float32); the plan
is returned in the input dtype; float64 is never needed. In float32 the potentials carry an
absolute round-off of about ``1e-7 max|C| / lambda``, which bounds the attainable marginal error,
most visibly for ``c0`` (whose plan entries are that round-off's size for large ``n``). Measured
on soft argsort of squashed normal scores (L1 error over both marginals, total mass 1), softness
0.1: c1 and c2 reach 1e-5 up to ``n = 1024``; c0 reaches 4e-6 at ``n = 64`` and stalls at 1.4e-5
(``n = 256``) and 1.2e-4 (``n = 1024``); at softness 0.01 c0 stalls at 2e-5 / 1e-4 (n = 64 /
256). The solvers detect the stagnation, stop, and return their best iterate; ``return_info=True``
reports the error (``info.converged`` is False) and the ``ot`` method warns outside jit. Never
ignore that flag; pass float64 inputs for tighter plans (c0/c1/c2 reach 1e-9 at n = 256).
"""

from __future__ import annotations

import numbers
from typing import Any, NamedTuple

from softcore._numerics import safe_where
from softcore._validate import check_bool, check_choice, check_int, check_softness
from softcore._vjp import VJPRule
from softcore.solvers.ot_dual import (
    dual_weights,
    entropic_ot_lbfgs,
    pnorm_ot_lbfgs,
    pnorm_ot_newton,
    resolve_dual,
    schur_complement_solve,
    w_matvec,
    wt_matvec,
)
from softcore.solvers.sinkhorn import sinkhorn_log

__all__ = ["OT_MODES", "OTInfo", "proj_transport_polytope"]

Array = Any

OT_MODES = ("smooth", "c0", "c1", "c2")
_Q = {"smooth": None, "c0": 2, "c1": 3, "c2": 4}
_MARGINAL_FLOOR = 1e-12  # relative floor on marginals (as ott-jax): keeps log-marginals finite


class OTInfo(NamedTuple):
    """Diagnostics of :func:`proj_transport_polytope`: arrays of the batch shape ``(...)`` (a pytree
    of arrays, so it can leave ``jax.jit`` / ``jax.vmap``). Check ``converged`` outside jit."""

    marginal_error: Array  #: L1 marginal error of the returned plan, in the solve dtype
    n_iter: Array  #: Sinkhorn updates or L-BFGS objective evaluations spent on the row
    converged: Array  #: bool, ``marginal_error <= tol`` (False also for NaN)


def _compute_dtype(dtype: Any, *, xp: Any) -> Any:
    return dtype if dtype in (xp.float32, xp.float64) else xp.float32


def _check_positive_float(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not float(value) > 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}.")
    return float(value)


# --------------------------------------------------------------------------------------------
# The potentials rule: forward = solver, backward = implicit differentiation.
# --------------------------------------------------------------------------------------------


def _solve_potentials(
    cost: Array,
    mu: Array,
    nu: Array,
    *,
    solver: str,
    q: int | None,
    tol: float,
    max_iter: int,
    check_every: int,
    history: int,
    dual: str,
    anneal: bool,
    unrolled: bool,
    bk: Any,
) -> tuple[Array, Array, Array]:
    xp = bk.xp
    # The solvers stop at half the tolerance on their own error measure (Sinkhorn: rows only;
    # semi-dual: the eliminated side is exact only up to round-off), so that the error of the
    # returned plan, measured on both marginals after rounding, stays within ``tol``.
    tol = 0.5 * tol
    if solver == "sinkhorn":
        st = sinkhorn_log(
            cost,
            xp.log(mu),
            xp.log(nu),
            tol=tol,
            max_iter=max_iter,
            check_every=check_every,
            unrolled=unrolled,
            anneal=anneal,
            bk=bk,
        )
        f, g, n_iter = st.f, st.g, st.n_iter
    elif q is None:
        f, g, n_iter = entropic_ot_lbfgs(
            cost,
            xp.log(mu),
            xp.log(nu),
            tol=tol,
            max_iter=max_iter,
            history=history,
            check_every=check_every,
            unrolled=unrolled,
            bk=bk,
        )
    elif resolve_dual(dual, cost.shape[-2], cost.shape[-1]) == "newton" and not unrolled:
        f, g, n_iter = pnorm_ot_newton(cost, mu, nu, q, tol=tol, max_iter=max_iter, check_every=check_every, bk=bk)
    else:  # L-BFGS; the unrolled oracle (implicit_diff=False) always uses it ("newton" -> "full")
        f, g, n_iter = pnorm_ot_lbfgs(
            cost,
            mu,
            nu,
            q,
            tol=tol,
            max_iter=max_iter,
            history=history,
            check_every=check_every,
            dual=dual,
            unrolled=unrolled,
            bk=bk,
        )
    # Gauge: (f + c, g - c) gives the same plan; return the representative with sum f = sum g.
    n, m = f.shape[-1], g.shape[-1]
    shift = (xp.sum(f, axis=-1, keepdims=True) - xp.sum(g, axis=-1, keepdims=True)) / (n + m)
    return f - shift, g + shift, n_iter


def _c0_support(f: Array, g: Array, cost: Array, *, xp: Any) -> Array:
    """The support ``t > thr`` of the c0 plan ``[t]_+`` (``t = f_i + g_j - C_ij``), decided once
    for both the rule's ``W`` and the plan formed outside it. Degenerate vertices of the transport
    polytope (common for the rank/quantile costs, whose masses are multiples of 1/n) leave plan
    entries with ``t = 0`` up to rounding; with a bare ``t > 0`` the two places could round such an
    entry differently (XLA fuses them separately) and the plan's derivative would mix an entry the
    implicit system left out: an O(1) error. ``thr`` is a few hundred ulps of the problem's scale.
    The plan keeps the value of the entries with ``0 < t <= thr`` but not their derivative: in
    float32 they can be as large as genuine entries (dropping them cost up to 2e-3 of L1 marginal
    error at n = 64, softness 0.1)."""
    t = f[..., :, None] + g[..., None, :] - cost
    scale = xp.max(xp.abs(cost), axis=(-2, -1)) + xp.max(xp.abs(f), axis=-1) + xp.max(xp.abs(g), axis=-1)
    thr = 256 * float(xp.finfo(cost.dtype).eps) * scale[..., None, None]
    return t > thr


def _potentials_fwd(cost: Array, mu: Array, nu: Array, *, bk: Any, **static: Any) -> tuple[Any, tuple[Any, ...]]:
    static.pop("cg_tol"), static.pop("cg_max_iter")

    def solve(cost: Array, mu: Array, nu: Array) -> tuple[Array, Array, Array]:
        return _solve_potentials(cost, mu, nu, unrolled=False, bk=bk, **static)

    # one problem per row of the batch: a backend may run each device's rows on their own
    xp = bk.xp
    batch = cost.shape[:-2]
    mu, nu = xp.broadcast_to(mu, (*batch, cost.shape[-2])), xp.broadcast_to(nu, (*batch, cost.shape[-1]))
    f, g, n_iter = bk.per_row(solve, cost, mu, nu, batch_ndim=len(batch))
    # The backward needs only W = dGamma/dt. (Residuals are fresh arrays: torch must not see an
    # input or an output of the rule again among the residuals.)
    if static["q"] == 2:
        w = xp.astype(_c0_support(f, g, cost, xp=xp), cost.dtype)
    else:
        w = dual_weights(f, g, cost, static["q"], xp=xp)
    return (f, g, n_iter), (w,)


def _gauge_project(f: Array, g: Array, *, xp: Any) -> tuple[Array, Array]:
    """``P (f, g)``: remove the gauge component ``(1, -1)`` (orthogonal projection, symmetric)."""
    n, m = f.shape[-1], g.shape[-1]
    shift = (xp.sum(f, axis=-1, keepdims=True) - xp.sum(g, axis=-1, keepdims=True)) / (n + m)
    return f - shift, g + shift


def _kkt_inverse(
    w: Array, a: Array, b: Array, *, cg_tol: float, cg_max_iter: int, check_every: int, bk: Any
) -> tuple[Array, Array]:
    """``(u, v) = K'^{-1} (a, b)`` for the gauge-regularised optimality system of the potentials,
    given ``W = dGamma/dt`` (..., n, m) (see the module docstring)::

        K' = [[diag(W 1), W], [W^T, diag(W^T 1) + alpha 1 1^T / m + ridge I]],   alpha = mean(W^T 1)

    (``K`` plus a rank-one gauge term and a ridge ``eps^(3/4) alpha`` on the smaller side). ``K'``
    is symmetric, so this map is its own transpose: :func:`_potentials_bwd` and :func:`_potentials_jvp` share it. Solved
    through the Schur complement on the smaller side by Jacobi-preconditioned CG, inside
    ``bk.linear_solve`` (JAX differentiates and transposes it as ``K'^{-1}``)."""
    xp = bk.xp
    n, m = w.shape[-2], w.shape[-1]
    if m > n:  # Schur complement on the smaller side: solve the transposed system
        v, u = _kkt_inverse(
            xp.matrix_transpose(w), b, a, cg_tol=cg_tol, cg_max_iter=cg_max_iter, check_every=check_every, bk=bk
        )
        return u, v
    r = xp.sum(w, axis=-1)  # (..., n)
    c = xp.sum(w, axis=-2)  # (..., m)
    tiny = float(xp.finfo(w.dtype).smallest_normal)
    r_safe = xp.maximum(r, xp.full_like(r, tiny))

    alpha = xp.mean(c, axis=-1, keepdims=True)  # gauge term alpha * 1 1^T / m on the Schur complement
    # A sparse plan (c0/c1/c2) whose support graph is disconnected adds one gauge per component to
    # the null space. The right-hand sides are orthogonal to it only up to rounding, and CG would
    # blow that rounding up into huge potentials whose cancellation in u_i + v_j costs all digits
    # (seen under jit, where XLA rounds differently). A tiny ridge bounds them.
    ridge = float(xp.finfo(w.dtype).eps) ** 0.75 * alpha

    def matvec(x: tuple[Array, Array]) -> tuple[Array, Array]:  # K'
        u, v = x
        return (
            r_safe * u + w_matvec(w, v, xp=xp),
            wt_matvec(w, u, xp=xp) + c * v + alpha * xp.mean(v, axis=-1, keepdims=True) + ridge * v,
        )

    def solve_rows(w: Array, a: Array, b: Array, r: Array, c: Array, alpha: Array, ridge: Array) -> tuple[Array, Array]:
        return schur_complement_solve(
            w,
            a,
            b,
            r=r,
            c=c,
            alpha=alpha,
            ridge=ridge,
            tol=cg_tol,
            max_iter=cg_max_iter,
            check_every=check_every,
            bk=bk,
        )

    def solve(rhs: tuple[Array, Array]) -> tuple[Array, Array]:
        # one CG per row of the batch: a backend may run each device's rows on their own
        return bk.per_row(solve_rows, w, *rhs, r_safe, c, alpha, ridge, batch_ndim=w.ndim - 2)

    u, v = bk.linear_solve(matvec, (a, b), solve)
    return u, v


def _potentials_bwd(res: tuple[Any, ...], cts: Any, *, bk: Any, **static: Any) -> tuple[Any, ...]:
    """Cotangents ``(C_bar, mu_bar, nu_bar)`` from the potentials' cotangents: ``(u, v) = K'^{-1}
    P (f_bar, g_bar)``, ``C_bar = W (u_i + v_j)``, ``mu_bar = u``, ``nu_bar = v``."""
    xp = bk.xp
    (w,) = res
    f_bar, g_bar = cts[0], cts[1]
    f_bar = xp.zeros_like(w[..., :, 0]) if f_bar is None else f_bar
    g_bar = xp.zeros_like(w[..., 0, :]) if g_bar is None else g_bar
    # Remove the gauge component (1, -1) of the cotangent (it does not move the plan).
    f_bar, g_bar = _gauge_project(f_bar, g_bar, xp=xp)
    u, v = _kkt_inverse(
        w,
        f_bar,
        g_bar,
        cg_tol=static["cg_tol"],
        cg_max_iter=static["cg_max_iter"],
        check_every=static["check_every"],
        bk=bk,
    )
    c_bar = w * (u[..., :, None] + v[..., None, :])
    return c_bar, u, v


def _potentials_jvp(res: tuple[Any, ...], tangents: Any, *, bk: Any, **static: Any) -> tuple[Any, ...]:
    """Tangents of ``(f, g)`` (the transpose of :func:`_potentials_bwd`): differentiating
    ``Gamma 1 = mu``, ``Gamma^T 1 = nu`` gives ``K (df, dg) = (dmu + (W * dC) 1, dnu + (W * dC)^T 1)``,
    solved as ``(df, dg) = P K'^{-1} (...)``. ``n_iter`` has a zero tangent."""
    xp = bk.xp
    (w,) = res
    d_cost, d_mu, d_nu = tangents
    a = xp.zeros_like(w[..., :, 0]) if d_mu is None else xp.astype(d_mu, w.dtype)
    b = xp.zeros_like(w[..., 0, :]) if d_nu is None else xp.astype(d_nu, w.dtype)
    if d_cost is not None:
        wc = w * xp.astype(d_cost, w.dtype)
        a = a + xp.sum(wc, axis=-1)
        b = b + xp.sum(wc, axis=-2)
    u, v = _kkt_inverse(
        w,
        a,
        b,
        cg_tol=static["cg_tol"],
        cg_max_iter=static["cg_max_iter"],
        check_every=static["check_every"],
        bk=bk,
    )
    df, dg = _gauge_project(u, v, xp=xp)
    return df, dg, None


OT_POTENTIALS = VJPRule("ot_potentials", _potentials_fwd, _potentials_bwd, n_outputs=3, jvp=_potentials_jvp)


# --------------------------------------------------------------------------------------------
# Public projection.
# --------------------------------------------------------------------------------------------


def proj_transport_polytope(
    cost: Array,
    mu: Array,
    nu: Array,
    softness: Any = 0.1,
    mode: str = "smooth",
    *,
    bk: Any,
    use_entropic_ot_sinkhorn_on_entropic: bool = True,
    sinkhorn_tol: float = 1e-5,
    sinkhorn_max_iter: int = 10000,
    sinkhorn_anneal: bool = True,
    lbfgs_tol: float = 1e-5,
    lbfgs_max_iter: int = 10000,
    implicit_diff: bool = True,
    return_log_probs: bool = False,
    return_info: bool = False,
    check_every: int = 10,
    lbfgs_history: int = 10,
    dual: str = "auto",
    cg_tol: float | None = None,
    cg_max_iter: int | None = None,
) -> Any:
    r"""Regularised optimal-transport plan between ``mu`` and ``nu`` for ``cost`` (see module docstring).

    Args:
        cost: (..., n, m) cost matrices (any leading batch shape; solved together, no Python loop).
        mu: (..., n) row marginal, ``nu``: (..., m) column marginal (broadcastable; positive,
            equal totals; entries are floored at ``1e-12`` times the total).
        softness: ``lambda > 0`` (Python float or array broadcastable to ``cost``).
        mode: ``"smooth"`` (entropic), ``"c0"``, ``"c1"``, ``"c2"`` (p = 2, 3/2, 4/3).
        use_entropic_ot_sinkhorn_on_entropic: smooth mode solver: Sinkhorn (True) or L-BFGS (False).
        sinkhorn_tol, sinkhorn_max_iter: Sinkhorn L1 marginal tolerance and update budget.
        sinkhorn_anneal: epsilon scaling in Sinkhorn (same fixed point, far fewer updates for small
            softness; see :mod:`softcore.solvers.sinkhorn`).
        lbfgs_tol, lbfgs_max_iter: c0/c1/c2 (Newton or L-BFGS) and smooth-mode L-BFGS: L1
            marginal tolerance and objective-evaluation budget.
        implicit_diff: implicit-function-theorem gradients (True) or autodiff through exactly
            ``max_iter`` unrolled solver steps (False; for testing).
        return_log_probs: return ``log Gamma`` instead (smooth: ``(f + g - C) / lambda`` exactly;
            sparse modes: ``(q - 1) log [.]_+`` with exact ``-inf`` outside the support).
        return_info: also return an :class:`OTInfo` (marginal error, iterations, converged flag).
        check_every: solver steps between two convergence tests (one host sync each in torch).
        lbfgs_history: number of L-BFGS curvature pairs.
        dual: p-norm solver, ``"auto"``, ``"newton"`` (semi-smooth Newton, full dual),
            ``"full"`` or ``"semi"`` (L-BFGS; see :mod:`softcore.solvers.ot_dual`).
        cg_tol: relative residual of the CG solve in the backward (default ``1e-10`` in float64,
            ``1e-5`` otherwise).
        cg_max_iter: CG step budget in the backward (default ``2 min(n, m) + 100``).

    Returns:
        The plan ``Gamma`` (..., n, m) in the dtype of ``cost`` (or its log), and the
        :class:`OTInfo` if ``return_info``.
    """
    xp = bk.xp
    check_choice("mode", mode, OT_MODES)
    check_softness(softness)
    for name, flag in (
        ("use_entropic_ot_sinkhorn_on_entropic", use_entropic_ot_sinkhorn_on_entropic),
        ("implicit_diff", implicit_diff),
        ("sinkhorn_anneal", sinkhorn_anneal),
        ("return_log_probs", return_log_probs),
        ("return_info", return_info),
    ):
        check_bool(name, flag)
    sinkhorn_tol = _check_positive_float("sinkhorn_tol", sinkhorn_tol)
    lbfgs_tol = _check_positive_float("lbfgs_tol", lbfgs_tol)
    sinkhorn_max_iter = check_int("sinkhorn_max_iter", sinkhorn_max_iter, minimum=1)
    lbfgs_max_iter = check_int("lbfgs_max_iter", lbfgs_max_iter, minimum=1)
    check_every = check_int("check_every", check_every, minimum=1)
    lbfgs_history = check_int("lbfgs_history", lbfgs_history, minimum=1)
    check_choice("dual", dual, ("auto", "newton", "full", "semi"))
    if cost.ndim < 2:
        raise ValueError(f"cost must have at least 2 dimensions (..., n, m), got shape {tuple(cost.shape)}.")
    n, m = cost.shape[-2], cost.shape[-1]
    out_dtype = cost.dtype
    cd = _compute_dtype(cost.dtype, xp=xp)
    if cg_tol is None:
        cg_tol = 1e-10 if cd == xp.float64 else 1e-5
    cg_tol = _check_positive_float("cg_tol", cg_tol)
    cg_max_iter = 2 * min(n, m) + 100 if cg_max_iter is None else check_int("cg_max_iter", cg_max_iter, minimum=1)

    cost_c = xp.astype(cost, cd)
    softness = float(softness) if isinstance(softness, numbers.Real) else xp.astype(softness, cd)
    scaled = cost_c / softness  # unit-softness problem
    batch = scaled.shape[:-2]
    mu_c = _floor_marginal(xp.broadcast_to(xp.astype(mu, cd), (*batch, n)), xp=xp)
    nu_c = _floor_marginal(xp.broadcast_to(xp.astype(nu, cd), (*batch, m)), xp=xp)
    total = (xp.sum(mu_c, axis=-1, keepdims=True) + xp.sum(nu_c, axis=-1, keepdims=True)) / 2
    mu_c = mu_c * (total / xp.sum(mu_c, axis=-1, keepdims=True))
    nu_c = nu_c * (total / xp.sum(nu_c, axis=-1, keepdims=True))

    q = _Q[mode]
    if q is None and use_entropic_ot_sinkhorn_on_entropic:
        solver, tol, max_iter = "sinkhorn", sinkhorn_tol, sinkhorn_max_iter
    else:
        solver, tol, max_iter = "lbfgs", lbfgs_tol, lbfgs_max_iter
    static = {
        "solver": solver,
        "q": q,
        "tol": tol,
        "max_iter": max_iter,
        "check_every": check_every,
        "history": lbfgs_history,
        "dual": dual,
        "anneal": sinkhorn_anneal,
    }
    if implicit_diff:
        f, g, n_iter = bk.custom_vjp(OT_POTENTIALS)(
            scaled, mu_c, nu_c, cg_tol=cg_tol, cg_max_iter=cg_max_iter, **static
        )
    else:
        f, g, n_iter = _solve_potentials(scaled, mu_c, nu_c, unrolled=True, bk=bk, **static)  # type: ignore[arg-type]

    t = f[..., :, None] + g[..., None, :] - scaled  # (..., n, m)
    support = t > 0
    if q == 2:
        # Entries with 0 < t <= thr (outside the rule's W, see _c0_support) keep their value, so the
        # marginals hold, but no derivative (the implicit system treats them as inactive).
        t = xp.where(_c0_support(f, g, scaled, xp=xp), t, bk.stop_gradient(t))
    if q is None:
        plan = xp.exp(t)
    elif q == 2:
        plan = xp.where(support, t, xp.zeros_like(t))
    else:
        tp = xp.maximum(t, xp.zeros_like(t))
        plan = tp * tp if q == 3 else tp * tp * tp

    if return_log_probs:
        if q is None:
            out = t
        else:
            out = (q - 1) * safe_where(support, t, xp.log, 1.0, xp.full_like(t, -float("inf")), xp=xp)
    else:
        out = plan
    out = xp.astype(out, out_dtype)
    if not return_info:
        return out
    sg = bk.stop_gradient
    err = xp.sum(xp.abs(xp.sum(sg(plan), axis=-1) - mu_c), axis=-1) + xp.sum(
        xp.abs(xp.sum(sg(plan), axis=-2) - nu_c), axis=-1
    )
    info = OTInfo(marginal_error=err, n_iter=sg(n_iter), converged=err <= tol)
    return out, info


def _floor_marginal(a: Array, *, xp: Any) -> Array:
    floor = _MARGINAL_FLOOR * xp.sum(a, axis=-1, keepdims=True)
    return xp.maximum(a, floor)
