r"""Direct batched solver for symmetric positive definite pentadiagonal systems.

Solves :math:`H x = r` row-wise for ``r`` (..., m) and a symmetric pentadiagonal ``H`` given by
its bands: the main diagonal ``d0`` (..., m), the first off-diagonal ``d1`` (..., m-1)
(``H[i, i+1] = d1[i]``) and the second off-diagonal ``d2`` (..., m-2) (``H[i, i+2] = d2[i]``).

Method: **block parallel cyclic reduction**. Pairing unknowns ``(x_{2i}, x_{2i+1})`` turns ``H``
into a block tridiagonal matrix with 2 x 2 blocks: diagonal blocks ``A_i`` (symmetric) and upper
blocks ``B_i`` coupling block ``i`` to ``i + h`` (lower blocks ``B_{i-h}^T``), ``h = 1``. One level
eliminates, in every block row at once, the couplings to the rows ``i -+ h``:

.. math::
    A_i' = A_i - B_{i-h}^\top A_{i-h}^{-1} B_{i-h} - B_i A_{i+h}^{-1} B_i^\top,\qquad
    B_i' = -B_i A_{i+h}^{-1} B_{i+h},\qquad
    r_i' = r_i - B_{i-h}^\top A_{i-h}^{-1} r_{i-h} - B_i A_{i+h}^{-1} r_{i+h},

after which every row couples only to the rows ``i -+ 2h`` (blocks outside ``[0, k)`` count as
absent). After ``ceil(log2 k)`` levels (``k`` blocks) no coupling is left and ``x_i = A_i^{-1} r_i``.
Each level is a handful of batched gathers and 2 x 2 products, run in ``bk.fori_loop`` (one traced
level, whatever ``m``: compile time does not grow with ``m``): O(m log m) work, O(log m) depth,
no loop over rows or unknowns. For SPD ``H`` every reduced diagonal block is a Schur complement of
``H`` (the even and the odd rows of a level form the reduced systems of ordinary cyclic reduction),
hence SPD: no pivoting is needed and the elimination is backward stable.

The solve is plain array-API code, differentiable by the frameworks (it is used inside VJP/JVP
rules through ``bk.linear_solve``, which differentiates it as ``H^{-1}`` instead).
"""

from __future__ import annotations

from typing import Any

from softcore._arrays import device

__all__ = ["pentadiagonal_matvec", "solve_spd_pentadiagonal"]

Array = Any


def pentadiagonal_matvec(d0: Array, d1: Array, d2: Array, x: Array, *, xp: Any) -> Array:
    """``H x`` for the symmetric pentadiagonal ``H`` with bands ``d0, d1, d2`` (see module docstring)."""
    out = d0 * x
    m = x.shape[-1]
    if m > 1:
        z1 = xp.zeros_like(x[..., :1])
        out = out + xp.concat([d1 * x[..., 1:], z1], axis=-1) + xp.concat([z1, d1 * x[..., :-1]], axis=-1)
    if m > 2:
        z2 = xp.zeros_like(x[..., :2])
        out = out + xp.concat([d2 * x[..., 2:], z2], axis=-1) + xp.concat([z2, d2 * x[..., :-2]], axis=-1)
    return out


def _inv2(a: Array, *, xp: Any) -> Array:
    """Inverse of a batch of 2 x 2 matrices (..., 2, 2) by the closed form."""
    p, q, r, s = a[..., 0, 0], a[..., 0, 1], a[..., 1, 0], a[..., 1, 1]
    det = p * s - q * r
    rows = [xp.stack([s, -q], axis=-1), xp.stack([-r, p], axis=-1)]
    return xp.stack(rows, axis=-2) / det[..., None, None]


def _mv(a: Array, v: Array, *, xp: Any) -> Array:
    """``a @ v`` for (..., 2, 2) x (..., 2)."""
    return xp.matmul(a, v[..., None])[..., 0]


def _reduce_level(state: tuple[Array, ...], *, xp: Any) -> tuple[Array, ...]:
    """One parallel-cyclic-reduction level (module docstring); ``h`` (0-d int array) doubles."""
    a, b, r, h = state  # (..., k, 2, 2), (..., k, 2, 2), (..., k, 2), ()
    k = a.shape[-3]
    idx = xp.arange(k, device=device(r))
    lo, hi = idx - h, idx + h
    has_lo, has_hi = lo >= 0, hi < k
    lo_c = xp.where(has_lo, lo, xp.zeros_like(lo))
    hi_c = xp.where(has_hi, hi, xp.zeros_like(hi))
    eye = xp.eye(2, dtype=r.dtype, device=device(r))
    m_lo = has_lo[:, None, None]
    m_hi = has_hi[:, None, None]
    zero = xp.zeros_like(a)
    a_lo = xp.where(m_lo, xp.take(a, lo_c, axis=-3), eye + zero)  # absent neighbours: identity / zero
    a_hi = xp.where(m_hi, xp.take(a, hi_c, axis=-3), eye + zero)
    b_lo = xp.where(m_lo, xp.take(b, lo_c, axis=-3), zero)  # B_{i-h}: couples i-h -> i
    b_hi = xp.where(m_hi, xp.take(b, hi_c, axis=-3), zero)  # B_{i+h}: couples i+h -> i+2h
    b = xp.where(m_hi, b, zero)
    r_lo = xp.where(has_lo[:, None], xp.take(r, lo_c, axis=-2), xp.zeros_like(r))
    r_hi = xp.where(has_hi[:, None], xp.take(r, hi_c, axis=-2), xp.zeros_like(r))
    tr = xp.matrix_transpose
    g_lo = xp.matmul(tr(b_lo), _inv2(a_lo, xp=xp))  # B_{i-h}^T A_{i-h}^{-1}
    g_hi = xp.matmul(b, _inv2(a_hi, xp=xp))  # B_i A_{i+h}^{-1}
    a_new = a - xp.matmul(g_lo, b_lo) - xp.matmul(g_hi, tr(b))
    b_new = -xp.matmul(g_hi, b_hi)
    r_new = r - _mv(g_lo, r_lo, xp=xp) - _mv(g_hi, r_hi, xp=xp)
    return a_new, b_new, r_new, 2 * h


def solve_spd_pentadiagonal(d0: Array, d1: Array, d2: Array, r: Array, *, bk: Any) -> Array:
    """Solve ``H x = r`` along the last axis for SPD pentadiagonal ``H`` (bands ``d0`` (..., m),
    ``d1`` (..., m-1), ``d2`` (..., m-2), broadcastable against ``r`` (..., m)) -> ``x`` (..., m)."""
    xp = bk.xp
    m = r.shape[-1]
    if m == 0:
        return r
    batch = r.shape[:-1]
    d0 = xp.broadcast_to(d0, (*batch, m))
    d1 = xp.broadcast_to(d1, (*batch, max(m - 1, 0)))
    d2 = xp.broadcast_to(d2, (*batch, max(m - 2, 0)))
    k = (m + 1) // 2  # blocks
    size = 2 * k  # an odd m gets one identity row
    dev = device(r)

    def padded(v: Array, fill: float) -> Array:
        extra = size - v.shape[-1]
        if extra == 0:
            return v
        return xp.concat([v, xp.full((*batch, extra), fill, dtype=r.dtype, device=dev)], axis=-1)

    e0 = xp.reshape(padded(d0, 1.0), (*batch, k, 2))  # H[i, i]
    e1 = xp.reshape(padded(d1, 0.0), (*batch, k, 2))  # H[i, i+1], zero past the end
    e2 = xp.reshape(padded(d2, 0.0), (*batch, k, 2))  # H[i, i+2]
    rr = xp.reshape(padded(r, 0.0), (*batch, k, 2))
    # Diagonal block t: [[H[2t,2t], H[2t,2t+1]], [H[2t+1,2t], H[2t+1,2t+1]]]; upper block t (rows
    # 2t, 2t+1; columns 2t+2, 2t+3): [[H[2t,2t+2], 0], [H[2t+1,2t+2], H[2t+1,2t+3]]].
    a = xp.stack([xp.stack([e0[..., 0], e1[..., 0]], axis=-1), xp.stack([e1[..., 0], e0[..., 1]], axis=-1)], axis=-2)
    zero = xp.zeros_like(e0[..., 0])
    b = xp.stack([xp.stack([e2[..., 0], zero], axis=-1), xp.stack([e1[..., 1], e2[..., 1]], axis=-1)], axis=-2)
    levels = max(k - 1, 0).bit_length()  # ceil(log2 k)
    h0 = xp.asarray(1, device=dev)
    a, b, rr, _ = bk.fori_loop(0, levels, lambda _, st: _reduce_level(st, xp=xp), (a, b, rr, h0))
    x = _mv(_inv2(a, xp=xp), rr, xp=xp)
    return xp.reshape(x, (*batch, size))[..., :m]
