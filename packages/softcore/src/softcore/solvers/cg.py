r"""Batched (preconditioned) conjugate gradients on the backend's bounded loops.

Solves :math:`A x = b` for symmetric positive (semi-)definite ``A`` given as a matrix-free
``matvec``, independently for every row of a batch: ``b`` is ``(..., d)`` and ``matvec`` maps
``(..., d) -> (..., d)``. With a diagonal preconditioner ``M = diag(m)`` the iteration is the
textbook PCG

.. math::
    \alpha_k = \frac{r_k^\top z_k}{p_k^\top A p_k},\quad x_{k+1} = x_k + \alpha_k p_k,\quad
    r_{k+1} = r_k - \alpha_k A p_k,\quad z_{k+1} = r_{k+1} / m,\quad
    p_{k+1} = z_{k+1} + \frac{r_{k+1}^\top z_{k+1}}{r_k^\top z_k} p_k .

A row stops (its state is frozen, so results do not depend on the batch composition) once
``||r||_2 <= tol * ||b||_2``. Consistent singular systems (``b`` orthogonal to the null space of
``A``) are fine: started from ``x0 = 0`` the iterates stay in the range of ``A``.

Used inside VJP-rule backwards (implicit differentiation), never differentiated itself unless
``differentiable=True`` (then a fixed ``max_iter`` ``fori_loop`` is used, which JAX can
reverse-differentiate, at the price of always running ``max_iter`` steps).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

__all__ = ["CGState", "cg_solve"]

Array = Any


class CGState(NamedTuple):
    x: Array  # (..., d) current solution
    r: Array  # (..., d) residual b - A x
    p: Array  # (..., d) search direction
    rz: Array  # (...,)  r . z
    res_norm: Array  # (...,) ||r||_2
    n_iter: Array  # (...,) steps taken (in the dtype of b)


def _safe_div(num: Array, den: Array, *, xp: Any) -> Array:
    ok = den > 0
    return xp.where(ok, num / xp.where(ok, den, xp.ones_like(den)), xp.zeros_like(num))


def cg_solve(
    matvec: Callable[[Array], Array],
    b: Array,
    *,
    precond: Array | None = None,
    tol: float,
    max_iter: int,
    check_every: int = 1,
    differentiable: bool = False,
    bk: Any,
) -> CGState:
    """Solve ``matvec(x) = b`` row-wise by (Jacobi-preconditioned) CG, starting from ``x = 0``.

    Args:
        matvec: SPD (or consistent PSD) linear map on ``(..., d)`` arrays.
        b: right-hand side ``(..., d)``.
        precond: positive diagonal ``m`` of the preconditioner ``M`` (broadcastable to ``b``), or None.
        tol: relative residual tolerance ``||b - A x|| <= tol ||b||`` (per row).
        max_iter: maximum number of CG steps.
        check_every: convergence is tested every this many steps (``bk.while_loop``).
        differentiable: run exactly ``max_iter`` steps with ``bk.fori_loop`` (rows still freeze once
            converged) so that the solve itself can be differentiated by the framework.

    Returns:
        The final :class:`CGState`; ``state.x`` is the solution, ``state.res_norm`` the residual norm.
    """
    xp = bk.xp

    def apply_precond(r: Array) -> Array:
        return r if precond is None else r / precond

    b_norm = xp.sqrt(xp.sum(b * b, axis=-1))  # (...,)
    threshold = tol * b_norm
    z0 = apply_precond(b)
    init = CGState(
        x=xp.zeros_like(b),
        r=b,
        p=z0,
        rz=xp.sum(b * z0, axis=-1),
        res_norm=b_norm,
        n_iter=xp.zeros_like(b_norm),
    )

    def body(s: CGState) -> CGState:
        active = s.res_norm > threshold  # (...,)  NaN rows stop
        ap = matvec(s.p)
        alpha = _safe_div(s.rz, xp.sum(s.p * ap, axis=-1), xp=xp)[..., None]
        x = s.x + alpha * s.p
        r = s.r - alpha * ap
        z = apply_precond(r)
        rz = xp.sum(r * z, axis=-1)
        beta = _safe_div(rz, s.rz, xp=xp)[..., None]
        p = z + beta * s.p
        res_norm = xp.sqrt(xp.sum(r * r, axis=-1))
        a = active[..., None]
        return CGState(
            x=xp.where(a, x, s.x),
            r=xp.where(a, r, s.r),
            p=xp.where(a, p, s.p),
            rz=xp.where(active, rz, s.rz),
            res_norm=xp.where(active, res_norm, s.res_norm),
            n_iter=s.n_iter + xp.astype(active, b.dtype),
        )

    if differentiable:
        return bk.fori_loop(0, max_iter, lambda _, s: body(s), init)

    def cond(s: CGState) -> Any:
        return xp.any(s.res_norm > threshold)

    return bk.while_loop(cond, body, init, max_iter=max_iter, check_every=check_every)
