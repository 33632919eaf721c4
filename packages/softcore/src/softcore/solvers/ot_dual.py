r"""Dual solvers for regularised optimal transport (p-norm and entropic): semi-smooth Newton, L-BFGS.

All problems are written with **unit regularisation**: callers divide the cost by the softness
``lambda`` first (the plan is unchanged and derivatives with respect to the softness come from
that division). With ``t_ij = f_i + g_j - C_ij`` the duals are

* p-norm (``p = 2, 3/2, 4/3``, ``q = p / (p - 1) = 2, 3, 4``):

  .. math::
      \max_{f,g}\; \mu^\top f + \nu^\top g - \tfrac1q \sum_{ij} [t_{ij}]_+^q, \qquad
      \Gamma_{ij} = [t_{ij}]_+^{q-1};

* entropic: :math:`\max_{f,g} \mu^\top f + \nu^\top g - \sum_{ij} e^{t_{ij}}`,
  :math:`\Gamma_{ij} = e^{t_{ij}}`.

In both, the gradient is the marginal violation ``(mu - Gamma 1, nu - Gamma^T 1)`` and the
optimality conditions are ``Gamma 1 = mu``, ``Gamma^T 1 = nu``.

The p-norm duals have three solvers (``dual=``):

``newton``
    Semi-smooth (for ``q = 2``; ordinary for ``q = 3, 4``) damped Newton on ``(f, g)``
    (:func:`pnorm_ot_newton`): the Hessian ``[[diag(W 1), W], [W^T, diag(W^T 1)]]``, ``W = d Gamma
    / dt``, is inverted inexactly by CG on its Schur complement (two passes over ``W`` per CG step).

and two L-BFGS formulations (:func:`softcore.solvers.lbfgs.lbfgs_minimize`; the entropic dual
uses the semi-dual):

``full``
    L-BFGS on ``(f, g)`` jointly (``d = n + m``), started from ``g = 0`` and the exact ``f(g)``.
``semi``
    L-BFGS on ``g`` only (``d = m``), with ``f`` eliminated exactly row by row. For the entropic
    dual ``f(g) = log mu - LSE_j(g_j - C_ij)``; for the p-norm duals ``f_i(g)`` is the root of
    ``sum_j [f_i - (C_ij - g_j)]_+^{q-1} = mu_i``, found in closed form after sorting the row
    (the transport analogue of the sparsemax / p-norm simplex projections), then polished by one
    Newton step. The semi-dual is far better conditioned when ``m`` (or, transposed, ``n``) is
    small compared with the other side (``argmax``: ``m = 2``; ``top_k``: ``m = k + 1``).

Objective evaluations (each one or two passes over the ``n x m`` cost) to reach an L1 marginal
error of 1e-5, measured with a float64 NumPy prototype of these algorithms on sorting and argmax
costs (``x`` standardised normal samples, ``lam`` the softness):

=====================  ======  =================  ======================
problem                solver  q = 2 / 3 / 4      entropic
=====================  ======  =================  ======================
sort n=256, lam=0.1    full    413 / 100 / 81     27 (Sinkhorn: 6)
sort n=256, lam=0.1    semi    259 / 56 / 31 (*)  8
argmax n=256, lam=0.1  full    628 / 315 / 276    81
argmax n=256, lam=0.1  semi    45 / 12 / 7        11
=====================  ======  =================  ======================

(*) each semi-dual p-norm evaluation also sorts the rows, which costs more than a pass when
``m`` is large; ``dual="auto"`` therefore picks ``semi`` when ``4 min(n, m) <= max(n, m)``, and
``newton`` otherwise (issue 5). Measured with this module (NumPy backend) on the ``argsort``
problem (``x`` squashed standardised normal samples, anchors ``j / (n - 1)``, uniform marginals,
softness 0.1, tolerance 1e-5 on the L1 marginal error, i.e. ``5e-6`` for the solver):

========  ========================  ===================================  ==================
n, dtype  mode (q)                  newton: evaluations / CG steps, err  full: evals, err
========  ========================  ===================================  ==================
64, f64   c0 / c1 / c2              26 / 217, 3e-7; 13 / 82; 10 / 63      198; 64; 42
256, f64  c0 / c1 / c2              28 / 591, 2e-6; 12 / 143; 10 / 95     448; 123; 70
256, f32  c0 (round-off floor)      69 / 1205, 1.4e-5                     1109, 1.7e-5
========  ========================  ===================================  ==================

Jitted JAX (CPU, float32, batch 1) ``argsort`` c0 forward: 2 / 42 / 920 ms at n = 64 / 256 /
1024 with ``newton`` against 12 / 470 ms (n = 64 / 256) with ``full``; the L1 marginal error
reached is 4e-6 / 1.4e-5 / 1.2e-4, the float32 round-off floor of the c0 plan beyond n = 64
(float64 reaches 3e-7 / 2e-6 / 3e-7, and c1 / c2 reach 1e-5 in float32 up to n = 1024). For
small softness the entropic semi-dual needs far fewer passes than Sinkhorn (sort n=256,
lam=1e-3: 45 evaluations against 826 Sinkhorn updates, 411 with epsilon scaling).

Precision: everything runs in the dtype of ``cost`` (callers upcast float16/bfloat16).
"""

from __future__ import annotations

from typing import Any

from softcore._arrays import cumsum, device
from softcore._numerics import logsumexp
from softcore.solvers.cg import cg_solve
from softcore.solvers.lbfgs import lbfgs_minimize
from softcore.solvers.newton import newton_minimize

__all__ = [
    "dual_weights",
    "entropic_ot_lbfgs",
    "plan_from_potentials",
    "pnorm_ot_lbfgs",
    "pnorm_ot_newton",
    "pnorm_row_solve",
    "resolve_dual",
]

Array = Any


def _pow(t: Array, k: int) -> Array:
    """``t ** k`` for a small static integer ``k >= 0`` by multiplication (exact derivative at 0)."""
    if k == 0:
        return t * 0 + 1
    out = t
    for _ in range(k - 1):
        out = out * t
    return out


def _slack_t(f: Array, g: Array, cost: Array) -> Array:
    return f[..., :, None] + g[..., None, :] - cost  # (..., n, m)


def plan_from_potentials(f: Array, g: Array, cost: Array, q: int | None, *, xp: Any) -> Array:
    """``Gamma = exp(t)`` (``q=None``, entropic) or ``[t]_+^{q-1}``, ``t = f + g - C`` -> (..., n, m)."""
    t = _slack_t(f, g, cost)
    if q is None:
        return xp.exp(t)
    return _pow(xp.maximum(t, xp.zeros_like(t)), q - 1)


def dual_weights(f: Array, g: Array, cost: Array, q: int | None, *, xp: Any) -> Array:
    """``W = d Gamma / d t``: ``exp(t)`` (entropic) or ``(q - 1) [t]_+^{q-2}`` (``1[t > 0]`` for q=2)."""
    t = _slack_t(f, g, cost)
    if q is None:
        return xp.exp(t)
    if q == 2:
        return xp.astype(t > 0, t.dtype)
    return (q - 1) * _pow(xp.maximum(t, xp.zeros_like(t)), q - 2)


def _newton_polish(h: Array, b: Array, mu: Array, p: int, *, xp: Any) -> Array:
    """One Newton step on ``phi(h) = sum_j [h - b_j]_+^p - mu`` (convex, increasing)."""
    r = xp.maximum(h[..., None] - b, xp.zeros_like(b))
    phi = xp.sum(_pow(r, p), axis=-1) - mu
    dphi = p * xp.sum(_pow(r, p - 1) if p > 1 else xp.astype(r > 0, r.dtype), axis=-1)
    ok = dphi > 0
    return h - xp.where(ok, phi / xp.where(ok, dphi, xp.ones_like(dphi)), xp.zeros_like(phi))


def _cubic_root(p_coef: Array, q_coef: Array, *, xp: Any) -> Array:
    """Real root of ``u^3 + P u + Q = 0`` for ``P >= 0`` (hyperbolic Cardano, cube-root fallback)."""
    p_safe = xp.where(p_coef > 0, p_coef, xp.ones_like(p_coef))
    z = 1.5 * 3**0.5 * xp.abs(q_coef) / (p_safe * xp.sqrt(p_safe))
    use_sinh = (p_coef > 0) & (z < 1e12)
    z_safe = xp.where(use_sinh, z, xp.zeros_like(z))
    sgn = xp.where(q_coef >= 0, xp.ones_like(q_coef), -xp.ones_like(q_coef))
    u_sinh = -sgn * 2 * xp.sqrt(p_safe / 3) * xp.sinh(xp.asinh(z_safe) / 3)
    mag = xp.abs(q_coef)
    mag_safe = xp.where(mag > 0, mag, xp.ones_like(mag))
    u_cbrt = xp.where(mag > 0, -sgn * mag_safe ** (1 / 3), xp.zeros_like(mag))
    return xp.where(use_sinh, u_sinh, u_cbrt)


def pnorm_row_solve(a: Array, mu: Array, q: int, *, xp: Any) -> Array:
    r"""Solve :math:`\sum_j [f - a_j]_+^{q-1} = \mu` for ``f`` along the last axis.

    ``a`` is (..., m), ``mu`` (...,) positive -> ``f`` (...,). Sort ``a`` ascending and shift by its
    minimum (``b = a_sorted - a_(1) >= 0``); for each support size ``k`` the equation restricted to
    the ``k`` smallest entries has the closed-form root ``h_k`` (with ``S_r = sum_{l<=k} b_l^r``,
    central moments ``M_2``, ``M_3`` about the mean ``m_k``):

    * q = 2: ``h_k = (mu + S_1) / k``
    * q = 3: ``h_k = m_k + sqrt((mu - M_2) / k)``
    * q = 4: ``h_k = m_k + u`` with ``u^3 + (3 M_2 / k) u - (mu + M_3) / k = 0``

    The support is the largest ``k`` with ``b_(k) < h_k``; a final Newton step on the full
    equation removes the round-off of the moment formulas.
    """
    p = q - 1
    a_sorted = xp.sort(a, axis=-1, stable=True)
    a0 = a_sorted[..., :1]
    b = a_sorted - a0  # (..., m) >= 0
    m = a.shape[-1]
    k = xp.arange(1, m + 1, dtype=a.dtype, device=device(a))  # (m,)
    mu_e = mu[..., None]
    s1 = cumsum(b, xp=xp)
    if p == 1:
        h = (mu_e + s1) / k
    else:
        mean = s1 / k
        s2 = cumsum(b * b, xp=xp)
        m2 = xp.maximum(s2 - s1 * mean, xp.zeros_like(s2))
        if p == 2:
            h = mean + xp.sqrt(xp.maximum(mu_e - m2, xp.zeros_like(m2)) / k)
        else:
            s3 = cumsum(b * b * b, xp=xp)
            m3 = s3 - 3 * mean * s2 + 2 * k * mean * mean * mean
            h = mean + _cubic_root(3 * m2 / k, -(mu_e + m3) / k, xp=xp)
    valid = b < h  # (..., m): k-th smallest strictly inside the support
    score = xp.where(valid, xp.broadcast_to(k, valid.shape), xp.zeros_like(h))
    k_star = xp.argmax(score, axis=-1, keepdims=True)  # largest valid k (index k - 1)
    h_star = xp.take_along_axis(h, k_star, axis=-1)[..., 0]
    if p > 1:
        h_star = _newton_polish(h_star, b, mu, p, xp=xp)
    return h_star + a0[..., 0]


def resolve_dual(dual: str, n: int, m: int) -> str:
    """``"auto"`` -> ``"semi"`` if ``4 min(n, m) <= max(n, m)`` else ``"newton"``."""
    if dual != "auto":
        return dual
    return "semi" if 4 * min(n, m) <= max(n, m) else "newton"


def _swap(cost: Array, mu: Array, nu: Array, *, xp: Any) -> tuple[Array, Array, Array]:
    return xp.matrix_transpose(cost), nu, mu


def pnorm_ot_lbfgs(
    cost: Array,
    mu: Array,
    nu: Array,
    q: int,
    *,
    tol: float,
    max_iter: int,
    history: int = 10,
    check_every: int = 10,
    dual: str = "auto",
    unrolled: bool = False,
    bk: Any,
) -> tuple[Array, Array, Array]:
    """Solve the p-norm regularised OT dual (unit softness); returns ``(f, g, n_eval)``.

    ``cost`` (..., n, m), ``mu`` (..., n), ``nu`` (..., m) positive with equal sums. ``dual`` is
    ``"full"``, ``"semi"`` or ``"auto"`` (see the module docstring). ``tol`` bounds the L1 norm
    of the L-BFGS gradient (the marginal violation).
    """
    xp = bk.xp
    n, m = cost.shape[-2], cost.shape[-1]
    kind = resolve_dual(dual, n, m)
    if kind == "newton":  # this function is L-BFGS only: "auto" on a square-ish problem -> full
        kind = "full"
    if kind == "semi" and n < m:  # eliminate the larger side: solve the transposed problem
        g, f, n_eval = pnorm_ot_lbfgs(
            *_swap(cost, mu, nu, xp=xp),
            q,
            tol=tol,
            max_iter=max_iter,
            history=history,
            check_every=check_every,
            dual="semi",
            unrolled=unrolled,
            bk=bk,
        )
        return f, g, n_eval

    def energy_terms(f: Array, g: Array) -> tuple[Array, Array, Array]:
        tp = xp.maximum(_slack_t(f, g, cost), xp.zeros_like(cost))
        gam = _pow(tp, q - 1)
        energy = xp.sum(xp.sum(gam * tp, axis=-1), axis=-1) / q
        lin = xp.sum(mu * f, axis=-1) + xp.sum(nu * g, axis=-1)
        return gam, energy - lin, energy + xp.abs(xp.sum(mu * f, axis=-1)) + xp.abs(xp.sum(nu * g, axis=-1))

    if kind == "full":

        def objective(x: Array) -> tuple[Array, Array, Array]:
            f, g = x[..., :n], x[..., n:]
            gam, value, scale = energy_terms(f, g)
            grad = xp.concat([xp.sum(gam, axis=-1) - mu, xp.sum(gam, axis=-2) - nu], axis=-1)
            return value, grad, scale

        f0, g0 = _alternating_start(cost, mu, nu, q, bk=bk)
        state = lbfgs_minimize(
            objective,
            xp.concat([f0, g0], axis=-1),
            tol=tol,
            max_iter=max_iter,
            history=history,
            check_every=check_every,
            unrolled=unrolled,
            bk=bk,
        )
        return state.x[..., :n], state.x[..., n:], state.n_eval

    def row_potential(g: Array) -> Array:
        return pnorm_row_solve(cost - g[..., None, :], mu, q, xp=xp)

    def semi_objective(g: Array) -> tuple[Array, Array, Array]:
        f = row_potential(g)
        gam, value, scale = energy_terms(f, g)
        return value, xp.sum(gam, axis=-2) - nu, scale

    state = lbfgs_minimize(
        semi_objective,
        xp.zeros_like(nu),
        tol=tol,
        max_iter=max_iter,
        history=history,
        check_every=check_every,
        unrolled=unrolled,
        bk=bk,
    )
    return row_potential(state.x), state.x, state.n_eval


#: Patiences of the Newton solver (see :mod:`softcore.solvers.newton`): the damped phase of the
#: semi-smooth (q = 2) dual can backtrack many times in a row and take a hundred evaluations
#: between 10% improvements of the error (measured: c0 argsort, n = 256, softness 0.01, float64
#: converges with these; the defaults 10 / 50 stop it at an error of 0.5, 20 / 100 only just pass).
NEWTON_STALL_PATIENCE = 40
NEWTON_IDLE_PATIENCE = 200
#: Levenberg-Marquardt ridge of the Newton system, relative to the mean column weight and to the
#: current L1 marginal error (floored at ``eps^(3/4)``): it vanishes at the solution (superlinear
#: convergence kept) and bounds the early steps along the extra gauges of a disconnected support.
NEWTON_RIDGE = 1e-2
#: Block-coordinate sweeps of :func:`_alternating_start` before Newton (each sorts every row and
#: column; more sweeps did not reduce the Newton work measurably).
NEWTON_WARM_SWEEPS = 1


def _schur_newton_solve(
    w: Array, a: Array, b: Array, *, ridge: Array, rel_tol: Array, max_iter: int, check_every: int, bk: Any
) -> tuple[Array, Array]:
    r"""Approximately solve the generalised Newton system of the full dual,

    .. math::
        \begin{pmatrix} \operatorname{diag}(r) & W \\ W^\top & \operatorname{diag}(c)\end{pmatrix}
        \begin{pmatrix} u \\ v\end{pmatrix} = \begin{pmatrix} a \\ b\end{pmatrix},\qquad
        r = W 1,\ c = W^\top 1,

    through its Schur complement on the smaller side, ``S = diag(c) - W^T diag(1/r) W`` (a
    weighted graph Laplacian of the support, positive semi-definite), by Jacobi-preconditioned CG
    to the relative residual ``rel_tol`` (..., ) (an inexact Newton step; CG from 0 truncated at
    ``max_iter`` steps still gives a descent direction). The gauge ``(1, -1)`` is fixed by adding
    ``alpha 1 1^T / m`` (``alpha = mean(c)``) to ``S``, and a ridge ``ridge * alpha`` (``ridge``
    (...,) relative) bounds the step on the extra gauges of a disconnected support and on rows whose
    support is empty (``r_i = 0`` is floored at it). Matrix-vector products cost one pass over
    ``W`` each.
    """
    xp = bk.xp
    n, m = w.shape[-2], w.shape[-1]
    if m > n:
        v, u = _schur_newton_solve(
            xp.matrix_transpose(w),
            b,
            a,
            ridge=ridge,
            rel_tol=rel_tol,
            max_iter=max_iter,
            check_every=check_every,
            bk=bk,
        )
        return u, v
    c = xp.sum(w, axis=-2)  # (..., m)
    alpha = xp.mean(c, axis=-1, keepdims=True)
    alpha = xp.where(alpha > 0, alpha, xp.ones_like(alpha))
    ridge = ridge[..., None] * alpha
    r = xp.maximum(xp.sum(w, axis=-1), ridge)  # (..., n)
    return schur_complement_solve(
        w, a, b, r=r, c=c, alpha=alpha, ridge=ridge, tol=rel_tol, max_iter=max_iter, check_every=check_every, bk=bk
    )


def w_matvec(w: Array, v: Array, *, xp: Any) -> Array:
    """``W v``: (..., n, m), (..., m) -> (..., n), as a matmul (far faster than broadcast-and-sum)."""
    return xp.matmul(w, v[..., None])[..., 0]


def wt_matvec(w: Array, u: Array, *, xp: Any) -> Array:
    """``W^T u``: (..., n, m), (..., n) -> (..., m), as a matmul."""
    return xp.matmul(u[..., None, :], w)[..., 0, :]


def schur_complement_solve(
    w: Array,
    a: Array,
    b: Array,
    *,
    r: Array,
    c: Array,
    alpha: Array,
    ridge: Array,
    tol: Any,
    max_iter: int,
    check_every: int,
    bk: Any,
) -> tuple[Array, Array]:
    r"""Solve ``[[diag(r), W], [W^T, diag(c) + alpha 1 1^T / m + ridge I]] (u, v) = (a, b)`` through
    the Schur complement ``S v = b - W^T (a / r)``, ``S = diag(c) - W^T diag(1/r) W + alpha 1 1^T / m
    + ridge I``, by Jacobi-preconditioned CG (relative residual ``tol``), then ``u = (a - W v) / r``.

    The one KKT solver of the OT duals: the Newton directions (:func:`_schur_newton_solve`) and the
    implicit backward (:func:`softcore.projections.transport._kkt_inverse`) differ only in how
    they choose ``r`` (floored ``W 1``), ``alpha`` (..., 1) and ``ridge`` (..., 1). ``w`` (..., n, m)
    with ``n >= m`` (the callers transpose otherwise); ``c = W^T 1``."""
    xp = bk.xp
    m = w.shape[-1]

    def schur(v: Array) -> Array:
        return (
            c * v
            - wt_matvec(w, w_matvec(w, v, xp=xp) / r, xp=xp)
            + alpha * xp.mean(v, axis=-1, keepdims=True)
            + ridge * v
        )

    diag = c - xp.sum(w * w / r[..., :, None], axis=-2) + alpha / m + ridge
    sol = cg_solve(
        schur,
        b - wt_matvec(w, a / r, xp=xp),
        precond=xp.maximum(diag, 1e-3 * alpha),
        tol=tol,
        max_iter=max_iter,
        check_every=check_every,
        bk=bk,
    )
    v = sol.x
    return (a - w_matvec(w, v, xp=xp)) / r, v


def pnorm_ot_newton(
    cost: Array,
    mu: Array,
    nu: Array,
    q: int,
    *,
    tol: float,
    max_iter: int,
    check_every: int = 10,
    cg_max_iter: int | None = None,
    bk: Any,
) -> tuple[Array, Array, Array]:
    r"""Solve the p-norm regularised OT dual (unit softness) by semi-smooth Newton on ``(f, g)``.

    Minimises the negated full dual ``h(f, g) = (1/q) sum [t]_+^q - mu.f - nu.g`` (``t_ij = f_i +
    g_j - C_ij``) with :func:`softcore.solvers.newton.newton_minimize` (damped Newton, Armijo
    backtracking, best iterate returned). ``grad h = (Gamma 1 - mu, Gamma^T 1 - nu)`` and the
    (generalised, for ``q = 2``) Hessian is

    .. math::
        \nabla^2 h = \begin{pmatrix} \operatorname{diag}(W 1) & W \\
        W^\top & \operatorname{diag}(W^\top 1)\end{pmatrix},\qquad
        W = (q - 1) [t]_+^{q-2}\quad (W = 1[t > 0] \text{ for } q = 2),

    the same matrix as the implicit backward of :mod:`softcore.projections.transport` (Lorenz,
    Manns & Meyer 2019 for ``q = 2``: the dual gradient is semi-smooth, so Newton converges
    locally superlinearly). Each direction is an inexact solve by :func:`_schur_newton_solve` with
    the forcing term ``min(0.1, sqrt(||grad||_1))`` and the ridge :data:`NEWTON_RIDGE`
    ``||grad||_1``, shortened to move no potential by more than the span of the cost plus one; the
    start is :func:`_alternating_start`.
    ``tol`` bounds ``||grad||_1``, the L1 marginal violation; ``max_iter`` counts objective
    evaluations (line-search trials included), not CG steps (at most ``cg_max_iter`` per
    direction, default ``2 min(n, m) + 100``). Returns ``(f, g, n_eval)``.
    """
    xp = bk.xp
    n, m = cost.shape[-2], cost.shape[-1]
    cg_steps = 2 * min(n, m) + 100 if cg_max_iter is None else cg_max_iter

    def objective(x: Array) -> tuple[Array, Array, Array, tuple[Array, ...]]:
        f, g = x[..., :n], x[..., n:]
        tp = xp.maximum(_slack_t(f, g, cost), xp.zeros_like(cost))
        gam = _pow(tp, q - 1)
        lin_f, lin_g = xp.sum(mu * f, axis=-1), xp.sum(nu * g, axis=-1)
        energy = xp.sum(xp.sum(gam * tp, axis=-1), axis=-1) / q
        grad = xp.concat([xp.sum(gam, axis=-1) - mu, xp.sum(gam, axis=-2) - nu], axis=-1)
        return energy - lin_f - lin_g, grad, energy + xp.abs(lin_f) + xp.abs(lin_g), (x,)

    # No potential ever needs to move by more than the span of the cost: longer steps are scaled
    # down to it (they arise along the near-null directions of a disconnected support).
    span = xp.max(xp.max(cost, axis=-1), axis=-1) - xp.min(xp.min(cost, axis=-1), axis=-1) + 1  # (...,)
    ridge_floor = float(xp.finfo(cost.dtype).eps) ** 0.75

    def direction(grad: Array, aux: tuple[Array, ...]) -> Array:
        x = aux[0]
        w = dual_weights(x[..., :n], x[..., n:], cost, q, xp=xp)
        err = xp.sum(xp.abs(grad), axis=-1)
        u, v = _schur_newton_solve(
            w,
            -grad[..., :n],
            -grad[..., n:],
            ridge=xp.maximum(NEWTON_RIDGE * err, xp.full_like(err, ridge_floor)),
            rel_tol=xp.minimum(xp.sqrt(err), xp.full_like(err, 0.1)),
            max_iter=cg_steps,
            check_every=check_every,
            bk=bk,
        )
        d = xp.concat([u, v], axis=-1)
        longest = xp.max(xp.abs(d), axis=-1)
        shrink = xp.where(longest > span, span / xp.where(longest > span, longest, span), xp.ones_like(span))
        return d * shrink[..., None]

    f0, g0 = _alternating_start(cost, mu, nu, q, sweeps=NEWTON_WARM_SWEEPS, bk=bk)
    state = newton_minimize(
        objective,
        direction,
        xp.concat([f0, g0], axis=-1),
        n_aux=1,
        tol=tol,
        max_iter=max_iter,
        check_every=check_every,
        stall_patience=NEWTON_STALL_PATIENCE,
        idle_patience=NEWTON_IDLE_PATIENCE,
        bk=bk,
    )
    return state.x[..., :n], state.x[..., n:], state.n_eval


#: Exact block-coordinate sweeps (``f <- rows(g)``, ``g <- cols(f)``) before L-BFGS.
WARM_SWEEPS = 10


def _alternating_start(
    cost: Array, mu: Array, nu: Array, q: int, *, sweeps: int = WARM_SWEEPS, bk: Any
) -> tuple[Array, Array]:
    """Start potentials from ``sweeps`` (L-BFGS: :data:`WARM_SWEEPS`) rounds of exact block maximisation of the dual.

    Each half-step solves every row (column) marginal exactly with the other potential fixed: the
    p-norm analogue of a Sinkhorn update, monotone in the dual objective. It gives every row and
    column its support before L-BFGS starts; from ``g = 0`` a column (or row) with no mass sits on a
    flat, linear piece of the dual where quasi-Newton steps, scaled by the curvature of the other
    coordinates, crawl (seen at softness <= 3e-3: L-BFGS stalled with whole columns empty).
    """
    xp = bk.xp
    cost_t = xp.matrix_transpose(cost)
    g0 = xp.zeros_like(nu * cost[..., 0, :])  # (..., m)

    def sweep(_: Any, g: Array) -> Array:
        f = pnorm_row_solve(cost - g[..., None, :], mu, q, xp=xp)
        return pnorm_row_solve(cost_t - f[..., None, :], nu, q, xp=xp)

    g = bk.fori_loop(0, sweeps, sweep, g0)
    return pnorm_row_solve(cost - g[..., None, :], mu, q, xp=xp), g


def entropic_ot_lbfgs(
    cost: Array,
    log_mu: Array,
    log_nu: Array,
    *,
    tol: float,
    max_iter: int,
    history: int = 10,
    check_every: int = 10,
    unrolled: bool = False,
    bk: Any,
) -> tuple[Array, Array, Array]:
    r"""Entropic OT (unit softness) by L-BFGS on the semi-dual in ``g``; returns ``(f, g, n_eval)``.

    With ``f(g) = log mu - LSE_j(g_j - C_ij)`` (exact row marginals) the semi-dual is
    ``min_g -mu.f(g) - nu.g`` with gradient ``Gamma^T 1 - nu``. When ``n < m`` the transposed
    problem is solved instead (the smaller side is the L-BFGS variable).
    """
    xp = bk.xp
    n, m = cost.shape[-2], cost.shape[-1]
    if n < m:
        g, f, n_eval = entropic_ot_lbfgs(
            xp.matrix_transpose(cost),
            log_nu,
            log_mu,
            tol=tol,
            max_iter=max_iter,
            history=history,
            check_every=check_every,
            unrolled=unrolled,
            bk=bk,
        )
        return f, g, n_eval
    mu, nu = xp.exp(log_mu), xp.exp(log_nu)

    def row_potential(g: Array) -> Array:
        return log_mu - logsumexp(g[..., None, :] - cost, axis=-1, xp=xp)

    def objective(g: Array) -> tuple[Array, Array, Array]:
        f = row_potential(g)
        plan = xp.exp(_slack_t(f, g, cost))
        lin_f, lin_g = xp.sum(mu * f, axis=-1), xp.sum(nu * g, axis=-1)
        scale = xp.abs(lin_f) + xp.abs(lin_g) + xp.sum(mu, axis=-1)
        return -lin_f - lin_g, xp.sum(plan, axis=-2) - nu, scale

    g0 = log_nu - logsumexp(-cost, axis=-2, xp=xp)
    state = lbfgs_minimize(
        objective,
        g0,
        tol=tol,
        max_iter=max_iter,
        history=history,
        check_every=check_every,
        unrolled=unrolled,
        bk=bk,
    )
    return row_potential(state.x), state.x, state.n_eval
