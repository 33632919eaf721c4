r"""Batched L-BFGS written as a state machine: one objective evaluation per loop step.

Minimises a smooth convex objective ``h(x)`` independently for every row of a batch
(``x`` is ``(..., d)``). Each loop step evaluates ``h`` once, at the trial point
``x + step * direction``:

* if the (slackened) Armijo condition
  ``h(x_t) <= h(x) + c1 step grad.direction + slack`` holds, the trial point is accepted, the
  curvature pair ``(s, y)`` is pushed into the history (when ``s.y > 0``), a new direction is
  computed (the two-loop recursion's result, evaluated in compact form) with the initial scaling
  ``gamma = s.y / y.y`` and the step is reset to 1;
* otherwise the step is halved (divided by 10 when ``h(x_t)`` is not finite) and the direction
  kept (backtracking).

The line search therefore costs no inner loop and no extra host synchronisation. ``slack`` is
``8 eps * scale`` where ``scale`` is a magnitude returned by the objective: in float32 the
objective of a transport dual is only known to ``eps * |h|``, and without the slack the
backtracking would stall before the gradient tolerance is met. If the step underflows
(``step < 1e-10``) or the direction is not a descent direction, the history is cleared and the
method restarts from steepest descent.

Convergence: a row freezes once ``||grad||_1 <= tol`` (for the transport duals this is the L1
marginal violation), or when ``||grad||_1`` has not improved by 10% during
``max(STALL_PATIENCE, 2 d)`` evaluations (in float32 and below: :data:`STALL_PATIENCE_NEAR`
evaluations once it is below ``100 tol``). This detects stagnation at the round-off floor; the
patience is long because L-BFGS on the sparse (c0) duals can plateau for hundreds of evaluations; the loop
ends when every row is
frozen or after ``max_iter`` evaluations. The returned ``x`` is the best iterate (smallest
``||grad||_1``) seen. Results do not depend on the batch composition.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from softcore._arrays import device

__all__ = ["STALL_PATIENCE", "STALL_PATIENCE_NEAR", "LBFGSState", "lbfgs_minimize"]

#: A row stops after ``max(STALL_PATIENCE, 2 d)`` evaluations without improving ``||grad||_1`` by
#: 10% (stagnation).
STALL_PATIENCE = 500
#: ... or this many once ``||grad||_1 <= 100 tol`` in single (or lower) precision, where a stall
#: close to the target is the round-off floor.
STALL_PATIENCE_NEAR = 500

Array = Any
# objective(x) -> (value (...), grad (..., d), scale (...)); scale >= 0 bounds the magnitude of
# the terms summed in `value` (used for the round-off slack of the Armijo test).
Objective = Callable[[Array], tuple[Array, Array, Array]]


class LBFGSState(NamedTuple):
    x: Array  # (..., d) current iterate
    value: Array  # (...,)
    grad: Array  # (..., d)
    scale: Array  # (...,) magnitude of the objective's terms at x
    direction: Array  # (..., d)
    step: Array  # (...,) trial step along `direction`
    s_hist: Array  # (..., M, d) oldest first
    y_hist: Array  # (..., M, d)
    rho_hist: Array  # (..., M) 1 / s.y, 0 for empty slots
    err: Array  # (...,) ||grad||_1
    n_eval: Array  # (...,) objective evaluations spent on the row (dtype of x)
    x_best: Array  # (..., d) iterate with the smallest err so far
    err_best: Array  # (...,)
    err_ref: Array  # (...,) err when the stall counter was last reset
    stall: Array  # (...,) evaluations since err last improved by 10%


def _vdot(a: Array, b: Array, *, xp: Any) -> Array:
    return xp.sum(a * b, axis=-1)


def _direction(grad: Array, s_hist: Array, y_hist: Array, rho_hist: Array, *, xp: Any) -> Array:
    r"""``-H grad`` for the L-BFGS inverse-Hessian approximation, in compact form.

    Byrd, Nocedal & Schnabel (1994): with ``S``, ``Y`` the (M, d) histories, ``R`` the upper
    triangle of ``S Y^T``, ``D`` its diagonal and ``H_0 = gamma I`` (``gamma = s.y / y.y`` of the
    newest pair),

    .. math::
        H g = \gamma g + S^\top z - \gamma Y^\top p,\quad R p = S g,\quad
        R^\top z = (D + \gamma Y Y^\top) p - \gamma Y g .

    This equals the two-loop recursion but costs a fixed dozen batched array operations (two
    small (M, M) solves) instead of ``4 M`` sequential ones. Empty slots (``rho = 0``, zero
    vectors) get a unit diagonal in ``R``, which makes them inert.
    """
    m = s_hist.shape[-2]
    dev = device(grad)
    idx = xp.arange(m, device=dev)
    upper = idx[:, None] <= idx[None, :]  # (M, M)
    eye = idx[:, None] == idx[None, :]
    zeros = xp.zeros_like(rho_hist[..., None] * rho_hist[..., None, :])  # (..., M, M)
    ones = zeros + 1
    sy = xp.matmul(s_hist, xp.matrix_transpose(y_hist))  # (..., M, M): s_i . y_j
    yy = xp.matmul(y_hist, xp.matrix_transpose(y_hist))
    empty = ~(rho_hist > 0)  # (..., M)
    r = xp.where(upper, sy, zeros) + xp.where(eye & empty[..., :, None], ones, zeros)
    diag = xp.sum(xp.where(eye, sy, zeros), axis=-1)  # (..., M)
    yy_new = yy[..., m - 1, m - 1]
    have = (rho_hist[..., m - 1] > 0) & (yy_new > 0)
    gamma = xp.where(have, diag[..., m - 1] / xp.where(have, yy_new, xp.ones_like(yy_new)), xp.ones_like(yy_new))
    a = xp.sum(s_hist * grad[..., None, :], axis=-1)  # (..., M)
    b = xp.sum(y_hist * grad[..., None, :], axis=-1)
    p = xp.linalg.solve(r, a[..., None])[..., 0]
    g_ = gamma[..., None]
    w = diag * p + g_ * xp.sum(yy * p[..., None, :], axis=-1) - g_ * b
    z = xp.linalg.solve(xp.matrix_transpose(r), w[..., None])[..., 0]
    hg = g_ * grad + xp.sum(z[..., None] * s_hist, axis=-2) - g_ * xp.sum(p[..., None] * y_hist, axis=-2)
    return -hg


def _push(hist: Array, new: Array, mask: Array, *, xp: Any) -> Array:
    """Append ``new`` (..., d) as the newest slot of ``hist`` (..., M, d) where ``mask``."""
    shifted = xp.concat([hist[..., 1:, :], new[..., None, :]], axis=-2)
    return xp.where(mask[..., None, None], shifted, hist)


def lbfgs_minimize(
    objective: Objective,
    x0: Array,
    *,
    tol: float,
    max_iter: int,
    history: int = 10,
    check_every: int = 10,
    unrolled: bool = False,
    bk: Any,
) -> LBFGSState:
    """Minimise ``objective`` row-wise from ``x0`` (..., d); see the module docstring.

    Args:
        tol: a row is converged when ``||grad||_1 <= tol``.
        max_iter: maximum number of objective evaluations (line-search trials included).
        history: number of curvature pairs kept.
        check_every: evaluations between two convergence tests of the whole batch.
        unrolled: run exactly ``max_iter`` steps with ``bk.fori_loop`` (framework-differentiable).
    """
    xp = bk.xp
    eps = float(xp.finfo(x0.dtype).eps)
    patience_far = float(max(STALL_PATIENCE, 2 * x0.shape[-1]))

    near_tol = 100 * tol if eps > 1e-10 else 0.0  # float64: no short patience (floor ~1e-13)

    def patience(err_best: Array) -> Array:
        return xp.where(err_best <= near_tol, STALL_PATIENCE_NEAR + 0 * err_best, patience_far + 0 * err_best)

    c1 = 1e-4
    value0, grad0, scale0 = objective(x0)
    err0 = xp.sum(xp.abs(grad0), axis=-1)
    batch = x0.shape[:-1]
    hist0 = xp.zeros((*batch, history, x0.shape[-1]), dtype=x0.dtype, device=device(x0))
    rho0 = xp.zeros((*batch, history), dtype=x0.dtype, device=device(x0))
    # First step: steepest descent with a step that moves no coordinate by more than ~1.
    gmax = xp.max(xp.abs(grad0), axis=-1)
    step0 = 1 / xp.maximum(gmax, xp.ones_like(gmax))
    init = LBFGSState(
        x=x0,
        value=value0,
        grad=grad0,
        scale=scale0,
        direction=-grad0,
        step=step0,
        s_hist=hist0,
        y_hist=hist0,
        rho_hist=rho0,
        err=err0,
        n_eval=xp.zeros_like(err0) + 1,
        x_best=x0,
        err_best=err0,
        err_ref=err0,
        stall=xp.zeros_like(err0),
    )

    def body(s: LBFGSState) -> LBFGSState:
        active = (s.err > tol) & (s.stall < patience(s.err_best))  # converged / stalled / NaN rows freeze
        x_t = s.x + s.step[..., None] * s.direction
        v_t, g_t, scale_t = objective(x_t)
        slope = _vdot(s.grad, s.direction, xp=xp)
        slack = 8 * eps * xp.maximum(scale_t, s.scale)
        finite = xp.isfinite(v_t) & xp.all(xp.isfinite(g_t), axis=-1)
        accept = active & finite & (v_t <= s.value + c1 * s.step * slope + slack)

        s_vec = x_t - s.x
        y_vec = g_t - s.grad
        sy = _vdot(s_vec, y_vec, xp=xp)
        curvature_ok = sy > eps * xp.sqrt(_vdot(s_vec, s_vec, xp=xp) * _vdot(y_vec, y_vec, xp=xp))
        push = accept & curvature_ok
        s_hist = _push(s.s_hist, s_vec, push, xp=xp)
        y_hist = _push(s.y_hist, y_vec, push, xp=xp)
        rho_new = 1 / xp.where(curvature_ok, sy, xp.ones_like(sy))
        rho_shift = xp.concat([s.rho_hist[..., 1:], rho_new[..., None]], axis=-1)
        rho_hist = xp.where(push[..., None], rho_shift, s.rho_hist)

        x = xp.where(accept[..., None], x_t, s.x)
        value = xp.where(accept, v_t, s.value)
        grad = xp.where(accept[..., None], g_t, s.grad)
        scale = xp.where(accept, scale_t, s.scale)
        err = xp.where(accept, xp.sum(xp.abs(g_t), axis=-1), s.err)

        new_dir = _direction(grad, s_hist, y_hist, rho_hist, xp=xp)
        step = xp.where(accept, xp.ones_like(s.step), xp.where(finite, s.step * 0.5, s.step * 0.1))
        direction = xp.where(accept[..., None], new_dir, s.direction)
        # Restart from steepest descent when the direction is useless or the step underflowed.
        restart = active & ((_vdot(grad, direction, xp=xp) >= 0) | (step < 1e-10))
        gmax = xp.max(xp.abs(grad), axis=-1)
        direction = xp.where(restart[..., None], -grad, direction)
        step = xp.where(restart, 1 / xp.maximum(gmax, xp.ones_like(gmax)), step)
        keep = ~restart
        s_hist = xp.where(keep[..., None, None], s_hist, xp.zeros_like(s_hist))
        y_hist = xp.where(keep[..., None, None], y_hist, xp.zeros_like(y_hist))
        rho_hist = xp.where(keep[..., None], rho_hist, xp.zeros_like(rho_hist))

        improved = err < s.err_best
        halved = err < 0.9 * s.err_ref
        a = active[..., None]
        return LBFGSState(
            x=xp.where(a, x, s.x),
            value=xp.where(active, value, s.value),
            grad=xp.where(a, grad, s.grad),
            scale=xp.where(active, scale, s.scale),
            direction=xp.where(a, direction, s.direction),
            step=xp.where(active, step, s.step),
            s_hist=xp.where(a[..., None], s_hist, s.s_hist),
            y_hist=xp.where(a[..., None], y_hist, s.y_hist),
            rho_hist=xp.where(a, rho_hist, s.rho_hist),
            err=xp.where(active, err, s.err),
            n_eval=s.n_eval + xp.astype(active, x0.dtype),
            x_best=xp.where(a & improved[..., None], x, s.x_best),
            err_best=xp.where(active & improved, err, s.err_best),
            err_ref=xp.where(active & halved, err, s.err_ref),
            stall=xp.where(active, xp.where(halved, xp.zeros_like(s.stall), s.stall + 1), s.stall),
        )

    def cond(s: LBFGSState) -> Any:
        return xp.any((s.err > tol) & (s.stall < patience(s.err_best)))

    if unrolled:
        state = bk.fori_loop(0, max_iter, lambda _, s: body(s), init)
    else:
        state = bk.while_loop(cond, body, init, max_iter=max_iter, check_every=check_every)
    return state._replace(x=state.x_best, err=state.err_best)
