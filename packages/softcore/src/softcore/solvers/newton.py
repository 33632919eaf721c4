r"""Batched damped Newton method, written as a state machine (one objective evaluation per step).

Minimises a smooth strictly convex objective ``h(x)`` independently for every row of a batch
(``x`` is ``(..., d)``) when the caller can apply the inverse Hessian (``newton_direction``,
e.g. a banded direct solve). Each loop step evaluates ``h`` once, at ``x + step * p``:

* if the (slackened) Armijo condition ``h(x_t) <= h(x) + c1 step grad.p + slack`` holds
  (``c1 = 1e-4``, ``slack = 8 eps * scale`` as in :mod:`softcore.solvers.lbfgs`), the point is
  accepted, the Newton direction ``p = -H(x_t)^{-1} grad(x_t)`` is computed and the step reset to 1;
* otherwise the step is halved (divided by 10 when ``h(x_t)`` is not finite).

A direction that is not a descent direction (round-off) is replaced by ``-grad``. A row freezes
once ``||grad||_1 <= tol``, when the step underflows (``< 1e-10``), or after
:data:`STALL_PATIENCE` evaluations without progress, i.e. neither a 10% improvement of
``||grad||_1`` nor a decrease of ``h`` beyond the round-off slack (the round-off floor: Newton
converges quadratically, so a long plateau never precedes success), or after
:data:`IDLE_PATIENCE` evaluations without a 10% improvement of ``||grad||_1``. The returned
``x`` is the best iterate (smallest ``||grad||_1``). Results do not depend on the batch
composition, and the loop runs on ``bk.while_loop`` (no host round trip except the backend's
convergence test every ``check_every`` steps).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from softcore._arrays import device

__all__ = ["IDLE_PATIENCE", "STALL_PATIENCE", "NewtonState", "newton_minimize"]

Array = Any

#: Evaluations without progress (see the module docstring) after which a row stops.
STALL_PATIENCE = 10
#: Evaluations without a 10% improvement of ``||grad||_1`` after which a row stops, progress of
#: ``h`` or not (round-off noise in ``h`` can pass for progress at the floor).
IDLE_PATIENCE = 50

# objective(x) -> (value (...), grad (..., d), scale (...), aux); `aux` is a tuple of (..., d)
# arrays (the Hessian's ingredients) handed to newton_direction(grad, aux) -> -H^{-1} grad.
Objective = Callable[[Array], tuple[Array, Array, Array, tuple[Array, ...]]]
Direction = Callable[[Array, tuple[Array, ...]], Array]


class NewtonState(NamedTuple):
    x: Array  # (..., d)
    value: Array  # (...,)
    grad: Array  # (..., d)
    scale: Array  # (...,)
    aux: tuple[Array, ...]
    direction: Array  # (..., d)
    step: Array  # (...,)
    err: Array  # (...,) ||grad||_1
    n_eval: Array  # (...,) evaluations spent on the row (dtype of x)
    x_best: Array
    err_best: Array
    err_ref: Array  # err when the idle counter was last reset
    stall: Array  # (...,) evaluations without progress (STALL_PATIENCE once the step underflowed)
    idle: Array  # (...,) evaluations since err last improved by 10%


def newton_minimize(
    objective: Objective,
    newton_direction: Direction,
    x0: Array,
    *,
    n_aux: int,
    tol: float,
    max_iter: int,
    check_every: int = 1,
    stall_patience: int = STALL_PATIENCE,
    idle_patience: int = IDLE_PATIENCE,
    bk: Any,
) -> NewtonState:
    """Minimise ``objective`` row-wise from ``x0`` (..., d); see the module docstring.

    Args:
        objective: ``x -> (value, grad, scale, aux)``; ``scale >= 0`` bounds the magnitude of the
            terms summed in ``value`` (round-off slack of the Armijo test); ``aux`` is a tuple of
            ``n_aux`` arrays shaped like ``x`` (the Hessian's ingredients).
        newton_direction: ``(grad, aux) -> -H^{-1} grad`` at the point that produced ``aux``.
        tol: a row is converged when ``||grad||_1 <= tol``.
        max_iter: maximum number of objective evaluations (line-search trials included).
        check_every: evaluations between two convergence tests of the whole batch.
        stall_patience, idle_patience: the stopping patiences (defaults :data:`STALL_PATIENCE`,
            :data:`IDLE_PATIENCE`); semi-smooth problems, whose damped phase can backtrack many
            times in a row, need longer ones.
    """
    xp = bk.xp
    eps = float(xp.finfo(x0.dtype).eps)
    c1 = 1e-4
    # The first loop step evaluates x0 itself (step 0 along a zero direction, accepted against
    # value = +inf), so the objective and the Newton solve appear once in the traced loop body.
    inf = xp.full(x0.shape[:-1], float("inf"), dtype=x0.dtype, device=device(x0))
    zeros = xp.zeros_like(x0)
    init = NewtonState(
        x=x0,
        value=inf,
        grad=zeros,
        scale=xp.zeros_like(inf),
        aux=tuple(xp.zeros_like(x0) for _ in range(n_aux)),
        direction=zeros,
        step=xp.zeros_like(inf),
        err=inf,
        n_eval=xp.zeros_like(inf),
        x_best=x0,
        err_best=inf,
        err_ref=inf,
        stall=xp.zeros_like(inf),
        idle=xp.zeros_like(inf),
    )

    def running(s: NewtonState) -> Array:
        return (s.err > tol) & (s.stall < stall_patience) & (s.idle < idle_patience)  # NaN rows stop too

    def body(s: NewtonState) -> NewtonState:
        active = running(s)
        a = active[..., None]
        x_t = s.x + s.step[..., None] * s.direction
        v_t, g_t, scale_t, aux_t = objective(x_t)
        slope = xp.sum(s.grad * s.direction, axis=-1)
        slack = 8 * eps * xp.maximum(scale_t, s.scale)
        finite = xp.isfinite(v_t) & xp.all(xp.isfinite(g_t), axis=-1)
        accept = active & finite & (v_t <= s.value + c1 * s.step * slope + slack)
        acc = accept[..., None]
        x = xp.where(acc, x_t, s.x)
        grad = xp.where(acc, g_t, s.grad)
        aux = tuple(xp.where(acc, new, old) for new, old in zip(aux_t, s.aux, strict=True))
        err = xp.where(accept, xp.sum(xp.abs(g_t), axis=-1), s.err)
        # Rows that backtrack keep their direction: they pass a zero gradient, for which an
        # iterative newton_direction (CG) stops at once.
        p_new = newton_direction(xp.where(acc, grad, xp.zeros_like(grad)), aux)
        direction = xp.where(acc, _descent(p_new, grad, xp=xp), s.direction)
        step = xp.where(accept, xp.ones_like(s.step), xp.where(finite, 0.5 * s.step, 0.1 * s.step))
        improved = err < s.err_best
        # Progress: ||grad||_1 down by 10%, or a decrease of h beyond round-off (damped phase,
        # where ||grad||_1 need not decrease).
        err_down = err < 0.9 * s.err_ref
        better = err_down | (accept & (v_t < s.value - slack))
        stall = xp.where(better, xp.zeros_like(s.stall), s.stall + 1)
        idle = xp.where(err_down, xp.zeros_like(s.idle), s.idle + 1)
        stall = xp.where(step < 1e-10, xp.full_like(stall, float(stall_patience)), stall)
        return NewtonState(
            x=x,
            value=xp.where(accept, v_t, s.value),
            grad=grad,
            scale=xp.where(accept, scale_t, s.scale),
            aux=aux,
            direction=direction,
            step=xp.where(active, step, s.step),
            err=err,
            n_eval=s.n_eval + xp.astype(active, x0.dtype),
            x_best=xp.where(a & improved[..., None], x, s.x_best),
            err_best=xp.where(active & improved, err, s.err_best),
            err_ref=xp.where(active & err_down, err, s.err_ref),
            stall=xp.where(active, stall, s.stall),
            idle=xp.where(active, idle, s.idle),
        )

    def cond(s: NewtonState) -> Any:
        return xp.any(running(s))

    state = bk.while_loop(cond, body, init, max_iter=max_iter, check_every=check_every)
    return state._replace(x=state.x_best, err=state.err_best)


def _descent(p: Array, grad: Array, *, xp: Any) -> Array:
    """``p`` where it is a finite descent direction, else ``-grad``."""
    ok = (xp.sum(p * grad, axis=-1) < 0) & xp.all(xp.isfinite(p), axis=-1)
    return xp.where(ok[..., None], p, -grad)
